//! `survsim serve` over HTTP, as a browser or a script would use it: the
//! JSON endpoint is `run --format json` byte for byte, the HTML download
//! is `run --html`'s page, bad input gets the CLI's message with 400,
//! runs are cancelled by a newer request or a closed connection, and a
//! load of 200 requests (some malformed) is all answered without a crash
//! and in bounded memory.

use crate::common;
use crate::html_support;
use crate::serve_support;

use common::{exit_of, succeeded, survsim};
use serve_support::{Server, enc};
use std::io::{BufRead, BufReader, Write};

/// The query of a run: its overrides, seed and replications.
fn query(sets: &[&str], seed: Option<u64>, reps: u64) -> String {
    let mut q: Vec<String> = sets.iter().map(|s| format!("set={}", enc(s))).collect();
    if let Some(seed) = seed {
        q.push(format!("seed={seed}"));
    }
    q.push(format!("reps={reps}"));
    q.join("&")
}

/// `survsim run` with the same overrides, `--format json`.
fn cli_json(scenario: Option<&str>, sets: &[&str], seed: Option<u64>, reps: u64) -> Vec<u8> {
    let mut cmd = survsim();
    cmd.arg("run").args(scenario);
    for s in sets {
        cmd.args(["--set", s]);
    }
    if let Some(seed) = seed {
        cmd.args(["--seed", &seed.to_string()]);
    }
    cmd.args(["--reps", &reps.to_string(), "--format", "json", "-q"]);
    succeeded(cmd.output().unwrap())
}

#[test]
fn a_result_is_run_format_json_byte_for_byte() {
    let server = Server::start(&[]);
    let cases: [(&[&str], Option<u64>, u64); 3] = [
        (&[], None, 20),
        (
            &["matcher.threshold=0.62", "watchlist.size=20000"],
            Some(7),
            5,
        ),
        (
            &["simulation.engine=\"faces\"", "simulation.duration=\"6h\""],
            None,
            3,
        ),
    ];
    for (sets, seed, reps) in cases {
        let got = server.get(&format!("/api/run.json?{}", query(sets, seed, reps)));
        assert_eq!(got.status, 200, "{}", got.text());
        let want = cli_json(None, sets, seed, reps);
        assert!(
            got.body == want,
            "{sets:?}: the server's JSON differs from the CLI's"
        );
    }
    // A bundled scenario given at start, the same way.
    let server = Server::start(&["met-essex-2019"]);
    let got = server.get(&format!("/api/run.json?{}", query(&[], Some(3), 4)));
    assert!(got.body == cli_json(Some("met-essex-2019"), &[], Some(3), 4));
}

#[test]
fn the_html_download_is_run_html_s_page() {
    let server = Server::start(&[]);
    let sets = ["matcher.threshold=0.61"];
    let got = server.get(&format!("/api/report.html?{}", query(&sets, None, 4)));
    assert_eq!(got.status, 200);
    assert!(
        got.head
            .to_ascii_lowercase()
            .contains("content-disposition: attachment")
    );
    let dir = tempfile::tempdir().unwrap();
    succeeded(
        survsim()
            .current_dir(dir.path())
            .args([
                "run",
                "--set",
                sets[0],
                "--reps",
                "4",
                "--html",
                "report.html",
                "-q",
            ])
            .output()
            .unwrap(),
    );
    let want = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(
        html_support::without_run_time(&got.text()),
        html_support::without_run_time(&want)
    );
}

#[test]
fn the_stream_reports_progress_and_the_page_s_body() {
    let server = Server::start(&[]);
    let got = server.post("/api/run", &format!("{}&page=t1", query(&[], None, 6)));
    assert_eq!(got.status, 200);
    let lines = got.lines();
    let progress: Vec<u64> = lines
        .iter()
        .filter(|l| l["type"] == "progress")
        .map(|l| l["done"].as_u64().unwrap())
        .collect();
    assert_eq!(progress, (1..=6).collect::<Vec<_>>());
    let result = lines.last().unwrap();
    assert_eq!(result["type"], "result", "{lines:?}");
    let body = result["body"].as_str().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&cli_json(None, &[], None, 6)).unwrap();
    html_support::assert_figures_match_json(body, &json);
    // The page itself: one script, allowed by its nonce alone.
    let page = server.get("/");
    assert_eq!(page.status, 200);
    let csp = page
        .head
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("content-security-policy:")
        })
        .expect("a CSP header");
    assert!(csp.contains("script-src 'nonce-") && !csp.contains("unsafe-eval"));
}

#[test]
fn bad_input_gets_the_cli_s_message_and_400() {
    let server = Server::start(&["--max-faces", "1e6", "--max-body", "4096"]);
    for set in [
        "matcher.nope=1",
        "matcher.threshold=abc",
        "population.groups[0].share=1.4",
    ] {
        let got = server.get(&format!("/api/run.json?{}", query(&[set], None, 2)));
        assert_eq!(got.status, 400, "{set}");
        let (code, stderr) = exit_of(&["run", "--set", set]);
        assert_eq!(code, 2);
        let message = stderr.trim().strip_prefix("survsim: error: ").unwrap();
        assert_eq!(got.json()["error"], message, "{set}");
        // The streamed endpoint refuses before it streams.
        let got = server.post("/api/run", &query(&[set], None, 2));
        assert_eq!(got.status, 400);
        assert!(got.json()["key"].is_string(), "{set}: the key is named");
    }
    // The size limit: 143,000 faces × 20 replications > 10⁶.
    let got = server.get("/api/run.json?reps=20");
    assert_eq!(got.status, 400);
    assert!(
        got.json()["error"]
            .as_str()
            .unwrap()
            .contains("--max-faces")
    );
    // Parameters, and a body over the limit.
    for q in ["reps=0", "reps=x", "seed=-4", "bogus=1", "set=nokey"] {
        assert_eq!(server.get(&format!("/api/run.json?{q}")).status, 400, "{q}");
    }
    // A parameter given twice (but `set`) is refused, by its name.
    for (q, name) in [("reps=1&reps=2", "reps"), ("seed=1&page=a&seed=1", "seed")] {
        let got = server.get(&format!("/api/run.json?{q}"));
        assert_eq!(got.status, 400, "{q}");
        let message = got.json()["error"].as_str().unwrap().to_string();
        assert!(
            message.contains(&format!("`{name}` is given twice")),
            "{message}"
        );
    }
    let big = format!("set={}", "x".repeat(10_000));
    assert_eq!(server.post("/api/run", &big).status, 413);
    assert_eq!(
        server
            .post("/api/sweep", "vary=matcher.threshold%3D0.5%3A0.9%3A0.001")
            .status,
        400
    );
    assert_eq!(server.get("/nowhere").status, 404);
}

#[test]
fn a_sweep_charts_its_metric_with_intervals() {
    let server = Server::start(&[]);
    let got = server.post(
        "/api/sweep",
        "vary=matcher.threshold%3D0.58%2C0.62&metric=false_alerts&reps=3&page=s",
    );
    assert_eq!(got.status, 200);
    let lines = got.lines();
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "result", "{lines:?}");
    let svg = last["svg"].as_str().unwrap();
    assert!(
        svg.contains("<svg") && svg.contains("class=\"band\""),
        "{svg}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["type"] == "progress" && l["of"] == 6)
    );
}

#[test]
fn a_sweep_of_a_metric_the_scenario_lacks_is_refused_before_it_runs() {
    // The default scenario has no pipeline: no drop rate to chart. Refused
    // with 400 before anything is queued, not after every point has run.
    let server = Server::start(&[]);
    let got = server.post(
        "/api/sweep",
        "vary=matcher.threshold%3D0.58%2C0.62&metric=drop_rate&reps=2",
    );
    assert_eq!(got.status, 400, "{:?}", got.lines());
    let error = got.json()["error"].as_str().unwrap().to_string();
    assert!(
        error.contains("`drop_rate`") && error.contains("[pipeline]"),
        "{error}"
    );
    let valid = error.split("expected one of ").nth(1).unwrap();
    assert!(
        valid.contains("false_alerts") && valid.contains("false_alert_disparity"),
        "{error}"
    );
    assert!(!valid.contains("p99_decision_latency_ms"), "{error}");
}

#[test]
fn requests_whose_counts_would_not_fit_the_server_are_refused() {
    // 32 × 32 groups: each replication keeps about 80 kB of group counts,
    // so 100,000 of them would hold 8 GB until the report is made.
    let levels = |dim: &str| -> String {
        (0..32)
            .map(|i| {
                format!("[[population.dimensions.levels]]\nname = \"{dim}{i}\"\nshare = 0.03125\n")
            })
            .collect()
    };
    let text = format!(
        "[simulation]\nduration = \"1h\"\n[population]\nresidents = 100000\n\
         [[population.dimensions]]\nname = \"a\"\n{}\
         [[population.dimensions]]\nname = \"b\"\n{}\
         [[sites]]\nname = \"s\"\nfootfall_per_hour = 10\n[watchlist]\nsize = 100\n",
        levels("a"),
        levels("b")
    );
    let dir = tempfile::tempdir().unwrap();
    let path = common::scenario_file(dir.path(), "groups.toml", &text);
    let server = Server::start(&[path.to_str().unwrap()]);
    for (route, body) in [
        ("/api/run", "reps=100000"),
        (
            "/api/sweep",
            "reps=100000&vary=matcher.threshold%3D0.6%2C0.62",
        ),
    ] {
        // The status line alone first: a streamed answer (200) would run
        // for minutes before its end.
        let mut s = server.connect();
        let head = format!(
            "POST {route} HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(head.as_bytes()).unwrap();
        let mut reader = BufReader::new(s);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 400 "), "{route}: {status}");
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut rest).unwrap();
        let v = serve_support::Response::parse(&[status.as_bytes(), &rest].concat()).json();
        let error = v["error"].as_str().unwrap();
        assert_eq!(v["source"], "--reps", "{error}");
        assert!(
            error.contains("1024 groups") && error.contains("ask for at most"),
            "{error}"
        );
    }
    // Fewer replications run.
    assert_eq!(server.post("/api/run", "reps=2").status, 200);
}

/// Opens a streamed run and returns the connection once its first
/// progress line has come.
fn start_long_run(server: &Server, page: &str) -> BufReader<std::net::TcpStream> {
    let body = format!("reps=100000&page={page}");
    let mut s = server.connect();
    s.write_all(server.post_request("/api/run", "", &body).as_bytes())
        .unwrap();
    let mut reader = BufReader::new(s);
    let mut line = String::new();
    while !line.contains("\"progress\"") {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "the run ended early"
        );
    }
    reader
}

#[test]
fn newer_requests_and_closed_connections_cancel_runs() {
    // One run at a time, and a limit that lets a run of 100,000
    // replications (some 20 minutes) start: only cancelling it lets the
    // next request through.
    let mut server = Server::start(&["--threads", "1", "--max-faces", "1e12"]);
    let mut older = start_long_run(&server, "same");
    let newer = server.post("/api/run", "reps=2&page=same");
    assert_eq!(newer.lines().last().unwrap()["type"], "result");
    // The older answer ends without a result.
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut older, &mut rest).unwrap();
    assert!(!rest.contains("\"result\""));
    // A client that goes away frees the core for the next.
    drop(start_long_run(&server, "gone"));
    let next = server.get("/api/run.json?reps=2");
    assert_eq!(next.status, 200);
    assert!(server.alive());
}

#[test]
fn two_hundred_requests_twenty_at_a_time_are_all_answered() {
    // One client, twenty at a time: above the default limit per client.
    let mut server = Server::start(&["--max-body", "8192", "--max-client-runs", "20"]);
    let requests: Vec<Vec<u8>> = (0..200)
        .map(|i| {
            let text = match i % 10 {
                0 => "GET /api/run.json?set=matcher.nope%3D1 HTTP/1.0\r\n\r\n".to_string(),
                1 => "GARBAGE\r\n\r\n".to_string(),
                2 => format!(
                    "POST /api/run HTTP/1.0\r\nContent-Length: 20000\r\n\r\n{}",
                    "a".repeat(20_000)
                ),
                3 => "GET /api/run.json?reps=0 HTTP/1.0\r\n\r\n".to_string(),
                4 => "POST /api/sweep HTTP/1.0\r\nContent-Length: 4\r\n\r\nx=%%".to_string(),
                5 => format!("GET /%3Cscript%3E{i} HTTP/1.0\r\n\r\n"),
                _ => format!(
                    "GET /api/run.json?set=matcher.threshold%3D0.{}&reps=2 HTTP/1.0\r\n\r\n",
                    55 + i % 10
                ),
            };
            text.into_bytes()
        })
        .collect();
    let rss_before = server.rss_kb();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let chunks: Vec<_> = requests
            .chunks(10)
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter()
                        .map(|r| server.raw(r).status)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        chunks.into_iter().flat_map(|c| c.join().unwrap()).collect()
    });
    let rss_after = server.rss_kb();
    eprintln!("RSS before {rss_before} kB, after 200 requests {rss_after} kB");
    assert_eq!(statuses.len(), 200);
    for (i, s) in statuses.iter().enumerate() {
        let expected: &[u16] = match i % 10 {
            0 | 3 | 4 => &[400],
            1 => &[400],
            2 => &[413],
            5 => &[404],
            _ => &[200],
        };
        assert!(expected.contains(s), "request {i}: status {s}");
    }
    assert!(server.alive(), "the server is still up");
    assert!(rss_after < 400_000, "RSS {rss_after} kB after the load");
    assert_eq!(server.get("/api/run.json?reps=2").status, 200);
}

/// A day of one site, scheduled by a CSV file beside the scenario.
const SCHEDULED: &str = r#"deployments_file = "day.csv"
[simulation]
duration = "1d"
[population]
residents = 20000
[watchlist]
size = 1000
wanted_present = 5
[[sites]]
name = "square"
footfall_per_hour = 500
"#;

/// Whether a process holds `fifo` open for reading: opening it for
/// writing without blocking fails (ENXIO) when nobody does.
fn fifo_has_reader(fifo: &std::path::Path) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(fifo)
        .is_ok()
}

#[test]
fn a_request_naming_a_file_is_refused_without_opening_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("day.toml");
    std::fs::write(&scenario, SCHEDULED).unwrap();
    std::fs::write(
        dir.path().join("day.csv"),
        "name,day,start,end,sites\nmorning,0,08:00,12:00,square\n",
    )
    .unwrap();
    // Files a request might name: a readable one beside the scenario, a
    // secret elsewhere, and a FIFO nobody writes (an open would block and
    // be seen as a reader).
    std::fs::write(dir.path().join("other.csv"), "name,day\nx,0\n").unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "root:*:hash\n").unwrap();
    let fifo = dir.path().join("fifo");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);

    let server = Server::start(&[scenario.to_str().unwrap(), "--max-faces", "1e6"]);
    // The schedule was read at start: the file may go, and runs still use it.
    std::fs::remove_file(dir.path().join("day.csv")).unwrap();
    let ok = server.get("/api/run.json?reps=1");
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(ok.json()["deployments"][0]["name"], "morning");
    // Naming the same file again is fine: it is what the server offers.
    let same = server.get(&format!(
        "/api/run.json?reps=1&set={}",
        enc("deployments_file=\"day.csv\"")
    ));
    assert_eq!(same.status, 200, "{}", same.text());

    for file in [
        "other.csv".to_string(),
        secret.display().to_string(),
        fifo.display().to_string(),
        "/etc/shadow".to_string(),
    ] {
        let set = enc(&format!("deployments_file=\"{file}\""));
        for got in [
            server.get(&format!("/api/run.json?reps=1&set={set}")),
            server.post("/api/run", &format!("reps=1&set={set}")),
            server.post(
                "/api/sweep",
                &format!("reps=1&set={set}&vary=matcher.threshold%3D0.6%2C0.62"),
            ),
        ] {
            assert_eq!(got.status, 400, "{file}: {}", got.text());
            let error = got.json();
            assert_eq!(error["key"], "deployments_file", "{file}: {error}");
            let message = error["error"].as_str().unwrap();
            assert!(message.contains("reads no file"), "{message}");
            assert!(!message.contains("root:") && !message.contains("hash"));
        }
        assert!(!fifo_has_reader(&fifo), "the server opened the FIFO");
    }
    // The CLI, by contrast, reads the file the user names.
    let (code, stderr) = exit_of(&[
        "run",
        scenario.to_str().unwrap(),
        "--set",
        "deployments_file=\"other.csv\"",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("other.csv"), "{stderr}");
}
