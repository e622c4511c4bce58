//! One replication's range (`pi95`) in sweeps and in each group of `run
//! --format json` (issue 11): a sweep's replications draw the scenario's
//! uncertain inputs as `run`'s do, which widens the range against
//! `--fixed-parameters`; the range covers its replications; a point's draws
//! do not depend on the other points; groups have the range from 40
//! replications only.

use crate::common;

use common::{succeeded, survsim};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A small city, so that each replication takes a few milliseconds, with a
/// large watchlist, so that hundreds of false alerts make Monte Carlo noise
/// small beside the spread of the inputs.
const SMALL: &[&str] = &[
    "--set",
    "population.residents=100000",
    "--set",
    "watchlist.size=100000",
];

/// Runs `survsim sweep ARGS --out OUT -q`, asserts that it succeeded, and
/// returns its summary.
fn sweep(args: &[&str], out: &Path) -> String {
    let stdout = succeeded(
        survsim()
            .arg("sweep")
            .args(SMALL)
            .args(args)
            .arg("--out")
            .arg(out)
            .arg("-q")
            .output()
            .unwrap(),
    );
    String::from_utf8(stdout).unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

/// A point's `pi95` of `metric` in results.json.
fn pi95(point: &Value, metric: &str) -> (f64, f64) {
    let m = &point["metrics"][metric];
    (f(&m["pi95_lo"]), f(&m["pi95_hi"]))
}

/// Each (point, group) of a long CSV: `metric`'s value in every replication.
fn long_values(csv: &str, metric: &str) -> BTreeMap<(String, String), Vec<f64>> {
    let mut values: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[3] == metric {
            values
                .entry((cells[0].to_string(), cells[2].to_string()))
                .or_default()
                .push(cells[4].parse().unwrap());
        }
    }
    values
}

/// The share of `values` within `[lo, hi]`.
fn covered(values: &[f64], (lo, hi): (f64, f64)) -> f64 {
    values.iter().filter(|v| lo <= **v && **v <= hi).count() as f64 / values.len() as f64
}

/// A chart's subtitle, its lines joined.
fn subtitle(svg: &str) -> String {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.attribute("class") == Some("subtitle"))
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `run --reps 40` of the point with `--set matcher.threshold=T`, as JSON.
fn run(threshold: &str, extra: &[&str]) -> Value {
    let stdout = succeeded(
        survsim()
            .args(["run", "--reps", "40", "--format", "json", "-q"])
            .args(SMALL)
            .args(["--set", &format!("matcher.threshold={threshold}")])
            .args(extra)
            .output()
            .unwrap(),
    );
    serde_json::from_slice(&stdout).unwrap()
}

#[test]
fn drawn_inputs_widen_a_sweeps_range_which_covers_its_replications() {
    let dir = tempfile::tempdir().unwrap();
    let (drawn, fixed) = (dir.path().join("drawn"), dir.path().join("fixed"));
    let grid = ["--vary", "matcher.threshold=0.58,0.60", "--reps", "40"];
    let summary = sweep(&grid, &drawn);
    assert!(summary.contains("uncertain inputs, drawn afresh for each replication:"));
    let summary = sweep(&[&grid[..], &["--fixed-parameters"]].concat(), &fixed);
    assert!(summary.contains("uncertain inputs, held at their nominal values"));
    let (d, x) = (
        json(&drawn.join("results.json")),
        json(&fixed.join("results.json")),
    );
    // The default scenario's operating point carries its evidence.
    assert_eq!(d["scenario"]["parameters"], "drawn");
    assert_eq!(x["scenario"]["parameters"], "fixed");
    assert_eq!(
        d["scenario"]["uncertain_inputs"][0]["key"],
        "matcher.operating_points[0]"
    );
    assert!(
        x["command"]
            .as_str()
            .unwrap()
            .ends_with("--fixed-parameters")
    );
    for (p, q) in d["points"]
        .as_array()
        .unwrap()
        .iter()
        .zip(x["points"].as_array().unwrap())
    {
        let (a, b) = (pi95(p, "false_alerts"), pi95(q, "false_alerts"));
        // A draw of the posterior of 7 false positives moves the FPIR by
        // tens of percent (a CV of 1/√7 = 38 % for that point alone);
        // Poisson noise on 600–3,000 false alerts, by 2–4 %.
        assert!(
            a.1 - a.0 > 1.2 * (b.1 - b.0),
            "{}: drawn {a:?}, fixed {b:?}",
            p["set"]
        );
        // The means' intervals do not depend on it being wider.
        assert!(f(&p["metrics"]["false_alerts"]["lo"]) < f(&p["metrics"]["false_alerts"]["hi"]));
    }

    // By construction the 2.5–97.5 % quantiles of 40 values hold at least
    // 38 of them: of each point's counts and of each replication's ratio.
    let long = std::fs::read_to_string(drawn.join("results-long.csv")).unwrap();
    for metric in ["false_alerts", "wrongful_stops", "faces_captured"] {
        for ((point, _), values) in long_values(&long, metric)
            .into_iter()
            .filter(|((_, g), _)| g == "all")
        {
            let p = &d["points"][point.parse::<usize>().unwrap()];
            assert_eq!(values.len(), 40);
            let share = covered(&values, pi95(p, metric));
            assert!(share >= 0.9, "{metric} at point {point}: {share}");
        }
    }

    // A point's figures are `run`'s, drawn or fixed alike.
    for (threshold, point, extra, sweep_json) in [
        ("0.60", 1, &[][..], &d),
        ("0.60", 1, &["--fixed-parameters"][..], &x),
    ] {
        let r = run(threshold, extra);
        let p = &sweep_json["points"][point];
        let (lo, hi) = pi95(p, "false_alerts");
        assert_eq!(
            (lo, hi),
            (
                f(&r["pi95"]["false_alerts"][0]),
                f(&r["pi95"]["false_alerts"][1])
            )
        );
        let (lo, hi) = pi95(p, "alert_precision");
        let run_pi = &r["ratios_pi95"]["alert_precision"];
        assert_eq!((lo, hi), (f(&run_pi[0]), f(&run_pi[1])), "{extra:?}");
    }

    // The charts draw the range and say what it covers.
    let chart = |dir: &Path| std::fs::read_to_string(dir.join("charts/false_alerts.svg")).unwrap();
    let (cd, cx) = (chart(&drawn), chart(&fixed));
    assert!(cd.contains(r#"class="band-pi""#) && cx.contains(r#"class="band-pi""#));
    let (sd, sx) = (subtitle(&cd), subtitle(&cx));
    assert!(sd.contains("drawing the uncertain inputs afresh"), "{sd}");
    assert!(sx.contains("held fixed: Monte Carlo spread only"), "{sx}");
}

#[test]
fn an_uncertain_impostor_spread_widens_the_range_away_from_its_operating_point() {
    let dir = tempfile::tempdir().unwrap();
    let (drawn, fixed) = (dir.path().join("drawn"), dir.path().join("fixed"));
    // The impostor sd sets the FPIR's fall from the calibrated 0.60 to 0.64.
    let args = [
        "--set",
        "matcher.impostor.sd={dist=\"uniform\",low=0.055,high=0.085}",
        "--vary",
        "matcher.threshold=0.64",
        "--reps",
        "40",
    ];
    sweep(&args, &drawn);
    sweep(&[&args[..], &["--fixed-parameters"]].concat(), &fixed);
    let (d, x) = (
        json(&drawn.join("results.json")),
        json(&fixed.join("results.json")),
    );
    let keys: Vec<&str> = d["scenario"]["uncertain_inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&"matcher.impostor.sd"), "{keys:?}");
    let (a, b) = (
        pi95(&d["points"][0], "false_alerts"),
        pi95(&x["points"][0], "false_alerts"),
    );
    assert!(a.1 - a.0 > 1.2 * (b.1 - b.0), "drawn {a:?}, fixed {b:?}");
}

#[test]
fn a_points_draws_do_not_depend_on_the_other_points() {
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    // 0.60 is point 1 of one grid and point 0 of the other, run on other
    // threads beside other points.
    sweep(
        &[
            "--vary",
            "matcher.threshold=0.58,0.60",
            "--reps",
            "4",
            "--threads",
            "2",
        ],
        &d("a"),
    );
    sweep(
        &[
            "--vary",
            "matcher.threshold=0.60,0.62,0.64",
            "--reps",
            "4",
            "--threads",
            "1",
        ],
        &d("b"),
    );
    sweep(
        &[
            "--vary",
            "matcher.threshold=0.60",
            "--reps",
            "4",
            "--fixed-parameters",
        ],
        &d("fixed"),
    );
    let rows = |dir: &str, point: &str| -> Vec<String> {
        std::fs::read_to_string(d(dir).join("results-long.csv"))
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix(&format!("{point},")).map(String::from))
            .collect()
    };
    let (a, b) = (rows("a", "1"), rows("b", "0"));
    assert!(!a.is_empty());
    assert_eq!(a, b, "replication r of the point draws the same");
    // The draws change what is simulated: otherwise the test shows nothing.
    assert_ne!(a, rows("fixed", "0"));
}

#[test]
fn a_sweep_with_drawn_inputs_is_not_resumed_with_fixed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let grid = ["--vary", "matcher.threshold=0.6", "--reps", "2"];
    sweep(&grid, &out);
    let res = survsim()
        .arg("sweep")
        .args(SMALL)
        .args(grid)
        .args(["--fixed-parameters", "-q", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(2), "{err}");
    assert!(err.contains("its --fixed-parameters differs"), "{err}");
}

#[test]
fn groups_have_one_replications_range_from_40_replications() {
    let groups = |reps: &str| -> Vec<Value> {
        let stdout = succeeded(
            survsim()
                .args(["run", "--reps", reps, "--format", "json", "-q"])
                .args(SMALL)
                .output()
                .unwrap(),
        );
        let v: Value = serde_json::from_slice(&stdout).unwrap();
        v["groups"].as_array().unwrap().clone()
    };
    for g in groups("1") {
        assert!(g.get("ci95").is_none() && g.get("pi95").is_none(), "{g}");
    }
    for g in groups("39") {
        assert!(g["ci95"]["false_alerts"].is_array(), "{g}");
        assert!(g.get("pi95").is_none(), "{g}");
    }
    let with = groups("40");
    // Each group's range covers its own replications' counts, which the
    // long CSV of the same run lists.
    let csv = succeeded(
        survsim()
            .args(["run", "--reps", "40", "--format", "csv", "-q"])
            .args(SMALL)
            .output()
            .unwrap(),
    );
    let long = long_values(std::str::from_utf8(&csv).unwrap(), "false_alerts");
    for g in &with {
        let name = g["name"].as_str().unwrap();
        let pi = &g["pi95"]["false_alerts"];
        let (lo, hi) = (f(&pi[0]), f(&pi[1]));
        assert!(lo <= f(&g["false_alerts"]) && f(&g["false_alerts"]) <= hi);
        let (clo, chi) = (
            f(&g["ci95"]["false_alerts"][0]),
            f(&g["ci95"]["false_alerts"][1]),
        );
        assert!(
            lo < clo && chi < hi,
            "{name}: one run's range is wider than the mean's"
        );
        let values = &long[&("0".to_string(), name.to_string())];
        assert!(covered(values, (lo, hi)) >= 0.9, "{name}");
        // Every count of the group has one.
        for key in ["faces_captured", "wrongful_stops", "trackable"] {
            assert!(g["pi95"][key].is_array(), "{name} {key}");
        }
    }
}
