//! The binary as a user runs it: reports, JSON schema, overrides, outputs,
//! determinism across runs and thread counts, closed pipes.

use crate::common;

use common::{json_output, survsim};
use predicates::prelude::*;
use serde_json::Value;
use std::io::Read;
use std::process::{Command, Stdio};

fn json_of(args: &[&str]) -> (Vec<u8>, Value) {
    json_output(&[args, &["-q"]].concat())
}

#[test]
fn run_without_a_file_prints_the_funnel_of_the_default_scenario() {
    survsim()
        .arg("run")
        .assert()
        .success()
        .stdout(predicate::str::contains("default-city"))
        .stdout(predicate::str::contains("faces captured"))
        .stdout(predicate::str::contains("false arrests"))
        .stdout(predicate::str::contains("faces scanned per true alert"))
        .stdout(predicate::str::contains("group-c"))
        .stderr(predicate::str::contains("faces/s"));
}

#[test]
fn json_has_the_documented_keys() {
    let (_, v) = json_of(&["run"]);
    for key in [
        "faces_captured",
        "people_scanned",
        "true_alerts",
        "false_alerts",
        "alerts_rejected",
        "lost_in_crowd",
        "stops",
        "wrongful_stops",
        "arrests",
        "false_arrests",
    ] {
        assert!(v["totals"][key].is_u64(), "totals.{key}");
    }
    for key in [
        "faces_per_true_alert",
        "alert_precision",
        "false_alerts_per_1000_faces",
    ] {
        // A ratio without a denominator (no true alert in this run) is null.
        let r = &v["ratios"][key];
        assert!(r.is_number() || r.is_null(), "ratios.{key}");
    }
    for key in ["false_alerts", "true_alerts", "faces_captured"] {
        assert!(v["expected"][key].is_number(), "expected.{key}");
    }
    let groups = v["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    for g in groups {
        for key in [
            "name",
            "faces_captured",
            "false_alerts",
            "wrongful_stops",
            "false_arrests",
        ] {
            assert!(!g[key].is_null(), "groups[].{key}");
        }
    }
    assert!(v.get("ci95").is_none(), "one replication has no interval");
}

#[test]
fn replications_report_means_and_intervals() {
    let (_, v) = json_of(&["run", "--reps", "6"]);
    assert_eq!(v["scenario"]["replications"], 6);
    let mean = v["totals"]["faces_captured"].as_f64().unwrap();
    let ci = v["ci95"]["faces_captured"].as_array().unwrap();
    let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
    assert!(lo < mean && mean < hi);
}

#[test]
fn same_seed_same_bytes_and_thread_count_does_not_matter() {
    let (a, _) = json_of(&["run", "--reps", "5", "--threads", "1"]);
    let (b, _) = json_of(&["run", "--reps", "5", "--threads", "2"]);
    let (c, _) = json_of(&["run", "--reps", "5", "--threads", "3"]);
    assert_eq!(a, b);
    assert_eq!(a, c);
    let (d, _) = json_of(&["run", "--reps", "5", "--seed", "99"]);
    assert_ne!(a, d, "a different seed gives a different run");
    // Table output is byte-identical too.
    let t1 = survsim().args(["run", "-q"]).output().unwrap().stdout;
    let t2 = survsim().args(["run", "-q"]).output().unwrap().stdout;
    assert_eq!(t1, t2);
}

#[test]
fn set_overrides_change_the_run() {
    let (_, base) = json_of(&["run"]);
    let (_, strict) = json_of(&["run", "--set", "matcher.threshold=0.7"]);
    let fa = |v: &Value| v["expected"]["false_alerts"].as_f64().unwrap();
    assert!(fa(&strict) < fa(&base) / 10.0);
    let (_, by_name) = json_of(&["run", "--set", "sites.market-square.footfall_per_hour=0"]);
    let (_, by_index) = json_of(&["run", "--set", "sites[3].footfall_per_hour=0"]);
    assert_eq!(by_name["totals"], by_index["totals"]);
    assert_eq!(
        by_name["scenario"]["overrides"][0],
        "sites.market-square.footfall_per_hour=0"
    );
}

#[test]
fn the_scenario_file_runs_like_the_built_in_default() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.toml");
    let (_, a) = json_of(&["run", file]);
    let (_, b) = json_of(&["run"]);
    assert_eq!(a["totals"], b["totals"]);
    let printed = survsim().arg("default").output().unwrap().stdout;
    assert_eq!(printed, std::fs::read(file).unwrap());
}

#[test]
fn output_files_are_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    survsim()
        .args(["run", "--format", "json", "-q", "-o"])
        .arg(&path)
        .assert()
        .success()
        .stdout("");
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(v["totals"]["faces_captured"].as_u64().unwrap() > 0);
    // Only the report is left in the directory: no temporary files.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // An unwritable destination is an error (exit 1) that names it.
    survsim()
        .args(["run", "-q", "-o", "/nonexistent-dir/report.txt"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent-dir"));
}

#[test]
fn check_prints_derived_quantities() {
    survsim()
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("FPIR"))
        .stdout(predicate::str::contains("faces per true alert"));
    let out = survsim()
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fpir = v["groups"][0]["fpir"].as_f64().unwrap();
    assert!(fpir > 0.0 && fpir < 1e-3);
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_survsim"))
        .args(["run", "--reps", "3", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // like `| head -0`
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "status {status}, stderr {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn scenarios_lists_every_bundled_scenario_and_help_points_to_it() {
    let out = survsim().arg("scenarios").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in survsim::scenario::bundled::names() {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not listed"));
        assert!(line.len() > name.len() + 10, "{name} has no description");
    }
    let help = survsim().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("survsim scenarios"));
    // The command reference lists them too.
    let reference = include_str!("../../docs/commands.md");
    for name in survsim::scenario::bundled::names() {
        assert!(
            reference.contains(&format!("`{name}`")),
            "docs/commands.md misses {name}"
        );
    }
}

#[test]
fn share_sums_are_reported_without_float_noise() {
    let out = survsim()
        .args(["check", "--set", "population.groups[0].share=0.6"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sum to 0.9") && !err.contains("0.8999"),
        "{err}"
    );
}

#[test]
fn check_names_each_sites_busiest_hour() {
    // The default central station: 11,000 people an hour at 08:00 and at
    // 17:00 (the first is named), 60 % of them captured.
    let (_, check) = json_output(&["check"]);
    let station = &check["sites"][0];
    assert_eq!(station["name"], "central-station");
    assert_eq!(station["busiest_hour"], 8);
    assert_eq!(station["busiest_hour_faces"], 6600);
    let table = survsim().arg("check").output().unwrap().stdout;
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("08:00–09:00: 6,600"), "{table}");
}
