//! Tables fit a terminal (issue 16): `check` and `stress` print lines of at
//! most 100 characters, without trailing spaces, for every bundled scenario.

use crate::common;

use common::survsim;

const WIDTH: usize = 100;

/// The bundled scenarios' names, as `survsim scenarios` lists them.
fn bundled() -> Vec<String> {
    let out = survsim().arg("scenarios").output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

/// Asserts every line of `text` is within [`WIDTH`] characters and has no
/// trailing space.
fn assert_fits(what: &str, text: &str) {
    for line in text.lines() {
        let n = line.chars().count();
        assert!(n <= WIDTH, "{what}: {n} characters:\n{line}");
        assert_eq!(line, line.trim_end(), "{what}: trailing space");
    }
}

#[test]
fn check_fits_100_columns_for_every_bundled_scenario() {
    let names = bundled();
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        let out = survsim().args(["check", name]).output().unwrap();
        assert!(out.status.success(), "check {name}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("GROUP"), "check {name} prints its tables");
        assert_fits(&format!("check {name}"), &text);
    }
}

#[test]
fn stress_fits_100_columns_for_every_bundled_scenario_with_a_pipeline() {
    let mut stressed = 0;
    for name in bundled() {
        // The longest result a row can have: p99.9's name.
        let searches: [&[&str]; 2] = [
            &["--target", "p99.9-decision-latency=2s"],
            &[
                "--solve",
                "matchers",
                "--load",
                "20",
                "--target",
                "p99-decision-latency=2s",
            ],
        ];
        for args in searches {
            let out = survsim()
                .args(["stress", &name])
                .args(args)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            if out.status.code() == Some(2) && err.contains("needs a [pipeline]") {
                continue;
            }
            assert!(out.status.success(), "stress {name} {args:?}: {err}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.contains("result"), "stress {name} prints its table");
            assert_fits(&format!("stress {name} {args:?}"), &text);
            stressed += 1;
        }
    }
    assert!(stressed >= 2, "some bundled scenario has a pipeline");
}

/// A run of ten billion faces (ten days of the UK-scale benchmark) prints
/// its funnel with every column apart: the expected column widens for its
/// 16-character figures rather than running into the simulated one (as
/// `30,252,566,10530,252,660,000.0` did for a month).
#[test]
fn run_keeps_columns_apart_at_ten_billion_faces() {
    let out = survsim()
        .args([
            "run",
            concat!(env!("CARGO_MANIFEST_DIR"), "/benches/uk-scale.toml"),
        ])
        .args(["--set", "simulation.duration=10d"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("faces captured"))
        .expect("a faces captured row");
    let cells: Vec<&str> = line
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(cells.len(), 3, "label, simulated, expected apart: {line:?}");
    let simulated: f64 = cells[1].replace(',', "").parse().unwrap();
    assert!(simulated > 1e10, "ten billion faces or more: {line:?}");
    assert_fits("run uk-scale 10d", &text);
}
