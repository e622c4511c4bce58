//! What every request passes before a route sees it, and what every
//! answer carries (an axum middleware, [`gate`]):
//!
//! * `Host` must name this server: for the port bound, `127.0.0.1`,
//!   `localhost`, `[::1]` and the address as bound, and any name given
//!   with `--allow-host` — else 421 Misdirected Request, with the hosts
//!   accepted. So a page whose own name was rebound to 127.0.0.1 (DNS
//!   rebinding) is refused: the browser still sends that page's name. A
//!   request without `Host` (HTTP/1.0) is let through: browsers send it
//!   always.
//! * `Origin`, when present, must be `http://` or `https://` one of those
//!   hosts — else 403: another site's script (a form, a `fetch`) cannot
//!   start runs. Absent is fine: curl and same-origin page loads send none.
//! * With a token (`--token`, `SURVSIM_TOKEN`), every request needs it,
//!   the page's too: `Authorization: Bearer TOKEN`, or the cookie that
//!   visiting `/?token=TOKEN` sets (then redirected to `/`, so the token
//!   leaves the address bar) — else 401. Compared in constant time.
//! * A request's body must come within the read timeout and the size limit
//!   (408, 413).
//! * Every answer carries `X-Content-Type-Options: nosniff`; the API's,
//!   `Cache-Control: no-store`; an error without a JSON body gets one,
//!   `{"error": …}`.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// What the gate lets through.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Hosts accepted: a name (lower case, an IPv6 address in brackets)
    /// and its port (`None`: any).
    hosts: Vec<(String, Option<u16>)>,
    /// The token every request needs, if any.
    token: Option<String>,
    /// The cookie that carries the token: its name has the port, so that
    /// servers on other ports of the same host keep theirs.
    cookie: String,
    /// How long a request's body may take to arrive.
    read_timeout: Duration,
    /// The largest request body, in bytes.
    body_limit: usize,
}

impl Gate {
    /// The gate of a server bound to `bound`, with the extra hosts
    /// (`NAME` or `NAME:PORT`, checked by [`check_host_name`]).
    pub fn new(
        bound: SocketAddr,
        extra_hosts: &[String],
        token: Option<String>,
        read_timeout: Duration,
        body_limit: usize,
    ) -> Gate {
        let port = bound.port();
        let as_bound = match bound {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        };
        let mut hosts: Vec<(String, Option<u16>)> = Vec::new();
        for name in ["127.0.0.1", "localhost", "[::1]", &as_bound] {
            if !hosts.iter().any(|(h, _)| h == name) {
                hosts.push((name.to_string(), Some(port)));
            }
        }
        for extra in extra_hosts {
            if let Ok(a) = extra.parse::<Authority>() {
                hosts.push((a.host().to_ascii_lowercase(), a.port_u16()));
            }
        }
        Gate {
            hosts,
            token,
            cookie: format!("survsim_token_{port}"),
            read_timeout,
            body_limit,
        }
    }

    /// The hosts accepted, as `Host` would name them.
    pub fn hosts(&self) -> Vec<String> {
        self.hosts
            .iter()
            .map(|(h, p)| match p {
                Some(p) => format!("{h}:{p}"),
                None => format!("{h} (any port)"),
            })
            .collect()
    }

    /// Whether an authority (`host[:port]`) names this server; `default`
    /// is the port when it names none.
    fn names_us(&self, authority: &str, default: u16) -> bool {
        let Ok(a) = authority.parse::<Authority>() else {
            return false;
        };
        if authority.contains('@') {
            return false;
        }
        let host = a.host().to_ascii_lowercase();
        let port = a.port_u16().unwrap_or(default);
        self.hosts
            .iter()
            .any(|(h, p)| *h == host && p.is_none_or(|p| p == port))
    }

    /// Whether an `Origin` is one of ours.
    fn origin_is_ours(&self, origin: &str) -> bool {
        let (rest, default) = if let Some(r) = origin.strip_prefix("http://") {
            (r, 80)
        } else if let Some(r) = origin.strip_prefix("https://") {
            (r, 443)
        } else {
            return false;
        };
        !rest.contains('/') && self.names_us(rest, default)
    }

    /// Whether the request carries the token (header or cookie).
    fn has_token(&self, token: &str, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get_all(header::AUTHORIZATION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            });
        let cookies = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| {
                let (name, value) = c.trim().split_once('=')?;
                (name == self.cookie).then_some(value)
            });
        // Every candidate is compared, so that the time taken does not
        // depend on which one matched.
        bearer
            .chain(cookies)
            .fold(false, |ok, given| same(given, token) | ok)
    }

    /// The first refusal a request earns, if any; or the redirect that
    /// sets the token's cookie.
    fn check(&self, request: &Request) -> Option<Response> {
        let headers = request.headers();
        // The request line's authority, if any, and every `Host`.
        let mut hosts = request
            .uri()
            .authority()
            .map(|a| a.as_str())
            .into_iter()
            .chain(
                headers
                    .get_all(header::HOST)
                    .iter()
                    .map(|h| h.to_str().unwrap_or("\u{0}")),
            );
        if hosts.any(|h| !self.names_us(h, 80)) {
            let hosts = self.hosts();
            let mut r = error(
                StatusCode::MISDIRECTED_REQUEST,
                json!({
                    "error": format!(
                        "this server answers requests addressed to {}; add other names with \
                         survsim serve --allow-host NAME",
                        hosts.join(", ")
                    ),
                    "source": "Host",
                    "hosts": hosts,
                }),
            );
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return Some(r);
        }
        if let Some(origin) = headers.get(header::ORIGIN)
            && !origin.to_str().is_ok_and(|o| self.origin_is_ours(o))
        {
            return Some(error(
                StatusCode::FORBIDDEN,
                json!({
                    "error": "requests from another site's page are refused (Origin)",
                    "source": "Origin",
                }),
            ));
        }
        let token = self.token.as_deref()?;
        if self.has_token(token, headers) {
            return None;
        }
        if request.uri().path() == "/"
            && let Some(r) = self.token_in_query(token, request.uri().query())
        {
            return Some(r);
        }
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            json!({
                "error": "this server needs its token: open /?token=TOKEN once, or send \
                          Authorization: Bearer TOKEN",
                "source": "--token",
            }),
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"survsim\""),
        );
        Some(r)
    }

    /// `/?token=TOKEN`: the right token sets the cookie and redirects to
    /// the page without it; `None` if the query has no right token.
    fn token_in_query(&self, token: &str, query: Option<&str>) -> Option<Response> {
        let query = query?;
        let mut found = false;
        let mut rest = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if k == "token" {
                found |= same(&v, token);
            } else {
                rest.append_pair(&k, &v);
            }
        }
        if !found {
            return None;
        }
        let rest = rest.finish();
        let to = if rest.is_empty() {
            "/".to_string()
        } else {
            format!("/?{rest}")
        };
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::SEE_OTHER;
        let h = r.headers_mut();
        // The token is of the characters `check_token` allows: a valid
        // header value.
        let cookie = format!("{}={token}; Path=/; HttpOnly; SameSite=Strict", self.cookie);
        h.insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).ok()?);
        h.insert(header::LOCATION, HeaderValue::from_str(&to).ok()?);
        Some(r)
    }

    /// The request with its body read whole, within the time and size
    /// limits.
    async fn read_body(&self, request: Request) -> Result<Request, Response> {
        let (parts, body) = request.into_parts();
        let too_big = || {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({
                    "error": format!(
                        "expected a request body of at most {} bytes (survsim serve --max-body)",
                        self.body_limit
                    ),
                    "source": "--max-body",
                }),
            )
        };
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.body_limit as u64) {
            return Err(too_big());
        }
        let read = async {
            let mut stream = body.into_data_stream();
            let mut bytes = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
                if bytes.len() + chunk.len() > self.body_limit {
                    return Err(StatusCode::PAYLOAD_TOO_LARGE);
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(bytes)
        };
        match tokio::time::timeout(self.read_timeout, read).await {
            Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(Bytes::from(bytes)))),
            Ok(Err(StatusCode::PAYLOAD_TOO_LARGE)) => Err(too_big()),
            Ok(Err(status)) => Err(error(
                status,
                json!({ "error": "the request body could not be read" }),
            )),
            Err(_) => Err(error(
                StatusCode::REQUEST_TIMEOUT,
                json!({
                    "error": format!(
                        "the request body did not come within {} s (survsim serve --read-timeout)",
                        self.read_timeout.as_secs_f64()
                    ),
                    "source": "--read-timeout",
                }),
            )),
        }
    }
}

/// Whether two strings are equal, in a time that depends on their lengths
/// only (not on where they differ).
fn same(given: &str, token: &str) -> bool {
    let (a, b) = (given.as_bytes(), token.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Checks a `--allow-host` value: a host name or address, with a port or
/// without (then any port).
pub fn check_host_name(name: &str) -> Result<(), String> {
    let ok = name
        .parse::<Authority>()
        .is_ok_and(|a| !a.host().is_empty() && !name.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected a host name or address, with or without a port \
             (e.g. survsim.example.org, 192.168.1.5:8080, [fd00::1]), got `{name}`"
        ))
    }
}

/// Checks a `--token`: 1–256 characters of a bearer token's alphabet
/// (letters, digits, `-._~+/`, then `=`s), so that it fits a header and a
/// cookie as it is.
pub fn check_token(token: &str) -> Result<(), String> {
    let body = token.trim_end_matches('=');
    let ok = !body.is_empty()
        && token.len() <= 256
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("expected 1 to 256 letters, digits or -._~+/ (then any =), \
             e.g. from `openssl rand -hex 16`"
            .into())
    }
}

/// An error answer with its JSON body.
fn error(status: StatusCode, body: Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The middleware: the checks, then the route, then the headers every
/// answer carries.
pub async fn gate(State(gate): State<Arc<Gate>>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let path = request.uri().path().to_string();
    let mut response = match gate.check(&request) {
        Some(refused) => refused,
        None => match gate.read_body(request).await {
            Ok(request) => next.run(request).await,
            Err(refused) => refused,
        },
    };
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        // axum's own refusals (404, 405) come as plain text or empty.
        let why = match status {
            StatusCode::NOT_FOUND => format!("no such page: {path}"),
            StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take this method"),
            s => s.canonical_reason().unwrap_or("refused").to_string(),
        };
        let h = response.headers_mut();
        h.remove(header::CONTENT_LENGTH);
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        *response.body_mut() = Body::from(json!({ "error": why }).to_string());
    }
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if api {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(bound: &str, extra: &[&str]) -> Gate {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        Gate::new(
            bound.parse().unwrap(),
            &extra,
            None,
            Duration::from_secs(1),
            10,
        )
    }

    #[test]
    fn hosts_of_a_loopback_bind_and_the_extra_names() {
        let g = gate("127.0.0.1:8080", &["survsim.example.org", "proxy:9"]);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
            "survsim.example.org",
            "survsim.example.org:443",
            "proxy:9",
        ] {
            assert!(g.names_us(ok, 80), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1:8081",
            "localhost",
            "proxy:10",
            "x",
            "user@localhost:8080",
            "",
        ] {
            assert!(!g.names_us(bad, 80), "{bad}");
        }
        assert!(g.origin_is_ours("http://localhost:8080"));
        assert!(g.origin_is_ours("https://survsim.example.org"));
        for bad in [
            "null",
            "http://evil.example:8080",
            "ftp://localhost:8080",
            "http://localhost:8080/x",
        ] {
            assert!(!g.origin_is_ours(bad), "{bad}");
        }
    }

    #[test]
    fn a_non_loopback_bind_accepts_its_own_address() {
        let g = gate("[fd00::5]:80", &[]);
        assert!(g.names_us("[fd00::5]", 80));
        assert!(g.names_us("localhost", 80));
        assert!(!g.names_us("[fd00::6]", 80));
    }

    #[test]
    fn tokens_and_host_names_are_checked() {
        assert!(check_token("abc123-._~+/==").is_ok());
        for bad in ["", "a b", "a;b", "é", "=", "a=b"] {
            assert!(check_token(bad).is_err(), "{bad}");
        }
        assert!(check_host_name("example.org:80").is_ok());
        assert!(check_host_name("a/b").is_err());
        assert!(same("abc", "abc") && !same("abd", "abc") && !same("ab", "abc"));
    }
}
