//! `survsim sweep` and `survsim merge` as a user runs them: results equal
//! separate `survsim run`s and do not depend on threads, shards or
//! interruption (the charts' shapes are in `sweep_charts.rs`).

use crate::common;

use common::{SMALL, ok, survsim, sweep};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn exit2(out: Output, needles: &[&str]) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    err
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "same file names"
    );
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{name} differs between {a:?} and {b:?}");
    }
}

/// The files a complete sweep of `points` points leaves, and nothing else.
fn expected_names(points: usize, tradeoff: bool) -> Vec<String> {
    let mut names: Vec<String> = [
        "false_alerts",
        "true_alerts",
        "wrongful_stops",
        "false_arrests",
        "faces_per_true_alert",
        "alert_precision",
        "faces_captured",
        "stops",
        "arrests",
        "lost_in_crowd",
        "wanted_missed",
        "trackable",
        "people_with_2_false_alerts",
        "false_alert_disparity",
    ]
    .iter()
    .map(|m| format!("charts/{m}.svg"))
    .collect();
    if tradeoff {
        names.push("charts/tradeoff.svg".into());
    }
    names.extend(
        [
            "manifest.json",
            "results-long.csv",
            "results.csv",
            "results.json",
        ]
        .map(String::from),
    );
    names.extend((0..points).map(|i| format!("points/{i}.json")));
    names.sort();
    names
}

/// The sweep in `dir` has one replication's range (pi95) of false alerts
/// at every point, in results.csv and results.json.
fn assert_has_pi95(dir: &Path) {
    let v = json(&dir.join("results.json"));
    for p in v["points"].as_array().unwrap() {
        let m = &p["metrics"]["false_alerts"];
        assert!(m["pi95_lo"].as_f64().unwrap() <= m["pi95_hi"].as_f64().unwrap());
    }
    let csv = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "false_alerts_pi95_hi")
        .unwrap();
    assert!(
        csv.lines()
            .skip(1)
            .all(|row| !row.split(',').nth(column).unwrap().is_empty())
    );
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn sweep_results_equal_separate_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let args = [
        SMALL,
        &[
            "--vary",
            "matcher.threshold=0.58:0.62:0.04",
            "--vary",
            "watchlist.size=1000,100000",
            "--reps",
            "4",
            "--seed",
            "7",
            "-q",
        ],
    ]
    .concat();
    let stdout = String::from_utf8(ok(sweep(&args, &out)).stdout).unwrap();
    let v = json(&out.join("results.json"));
    assert_eq!(v["reps"], 4);
    assert_eq!(v["seed"], 7);
    assert_eq!(
        v["command"],
        "survsim sweep --set population.residents=100000 --vary matcher.threshold=0.58:0.62:0.04 \
         --vary watchlist.size=1000,100000 --reps 4 --seed 7"
    );
    assert_eq!(v["grid"][0]["values"], serde_json::json!(["0.58", "0.62"]));
    assert!(
        v["scenario"]["text"]
            .as_str()
            .unwrap()
            .contains("[matcher]")
    );
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    for p in points {
        let sets: Vec<&str> = p["set"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let mut cmd = survsim();
        cmd.args([
            "run", "--reps", "4", "--seed", "7", "--format", "json", "-q",
        ])
        // A sweep draws uncertain inputs for each replication, as `run` does.
        .args(SMALL);
        for s in &sets {
            cmd.args(["--set", s]);
        }
        let run: Value = serde_json::from_slice(&ok(cmd.output().unwrap()).stdout).unwrap();
        let m = &p["metrics"];
        for key in [
            "false_alerts",
            "true_alerts",
            "wrongful_stops",
            "false_arrests",
            "faces_captured",
            "stops",
            "arrests",
            "lost_in_crowd",
        ] {
            assert_eq!(m[key]["mean"], run["totals"][key], "{sets:?} {key}");
            assert_eq!(m[key]["lo"], run["ci95"][key][0], "{sets:?} {key} lo");
            assert_eq!(m[key]["hi"], run["ci95"][key][1], "{sets:?} {key} hi");
        }
        for key in ["faces_per_true_alert", "alert_precision"] {
            assert_eq!(m[key]["mean"], run["ratios"][key], "{sets:?} {key}");
        }
        let f = |x: &Value| x.as_f64().unwrap();
        let missed = f(&run["totals"]["wanted_scanned"]) - f(&run["totals"]["wanted_alerted"]);
        assert!((f(&m["wanted_missed"]["mean"]) - missed).abs() < 1e-9);
        // Exposure and equity are sweepable too.
        let trackable: f64 = run["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| f(&g["trackable"]))
            .sum();
        assert!((f(&m["trackable"]["mean"]) - trackable).abs() < 1e-9);
        assert_eq!(
            m["people_with_2_false_alerts"]["mean"],
            run["exposure"]["people_with_2_false_alerts"]
        );
        // The table on stdout lists the point.
        assert!(stdout.contains(sets[0].split('=').nth(1).unwrap()));
    }
    assert_csv_matches(&out.join("results.csv"), points);
}

/// The sweep's CSV at `path` has the same numbers as its JSON `points`,
/// one row per point.
fn assert_csv_matches(path: &Path, points: &[Value]) {
    let csv = std::fs::read_to_string(path).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..5],
        [
            "matcher.threshold",
            "watchlist.size",
            "false_alerts_mean",
            "false_alerts_lo",
            "false_alerts_hi"
        ]
    );
    // Mean and confidence interval, then one replication's range, of each.
    assert_eq!(header.len(), 2 + 5 * 16);
    assert_eq!(header[2 + 3 * 16], "false_alerts_pi95_lo");
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4);
    // Without a pipeline its latency and drop rate are empty.
    let p99 = header
        .iter()
        .position(|h| *h == "p99_decision_latency_ms_mean")
        .unwrap();
    assert_eq!(header[p99 + 3], "drop_rate_mean");
    assert!(rows.iter().all(|r| r[p99..].iter().all(|c| c.is_empty())));
    assert_eq!(rows[1][..2], ["0.58", "100000"]);
    let fa: f64 = rows[1][2].parse().unwrap();
    assert_eq!(
        fa,
        points[1]["metrics"]["false_alerts"]["mean"]
            .as_f64()
            .unwrap()
    );
}

#[test]
fn thread_count_does_not_change_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        SMALL,
        &[
            "--vary",
            "watchlist.size=1000,10000",
            "--vary",
            "matcher.threshold=0.6,0.64",
            // Enough for one replication's range (pi95), which the
            // replications' own draws of the uncertain inputs widen.
            "--reps",
            "40",
            "-q",
        ],
    ]
    .concat();
    let (a, b, c) = (
        dir.path().join("t1"),
        dir.path().join("t2"),
        dir.path().join("t3"),
    );
    ok(sweep(&[&args[..], &["--threads", "1"]].concat(), &a));
    ok(sweep(&[&args[..], &["--threads", "2"]].concat(), &b));
    ok(sweep(&[&args[..], &["--threads", "3"]].concat(), &c));
    assert_has_pi95(&a);
    // Every file, the long results (every replication's counts) included.
    assert_same_files(&a, &b);
    assert_same_files(&a, &c);
    assert_eq!(
        files(&a).keys().cloned().collect::<Vec<_>>(),
        expected_names(4, true)
    );
}

#[test]
fn shards_merged_equal_the_unsharded_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let args = [
        SMALL,
        &[
            "--vary",
            "matcher.threshold=0.56:0.64:0.02",
            "--vary",
            "watchlist.size=1000,100000",
            "--reps",
            "40",
            "-q",
        ],
    ]
    .concat();
    ok(sweep(&args, &d("whole")));
    assert_has_pi95(&d("whole"));
    for k in 1..=3 {
        let shard = format!("{k}/3");
        ok(sweep(
            &[&args[..], &["--shard", &shard]].concat(),
            &d(&format!("s{k}")),
        ));
    }
    // A shard holds its own points (index ≡ k − 1 mod 3), and no results.
    let s2: Vec<String> = files(&d("s2")).into_keys().collect();
    assert_eq!(
        s2,
        [
            "manifest.json",
            "points/1.json",
            "points/4.json",
            "points/7.json"
        ]
    );
    let merge = |out: &str, shards: &[&str]| {
        survsim()
            .args(["merge", "-q", "--out"])
            .arg(d(out))
            .args(shards.iter().map(|s| d(s)))
            .output()
            .unwrap()
    };
    ok(merge("merged", &["s1", "s2", "s3"]));
    assert_same_files(&d("whole"), &d("merged"));
    // The shard order does not matter either.
    ok(merge("merged2", &["s3", "s1", "s2"]));
    assert_same_files(&d("whole"), &d("merged2"));

    // A missing shard, a point in two shards: clear errors, nothing written.
    exit2(
        merge("bad", &["s1", "s3"]),
        &["none of the shards", "1, 4, 7"],
    );
    assert!(!d("bad").exists());
    copy_dir(&d("s2"), &d("s2-copy"));
    exit2(
        merge("bad", &["s1", "s2", "s2-copy", "s3"]),
        &["point 1 is in two shards"],
    );
    assert!(!d("bad").exists());
    // Shards of another sweep do not mix.
    let other = [&args[..], &["--seed", "5", "--shard", "2/3"]].concat();
    ok(sweep(&other, &d("other")));
    exit2(
        merge("bad", &["s1", "other", "s3"]),
        &["different sweep", "--seed"],
    );
    exit2(merge("bad", &["s1", "nope"]), &["nope"]);

    // All shards into one directory (a shared file system) also completes it.
    for k in 1..=3 {
        let shard = format!("{k}/3");
        ok(sweep(
            &[&args[..], &["--shard", &shard]].concat(),
            &d("shared"),
        ));
    }
    assert_same_files(&d("whole"), &d("shared"));
}

fn copy_dir(from: &Path, to: &Path) {
    for (name, bytes) in files(from) {
        let p = to.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let (killed, whole) = (dir.path().join("killed"), dir.path().join("whole"));
    // Ten-day runs: enough work (about 2 s) to interrupt in the middle.
    let args = [
        "--set",
        "simulation.duration=240h",
        "--vary",
        "matcher.threshold=0.55:0.70:0.01",
        "--vary",
        "watchlist.size=1000,100000",
        "--reps",
        "12",
        "--threads",
        "2",
        "-q",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_survsim"))
        .arg("sweep")
        .args(args)
        .arg("--out")
        .arg(&killed)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let points = killed.join("points");
    let finished = |p: &PathBuf| {
        std::fs::read_dir(p).map_or(0, |d| {
            d.filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                !name.to_string_lossy().starts_with('.')
            })
            .count()
        })
    };
    while finished(&points) < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no point finished"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // While it runs, the directory is locked against a second sweep.
    exit2(
        sweep(&args, &killed),
        &["another survsim process is working in this directory"],
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = finished(&points);
    eprintln!("killed after {done} of 32 points");
    assert!(
        !killed.join("results.csv").exists()
            && !killed.join("results-long.csv").exists()
            && done < 32,
        "killed too late to test resuming ({done} points done)"
    );
    // Every file left is whole: the manifest and the point files parse.
    json(&killed.join("manifest.json"));
    for (name, bytes) in files(&killed) {
        if !name.contains("/.") {
            serde_json::from_slice::<Value>(&bytes)
                .unwrap_or_else(|e| panic!("{name} is not whole: {e}"));
        }
    }

    // As a write cut short by the kill would leave it:
    std::fs::write(points.join(".survsim-cut-short"), b"{\"sweep\":").unwrap();

    let resumed = survsim()
        .arg("sweep")
        .args(&args[..args.len() - 1]) // not quiet: says what it skipped
        .arg("--out")
        .arg(&killed)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&ok(resumed).stderr).into_owned();
    assert!(err.contains(&format!("{done} already done")), "{err}");
    ok(sweep(&args, &whole));
    assert_same_files(&whole, &killed);
    // No temporary or partial file is left.
    assert_eq!(
        files(&killed).into_keys().collect::<Vec<_>>(),
        expected_names(32, true)
    );

    // Rerunning a complete sweep runs nothing and changes nothing.
    let again = ok(survsim()
        .arg("sweep")
        .args(&args[..args.len() - 1])
        .arg("--out")
        .arg(&killed)
        .output()
        .unwrap());
    assert!(String::from_utf8_lossy(&again.stderr).contains("swept 0 points"));
    assert_same_files(&whole, &killed);
}

#[test]
fn a_different_sweep_in_the_output_directory_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let a = [
        SMALL,
        &["--vary", "watchlist.size=1000,10000", "--reps", "2", "-q"],
    ]
    .concat();
    ok(sweep(&a, &out));
    let before = files(&out);
    let b = [
        SMALL,
        &["--vary", "watchlist.size=1000,20000", "--reps", "2", "-q"],
    ]
    .concat();
    exit2(
        sweep(&b, &out),
        &["different sweep", "--vary grid", "--force"],
    );
    let c = [
        SMALL,
        &["--vary", "watchlist.size=1000,10000", "--reps", "3", "-q"],
    ]
    .concat();
    exit2(sweep(&c, &out), &["--reps"]);
    let d = [
        &["--set", "population.residents=200000"][..],
        &["--vary", "watchlist.size=1000,10000", "--reps", "2", "-q"],
    ]
    .concat();
    exit2(sweep(&d, &out), &["--set"]);
    assert!(before == files(&out), "a refused sweep changes nothing");

    ok(sweep(&[&b[..], &["--force"]].concat(), &out));
    let v = json(&out.join("results.json"));
    assert_eq!(v["grid"][0]["values"], serde_json::json!(["1000", "20000"]));
    assert_eq!(files(&out).len(), expected_names(2, false).len());
}

#[test]
fn bad_input_is_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--vary", "matcher.nope=1,2"],
            &["--vary matcher.nope=1", "unknown key"],
        ),
        (
            &["--vary", "matcher.threshold=0.5:0.7"],
            &["--vary", "malformed range"],
        ),
        (
            &["--vary", "matcher.threshold=0.5:0.7:0"],
            &["--vary", "step must be greater than 0"],
        ),
        (
            &["--vary", "matcher.threshold=0.7:0.5:0.01"],
            &["--vary", "below the start"],
        ),
        (
            &[
                "--vary",
                "watchlist.size=1:1000:1",
                "--vary",
                "review.operators=1:1000:1",
            ],
            &["--vary", "1,000,000 points", "at most 100,000"],
        ),
        (&["--vary", "watchlist.size="], &["--vary", "empty value"]),
        (&["--vary", "watchlist.size"], &["--vary", "KEY.PATH="]),
        (
            &["--vary", "watchlist.size=1,2", "--vary", "watchlist.size=3"],
            &["varied twice"],
        ),
        (
            &["--vary", "matcher.threshold=0.5,1.5"],
            &["--vary matcher.threshold=1.5", "threshold"],
        ),
        (
            &["--vary", "watchlist.size=1,2", "--shard", "0/3"],
            &["--shard 0/3", "K/N"],
        ),
        (
            &["--vary", "watchlist.size=1,2", "--shard", "4/3"],
            &["--shard 4/3"],
        ),
        (
            &["--vary", "watchlist.size=1,2", "--set", "matcher.nope=1"],
            &["--set matcher.nope=1"],
        ),
    ];
    for (args, needles) in cases {
        exit2(sweep(args, &out), needles);
        assert!(!out.exists(), "{args:?}: nothing is written on bad input");
    }
    // clap's own errors are exit 2 too.
    let out2 = survsim()
        .args(["sweep", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(out2.status.code(), Some(2));
}

#[test]
fn the_progress_bar_is_hidden_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(sweep(
        &[
            SMALL,
            &["--vary", "watchlist.size=1000,10000", "--reps", "3"],
        ]
        .concat(),
        &dir.path().join("sw"),
    ));
    let err = String::from_utf8(out.stderr).unwrap();
    // The note on watchlist.size without wanted_present, then the timing.
    assert!(
        err.starts_with(
            "survsim: note: --vary watchlist.size keeps watchlist.wanted_present fixed"
        ),
        "{err}"
    );
    assert!(
        err.lines()
            .nth(1)
            .unwrap()
            .starts_with("swept 2 points × 3 replications in "),
        "{err}"
    );
    assert!(!err.contains('\r') && !err.contains('\u{1b}') && !err.contains("ETA"));
    assert_eq!(err.lines().count(), 3, "{err}");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("watchlist.size") && table.contains("false al."));
}
