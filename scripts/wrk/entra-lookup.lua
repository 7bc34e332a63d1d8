-- Entra's user lookup (docs/idps/entra.md §2, as real logs show it: `+` for spaces, `%22` for
-- quotes), cycling through the users a load run created with `--prefix PREFIX`.
-- wrk args: PREFIX USERS TOKEN
local prefix, users, index
local headers = {}

function init(args)
    prefix = args[1]
    users = tonumber(args[2])
    headers["Authorization"] = "Bearer " .. args[3]
    index = math.random(0, users - 1)
end

function request()
    index = (index + 1) % users
    local name = string.format("%s-user-%06d%%40example.com", prefix, index)
    return wrk.format("GET", "/scim/v2/Users?filter=userName+eq+%22" .. name .. "%22", headers)
end
