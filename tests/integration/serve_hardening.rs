//! `survsim serve` against hostile or greedy clients: a foreign `Host`
//! (DNS rebinding) or `Origin` is refused, and a token, when set, is
//! required; a half-sent request and an idle connection are closed after
//! the read timeout, while a streamed answer outlives it; connections
//! beyond the limit wait unaccepted, holding no descriptor; a second
//! client's short run starts beside the first client's long ones, and
//! waiting runs take turns between clients; a full queue answers 503, and
//! a client over its limit 429, with `Retry-After`.
//!
//! Timeouts here are generous bounds on hangs; what is asserted is what
//! happened, and in which order, never how fast.

use crate::common;
use crate::serve_support;

use serve_support::{Server, exchange};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Whether an answer carries `nosniff`.
fn nosniff(got: &serve_support::Response) -> bool {
    got.header("x-content-type-options").as_deref() == Some("nosniff")
}

#[test]
fn a_foreign_host_or_origin_is_refused_and_the_server_s_own_names_work() {
    let server = Server::start(&["--max-faces", "1e6"]);
    let port = server.address.port();
    let run = "/api/run.json?reps=1";
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port + 1),
        format!("localhost.evil.example:{port}"),
        format!("user@localhost:{port}"),
    ] {
        let got = server.raw(format!("GET {run} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes());
        assert_eq!(got.status, 421, "{host}: {}", got.text());
        assert!(nosniff(&got), "{}", got.head);
        let hosts = got.json()["hosts"].clone();
        assert!(
            hosts
                .as_array()
                .unwrap()
                .contains(&format!("127.0.0.1:{port}").into()),
            "{hosts}"
        );
    }
    // The names of a loopback bind, and none (HTTP/1.0 without a Host).
    for host in [
        format!("Host: 127.0.0.1:{port}\r\n"),
        format!("Host: localhost:{port}\r\n"),
        format!("Host: [::1]:{port}\r\n"),
        String::new(),
    ] {
        let got = server.raw(format!("GET {run} HTTP/1.0\r\n{host}\r\n").as_bytes());
        assert_eq!(got.status, 200, "{host}: {}", got.text());
    }
    // Another site's page may not start runs; the server's own page may.
    for (origin, status) in [
        ("http://evil.example".to_string(), 403),
        (format!("http://evil.example:{port}"), 403),
        ("null".to_string(), 403),
        (format!("http://127.0.0.1:{port}"), 200),
        (format!("http://localhost:{port}"), 200),
    ] {
        let request = server.post_request("/api/run", &format!("Origin: {origin}\r\n"), "reps=1");
        let got = server.raw(request.as_bytes());
        assert_eq!(got.status, status, "{origin}: {}", got.text());
        assert!(nosniff(&got));
        if status == 403 {
            assert_eq!(got.json()["source"], "Origin");
        }
    }
}

#[test]
fn with_a_token_every_request_needs_it() {
    let token = "t0ken-for-tests";
    let (server, _) = Server::start_with(
        &["--max-faces", "1e6", "--allow-host", "survsim.test"],
        &[("SURVSIM_TOKEN", token)],
    );
    let run = "/api/run.json?reps=1";
    for headers in [
        String::new(),
        "Authorization: Bearer wrong\r\n".to_string(),
        format!("Authorization: Basic {token}\r\n"),
        format!("Cookie: survsim_token={token}\r\n"),
        format!(
            "Cookie: survsim_token_{}=x{token}\r\n",
            server.address.port()
        ),
    ] {
        for path in [run, "/", "/?token=wrong"] {
            let got = server.raw(server.get_request(path, &headers).as_bytes());
            assert_eq!(got.status, 401, "{path} {headers}: {}", got.text());
            assert!(got.header("www-authenticate").is_some());
            assert!(got.json()["error"].as_str().unwrap().contains("token"));
        }
    }
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let got = server.raw(server.get_request(run, &bearer).as_bytes());
    assert_eq!(got.status, 200, "{}", got.text());
    // A name added with --allow-host, at any port.
    let got =
        server.raw(format!("GET {run} HTTP/1.0\r\nHost: survsim.test\r\n{bearer}\r\n").as_bytes());
    assert_eq!(got.status, 200, "{}", got.text());
    // The page's way: /?token= sets a cookie and leads to the page.
    let got = server.get(&format!("/?token={token}&reps=3"));
    assert_eq!(got.status, 303);
    assert_eq!(got.header("location").as_deref(), Some("/?reps=3"));
    let cookie = got.header("set-cookie").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap();
    let with_cookie = format!("Cookie: other=1; {pair}\r\n");
    for path in [run, "/"] {
        let got = server.raw(server.get_request(path, &with_cookie).as_bytes());
        assert_eq!(got.status, 200, "{path}: {}", got.text());
    }
    let got = server.raw(
        server
            .post_request("/api/run", &with_cookie, "reps=1")
            .as_bytes(),
    );
    assert_eq!(got.lines().last().unwrap()["type"], "result");

    // A token that would not fit a header is refused at start, naming
    // where it came from.
    for (args, env, source) in [
        (&["serve", "--token", "a b"][..], "", "--token"),
        (&["serve"][..], "", "SURVSIM_TOKEN"),
        (&["serve"][..], "a;b", "SURVSIM_TOKEN"),
    ] {
        let mut cmd = common::survsim();
        cmd.args(args);
        if source == "SURVSIM_TOKEN" {
            cmd.env("SURVSIM_TOKEN", env);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("error: {source}: ")), "{stderr}");
    }
}

#[test]
fn listening_beyond_loopback_warns() {
    for (env, says) in [
        (&[][..], "with no authentication"),
        (&[("SURVSIM_TOKEN", "abc")][..], "over plain HTTP"),
    ] {
        let (server, lines) = Server::start_with(&["--listen", "0.0.0.0:0"], env);
        let warning = lines.recv_timeout(Duration::from_secs(60)).unwrap();
        assert!(
            warning.starts_with("survsim serve: warning: listening on 0.0.0.0:")
                && warning.contains(says)
                && warning.contains("--allow-host"),
            "{warning}"
        );
        drop(server);
    }
    // A loopback one does not.
    let (_server, lines) = Server::start_with(&[], &[]);
    assert!(lines.recv_timeout(Duration::from_secs(2)).is_err());
}

/// Reads until the server closes `s` (EOF or reset), within `bound`;
/// gives what came, or `None` if it was still open then.
fn until_closed(mut s: TcpStream, bound: Duration) -> Option<Vec<u8>> {
    s.set_read_timeout(Some(bound)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Some(got),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn half_sent_requests_and_idle_connections_are_closed_after_the_read_timeout() {
    let server = Server::start(&["--read-timeout", "2", "--max-faces", "1e6"]);
    // Half a request line.
    let mut half = server.connect();
    half.write_all(b"GET /api/run.json?reps=1 HT").unwrap();
    // Headers, and half a body.
    let mut body = server.connect();
    let request = server.post_request("/api/run", "", "reps=1&seed=12345");
    body.write_all(&request.as_bytes()[..request.len() - 8])
        .unwrap();
    // Nothing at all.
    let silent = server.connect();
    // A kept-alive connection, after its answer.
    let mut kept = server.connect();
    write!(
        kept,
        "GET /api/run.json?reps=1 HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.host()
    )
    .unwrap();
    let mut reader = BufReader::new(kept.try_clone().unwrap());
    let mut length = 0;
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 2 {
        if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = n.trim().parse().unwrap();
        }
        line.clear();
    }
    let mut answer = vec![0u8; length];
    reader.read_exact(&mut answer).unwrap();
    assert!(answer.starts_with(b"{"));

    let bound = Duration::from_secs(30);
    assert!(until_closed(half, bound).is_some(), "half a request line");
    let answered = until_closed(body, bound).expect("half a body");
    let answered = serve_support::Response::parse(&answered);
    assert_eq!(answered.status, 408, "{}", answered.head);
    assert_eq!(answered.json()["source"], "--read-timeout");
    assert!(until_closed(silent, bound).is_some(), "a silent connection");
    assert!(
        until_closed(kept, bound).is_some(),
        "an idle kept-alive one"
    );
}

/// Opens a streamed run from `from` and returns its lines as they come.
fn stream(server: &Server, from: Ipv4Addr, body: &str) -> mpsc::Receiver<serde_json::Value> {
    let mut s = server.connect_from(from);
    s.write_all(server.post_request("/api/run", "", body).as_bytes())
        .unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        // The head first.
        while reader.read_line(&mut line).unwrap_or(0) > 2 {
            line.clear();
        }
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(n) if n > 0 => {
                    let v = if line.trim().is_empty() {
                        serde_json::json!({ "type": "heartbeat" })
                    } else {
                        serde_json::from_str(&line).unwrap()
                    };
                    if tx.send(v).is_err() {
                        return;
                    }
                }
                _ => return,
            }
        }
    });
    rx
}

/// Waits for the first line of `kind`, for two minutes at most (a bound
/// on a hang: heartbeats keep coming meanwhile).
fn wait_for(lines: &mpsc::Receiver<serde_json::Value>, kind: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let l = lines
            .recv_timeout(left)
            .unwrap_or_else(|e| panic!("waiting for {kind}: {e}"));
        if l["type"] == kind {
            return l;
        }
    }
}

const A: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const B: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const C: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

#[test]
fn a_streamed_answer_outlives_the_read_timeout() {
    let server = Server::start(&[
        "--read-timeout",
        "1",
        "--threads",
        "1",
        "--max-faces",
        "1e12",
    ]);
    let long = server.connect_from(A);
    let mut long_writer = long.try_clone().unwrap();
    long_writer
        .write_all(
            server
                .post_request("/api/run", "", "reps=100000&page=long")
                .as_bytes(),
        )
        .unwrap();
    let mut reader = BufReader::new(long);
    let mut line = String::new();
    while !line.contains("progress") {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0);
    }
    // Queued behind it, the answer waits with heartbeats for well over
    // the read timeout, then gets its result once the long run is gone.
    let waiting = stream(&server, B, "reps=2&page=short");
    wait_for(&waiting, "queued");
    let started = Instant::now();
    let mut beats = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let l = waiting.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(l["type"], "heartbeat", "{l}");
        beats += 1;
    }
    assert!(beats >= 3);
    drop((reader, long_writer));
    assert_eq!(wait_for(&waiting, "result")["type"], "result");
}

#[test]
fn connections_beyond_the_limit_wait_and_hold_no_descriptor() {
    let mut server = Server::start(&["--max-connections", "8", "--read-timeout", "120"]);
    assert_eq!(server.get("/api/run.json?reps=1").status, 200);
    let before = server.fds();
    let idle: Vec<TcpStream> = (0..48).map(|_| server.connect()).collect();
    // Wait until the server has taken all it will take: the count the
    // same for a second (or past any bound).
    let (mut held, mut since) = (server.fds(), Instant::now());
    while since.elapsed() < Duration::from_secs(1) && held <= before + 48 {
        std::thread::sleep(Duration::from_millis(50));
        let now = server.fds();
        if now != held {
            (held, since) = (now, Instant::now());
        }
    }
    eprintln!("descriptors: {before} before, {held} with 48 idle connections (limit 8)");
    assert!(
        held <= before + 8 + 2,
        "{held} descriptors, {before} before"
    );
    // A request behind them waits, and is answered once they go.
    let (tx, rx) = mpsc::channel();
    let s = server.connect();
    let request = server.get_request("/api/run.json?reps=1", "");
    std::thread::spawn(move || tx.send(exchange(s, request.as_bytes()).status));
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "answered past the limit"
    );
    drop(idle);
    assert_eq!(rx.recv_timeout(Duration::from_secs(120)).unwrap(), 200);
    assert!(server.alive());
}

/// The lines that have come, without waiting.
fn so_far(lines: &mpsc::Receiver<serde_json::Value>) -> Vec<serde_json::Value> {
    lines
        .try_iter()
        .filter(|l| l["type"] != "heartbeat")
        .collect()
}

#[test]
fn a_second_client_s_run_starts_beside_the_first_client_s_long_runs() {
    // Two slots; client A asks for three long runs, then client B for a
    // short one. B's finishes while A's first still runs and its others
    // wait (first-come would run A's first two, and B's after them).
    let server = Server::start(&["--threads", "2", "--max-faces", "1e12"]);
    let long1 = stream(&server, A, "reps=100000&page=l1");
    wait_for(&long1, "progress");
    let long2 = stream(&server, A, "reps=100000&seed=2&page=l2");
    let long3 = stream(&server, A, "reps=100000&seed=3&page=l3");
    wait_for(&long2, "queued");
    wait_for(&long3, "queued");
    let short = stream(&server, B, "reps=1&seed=4&page=b");
    assert_eq!(wait_for(&short, "result")["type"], "result");
    // A's others have not started: nothing but heartbeats since `queued`.
    assert_eq!(so_far(&long2), Vec::<serde_json::Value>::new());
    assert_eq!(so_far(&long3), Vec::<serde_json::Value>::new());
    assert!(
        so_far(&long1).iter().all(|l| l["type"] == "progress"),
        "A's first is still running"
    );
}

#[test]
fn waiting_runs_take_turns_between_clients() {
    // One slot, held by client A's long run; A queues three short runs,
    // then client B one. When A's long run goes, B's short run is next
    // (first-come would run A's three first), then A's in order.
    let server = Server::start(&["--threads", "1", "--max-faces", "1e12"]);
    let long = stream(&server, A, "reps=100000&page=l");
    wait_for(&long, "progress");
    let (done_tx, done) = mpsc::channel();
    for (from, name, seed) in [(A, "a1", 1), (A, "a2", 2), (A, "a3", 3), (B, "b", 4)] {
        let lines = stream(&server, from, &format!("reps=2&seed={seed}&page={name}"));
        wait_for(&lines, "queued");
        let tx = done_tx.clone();
        std::thread::spawn(move || {
            wait_for(&lines, "result");
            tx.send(name).unwrap();
        });
    }
    // Its reader stops at the next line, closing the connection, which
    // cancels the run.
    drop(long);
    let order: Vec<&str> = (0..4)
        .map(|_| done.recv_timeout(Duration::from_secs(300)).unwrap())
        .collect();
    assert_eq!(
        order,
        ["b", "a1", "a2", "a3"],
        "the order the short runs finished"
    );
}

#[test]
fn a_full_queue_answers_503_and_a_greedy_client_429_with_retry_after() {
    let mut server = Server::start(&[
        "--threads",
        "1",
        "--max-faces",
        "1e12",
        "--max-queue",
        "2",
        "--max-client-runs",
        "2",
    ]);
    let long = stream(&server, A, "reps=100000&page=l");
    wait_for(&long, "progress");
    let a2 = stream(&server, A, "reps=100000&seed=1&page=q1");
    wait_for(&a2, "queued");
    // A has two going or waiting: its third is refused, streamed or not.
    let post = server.post_request("/api/run", "", "reps=1&seed=7");
    for got in [
        server.raw(post.as_bytes()),
        server.get("/api/run.json?reps=1&seed=7"),
        server.post("/api/sweep", "reps=1&vary=matcher.threshold%3D0.6%2C0.62"),
    ] {
        assert_eq!(got.status, 429, "{}", got.text());
        assert!(got.header("retry-after").is_some() && nosniff(&got));
        assert_eq!(got.json()["source"], "--max-client-runs");
    }
    let b = stream(&server, B, "reps=100000&seed=2&page=q2");
    wait_for(&b, "queued");
    // Two waiting: the queue is full for anyone.
    for got in [
        exchange(server.connect_from(C), post.as_bytes()),
        exchange(
            server.connect_from(C),
            server
                .get_request("/api/run.json?reps=1&seed=7", "")
                .as_bytes(),
        ),
    ] {
        assert_eq!(got.status, 503, "{}", got.text());
        let retry: u64 = got.header("retry-after").unwrap().parse().unwrap();
        assert!(retry > 0);
        assert_eq!(got.json()["source"], "--max-queue");
    }
    drop((long, a2, b));
    assert!(server.alive());
}
