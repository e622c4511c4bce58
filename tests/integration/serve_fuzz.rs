//! An HTTP fuzz of `survsim serve`'s query API: random parameters — real
//! and made-up names, duplicates, sensible and nonsense values, overrides
//! of real and unknown keys, broken percent-encodings, non-ASCII — to
//! `GET /api/run.json`, `GET /api/report.html`, `POST /api/run` and `POST
//! /api/sweep`. Every answer is a 2xx or a 4xx, never a 5xx; every error
//! has a JSON body with `error`; every answer carries `nosniff`; and the
//! server is alive and answering at the end.
//!
//! Bounded: 200 cases from a fixed seed (proptest's deterministic mode),
//! a server on loopback whose size limit lets only a couple of small
//! replications run.

use crate::serve_support;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serve_support::Server;

/// A parameter's name: mostly the API's own, so that values are reached.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec![
            "set", "reps", "seed", "fixed", "page", "base", "vary", "metric",
        ])
        .prop_map(String::from),
        1 => "[a-zA-Z_%+=.\\[\\]-]{0,8}",
        1 => "\\PC{0,6}",
    ]
}

/// A parameter's value.
fn value() -> impl Strategy<Value = String> {
    let picks =
        |v: &[&str]| prop::sample::select(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    prop_oneof![
        picks(&[
            "0",
            "1",
            "2",
            "-1",
            "3.5",
            "1e3",
            "",
            " 1",
            "true",
            "on",
            "99999999999999999999",
            "9223372036854775808",
        ]),
        picks(&[
            "matcher.threshold=0.6",
            "matcher.threshold=abc",
            "watchlist.size=20000",
            "simulation.duration=\"6h\"",
            "simulation.engine=\"faces\"",
            "deployments_file=\"/etc/passwd\"",
            "nokey",
            "a.b.c=[1,2",
            "population.groups[99].share=1",
            "sites[0].capture_share=-3",
            "=",
        ]),
        picks(&[
            "matcher.threshold=0.58,0.6",
            "matcher.threshold=0.5:0.9:0.001",
            "watchlist.size=1:3:1",
            "x=1",
            "false_alerts",
            "true_alerts",
            "nope",
            "reps%3D1%26reps%3D2",
            "set=matcher.threshold%3D0.6&reps=1",
        ]),
        "\\PC{0,16}",
        "(%[0-9A-Fa-fzZ]{0,2}){1,4}",
    ]
}

/// How a pair is written: percent-encoded; with `+` for spaces and `%`
/// left as it is (so broken escapes reach the server); or without `=`.
#[derive(Debug, Clone, Copy)]
enum Spelling {
    Encoded,
    Loose,
    NameOnly,
}

/// `s` for a query string: URI-safe bytes kept (and `%` if `loose`), the
/// rest percent-encoded (space as `+` if `loose`).
fn spell(s: &str, loose: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'%' if loose => out.push('%'),
            b' ' if loose => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A request: which endpoint, and its parameters.
fn request() -> impl Strategy<Value = (usize, Vec<(String, String, Spelling)>)> {
    let spelling = prop_oneof![
        4 => Just(Spelling::Encoded),
        2 => Just(Spelling::Loose),
        1 => Just(Spelling::NameOnly),
    ];
    // Most requests start well (one replication; a sweep of two points),
    // so that runs are reached and not only refusals.
    let good = prop::sample::subsequence(
        vec![
            ("reps", "1"),
            ("vary", "matcher.threshold=0.58,0.6"),
            ("metric", "false_alerts"),
        ],
        0..=3,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string(), Spelling::Encoded))
            .collect::<Vec<_>>()
    });
    (
        0..4usize,
        good,
        prop::collection::vec((name(), value(), spelling), 0..4),
    )
        .prop_map(|(endpoint, mut good, more)| {
            good.extend(more);
            (endpoint, good)
        })
}

const ENDPOINTS: [(&str, &str); 4] = [
    ("GET", "/api/run.json"),
    ("GET", "/api/report.html"),
    ("POST", "/api/run"),
    ("POST", "/api/sweep"),
];

/// Sends one request and checks its answer; gives its status.
fn check(
    server: &Server,
    (endpoint, pairs): &(usize, Vec<(String, String, Spelling)>),
) -> Result<u16, TestCaseError> {
    let query = pairs
        .iter()
        .map(|(n, v, how)| match how {
            Spelling::Encoded => format!("{}={}", spell(n, false), spell(v, false)),
            Spelling::Loose => format!("{}={}", spell(n, true), spell(v, true)),
            Spelling::NameOnly => spell(n, false),
        })
        .collect::<Vec<_>>()
        .join("&");
    let (method, path) = ENDPOINTS[*endpoint];
    let got = if method == "GET" {
        server.get(&format!("{path}?{query}"))
    } else {
        server.post(path, &query)
    };
    let what = format!("{method} {path} {query}");
    prop_assert!(
        (200..500).contains(&got.status),
        "{what}: status {}\n{}",
        got.status,
        got.text()
    );
    let nosniff = got.header("x-content-type-options");
    prop_assert_eq!(
        nosniff.as_deref(),
        Some("nosniff"),
        "{}: {}",
        what,
        got.head
    );
    if got.status >= 400 {
        let body: serde_json::Value = serde_json::from_slice(&got.body)
            .map_err(|e| TestCaseError::fail(format!("{what}: not JSON ({e}): {}", got.text())))?;
        prop_assert!(body["error"].is_string(), "{what}: {body}");
    } else if method == "POST" {
        let lines = got.lines();
        let last = lines.last().map(|l| l["type"].clone());
        prop_assert!(
            last == Some("result".into()) || last == Some("error".into()),
            "{what}: {lines:?}"
        );
    }
    Ok(got.status)
}

#[test]
fn random_queries_get_2xx_or_a_json_4xx_and_the_server_stays_up() {
    let mut server = Server::start(&["--max-faces", "3e5", "--max-points", "4"]);
    let config = Config {
        cases: 200,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[26; 32]));
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    runner
        .run(&request(), |r| {
            let status = check(&server, &r)?;
            *statuses.borrow_mut().entry(status).or_default() += 1;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    // The cases reach runs as well as refusals.
    let statuses = statuses.into_inner();
    eprintln!("statuses: {statuses:?}");
    assert!(statuses.contains_key(&200) && statuses.contains_key(&400));
    assert!(server.alive(), "the server is still up");
    let ok = server.get("/api/run.json?reps=1");
    assert_eq!(ok.status, 200, "{}", ok.text());
}
