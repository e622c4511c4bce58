//! A sweep's charts as a reader of a published report sees them (issue 16):
//! axes and legends in words with units, formatted values, a caption with
//! the scenario, replications and seed, the interval method each chart
//! really uses, points on a categorical axis, series with identical figures
//! drawn once, the trade-off chart's ends labelled with intervals shown, and
//! no text cut or outside the picture however long the keys.

use crate::common;

use common::survsim;
use roxmltree::{Document, Node};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A small city, so that each replication takes about a millisecond.
const SMALL: &[&str] = &["--set", "population.residents=100000"];

fn sweep(args: &[&str], out: &Path) {
    let o = survsim()
        .arg("sweep")
        .args(SMALL)
        .args(args)
        .args(["-q", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn read(out: &Path, chart: &str) -> String {
    std::fs::read_to_string(out.join("charts").join(chart)).unwrap()
}

fn is(n: &Node, class: &str) -> bool {
    n.attribute("class") == Some(class)
}

/// The lines of text of a class, in document order.
fn lines(doc: &Document, class: &str) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text") && is(n, class))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

/// A wrapped text of a class as one string.
fn text(doc: &Document, class: &str) -> String {
    lines(doc, class).join(" ")
}

fn series<'a>(doc: &'a Document) -> Vec<Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && is(n, "series"))
        .collect()
}

fn results(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap()
}

#[test]
fn charts_say_what_they_show_in_words_with_a_caption() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    sweep(
        &[
            "--vary",
            "matcher.threshold=0.56,0.60,0.64",
            "--vary",
            "watchlist.size=1000,10000,100000",
            "--reps",
            "3",
        ],
        &out,
    );
    let r = results(&out);
    let caption_parts = [
        format!("Scenario {}", r["scenario"]["name"].as_str().unwrap()),
        "--set population.residents=100000".into(),
        "3 replications a point".into(),
        format!("seed {}", r["seed"]),
    ];
    for e in std::fs::read_dir(out.join("charts")).unwrap() {
        let svg = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let doc = Document::parse(&svg).unwrap();
        let caption = text(&doc, "caption");
        for part in &caption_parts {
            assert!(caption.contains(part.as_str()), "{part:?} in {caption:?}");
        }
        assert_eq!(text(&doc, "legend-title"), "Watchlist size (entries)");
        let legend = text(&doc, "legend-entry");
        for v in ["1,000", "10,000", "100,000"] {
            assert!(legend.contains(v), "{v} in {legend:?}");
        }
    }
    let svg = read(&out, "false_alerts.svg");
    let doc = Document::parse(&svg).unwrap();
    assert_eq!(text(&doc, "x-label"), "Matcher threshold (score)");
    assert!(text(&doc, "y-label").starts_with("False alerts per day"));
    assert_eq!(
        text(&doc, "title"),
        "False alerts per day by matcher threshold"
    );

    // Each chart names the interval its figures have.
    let subtitle = |chart: &str| text(&Document::parse(&read(&out, chart)).unwrap(), "subtitle");
    let disparity = subtitle("false_alert_disparity.svg");
    assert!(
        disparity.contains("delta method on the log scale") && disparity.contains("Poisson"),
        "{disparity}"
    );
    assert!(subtitle("alert_precision.svg").contains("Korn–Graubard"));
    assert!(subtitle("faces_per_true_alert.svg").contains("log scale"));
    assert!(subtitle("false_alerts.svg").contains("Student's t"));
}

#[test]
fn the_trade_off_labels_both_ends_shows_intervals_and_says_when_it_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let thresholds = ["0.56", "0.58", "0.60", "0.62"];
    let vary = format!("matcher.threshold={}", thresholds.join(","));
    sweep(
        &[
            "--vary",
            &vary,
            "--vary",
            "watchlist.size=1000,100000",
            "--reps",
            "3",
        ],
        &out,
    );
    let svg = read(&out, "tradeoff.svg");
    let doc = Document::parse(&svg).unwrap();
    for g in series(&doc) {
        let points = g.descendants().filter(|n| is(n, "point")).count();
        let id = g.attribute("data-label");
        let ends: Vec<&str> = doc
            .descendants()
            .filter(|n| is(n, "end-label") && n.attribute("data-label") == id)
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(ends.len(), points.min(2), "{ends:?}");
        // The lowest threshold has the most false alerts, never 0: shown.
        assert_eq!(ends[0], thresholds[0]);
        assert!(thresholds.contains(&ends[ends.len() - 1]));
        assert!(
            g.descendants().any(|n| is(&n, "interval")),
            "95 % intervals drawn"
        );
    }
    // Ten wanted people in the default city: the curve steps, and says so.
    assert!(text(&doc, "footnote").contains("Few wanted people (as few as 10 present)"));

    let many = dir.path().join("many");
    sweep(
        &[
            "--set",
            "watchlist.wanted_present=60",
            "--vary",
            &vary,
            "--reps",
            "2",
        ],
        &many,
    );
    let doc_svg = read(&many, "tradeoff.svg");
    let doc = Document::parse(&doc_svg).unwrap();
    assert!(!text(&doc, "footnote").contains("Few wanted people"));
}

/// Each row's figures of `metric` (mean, lo, hi) from `results.csv`, by the
/// row's values of the varied keys.
fn figures(out: &Path, metric: &str) -> BTreeMap<Vec<String>, Vec<String>> {
    let mut r = csv::Reader::from_path(out.join("results.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let cols: Vec<usize> = ["mean", "lo", "hi"]
        .iter()
        .map(|p| {
            header
                .iter()
                .position(|h| *h == format!("{metric}_{p}"))
                .unwrap()
        })
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let keys = rec.iter().take(2).map(String::from).collect();
            (keys, cols.iter().map(|&c| rec[c].to_string()).collect())
        })
        .collect()
}

#[test]
fn categorical_sweeps_are_points_and_identical_series_are_drawn_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let profiles = ["neoface-v4-npl2023", "generic-99.9", "rekognition-2018"];
    let vary = format!("matcher.profile={}", profiles.join(","));
    sweep(
        &[
            "--vary",
            &vary,
            "--vary",
            "review.operators=1,3",
            "--reps",
            "2",
        ],
        &out,
    );
    let mut merged_somewhere = false;
    for metric in ["false_alerts", "wrongful_stops", "stops"] {
        let svg = read(&out, &format!("{metric}.svg"));
        let doc = Document::parse(&svg).unwrap();
        assert!(
            !doc.descendants().any(|n| is(&n, "line")),
            "{metric}: no lines"
        );
        // The categories' names label the axis, each under its points.
        let mut ticks: BTreeMap<String, String> = BTreeMap::new();
        for n in doc
            .descendants()
            .filter(|n| is(n, "tick") && n.attribute("text-anchor") == Some("middle"))
        {
            ticks
                .entry(n.attribute("x").unwrap().into())
                .or_default()
                .push_str(n.text().unwrap());
        }
        assert_eq!(ticks.len(), 3, "{ticks:?}");
        for p in profiles {
            assert!(ticks.values().any(|t| t == p), "{p} in {ticks:?}");
        }
        // One series per distinct set of figures: merged exactly when the
        // operators' figures are equal for every profile.
        let f = figures(&out, metric);
        let same = profiles
            .iter()
            .all(|p| f[&vec![p.to_string(), "1".into()]] == f[&vec![p.to_string(), "3".into()]]);
        let groups = series(&doc);
        assert_eq!(groups.len(), if same { 1 } else { 2 }, "{metric}");
        let legend = text(&doc, "legend-entry");
        assert_eq!(legend.contains("(identical)"), same, "{metric}: {legend}");
        merged_somewhere |= same;
        // Side by side: no two points of different series in one place.
        let mut xs: Vec<i64> = groups
            .iter()
            .flat_map(|g| g.descendants().filter(|n| is(n, "point")))
            .map(|n| (centre_x(&n) * 10.0).round() as i64)
            .collect();
        assert_eq!(xs.len(), 3 * groups.len());
        xs.sort();
        xs.dedup();
        assert_eq!(xs.len(), 3 * groups.len(), "{metric}: {xs:?}");
    }
    // Operators act after the matcher: false alerts do not depend on them.
    assert!(merged_somewhere, "some chart merges identical series");
}

/// The centre of a marker along x: a circle's, a square's or a polygon's.
fn centre_x(n: &Node) -> f64 {
    let num = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    match n.tag_name().name() {
        "circle" => num("cx"),
        "rect" => num("x") + num("width") / 2.0,
        _ => {
            let xs: Vec<f64> = n
                .attribute("points")
                .unwrap()
                .split(' ')
                .map(|p| p.split(',').next().unwrap().parse().unwrap())
                .collect();
            (xs.iter().cloned().fold(f64::INFINITY, f64::min)
                + xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max))
                / 2.0
        }
    }
}

/// Estimated extent of a line of text, as wide as the charts assume (0.62
/// em a character, bold 10 % wider): (x0, y0, x1, y1).
fn extent(n: &Node, default_size: f64) -> (f64, f64, f64, f64) {
    let num = |a: &str| n.attribute(a).map(|v| v.parse::<f64>().unwrap());
    let size = num("font-size").unwrap_or(default_size);
    let bold = n.attribute("font-weight") == Some("bold");
    let chars = n.text().unwrap_or("").chars().count() as f64;
    let w = chars * 0.62 * size * if bold { 1.1 } else { 1.0 };
    let (x, y) = (num("x").unwrap(), num("y").unwrap());
    let start = match n.attribute("text-anchor") {
        Some("middle") => -w / 2.0,
        Some("end") => -w,
        _ => 0.0,
    };
    if n.attribute("transform")
        .is_some_and(|t| t.starts_with("rotate(-90"))
    {
        // Turned a quarter anticlockwise about (x, y): it runs upwards.
        (x - size, y - start - w, x + 0.3 * size, y - start)
    } else {
        (x + start, y - size, x + start + w, y + 0.3 * size)
    }
}

#[test]
fn long_keys_and_values_are_wrapped_never_cut_nor_outside_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let long_values = r#"review.review_time={ dist = "lognormal", median = "30s", sigma = 0.5 },{ dist = "exponential", mean = "2m" }"#;
    sweep(
        &[
            "--vary",
            long_values,
            "--vary",
            "population.groups[2].fnmr_multiplier,intervention.stop_duration,population.groups[1].fmr_multiplier=1,10m,3;2.5,20m,4",
            "--reps",
            "2",
        ],
        &out,
    );
    for e in std::fs::read_dir(out.join("charts")).unwrap() {
        let p = e.unwrap().path();
        let svg = std::fs::read_to_string(&p).unwrap();
        let doc = Document::parse(&svg).unwrap();
        let root = doc.root_element();
        let view: Vec<f64> = root
            .attribute("viewBox")
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
            let (x0, y0, x1, y1) = extent(&n, 12.0);
            assert!(
                x0 >= view[0] && y0 >= view[1] && x1 <= view[2] && y1 <= view[3],
                "{p:?}: {:?} at ({x0:.0}, {y0:.0})–({x1:.0}, {y1:.0}) leaves the view {view:?}",
                n.text()
            );
            assert!(
                !n.text().unwrap_or("").contains('…'),
                "{p:?}: cut {:?}",
                n.text()
            );
        }
        let legend_title = lines(&doc, "legend-title").concat();
        assert!(legend_title.contains("groups[2]") && legend_title.contains("groups[1]"));
        let ticks = lines(&doc, "tick").concat();
        assert!(
            ticks.contains("exponential") && ticks.contains(r#""2m""#),
            "{ticks}"
        );
    }
}
