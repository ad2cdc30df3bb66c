//! The preview server's HTTP side: the site's files from memory (nothing outside the built
//! site can be asked for: a path is looked up among the site's files, never joined to a folder
//! on disk), the live-reload events, and `/api/search` answered from tantivy.
//!
//! Every HTML page gets the preview banner, the errors of the latest build when it failed,
//! and the small script that reloads the page when the server says so.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::Shared;
use crate::html::escape;

/// Longer request paths are refused: no page of a manual has one.
const MAX_PATH: usize = 2048;
const EVENTS: &str = "/__procbook/events";
const LIVE_JS: &str = include_str!("live.js");
const LIVE_CSS: &str = include_str!("live.css");

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(EVENTS, get(events))
        .route(
            "/__procbook/live.js",
            get(|| async { asset(LIVE_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/__procbook/live.css",
            get(|| async { asset(LIVE_CSS, "text/css; charset=utf-8") }),
        )
        .route("/api/search", get(search))
        .fallback(page)
        .with_state(shared)
}

fn asset(text: &'static str, kind: &'static str) -> Response {
    let mut response = Bytes::from_static(text.as_bytes()).into_response();
    set_headers(&mut response, kind);
    response
}

/// One of the site's files, or the site's 404 page.
async fn page(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            "Only GET and HEAD are served.\n",
        )
            .into_response();
    }
    let raw = uri.path();
    let path = match site_path(raw) {
        Ok(path) => path,
        Err(why) => {
            return (StatusCode::BAD_REQUEST, format!("Bad request: {why}.\n")).into_response();
        }
    };
    let live = shared.live();
    let Some(snapshot) = live.snapshot.clone() else {
        // The first build failed: there is no site yet, only its errors.
        let body = inject(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Preview</title></head><body><main><h1>The manual could not be built</h1></main></body></html>",
            &shared,
            &live,
        );
        return html(StatusCode::SERVICE_UNAVAILABLE, body);
    };
    if let Some(bytes) = snapshot.get(&path) {
        let kind = content_type(&path);
        if kind.starts_with("text/html") {
            return html(
                StatusCode::OK,
                inject(&String::from_utf8_lossy(&bytes), &shared, &live),
            );
        }
        return file(bytes, kind, headers.get(header::RANGE));
    }
    // `/amendments` is the folder `/amendments/`.
    let last = path.rsplit('/').next().unwrap_or_default();
    if !last.contains('.') && snapshot.get(&format!("{path}/index.html")).is_some() {
        let to = format!("{}/", raw.trim_end_matches('/'));
        let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
        if let Ok(value) = HeaderValue::from_str(&to) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    match snapshot.get("404.html") {
        Some(bytes) => html(
            StatusCode::NOT_FOUND,
            inject(&String::from_utf8_lossy(&bytes), &shared, &live),
        ),
        None => (StatusCode::NOT_FOUND, "Not found.\n").into_response(),
    }
}

/// The site file a request path names: percent-decoded, `index.html` for a folder. Anything
/// that could step outside the site (`..`, `\`, empty segments, NUL) is refused.
fn site_path(raw: &str) -> Result<String, &'static str> {
    if raw.len() > MAX_PATH {
        return Err("the address is too long");
    }
    let Some(rest) = raw.strip_prefix('/') else {
        return Err("the path must start with /");
    };
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .map_err(|_| "the path is not UTF-8")?;
    if decoded.contains(['\\', '\0']) {
        return Err("the path has a character no page has");
    }
    let folder = decoded.is_empty() || decoded.ends_with('/');
    let trimmed = decoded.strip_suffix('/').unwrap_or(&decoded);
    let mut segments = Vec::new();
    if !trimmed.is_empty() {
        for segment in trimmed.split('/') {
            match segment {
                "" => return Err("the path has an empty segment"),
                "." | ".." => return Err("the path steps between folders"),
                s if s.contains(':') => return Err("the path has a character no page has"),
                s => segments.push(s),
            }
        }
    }
    if folder {
        segments.push("index.html");
    }
    Ok(segments.join("/"))
}

/// A site file other than a page: whole, or the one range of its bytes a `Range` header asks
/// for (the search client fetches a chapter's excerpts so, from a file of several chapters').
fn file(bytes: Bytes, kind: &'static str, range: Option<&HeaderValue>) -> Response {
    let len = bytes.len();
    let asked = range.and_then(|r| r.to_str().ok());
    let mut response = match asked.map(|r| byte_range(r, len)) {
        Some(Ok(Some(range))) => {
            let value = format!("bytes {}-{}/{len}", range.start, range.end - 1);
            let mut response = (StatusCode::PARTIAL_CONTENT, bytes.slice(range)).into_response();
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            response
        }
        Some(Err(Unsatisfiable)) => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            response
        }
        // No range, or one this server does not take apart (several ranges, other units):
        // the whole file, as RFC 9110 allows.
        Some(Ok(None)) | None => bytes.into_response(),
    };
    set_headers(&mut response, kind);
    response
        .headers_mut()
        .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response
}

/// A range that starts past a file's end.
#[derive(Debug, PartialEq)]
struct Unsatisfiable;

/// The bytes of a file of `len` bytes that a `Range` header's value asks for, when it asks
/// for one range: `bytes=A-B`, `bytes=A-` (to the end) or `bytes=-N` (the last N). `Ok(None)`
/// for a value of another kind, which is answered with the whole file.
fn byte_range(value: &str, len: usize) -> Result<Option<std::ops::Range<usize>>, Unsatisfiable> {
    let Some((first, last)) = value
        .trim()
        .strip_prefix("bytes=")
        .and_then(|spec| spec.split_once('-'))
    else {
        return Ok(None);
    };
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<usize>().ok())
            .flatten()
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (number(first), number(last)) {
        (Some(a), Some(b)) if a <= b => a..b.saturating_add(1).min(len),
        (Some(a), None) if last.is_empty() => a..len,
        (None, Some(n)) if first.is_empty() && n > 0 => len.saturating_sub(n)..len,
        _ => return Ok(None),
    };
    if range.start >= len {
        return Err(Unsatisfiable);
    }
    Ok(Some(range))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/atom+xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "bin" => "application/octet-stream",
        _ => mime_guess::from_path(path)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    }
}

fn set_headers(response: &mut Response, kind: &'static str) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // A preview must never show a stale page.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    set_headers(&mut response, "text/html; charset=utf-8");
    response
}

/// Adds the preview banner, any build errors and the live-reload script to a page.
fn inject(page: &str, shared: &Shared, live: &super::Live) -> String {
    let mut top = String::new();
    if let Some(snapshot) = &live.snapshot {
        top.push_str(&format!(
            "<div class=\"procbook-preview\" role=\"note\">{}</div>",
            escape(&snapshot.banner)
        ));
    }
    if let Some(errors) = &live.errors {
        let n = errors.error_count();
        top.push_str(&format!(
            "<div class=\"procbook-errors\" role=\"alert\" id=\"procbook-errors\"><h2>{}</h2><p>{}</p><pre>{}</pre></div>",
            if n == 1 {
                "The manual has 1 error".to_owned()
            } else {
                format!("The manual has {n} errors")
            },
            if live.snapshot.is_some() {
                "This page is from the last build that worked. Fix the file named below and save it: the page reloads by itself."
            } else {
                "Fix the file named below and save it: the page reloads by itself."
            },
            escape(&errors.to_string())
        ));
    }
    let head = "<link rel=\"stylesheet\" href=\"/__procbook/live.css\">";
    let script = format!(
        "<script src=\"/__procbook/live.js\" data-generation=\"{}\" data-title=\"{}\"></script>",
        live.generation,
        escape(&shared.title)
    );
    let mut out = String::with_capacity(page.len() + top.len() + 400);
    let after_body = page
        .find("<body")
        .and_then(|i| page[i..].find('>').map(|j| i + j + 1));
    let head_end = page.find("</head>");
    let body_end = page.rfind("</body>");
    let mut at = 0;
    if let Some(h) = head_end {
        out.push_str(&page[..h]);
        out.push_str(head);
        at = h;
    }
    match after_body {
        Some(b) if b >= at => {
            out.push_str(&page[at..b]);
            out.push_str(&top);
            at = b;
        }
        _ => out.push_str(&top),
    }
    match body_end {
        Some(e) if e >= at => {
            out.push_str(&page[at..e]);
            out.push_str(&script);
            out.push_str(&page[e..]);
        }
        _ => {
            out.push_str(&page[at..]);
            out.push_str(&script);
        }
    }
    out
}

/// Server-sent events: `hello` with the current generation on connecting (a page that is
/// older reloads), then `reload` once per change.
async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = shared.reload.subscribe();
    let generation = shared.live().generation;
    let hello = Event::default().event("hello").data(generation.to_string());
    let reloads = stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(g) => {
                    let event = Event::default().event("reload").data(g.to_string());
                    return Some((Ok(event), receiver));
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream::once(async move { Ok(hello) }).chain(reloads)).keep_alive(KeepAlive::default())
}

#[derive(serde::Deserialize)]
struct SearchParams {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
}

/// `/api/search?q=`: the hits `procbook search --format json` prints.
async fn search(State(shared): State<Arc<Shared>>, Query(params): Query<SearchParams>) -> Response {
    let Some(snapshot) = shared.live().snapshot.clone() else {
        return json(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"error": "the manual has not built yet"}).to_string(),
        );
    };
    let limit = params.limit.unwrap_or(10).clamp(1, 100);
    let query = params.q;
    let found = tokio::task::spawn_blocking(move || snapshot.search_hits(&query, limit)).await;
    match found {
        Ok(Ok(hits)) => json(
            StatusCode::OK,
            serde_json::to_string(&hits).unwrap_or_else(|_| "[]".to_owned()),
        ),
        Ok(Err(e)) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": e }).to_string(),
        ),
        Err(_) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"error": "the search failed"}).to_string(),
        ),
    }
}

fn json(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    set_headers(&mut response, "application/json");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_site_files() {
        assert_eq!(site_path("/").unwrap(), "index.html");
        assert_eq!(site_path("/chapters/a.html").unwrap(), "chapters/a.html");
        assert_eq!(site_path("/amendments/").unwrap(), "amendments/index.html");
        assert_eq!(site_path("/search/s/1.bin").unwrap(), "search/s/1.bin");
        assert_eq!(site_path("/a%20b.html").unwrap(), "a b.html");
    }

    #[test]
    fn one_range_of_bytes_is_read_from_a_range_header() {
        assert_eq!(byte_range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(byte_range("bytes=90-199", 100), Ok(Some(90..100)));
        assert_eq!(byte_range("bytes=95-", 100), Ok(Some(95..100)));
        assert_eq!(byte_range("bytes=-10", 100), Ok(Some(90..100)));
        assert_eq!(byte_range("bytes=-500", 100), Ok(Some(0..100)));
        assert_eq!(byte_range("bytes=100-120", 100), Err(Unsatisfiable));
        assert_eq!(byte_range("bytes=0-0", 0), Err(Unsatisfiable));
        // Anything else is answered with the whole file.
        for other in [
            "bytes=0-9,20-29",
            "bytes=9-0",
            "bytes=-0",
            "bytes=-",
            "bytes=a-b",
            "bytes=+1-2",
            "items=0-9",
            "",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(byte_range(other, 100), Ok(None), "{other}");
        }
    }

    #[test]
    fn paths_that_could_leave_the_site_are_refused() {
        for bad in [
            "/../manual.yaml",
            "/chapters/../../manual.yaml",
            "/%2e%2e/manual.yaml",
            "/%2E%2E%2Fmanual.yaml",
            "/chapters/%2e%2e%2f%2e%2e%2fmanual.yaml",
            "/..%5cmanual.yaml",
            "//etc/passwd",
            "/C:/Windows/win.ini",
            "/a%00.html",
            "/%ff.html",
            "/./index.html",
        ] {
            assert!(site_path(bad).is_err(), "{bad}");
        }
        assert!(site_path(&format!("/{}", "a".repeat(5000))).is_err());
    }

    #[test]
    fn the_banner_and_script_go_inside_the_page() {
        let shared = Shared {
            live: std::sync::RwLock::new(super::super::Live {
                snapshot: None,
                errors: None,
                generation: 7,
            }),
            reload: tokio::sync::broadcast::channel(1).0,
            title: "T <x>".into(),
        };
        let live = shared.live();
        let out = inject(
            "<html><head><title>x</title></head><body class=\"c\"><p>Hi</p></body></html>",
            &shared,
            &live,
        );
        assert!(out.contains("live.css\"></head>"), "{out}");
        assert!(out.contains("data-generation=\"7\""), "{out}");
        assert!(out.contains("data-title=\"T &lt;x&gt;\""), "{out}");
        assert!(out.ends_with("</script></body></html>"), "{out}");
    }
}
