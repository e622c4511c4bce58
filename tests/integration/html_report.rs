//! `run --html` and `sweep --html`: the page's figures are the JSON's, the
//! page is reproducible, self-contained, escapes what the user wrote, and
//! stays small for every bundled scenario.

use crate::common;
use crate::html_support;

use common::{succeeded, survsim};
use html_support::{assert_figures_match_json, assert_self_contained, without_run_time};
use serde_json::Value;
use std::path::Path;

/// Runs `survsim run ARGS --html PAGE -o JSON --format json` and returns the
/// page and the JSON, from the same report.
fn page_and_json(dir: &Path, args: &[&str]) -> (String, Value) {
    let (html, json) = (dir.join("report.html"), dir.join("report.json"));
    succeeded(
        survsim()
            .arg("run")
            .args(args)
            .args(["-q", "--format", "json", "-o"])
            .arg(&json)
            .arg("--html")
            .arg(&html)
            .output()
            .unwrap(),
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let json = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (page, json)
}

#[test]
fn headline_figures_equal_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let (page, json) = page_and_json(dir.path(), &["--reps", "40"]);
    assert_figures_match_json(&page, &json);
    // The sections, in the issue's order.
    let order = [
        "id=\"headline\"",
        "id=\"funnel\"",
        "id=\"equity\"",
        "id=\"exposure\"",
        "id=\"pipeline\"",
        "id=\"time-of-day\"",
        "id=\"assumptions\"",
    ];
    let at: Vec<usize> = order
        .iter()
        .map(|id| page.find(id).unwrap_or_else(|| panic!("no section {id}")))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "sections out of order");
    // Intervals in plain words, and the command that reproduces the page.
    assert!(page.contains("Alerts that named someone who is not wanted: about "));
    // The range one run falls in first, in words, then the mean.
    assert!(page.contains("95 % confidence interval"));
    assert!(page.contains("<p class=\"typical\">on a typical day</p>"));
    assert!(page.contains("average of 40 runs: "));
    let cards = &page[page.find("class=\"cards\"").unwrap()..];
    let false_alerts = &cards[cards.find("False alerts").unwrap()..];
    let open = "class=\"big\">";
    let big = &false_alerts[false_alerts.find(open).unwrap() + open.len()..];
    let big = &big[..big.find('<').unwrap()];
    let (lo, hi) = big.split_once(" to ").expect("a range, in words");
    let v = json["pi95"]["false_alerts"].as_array().unwrap();
    assert_eq!(lo, format!("{}", v[0].as_f64().unwrap().round()));
    assert_eq!(hi, format!("{}", v[1].as_f64().unwrap().round()));
    assert!(page.contains("survsim run --seed 20261127 --reps 40 --html"));
    // The comment beside a value in the scenario file, with its value.
    assert!(page.contains("Fussey &amp; Murray (Univ. of Essex, Jul 2019)"));
    assert!(page.contains("<td class=\"key\">review.p_confirm_false</td>"));
    // The matcher profile's sources.
    assert!(page.contains("Matcher profile: neoface-v4-npl2023"));
}

#[test]
fn the_page_is_the_same_for_the_same_seed_but_its_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--reps", "3", "--set", "matcher.threshold=0.62"];
    let (first, _) = page_and_json(dir.path(), &[&args[..], &["--threads", "1"]].concat());
    let (second, _) = page_and_json(dir.path(), &[&args[..], &["--threads", "2"]].concat());
    assert_eq!(without_run_time(&first), without_run_time(&second));
    // The value set on the command line is marked as such.
    assert!(first.contains("<span class=\"badge\">--set</span> 0.62"));
    let (other_seed, _) = page_and_json(dir.path(), &[&args[..], &["--seed", "7"]].concat());
    assert_ne!(without_run_time(&first), without_run_time(&other_seed));
}

/// A scenario whose every free text tries to inject markup.
const HOSTILE: &str = r#"# Preamble <script>alert("pre")</script> & more.

[simulation]
name = "<script>alert(1)</script>"
# Source: <img src=x onerror=alert(2)> & "quotes" 'too'
description = "</title><script>alert(3)</script>"
duration = "2h"
seed = 5

[population]
residents = 20_000

[[sites]]
name = "<b onmouseover=alert(4)>gate</b>"
cameras = 1
footfall_per_hour = 2000
capture_share = 0.5

[watchlist]
size = 1000
wanted_present = 2
"#;

#[test]
fn untrusted_text_is_escaped_and_nothing_can_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("hostile <&>.toml");
    std::fs::write(&scenario, HOSTILE).unwrap();
    let (page, json) = page_and_json(
        dir.path(),
        &[
            scenario.to_str().unwrap(),
            "--set",
            "review.p_confirm_false=0.5",
            "--set",
            "simulation.description=<script>alert(5)</script>&amp;",
        ],
    );
    assert_self_contained(&page);
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains(
        "Source: &lt;img src=x onerror=alert(2)&gt; &amp; &quot;quotes&quot; &#39;too&#39;"
    ));
    assert!(page.contains("&lt;script&gt;alert(5)&lt;/script&gt;&amp;amp;"));
    assert!(page.contains("&lt;b onmouseover=alert(4)&gt;gate&lt;/b&gt;"));
    assert_figures_match_json(&page, &json);
}

#[test]
fn every_bundled_scenario_gives_a_small_self_contained_page() {
    let list = succeeded(survsim().arg("scenarios").output().unwrap());
    let names: Vec<String> = String::from_utf8(list)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    assert!(names.len() >= 5, "too few bundled scenarios: {names:?}");
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        let (page, json) = page_and_json(dir.path(), &[&name]);
        let size = page.len();
        eprintln!("{name}: {size} bytes");
        assert!(size < 2_000_000, "{name}: the page is {size} bytes");
        assert_self_contained(&page);
        assert_figures_match_json(&page, &json);
    }
}

#[test]
fn an_unwritable_page_fails_before_simulating() {
    let out = survsim()
        .args([
            "run",
            "--reps",
            "100000",
            "--html",
            "/nonexistent-dir/report.html",
        ])
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write /nonexistent-dir/report.html"),
        "{stderr}"
    );
}

#[test]
fn a_sweep_page_holds_its_charts_results_and_assumptions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    succeeded(
        survsim()
            .args([
                "sweep",
                "--vary",
                "matcher.threshold=0.58,0.62",
                "--set",
                "simulation.duration=6h",
                "--reps",
                "2",
                "-q",
                "--html",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap(),
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_self_contained(&page);
    let charts = std::fs::read_dir(out.join("charts")).unwrap().count();
    assert_eq!(
        page.matches("<figure class=\"sweep-chart\">").count(),
        charts
    );
    assert!(page.contains("charts/tradeoff.svg"));
    assert!(!page.contains("<?xml"));
    assert!(page.contains("<code>0.58</code>") && page.contains("<code>0.62</code>"));
    assert!(page.contains("<span class=\"badge\">--vary</span> 0.58,0.62"));
    assert!(page.contains("<span class=\"badge\">--set</span> &quot;6h&quot;"));
    assert!(page.contains("survsim sweep --set simulation.duration=6h --vary matcher.threshold=0.58,0.62 --reps 2 --out DIR --html"));
}
