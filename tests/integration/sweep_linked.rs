//! Linked sweep keys: `--vary 'watchlist.size,watchlist.wanted_present=1000,2;10000,20'`
//! varies keys together, point by point, and `sweep` notes a key varied
//! without its partner.

use crate::common;

use common::{json_output, succeeded, survsim};
use serde_json::Value;
use std::path::Path;

/// A small city, so that each replication takes about a millisecond.
const SMALL: &[&str] = &["--set", "population.residents=100000"];
const LINKED: &str = "watchlist.size,watchlist.wanted_present=1000,2;10000,20;100000,200";

fn sweep(args: &[&str], out: &Path) -> std::process::Output {
    survsim()
        .arg("sweep")
        .args(SMALL)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn linked_keys_move_together_and_each_point_is_the_run_with_both_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let args = [
        "--vary",
        LINKED,
        "--vary",
        "matcher.threshold=0.58,0.62",
        "--reps",
        "3",
        "-q",
    ];
    let done = sweep(&args, &out);
    let stdout = String::from_utf8(succeeded(done.clone())).unwrap();
    // Linked keys are varied together: no note.
    assert!(
        done.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    // Six points: three linked pairs × two thresholds, the pair outermost.
    let results: Value = serde_json::from_str(&read(&out.join("results.json"))).unwrap();
    let points = results["points"].as_array().unwrap();
    assert_eq!(points.len(), 6);
    assert_eq!(
        points[3]["set"],
        serde_json::json!([
            "watchlist.size=10000",
            "watchlist.wanted_present=20",
            "matcher.threshold=0.62"
        ])
    );
    assert_eq!(points[3]["values"]["watchlist.wanted_present"], 20);
    assert_eq!(
        results["grid"][0],
        serde_json::json!({
            "keys": ["watchlist.size", "watchlist.wanted_present"],
            "spec": "1000,2;10000,20;100000,200",
            "values": [["1000", "2"], ["10000", "20"], ["100000", "200"]],
        })
    );
    assert_eq!(
        results["command"],
        format!(
            "survsim sweep --set population.residents=100000 --vary '{LINKED}' \
             --vary matcher.threshold=0.58,0.62 --reps 3"
        )
    );
    for p in [0, 3, 5] {
        let sets: Vec<String> = points[p]["set"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("--set={}", s.as_str().unwrap()))
            .collect();
        // A sweep draws uncertain inputs for each replication, as `run` does.
        let mut run_args: Vec<&str> = vec!["run", "--reps", "3", "-q"];
        run_args.extend(SMALL);
        run_args.extend(sets.iter().map(String::as_str));
        let (_, run) = json_output(&run_args);
        for k in ["true_alerts", "false_alerts", "faces_captured"] {
            assert_eq!(
                points[p]["metrics"][k]["mean"], run["totals"][k],
                "{sets:?} {k}"
            );
        }
        // The linked value did reach the scenario.
        assert_eq!(
            run["totals"]["wanted_present"], points[p]["values"]["watchlist.wanted_present"],
            "{sets:?}"
        );
    }
    // A column per key, in the CSV files and the summary table.
    let csv = read(&out.join("results.csv"));
    assert!(csv.starts_with("watchlist.size,watchlist.wanted_present,matcher.threshold,"));
    assert!(
        csv.lines().nth(4).unwrap().starts_with("10000,20,0.62,"),
        "{csv}"
    );
    let head = stdout.lines().find(|l| l.starts_with('#')).unwrap();
    assert!(
        head.contains("watchlist.size  watchlist.wanted_present  matcher.threshold"),
        "{head}"
    );
    // With wanted people in proportion to the list, true alerts grow with it.
    let true_alerts = |p: usize| {
        points[p]["metrics"]["true_alerts"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!(
        true_alerts(4) > 10.0 * true_alerts(0),
        "{} {}",
        true_alerts(0),
        true_alerts(4)
    );
    // The chart's title and axis name both keys, in words.
    let svg = read(&out.join("charts/true_alerts.svg"));
    assert!(svg.contains(
        "<title>True alerts per day by watchlist size with wanted people present</title>"
    ));
    // The axis label may wrap: its words, in order, across its lines.
    let axis: String = svg
        .lines()
        .filter(|l| l.contains(r#"class="x-label""#))
        .filter_map(|l| Some(l.split('>').nth(1)?.split('<').next()?.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(
        axis,
        "Watchlist size (entries) with wanted people present (log scale)"
    );
}

#[test]
fn a_linked_sweep_resumes_and_merges_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let args = ["--vary", LINKED, "--reps", "2", "-q"];
    succeeded(sweep(&args, &d("whole")));
    for k in ["1/2", "2/2"] {
        let shard = [&args[..], &["--shard", k]].concat();
        succeeded(sweep(&shard, &d(&format!("s{}", &k[..1]))));
    }
    let merged = survsim()
        .args(["merge", "-q", "--out"])
        .arg(d("merged"))
        .args([d("s1"), d("s2")])
        .output()
        .unwrap();
    succeeded(merged);
    for file in [
        "results.csv",
        "results-long.csv",
        "results.json",
        "manifest.json",
    ] {
        assert_eq!(
            read(&d("whole").join(file)),
            read(&d("merged").join(file)),
            "{file}"
        );
    }
    // Rerunning the same command finds the same sweep and runs nothing.
    let again = sweep(&args[..args.len() - 1], &d("whole"));
    let err = String::from_utf8_lossy(&again.stderr).into_owned();
    succeeded(again);
    assert!(err.contains("swept 0 points"), "{err}");
}

#[test]
fn a_key_varied_without_its_partner_gets_a_note_and_bad_links_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // Even with -q: the note is about what the results mean.
    let out = sweep(
        &["--vary", "watchlist.size=1000,10000", "--reps", "1", "-q"],
        &dir.path().join("lone"),
    );
    let err = String::from_utf8(out.stderr.clone()).unwrap();
    succeeded(out);
    assert_eq!(
        err,
        "survsim: note: --vary watchlist.size keeps watchlist.wanted_present fixed: every list \
         holds the same wanted people, so true alerts stay flat while false alerts grow with \
         the list; to vary them together: --vary \
         'watchlist.size,watchlist.wanted_present=1000,2;10000,20'\n"
    );
    for (vary, needle) in [
        (
            "watchlist.size,watchlist.wanted_present=1000,2;10000",
            "point 2 (`10000`) has 1 value for 2 keys",
        ),
        ("watchlist.size,watchlist.size=1,2", "linked to itself"),
        (
            "watchlist.size,watchlist.wanted_presnt=1000,2",
            "(did you mean `wanted_present`?)",
        ),
    ] {
        let out = sweep(&["--vary", vary], &dir.path().join("bad"));
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{vary}: {err}");
        assert!(err.contains("--vary "), "{err}");
        assert!(err.contains(needle), "{vary}: {err}");
    }
}
