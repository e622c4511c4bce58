//! The HTTP side: the routes, the queue in front of the cores, the cache
//! of recent results, and the streamed answers that carry progress.
//!
//! * `GET /` — the page ([`super::page`]).
//! * `POST /api/run` (a form body: `set=…&reps=…&page=…&base=…`) — a run,
//!   answered as NDJSON lines: `queued`, `progress`, then `result` (the
//!   report's body, and the comparison with `base` if given) or `error`.
//! * `GET /api/run.json?…` — `survsim run --format json`'s bytes.
//! * `GET /api/report.html?…` — the self-contained HTML report.
//! * `POST /api/sweep` (`…&vary=KEY=SPEC&metric=KEY`) — a sweep's chart,
//!   streamed as a run is.
//!
//! Bad input is refused before anything is queued, with HTTP 400 and
//! `{"error", "key", "source"}`: the CLI's message, and the key it names.
//! Runs wait in the queue ([`super::queue`]) for one of as many slots as
//! there are cores — a full queue is refused at once, 503 (429 for a client
//! over its own limit), with `Retry-After`; while waiting or running they
//! stop as soon as they are cancelled — by a newer request from the same
//! page, or by the client going away (its response body is dropped, which
//! a heartbeat line every half second brings about soon after the
//! connection closes). Every request passes [`super::gate`] first.

use super::ask::{Ask, Request};
use super::compare;
use super::gate::{self, Gate};
use super::page;
use super::queue::{Busy, Client, Queue, Slot, Ticket, client_of};
use super::work::{self, Cancel, CancelOnDrop, Finished, Setup};
use crate::error::InputError;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Results kept for downloads and baselines: a few, each a few hundred kB.
const CACHE: usize = 8;

/// How often a streamed answer writes a heartbeat while it waits.
const HEARTBEAT: Duration = Duration::from_millis(500);

/// Seconds a refused client is told to wait before asking again: about a
/// default run's time, a guess (the queue does not know how long its runs
/// take).
const RETRY_AFTER_S: u32 = 5;

/// The server's shared state.
pub struct Server {
    /// What it was started with.
    pub setup: Setup,
    /// The scenario argument as given at start (for commands shown).
    pub scenario_arg: Option<String>,
    /// One slot per core: runs beyond them queue, fairly between clients.
    queue: Arc<Queue>,
    /// Each page's request in progress, to cancel when a newer one comes.
    pages: Mutex<HashMap<String, Arc<Cancel>>>,
    /// Recent results by canonical query, newest last.
    cache: Mutex<VecDeque<(String, Arc<Finished>)>>,
}

impl Server {
    /// A server for `setup`, its runs going through `queue`.
    pub fn new(setup: Setup, scenario_arg: Option<String>, queue: Queue) -> Server {
        Server {
            setup,
            scenario_arg,
            queue: Arc::new(queue),
            pages: Mutex::new(HashMap::new()),
            cache: Mutex::new(VecDeque::new()),
        }
    }
}

/// The routes, behind `gate` (which also reads bodies within its limit).
pub fn router(server: Arc<Server>, gate: Gate) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/api/run", post(run_stream))
        .route("/api/run.json", get(run_json))
        .route("/api/report.html", get(report_html))
        .route("/api/sweep", post(sweep_stream))
        // The gate has read the body already, within its own limit.
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(gate),
            gate::gate,
        ))
        .with_state(server)
}

/// Why a request got no result.
enum Failure {
    /// Bad input: 400, with the CLI's message.
    Bad(InputError),
    /// Cancelled: nobody is waiting for an answer.
    Cancelled,
    /// Not queued: the client's runs, or the queue, are at their limit.
    Busy(Busy),
    /// A failure of the server itself: 500.
    Internal(String),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Bad(e)
    }
}

/// An input error as the API's JSON: the CLI's message, the key and source.
fn error_json(e: &InputError) -> Value {
    json!({ "error": e.to_string(), "key": e.key_path, "source": e.source_name })
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Bad(e) => {
                (StatusCode::BAD_REQUEST, json_response(&error_json(&e))).into_response()
            }
            Failure::Cancelled => (
                StatusCode::SERVICE_UNAVAILABLE,
                json_response(&json!({ "error": "cancelled by a newer request" })),
            )
                .into_response(),
            Failure::Busy(busy) => busy_response(busy),
            Failure::Internal(why) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json_response(&json!({ "error": why })),
            )
                .into_response(),
        }
    }
}

/// The answer to a request the queue had no room for: 429 if the client
/// has its most runs going or waiting, 503 if the queue is full.
fn busy_response(busy: Busy) -> Response {
    let (status, body) = busy_json(busy);
    let mut r = (status, json_response(&body)).into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S));
    r
}

/// The status and JSON of a refusal for want of room.
fn busy_json(busy: Busy) -> (StatusCode, Value) {
    let (status, why, flag) = match busy {
        Busy::Client(n) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("you have {n} runs going or waiting, this server's most per client"),
            "--max-client-runs",
        ),
        Busy::Full(n) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the server is busy: {n} runs are waiting for a core"),
            "--max-queue",
        ),
    };
    let body = json!({
        "error": format!("{why} (survsim serve {flag}); try again in a few seconds"),
        "source": flag,
    });
    (status, body)
}

/// A JSON body with its content type.
fn json_response(v: &Value) -> Response {
    let mut r = Response::new(Body::from(v.to_string()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `GET /`: the page, with a fresh nonce for its one script.
async fn index(State(server): State<Arc<Server>>) -> Response {
    let nonce = format!("{:032x}", rand::random::<u128>());
    let html = page::render(&server.setup.source, &nonce);
    let mut r = Response::new(Body::from(html));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; \
         img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).expect("a nonce is ASCII"),
    );
    r
}

/// Parses a request and loads its run, off the async threads.
async fn prepared(
    server: &Arc<Server>,
    raw: Vec<u8>,
) -> Result<(Request, crate::scenario::Scenario), Failure> {
    let server = server.clone();
    tokio::task::spawn_blocking(move || {
        let request = Request::parse(&raw)?;
        let scenario = work::prepare(&server.setup, &request.ask)?;
        Ok((request, scenario))
    })
    .await
    .map_err(|e| Failure::Internal(format!("the request failed: {e}")))?
}

/// Who asks, and how to tell they no longer wait.
struct Asker {
    /// The client, for the queue.
    client: Client,
    /// Set by a newer request from the same page, or the client leaving.
    cancel: Arc<Cancel>,
}

impl Asker {
    /// A place in the queue, or the refusal.
    fn admit(&self, server: &Server) -> Result<Ticket, Failure> {
        server
            .queue
            .admit(self.client, &self.cancel)
            .map_err(Failure::Busy)
    }

    /// Waits for a core, giving up if cancelled meanwhile.
    async fn slot(&self, ticket: Ticket) -> Result<Slot, Failure> {
        ticket.wait().await.ok_or(Failure::Cancelled)
    }
}

/// A recent result of `ask`, if kept.
fn cached(server: &Server, ask: &Ask) -> Option<Arc<Finished>> {
    let key = ask.query();
    let cache = server.cache.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, f)| f.clone())
}

/// Keeps a result, dropping the oldest beyond [`CACHE`].
fn keep(server: &Server, ask: &Ask, finished: &Arc<Finished>) {
    let mut cache = server.cache.lock().unwrap_or_else(|p| p.into_inner());
    let key = ask.query();
    cache.retain(|(k, _)| *k != key);
    cache.push_back((key, finished.clone()));
    while cache.len() > CACHE {
        cache.pop_front();
    }
}

/// The result of `ask` (loaded as `scenario`): from the cache, or run on
/// a core once one is free — with `ticket`'s place in the queue if the
/// caller took one, else a place taken now. `progress(done, of)` hears of
/// replications.
async fn obtain(
    server: &Arc<Server>,
    asker: &Asker,
    ask: &Ask,
    scenario: crate::scenario::Scenario,
    ticket: Option<Ticket>,
    progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
) -> Result<Arc<Finished>, Failure> {
    if let Some(found) = cached(server, ask) {
        return Ok(found);
    }
    let ticket = match ticket {
        Some(t) => t,
        None => asker.admit(server)?,
    };
    let slot = asker.slot(ticket).await?;
    let (s, c, reps) = (server.clone(), asker.cancel.clone(), ask.reps);
    let finished = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work::run(&s.setup, scenario, reps, &c, &mut |done| {
            progress(done, reps)
        })
    })
    .await
    .map_err(|e| Failure::Internal(format!("the run failed: {e}")))??
    .ok_or(Failure::Cancelled)?;
    let finished = Arc::new(finished);
    keep(server, ask, &finished);
    Ok(finished)
}

/// Registers `page`'s new request, cancelling its older one.
fn register(server: &Server, page: Option<&str>) -> Arc<Cancel> {
    let cancel = Arc::new(Cancel::default());
    if let Some(page) = page {
        let mut pages = server.pages.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(older) = pages.insert(page.to_string(), cancel.clone()) {
            older.cancel();
        }
    }
    cancel
}

/// Forgets `page`'s request once it is over, unless a newer one replaced it.
fn unregister(server: &Server, page: Option<&str>, cancel: &Arc<Cancel>) {
    if let Some(page) = page {
        let mut pages = server.pages.lock().unwrap_or_else(|p| p.into_inner());
        if pages.get(page).is_some_and(|c| Arc::ptr_eq(c, cancel)) {
            pages.remove(page);
        }
    }
}

/// An NDJSON line.
fn line(v: Value) -> String {
    let mut s = v.to_string();
    s.push('\n');
    s
}

/// A streamed answer: the lines of `rx` as they come, a blank heartbeat
/// line while none does, and the request cancelled when the body is
/// dropped (the client went away).
fn streamed(rx: mpsc::Receiver<String>, guard: CancelOnDrop) -> Response {
    let stream = futures_util::stream::unfold((rx, guard), |(mut rx, guard)| async move {
        let next = match tokio::time::timeout(HEARTBEAT, rx.recv()).await {
            Ok(Some(line)) => Bytes::from(line),
            Ok(None) => return None,
            Err(_) => Bytes::from_static(b"\n"),
        };
        Some((Ok::<_, std::convert::Infallible>(next), (rx, guard)))
    });
    let mut r = Response::new(Body::from_stream(stream));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A progress callback that writes `progress` lines, dropping them when
/// the client is slow (the result line is never dropped).
fn progress_lines(tx: &mpsc::Sender<String>) -> Arc<dyn Fn(u64, u64) + Send + Sync> {
    let tx = tx.clone();
    Arc::new(move |done, of| {
        let _ = tx.try_send(line(json!({ "type": "progress", "done": done, "of": of })));
    })
}

/// The line that ends a streamed answer that failed.
fn failure_line(f: Failure) -> Option<String> {
    match f {
        Failure::Bad(e) => Some(line(json!({ "type": "error", "error": error_json(&e) }))),
        Failure::Internal(why) => Some(line(json!({ "type": "error", "error": { "error": why } }))),
        Failure::Busy(busy) => Some(line(json!({ "type": "error", "error": busy_json(busy).1 }))),
        Failure::Cancelled => None,
    }
}

/// A page's request, registered (cancelling its older one), and its place
/// in the queue taken now unless its result is kept: a full queue is
/// refused with its status before anything streams.
fn enter(
    server: &Arc<Server>,
    peer: SocketAddr,
    page: Option<&str>,
    ask: &Ask,
) -> Result<(Asker, Option<Ticket>), Failure> {
    let asker = Asker {
        client: client_of(peer),
        cancel: register(server, page),
    };
    if cached(server, ask).is_some() {
        return Ok((asker, None));
    }
    match asker.admit(server) {
        Ok(ticket) => Ok((asker, Some(ticket))),
        Err(f) => {
            unregister(server, page, &asker.cancel);
            Err(f)
        }
    }
}

/// `POST /api/run`.
async fn run_stream(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let (request, scenario) = match prepared(&server, body.to_vec()).await {
        Ok(x) => x,
        Err(f) => return f.into_response(),
    };
    // The baseline's input is checked now too: its error belongs here.
    let base = match &request.base {
        Some(ask) => match work::prepare(&server.setup, ask) {
            Ok(s) => Some((ask.clone(), s)),
            Err(e) => return Failure::Bad(e).into_response(),
        },
        None => None,
    };
    let page = request.page.as_deref();
    let (asker, ticket) = match enter(&server, peer, page, &request.ask) {
        Ok(x) => x,
        Err(f) => return f.into_response(),
    };
    let (tx, rx) = mpsc::channel::<String>(64);
    let guard = CancelOnDrop(asker.cancel.clone());
    tokio::spawn(async move {
        let _ = tx.try_send(line(json!({ "type": "queued" })));
        let progress = progress_lines(&tx);
        let what_if = obtain(&server, &asker, &request.ask, scenario, ticket, progress).await;
        let answer = match what_if {
            Ok(w) => {
                let compare = match base {
                    Some((ask, s)) => {
                        // Usually kept; if not, it queues again (and if the
                        // queue is full, the comparison is left out).
                        let b = obtain(&server, &asker, &ask, s, None, Arc::new(|_, _| {})).await;
                        b.ok().map(|b| {
                            compare::section((&b.report, &b.per_rep), (&w.report, &w.per_rep))
                        })
                    }
                    None => None,
                };
                Some(line(json!({
                    "type": "result",
                    "query": request.ask.query(),
                    "command": request.ask.command(server.scenario_arg.as_deref()),
                    "body": w.body,
                    "compare": compare,
                    "elapsed_s": w.elapsed_s,
                })))
            }
            Err(f) => failure_line(f),
        };
        if let Some(answer) = answer {
            let _ = tx.send(answer).await;
        }
        unregister(&server, request.page.as_deref(), &asker.cancel);
    });
    streamed(rx, guard)
}

/// A run for a plain GET, with the handler's future as the client's
/// presence: if hyper drops it, the run is cancelled.
async fn run_plain(
    server: &Arc<Server>,
    peer: SocketAddr,
    query: Option<String>,
) -> Result<Arc<Finished>, Failure> {
    let (request, scenario) = prepared(server, query.unwrap_or_default().into_bytes()).await?;
    let page = request.page.as_deref();
    let (asker, ticket) = enter(server, peer, page, &request.ask)?;
    let _guard = CancelOnDrop(asker.cancel.clone());
    let progress = Arc::new(|_, _| {});
    let result = obtain(server, &asker, &request.ask, scenario, ticket, progress).await;
    unregister(server, page, &asker.cancel);
    result
}

/// `GET /api/run.json`: exactly what `survsim run --format json` prints.
async fn run_json(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(q): RawQuery,
) -> Response {
    match run_plain(&server, peer, q).await {
        Ok(f) => {
            let mut r = Response::new(Body::from(f.json.clone()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /api/report.html`: the run's self-contained HTML report, as a
/// download.
async fn report_html(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(q): RawQuery,
) -> Response {
    match run_plain(&server, peer, q).await {
        Ok(f) => {
            let mut r = Response::new(Body::from(f.page()));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"survsim-report.html\""),
            );
            r
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /api/sweep`: one key's range, charted with intervals.
async fn sweep_stream(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let s = server.clone();
    let prepared = tokio::task::spawn_blocking(move || {
        let request = Request::parse(&body)?;
        let vary = request.vary.clone().ok_or_else(|| {
            InputError::whole(
                "vary",
                "expected a key and a range, e.g. matcher.threshold=0.56:0.64:0.02",
            )
        })?;
        let metric = request
            .metric
            .clone()
            .unwrap_or_else(|| "false_alerts".into());
        let sweep = work::prepare_sweep(&s.setup, &request.ask, &vary, &metric)?;
        Ok::<_, InputError>((request, sweep))
    })
    .await;
    let (request, sweep) = match prepared {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return Failure::Bad(e).into_response(),
        Err(e) => return Failure::Internal(format!("the request failed: {e}")).into_response(),
    };
    // A sweep is not kept: it always queues.
    let asker = Asker {
        client: client_of(peer),
        cancel: register(&server, request.page.as_deref()),
    };
    let ticket = match asker.admit(&server) {
        Ok(ticket) => ticket,
        Err(f) => {
            unregister(&server, request.page.as_deref(), &asker.cancel);
            return f.into_response();
        }
    };
    let (tx, rx) = mpsc::channel::<String>(64);
    let guard = CancelOnDrop(asker.cancel.clone());
    tokio::spawn(async move {
        let _ = tx.try_send(line(json!({ "type": "queued" })));
        let answer = match asker.slot(ticket).await {
            Ok(slot) => {
                let (s, c, progress) = (server.clone(), asker.cancel.clone(), progress_lines(&tx));
                let done = tokio::task::spawn_blocking(move || {
                    let _slot = slot;
                    work::sweep(&s.setup, &sweep, &c, &mut |d, of| progress(d, of))
                })
                .await;
                match done {
                    Ok(Ok(Some(svg))) => Some(line(json!({ "type": "result", "svg": svg }))),
                    Ok(Ok(None)) => None,
                    Ok(Err(crate::error::Error::Input(e))) => failure_line(Failure::Bad(e)),
                    Ok(Err(e)) => failure_line(Failure::Internal(e.to_string())),
                    Err(e) => failure_line(Failure::Internal(format!("the sweep failed: {e}"))),
                }
            }
            Err(f) => failure_line(f),
        };
        if let Some(answer) = answer {
            let _ = tx.send(answer).await;
        }
        unregister(&server, request.page.as_deref(), &asker.cancel);
    });
    streamed(rx, guard)
}
