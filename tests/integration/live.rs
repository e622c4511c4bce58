//! `survsim live` on loopback: every event to a client that keeps up, a
//! slow client disconnected without stalling anyone, clients joining
//! mid-run, `--speed max`, and SIGTERM. Every wait is bounded.

use crate::common;

use common::survsim;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// A busy little scenario: ≈ 100,000 lines in four virtual hours.
const BUSY: &str = town!(
    duration = "4h",
    seed = 5,
    residents = 20000,
    r#"
[[sites]]
name = "north"
footfall_per_hour = 8000
[[sites]]
name = "south"
footfall_per_hour = 4000
[watchlist]
size = 10000
wanted_present = 100
[matcher]
threshold = 0.55
[review]
operators = 2
[intervention]
officers = 2
"#
);

/// Generous bounds: the suite must never hang.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// A running `survsim live`, its address, and its standard error so far.
struct Live {
    child: Child,
    address: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Live {
    fn start(args: &[&str]) -> Live {
        let mut child = Command::new(env!("CARGO_BIN_EXE_survsim"))
            .arg("live")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap());
        let all = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                if let Some(rest) = line.split(" on ").nth(1)
                    && let Some(address) = rest.split_whitespace().next()
                {
                    let _ = tx.send(address.parse::<SocketAddr>().ok());
                }
                all.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let address = rx
            .recv_timeout(READ_TIMEOUT)
            .expect("live prints the address it serves on")
            .expect("a socket address");
        Live {
            child,
            address,
            stderr,
        }
    }

    fn connect(&self) -> BufReader<TcpStream> {
        let stream = TcpStream::connect(self.address).unwrap();
        stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        BufReader::new(stream)
    }

    /// Waits for the process to exit, killing it past the bound.
    fn wait(self) -> (std::process::ExitStatus, String) {
        self.wait_at_most(RUN_TIMEOUT)
            .unwrap_or_else(|| panic!("live did not finish in {RUN_TIMEOUT:?}"))
    }

    /// Waits up to `bound` for the process to exit; past it, kills it and
    /// says `None`.
    fn wait_at_most(mut self, bound: Duration) -> Option<(std::process::ExitStatus, String)> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50));
                let err = self.stderr.lock().unwrap().clone();
                return Some((status, err));
            }
            if started.elapsed() > bound {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Reads lines until the server closes the connection.
fn read_all(reader: &mut BufReader<TcpStream>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) => return lines,
            Ok(_) => {
                assert!(line.ends_with('\n'), "a whole line: {line}");
                lines.push(line.trim_end().to_string());
            }
            Err(e) => panic!("reading the feed: {e}"),
        }
    }
}

fn read_line(reader: &mut BufReader<TcpStream>) -> Value {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    serde_json::from_str(&line).unwrap()
}

/// The `run --events` log of the same scenario, as lines.
fn reference_log(scenario: &Path, extra: &[&str]) -> Vec<String> {
    let out = survsim()
        .args(["run", scenario.to_str().unwrap(), "--events", "-", "-q"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn a_slow_client_is_disconnected_and_the_fast_one_gets_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("busy.toml");
    std::fs::write(&scenario, BUSY).unwrap();
    let log = reference_log(&scenario, &[]);
    // Four virtual hours in two seconds of wall-clock time; the clock
    // starts once both clients are in.
    let live = Live::start(&[
        scenario.to_str().unwrap(),
        "--speed",
        "7200",
        "--wait-clients",
        "2",
        "--client-buffer",
        "5000",
    ]);
    let mut fast = live.connect();
    let mut slow = live.connect();
    let fast = std::thread::spawn(move || read_all(&mut fast));
    let hello = read_line(&mut slow);
    assert_eq!(hello["kind"], "hello");
    // Deliberately slow: read nothing for two seconds, then see what is left.
    std::thread::sleep(Duration::from_secs(2));
    let slow_lines = read_all(&mut slow);
    let fast_lines = fast.join().unwrap();
    let (status, err) = live.wait();
    assert!(status.success(), "{err}");

    // The fast client: a hello, then exactly the event log, end line included.
    let hello: Value = serde_json::from_str(&fast_lines[0]).unwrap();
    assert_eq!(hello["kind"], "hello");
    assert_eq!(hello["speed"], 7200.0);
    assert!(hello["started_unix_s"].as_f64().unwrap() > 1.6e9);
    assert_eq!(fast_lines.len() - 1, log.len());
    assert!(
        fast_lines[1..] == log[..],
        "the fast client's feed is the log"
    );
    let end: Value = serde_json::from_str(log.last().unwrap()).unwrap();
    assert_eq!(end["complete"], true);

    // The slow client: whole lines, in order, the log's own — then cut off,
    // long before the end.
    assert!(!slow_lines.is_empty());
    assert!(
        slow_lines.len() < log.len() / 2,
        "{} lines",
        slow_lines.len()
    );
    assert!(slow_lines[..] == log[..slow_lines.len()]);
    assert!(
        err.contains("disconnected: fell") && err.contains("1 disconnected for falling behind"),
        "{err}"
    );
}

#[test]
fn max_speed_goes_as_fast_as_the_client_reads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("busy.toml");
    std::fs::write(&scenario, BUSY).unwrap();
    let log = reference_log(&scenario, &["--events-kinds", "capture,alert,stop"]);
    let live = Live::start(&[
        scenario.to_str().unwrap(),
        "--speed",
        "max",
        "--events-kinds",
        "capture,alert,stop",
        "-q",
    ]);
    // With no client connected the stream waits, so nothing is missed.
    std::thread::sleep(Duration::from_millis(200));
    let mut client = live.connect();
    let lines = read_all(&mut client);
    let (status, err) = live.wait();
    assert!(status.success(), "{err}");
    let hello: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(hello["speed"], "max");
    assert_eq!(
        hello["kinds"],
        serde_json::json!(["capture", "alert", "stop"])
    );
    assert!(lines[1..] == log[..]);
}

#[test]
fn clients_join_mid_run_and_sigterm_ends_every_feed_with_a_summary() {
    let log = reference_log(Path::new("default"), &[]);
    // The default day at an hour a second: about 6,000 lines a second.
    let live = Live::start(&["--speed", "3600"]);
    std::thread::sleep(Duration::from_millis(700));
    let mut client = live.connect();
    let hello = read_line(&mut client);
    assert_eq!(hello["kind"], "hello");
    assert!(
        hello["t"].as_f64().unwrap() > 0.0,
        "joined mid-run: {hello}"
    );
    let mut first = String::new();
    client.read_line(&mut first).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = live.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let mut lines = vec![first.trim_end().to_string()];
    lines.extend(read_all(&mut client));
    let (status, err) = live.wait();
    assert!(status.success(), "{err}");

    // From the first line on, the log's lines in order, then the summary.
    let (end, events) = lines.split_last().unwrap();
    let from = log
        .iter()
        .position(|l| *l == events[0])
        .expect("a log line");
    assert!(from > 0, "events before the client joined are not replayed");
    assert!(events[..] == log[from..from + events.len()]);
    let end: Value = serde_json::from_str(end).unwrap();
    assert_eq!(end["kind"], "end");
    assert_eq!(end["complete"], false);
    assert_eq!(end["reason"], "interrupted");
    assert!(end["totals"].is_null());
    assert!(end["t"].as_f64().unwrap() < 86400.0);
    assert!(end["events"]["capture"].as_u64().unwrap() > 0);
    assert!(err.contains("interrupted"), "{err}");
}

/// Issue 18, F17: at `--speed max`, a client that connects and never reads
/// is the one disconnected — not the client that reads — and the feed goes
/// on to its end for the reader. The stalled client's kernel socket buffers
/// take a few megabytes before anything shows in the server's own buffer,
/// so the feed must outrun them: two virtual hours of the busy scenario are
/// ≈ 49,000 lines (8 MB). A buffer of 600 lines, just over one 512-line
/// chunk, leaves the reader little slack: before the fix, about half the
/// repetitions cut the reader and then stalled. Twenty repetitions, each
/// about a third of a second (the stalled client is cut after 250 ms).
#[test]
fn max_speed_cuts_the_client_that_never_reads_not_the_reader() {
    const REPS: usize = 20;
    /// A repetition that takes longer has stalled: it is killed and fails.
    const REP_BOUND: Duration = Duration::from_secs(10);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("busy.toml");
    std::fs::write(&scenario, BUSY).unwrap();
    let short = ["--set", "simulation.duration=2h"];
    let log = reference_log(&scenario, &short);
    assert!(log.len() > 40_000, "{} lines", log.len());
    let started = Instant::now();
    let mut failures = Vec::new();
    for rep in 0..REPS {
        let live = Live::start(&[
            scenario.to_str().unwrap(),
            short[0],
            short[1],
            "--speed",
            "max",
            "--wait-clients",
            "2",
            "--client-buffer",
            "600",
        ]);
        let mut reader = live.connect();
        reader.get_ref().set_read_timeout(Some(REP_BOUND)).unwrap();
        let reader_address = reader.get_ref().local_addr().unwrap();
        // Connects, never reads.
        let stalled = TcpStream::connect(live.address).unwrap();
        let stalled_address = stalled.local_addr().unwrap();
        let lines = read_all(&mut reader);
        // Once the reader has its feed, the stalled client goes away.
        drop(stalled);
        let Some((status, err)) = live.wait_at_most(REP_BOUND) else {
            failures.push(format!(
                "repetition {rep}: the feed stalled ({} lines read)",
                lines.len()
            ));
            continue;
        };
        assert!(status.success(), "{err}");
        let complete = lines.len() == log.len() + 1 && lines[1..] == log[..];
        let stalled_cut = err.contains(&format!("{stalled_address} disconnected: fell"));
        let reader_cut = err.contains(&format!("{reader_address} disconnected"));
        if !complete || !stalled_cut || reader_cut {
            failures.push(format!(
                "repetition {rep}: the reader got {} of {} lines{}; stalled client cut: {stalled_cut}; reader cut: {reader_cut}",
                lines.len().saturating_sub(1),
                log.len(),
                if complete { " (the whole feed)" } else { "" },
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {REPS} repetitions failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let end: Value = serde_json::from_str(log.last().unwrap()).unwrap();
    assert_eq!(end["kind"], "end");
    assert_eq!(end["complete"], true);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{REPS} repetitions took {:?}",
        started.elapsed()
    );
}
