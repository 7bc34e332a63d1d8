//! List queries: filtering, sorting and paging (RFC 7644 §3.4.2, §3.4.3).
//!
//! A [`ListQuery`] is built from query parameters or a `SearchRequest` body; the numbers follow
//! RFC 7644 §3.4.2.4 exactly: `startIndex` below 1 is read as 1, a negative `count` as 0, and
//! `itemsPerPage` is the number of resources actually returned (not the `count` asked for).

use std::cmp::Ordering;

use serde_json::{Value, json};

use super::attributes::Projection;
use super::error::ScimError;
use super::filter::Filter;
use super::path::AttrPath;
use super::schema::{AttrType, Resolved, ResourceType};

pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Ascending,
    Descending,
}

/// A parsed list request.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    /// 1-based.
    pub start_index: usize,
    /// `None`: as many as the server's page limit allows.
    pub count: Option<usize>,
    pub sort_by: Option<AttrPath>,
    pub sort_order: SortOrder,
    pub projection: Projection,
}

/// The raw parameters, from a query string or a `.search` body.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub filter: Option<String>,
    pub start_index: Option<String>,
    pub count: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

impl ListParams {
    /// The parameter a (case-insensitive) name stands for.
    fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name.to_ascii_lowercase().as_str() {
            "filter" => &mut self.filter,
            "startindex" => &mut self.start_index,
            "count" => &mut self.count,
            "sortby" => &mut self.sort_by,
            "sortorder" => &mut self.sort_order,
            "attributes" => &mut self.attributes,
            "excludedattributes" => &mut self.excluded_attributes,
            _ => return None,
        })
    }

    /// Collects the list parameters from decoded query pairs; names match case-insensitively.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut params = ListParams::default();
        for (name, value) in pairs {
            if let Some(slot) = params.slot(name) {
                *slot = Some(value.to_owned());
            }
        }
        params
    }

    /// Reads a `SearchRequest` body (RFC 7644 §3.4.3).
    pub fn from_search_request(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(fields) = body else {
            return Err(ScimError::invalid_syntax(
                "a SearchRequest must be a JSON object",
            ));
        };
        let mut params = ListParams::default();
        let mut declared = false;
        for (name, value) in fields {
            let text = |value: &Value| -> Result<String, ScimError> {
                match value {
                    Value::String(text) => Ok(text.clone()),
                    Value::Number(number) => Ok(number.to_string()),
                    Value::Array(items) => items
                        .iter()
                        .map(|item| {
                            item.as_str().map(str::to_owned).ok_or_else(|| {
                                ScimError::invalid_value(format!("`{name}` must list strings"))
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|items| items.join(",")),
                    _ => Err(ScimError::invalid_value(format!(
                        "`{name}` has the wrong type"
                    ))),
                }
            };
            if name.eq_ignore_ascii_case("schemas") {
                declared = value.as_array().is_some_and(|schemas| {
                    schemas
                        .iter()
                        .any(|s| s.as_str() == Some(SEARCH_REQUEST_SCHEMA))
                });
                continue;
            }
            let text = text(value)?;
            if let Some(slot) = params.slot(name) {
                *slot = Some(text);
            }
        }
        if !declared {
            return Err(ScimError::invalid_syntax(format!(
                "a SearchRequest lists `{SEARCH_REQUEST_SCHEMA}` in `schemas`"
            )));
        }
        Ok(params)
    }
}

fn parse_integer(name: &str, text: &str) -> Result<i64, ScimError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| ScimError::invalid_value(format!("`{name}` must be an integer, not `{text}`")))
}

impl ListQuery {
    /// Validates the parameters against the resource type. `resource_type` is `None` for a
    /// search across every type (`POST /.search`), where paths are checked per type later.
    pub fn parse(
        params: &ListParams,
        resource_type: Option<&ResourceType>,
    ) -> Result<Self, ScimError> {
        let filter = match params.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                let filter = Filter::parse(text)
                    .map_err(|error| ScimError::invalid_filter(error.to_string()))?;
                if let Some(resource_type) = resource_type {
                    filter
                        .check(resource_type)
                        .map_err(|error| ScimError::invalid_filter(error.reason))?;
                }
                Some(filter)
            }
        };
        let start_index = match &params.start_index {
            None => 1,
            Some(text) => parse_integer("startIndex", text)?.max(1) as usize,
        };
        let count = match &params.count {
            None => None,
            Some(text) => Some(parse_integer("count", text)?.max(0) as usize),
        };
        let sort_by = match params.sort_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                let path = AttrPath::parse(text)
                    .map_err(|error| ScimError::invalid_value(error.to_string()))?;
                if let Some(resource_type) = resource_type
                    && !matches!(
                        resource_type.resolve(&path),
                        Some(Resolved::Attribute { .. })
                    )
                {
                    return Err(ScimError::invalid_value(format!(
                        "cannot sort by `{text}`: no such attribute"
                    )));
                }
                Some(path)
            }
        };
        let sort_order = match params.sort_order.as_deref().map(str::trim) {
            None | Some("") => SortOrder::Ascending,
            Some(order) if order.eq_ignore_ascii_case("ascending") => SortOrder::Ascending,
            Some(order) if order.eq_ignore_ascii_case("descending") => SortOrder::Descending,
            Some(order) => {
                return Err(ScimError::invalid_value(format!(
                    "`sortOrder` is `ascending` or `descending`, not `{order}`"
                )));
            }
        };
        let projection = Projection::parse(
            params.attributes.as_deref(),
            params.excluded_attributes.as_deref(),
        )?;
        Ok(ListQuery {
            filter,
            start_index,
            count,
            sort_by,
            sort_order,
            projection,
        })
    }

    /// Sorts resources by `sortBy` (RFC 7644 §3.4.2.3): by the attribute's type, honouring
    /// `caseExact`; a multi-valued attribute sorts by its primary value, or its first; resources
    /// without a value sort last in either order. The sort is stable.
    pub fn sort(&self, resources: &mut [Value], resource_type: &ResourceType) {
        let Some(path) = &self.sort_by else { return };
        let Some(Resolved::Attribute {
            extension,
            attribute,
            sub_attribute,
        }) = resource_type.resolve(path)
        else {
            return;
        };
        let leaf = sub_attribute
            .or_else(|| attribute.sub_attribute("value"))
            .unwrap_or(attribute);
        let case_exact = leaf.case_exact;
        let is_date = leaf.ty == AttrType::DateTime;
        let key_of = |resource: &Value| -> Option<Value> {
            let holder = match extension {
                Some(urn) => resource.get(urn)?,
                None => resource,
            };
            let mut value = holder.get(attribute.name)?;
            if let Value::Array(elements) = value {
                value = elements
                    .iter()
                    .find(|e| e.get("primary") == Some(&Value::Bool(true)))
                    .or_else(|| elements.first())?;
            }
            if attribute.sub_attributes.is_empty() {
                return Some(value.clone());
            }
            let sub_name = sub_attribute.map(|s| s.name).unwrap_or("value");
            value.get(sub_name).cloned()
        };
        let order = self.sort_order;
        resources.sort_by_cached_key(|resource| SortKey {
            value: key_of(resource),
            case_exact,
            is_date,
            order,
        });
    }
}

/// A sort key that knows how its attribute compares.
#[derive(PartialEq)]
struct SortKey {
    value: Option<Value>,
    case_exact: bool,
    is_date: bool,
    order: SortOrder,
}

impl Eq for SortKey {}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = match (&self.value, &other.value) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(a), Some(b)) => (a, b),
        };
        let ordering = match (a, b) {
            (Value::String(a), Value::String(b)) if self.is_date => {
                match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
                    (Ok(a), Ok(b)) => a.cmp(&b),
                    _ => a.cmp(b),
                }
            }
            (Value::String(a), Value::String(b)) if !self.case_exact => {
                a.to_lowercase().cmp(&b.to_lowercase())
            }
            (Value::String(a), Value::String(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a
                .as_f64()
                .partial_cmp(&b.as_f64())
                .unwrap_or(Ordering::Equal),
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            _ => a.to_string().cmp(&b.to_string()),
        };
        match self.order {
            SortOrder::Ascending => ordering,
            SortOrder::Descending => ordering.reverse(),
        }
    }
}

/// A `ListResponse` (RFC 7644 §3.4.2): `itemsPerPage` is what this page holds.
pub fn list_response(total_results: usize, start_index: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total_results,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schema::USER_TYPE;

    fn params(pairs: &[(&str, &str)]) -> ListParams {
        ListParams::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn paging_numbers_follow_rfc_7644_3_4_2_4() {
        // Arrange
        let low = params(&[("startIndex", "-4"), ("COUNT", "-1")]);

        // Act
        let query = ListQuery::parse(&low, Some(&USER_TYPE)).unwrap();

        // Assert
        assert_eq!(query.start_index, 1);
        assert_eq!(query.count, Some(0));
    }

    #[test]
    fn non_numeric_paging_and_bad_sort_order_are_invalid_value() {
        for bad in [
            params(&[("startIndex", "one")]),
            params(&[("count", "1.5")]),
            params(&[("sortOrder", "sideways")]),
            params(&[("sortBy", "shoeSize")]),
        ] {
            let error = ListQuery::parse(&bad, Some(&USER_TYPE)).unwrap_err();
            assert_eq!(error.scim_type, Some(crate::scim::ScimType::InvalidValue));
        }
    }

    #[test]
    fn sorts_case_insensitively_with_missing_values_last_in_both_orders() {
        let mut users = vec![
            json!({"id": "1", "userName": "bob"}),
            json!({"id": "2"}),
            json!({"id": "3", "userName": "Alice"}),
        ];
        let ascending =
            ListQuery::parse(&params(&[("sortBy", "userName")]), Some(&USER_TYPE)).unwrap();
        ascending.sort(&mut users, &USER_TYPE);
        let ids: Vec<_> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["3", "1", "2"]);

        let descending = ListQuery::parse(
            &params(&[("sortBy", "userName"), ("sortOrder", "descending")]),
            Some(&USER_TYPE),
        )
        .unwrap();
        descending.sort(&mut users, &USER_TYPE);
        let ids: Vec<_> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["1", "3", "2"]);
    }

    #[test]
    fn sorts_multi_valued_attributes_by_their_primary_value() {
        let mut users = vec![
            json!({"id": "1", "emails": [{"value": "a@x"}, {"value": "z@x", "primary": true}]}),
            json!({"id": "2", "emails": [{"value": "m@x"}]}),
        ];
        let query = ListQuery::parse(&params(&[("sortBy", "emails")]), Some(&USER_TYPE)).unwrap();
        query.sort(&mut users, &USER_TYPE);
        assert_eq!(users[0]["id"], "2");
    }

    #[test]
    fn search_request_requires_its_schema() {
        let error = ListParams::from_search_request(&json!({"filter": "userName pr"})).unwrap_err();
        assert_eq!(error.scim_type, Some(crate::scim::ScimType::InvalidSyntax));
        let ok = ListParams::from_search_request(&json!({
            "schemas": [SEARCH_REQUEST_SCHEMA],
            "attributes": ["userName", "emails"],
            "startIndex": 2,
        }))
        .unwrap();
        assert_eq!(ok.attributes.as_deref(), Some("userName,emails"));
        assert_eq!(ok.start_index.as_deref(), Some("2"));
    }

    #[test]
    fn items_per_page_counts_what_is_returned() {
        let body = list_response(10, 3, vec![json!({}), json!({})]);
        assert_eq!(body["itemsPerPage"], 2);
        assert_eq!(body["totalResults"], 10);
    }
}
