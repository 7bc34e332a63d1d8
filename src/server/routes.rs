//! The routing table: which method on which path reaches which handler.
//!
//! Anything the table does not hold still gets a SCIM answer: an unknown path is `404`, a
//! known path with the wrong method is `405` with an `Allow`-free SCIM error body (RFC 7644
//! §3.12 lists 405 for "service provider does not support the request operation"), unless
//! `html-405-and-404` has both answered with an HTML page.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use super::respond::ApiError;
use super::store::Kind;
use super::{AppState, Quirk, SCIM_BASE_PATH, app, auth, bulk, discovery, resources, respond};
use crate::scim::ScimError;

async fn method_not_allowed(State(app): State<Arc<AppState>>) -> Response {
    if app.quirks.has(Quirk::Html405And404) {
        return html_error(StatusCode::METHOD_NOT_ALLOWED);
    }
    ApiError(ScimError::new(
        405,
        None,
        "this endpoint does not support that method",
    ))
    .into_response()
}

async fn not_found(State(app): State<Arc<AppState>>) -> Response {
    if app.quirks.has(Quirk::Html405And404) {
        return html_error(StatusCode::NOT_FOUND);
    }
    ApiError(ScimError::not_found("no such endpoint")).into_response()
}

/// Under `html-405-and-404`: the web framework's own error page, as servers answer what no
/// SCIM handler reaches.
fn html_error(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n<body><h1>{reason}</h1></body></html>\n"
    );
    let mut response = (status, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Under `missing-accept-as-html`: a request without `Accept` is taken for a browser's, and
/// refused as the framework refuses HTML it cannot render.
async fn refuse_missing_accept(
    request: axum::extract::Request,
    next: middleware::Next,
) -> Response {
    if request.headers().contains_key(header::ACCEPT) {
        return next.run(request).await;
    }
    html_error(StatusCode::NOT_ACCEPTABLE)
}

/// `/Me` (RFC 7644 §3.11) needs a bearer token that names a user; this server's token names a
/// client, so it says what the RFC asks of a server without the feature: 501 Not Implemented.
async fn me_not_implemented() -> Response {
    ApiError(ScimError::new(
        501,
        None,
        "the /Me endpoint is not implemented: the bearer token does not name a user",
    ))
    .into_response()
}

/// Under `no-root-search`: a search across resource types at the root is not implemented
/// (RFC 7644 §3.4.2.1 makes it a MAY); each type's own `/.search` still works.
async fn root_search_not_implemented() -> Response {
    ApiError(ScimError::new(
        501,
        None,
        "searching across resource types is not implemented: POST /Users/.search or /Groups/.search",
    ))
    .into_response()
}

fn collection(kind: Kind) -> MethodRouter<Arc<AppState>> {
    get(
        move |State(app): State<Arc<AppState>>, RawQuery(query): RawQuery| {
            resources::list(app, kind, query)
        },
    )
    .post(
        move |State(app): State<Arc<AppState>>,
              headers: HeaderMap,
              RawQuery(query): RawQuery,
              body: Body| { resources::create(app, kind, headers, query, body) },
    )
    .fallback(method_not_allowed)
}

fn item(kind: Kind) -> MethodRouter<Arc<AppState>> {
    get(
        move |State(app): State<Arc<AppState>>,
              Path(id): Path<String>,
              headers: HeaderMap,
              RawQuery(query): RawQuery| { resources::read(app, kind, id, headers, query) },
    )
    .put(
        move |State(app): State<Arc<AppState>>,
              Path(id): Path<String>,
              headers: HeaderMap,
              RawQuery(query): RawQuery,
              body: Body| { resources::replace(app, kind, id, headers, query, body) },
    )
    .patch(
        move |State(app): State<Arc<AppState>>,
              Path(id): Path<String>,
              headers: HeaderMap,
              RawQuery(query): RawQuery,
              body: Body| { resources::patch(app, kind, id, headers, query, body) },
    )
    .delete(
        move |State(app): State<Arc<AppState>>, Path(id): Path<String>, headers: HeaderMap| {
            resources::delete(app, kind, id, headers)
        },
    )
    .fallback(method_not_allowed)
}

fn search(kind: Option<Kind>) -> MethodRouter<Arc<AppState>> {
    post(
        move |State(app): State<Arc<AppState>>, headers: HeaderMap, body: Body| {
            resources::search(app, kind, headers, body)
        },
    )
    .fallback(method_not_allowed)
}

/// The whole application, ready to serve.
///
/// Routes carry the full `/scim/v2/…` path rather than being nested, and the shape-quirk
/// layer is added only when a shape quirk is on: both keep the common path (an authenticated
/// GET by id) as short as a bare handler's, which `scripts/bench.sh` measures.
pub fn router(state: Arc<AppState>) -> Router {
    let at = |path: &str| format!("{SCIM_BASE_PATH}{path}");
    let scim = Router::new()
        .route(
            &at("/ServiceProviderConfig"),
            get(discovery::get_service_provider_config).fallback(method_not_allowed),
        )
        .route(
            &at("/ResourceTypes"),
            get(discovery::list_resource_types).fallback(method_not_allowed),
        )
        .route(
            &at("/ResourceTypes/{id}"),
            get(discovery::get_resource_type).fallback(method_not_allowed),
        )
        .route(
            &at("/Schemas"),
            get(discovery::list_schemas).fallback(method_not_allowed),
        )
        .route(
            &at("/Schemas/{id}"),
            get(discovery::get_schema).fallback(method_not_allowed),
        )
        .route(&at("/Users"), collection(Kind::User))
        .route(&at("/Users/.search"), search(Some(Kind::User)))
        .route(&at("/Users/{id}"), item(Kind::User))
        .route(&at("/Groups"), collection(Kind::Group))
        .route(&at("/Groups/.search"), search(Some(Kind::Group)))
        .route(&at("/Groups/{id}"), item(Kind::Group))
        .route(
            &at("/.search"),
            if state.quirks.has(Quirk::NoRootSearch) {
                post(root_search_not_implemented).fallback(method_not_allowed)
            } else {
                search(None)
            },
        )
        .route(&at("/Bulk"), post(bulk::bulk).fallback(method_not_allowed))
        .route(&at("/Me"), axum::routing::any(me_not_implemented))
        .route(&at("/Me/{*rest}"), axum::routing::any(me_not_implemented))
        .route(&at("/{*rest}"), axum::routing::any(not_found))
        .route_layer(auth::RequireBearerLayer::new(&state.token))
        .fallback(not_found);
    let scim = if state.quirks.changes_response_shape() {
        scim.layer(middleware::from_fn_with_state(
            state.clone(),
            respond::apply_shape_quirks,
        ))
    } else {
        scim
    };
    let scim = if state.quirks.has(Quirk::MissingAcceptAsHtml) {
        scim.layer(middleware::from_fn(refuse_missing_accept))
    } else {
        scim
    };
    let scim = if state.quirks.has(Quirk::Throttle) {
        scim.layer(middleware::from_fn_with_state(
            state.clone(),
            respond::throttle,
        ))
    } else {
        scim
    };
    // Merged after the SCIM layers: the application API has its own key and its own errors.
    scim.merge(app::router()).with_state(state)
}
