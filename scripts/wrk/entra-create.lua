-- Entra's initial cycle for users it has not seen: the lookup that finds nothing, then the
-- POST /Users in the key order of Microsoft's create example (docs/idps/entra.md §6),
-- alternating, each thread with names of its own. wrk args: PREFIX TOKEN
local prefix, counter = nil, 0
-- `tid` is a global: setup() sets it per thread with thread:set.
local headers = {}
local threads = 0

function setup(thread)
    thread:set("tid", threads)
    threads = threads + 1
end

function init(args)
    prefix = args[1]
    headers["Authorization"] = "Bearer " .. args[2]
    headers["Content-Type"] = "application/scim+json; charset=utf-8"
end

function request()
    counter = counter + 1
    local n = math.floor((counter + 1) / 2)
    local local_part = string.format("%s-t%d-user-%07d", prefix, tid, n)
    if counter % 2 == 1 then
        return wrk.format("GET", "/scim/v2/Users?filter=userName+eq+%22" .. local_part .. "%40example.com%22", headers)
    end
    local body = string.format(
        '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],'
        .. '"externalId":"%s","userName":"%s@example.com","active":true,"displayName":"Given%d Family%d",'
        .. '"title":"Engineer","preferredLanguage":"en-US",'
        .. '"emails":[{"primary":true,"type":"work","value":"%s@example.com"}],"meta":{"resourceType":"User"},'
        .. '"name":{"formatted":"Given%d Family%d","familyName":"Family%d","givenName":"Given%d"},'
        .. '"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Department"},"roles":[]}',
        local_part, local_part, n, n, local_part, n, n, n, n)
    return wrk.format("POST", "/scim/v2/Users", headers, body)
end
