//! A sweep's charts as files: well-formed SVG, one series per line of the
//! grid (one per combination of the other varied keys), bands along a
//! numeric axis and points on a categorical one. Split from `sweep.rs`.

use crate::common;

use common::{SMALL, ok, sweep};

/// A chart's series: each `<g class="series">`'s `key=value` sets (several
/// when series with identical figures are drawn once), and how many lines
/// the chart draws. A series has one line along a numeric axis, and points
/// but no line on a categorical one.
fn chart_series(svg: &str) -> (Vec<Vec<String>>, usize) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let class = |n: &roxmltree::Node, tag: &str, c: &str| {
        n.tag_name().name() == tag && n.attribute("class") == Some(c)
    };
    let groups = root
        .descendants()
        .filter(|n| class(n, "g", "series"))
        .collect::<Vec<_>>();
    for g in &groups {
        let lines = g
            .descendants()
            .filter(|n| class(n, "polyline", "line"))
            .count();
        let points = g
            .descendants()
            .filter(|n| n.attribute("class") == Some("point"))
            .count();
        assert!(
            lines == 1 || (lines == 0 && points > 0),
            "one line per series"
        );
    }
    let lines = root
        .descendants()
        .filter(|n| class(n, "polyline", "line"))
        .count();
    let ids = groups
        .iter()
        .map(|g| {
            let label = g.attribute("data-label").unwrap_or("");
            label.split("; ").map(String::from).collect()
        })
        .collect();
    (ids, lines)
}

/// How many series of the grid a chart draws, and how many lines.
fn count_series(svg: &str) -> (usize, usize) {
    let (ids, lines) = chart_series(svg);
    (ids.iter().map(Vec::len).sum(), lines)
}

#[test]
fn charts_are_well_formed_svg_with_one_series_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    let args = [
        SMALL,
        &[
            "--vary",
            "matcher.threshold=0.56:0.66:0.02",
            "--vary",
            "watchlist.size=1000,10000,100000",
            "--reps",
            "3",
            "-q",
        ],
    ]
    .concat();
    ok(sweep(&args, &out));
    let charts = out.join("charts");
    let mut n = 0;
    for e in std::fs::read_dir(&charts).unwrap() {
        let p = e.unwrap().path();
        let svg = std::fs::read_to_string(&p).unwrap();
        let (ids, lines) = chart_series(&svg);
        assert_eq!(count_series(&svg).0, 3, "{p:?}");
        assert_eq!(lines, ids.len(), "{p:?}: one line per distinct series");
        for size in ["1000", "10000", "100000"] {
            assert!(svg.contains(&format!("watchlist.size={size}")), "{p:?}");
        }
        n += 1;
    }
    assert_eq!(n, 15);
    let fa = std::fs::read_to_string(charts.join("false_alerts.svg")).unwrap();
    assert!(fa.contains(r#"class="band""#), "CI bands are drawn");

    // One varied key: one line, no legend, no trade-off without a threshold.
    let one = dir.path().join("one");
    ok(sweep(
        &[
            SMALL,
            &["--vary", "review.operators=1:3:1", "--reps", "2", "-q"],
        ]
        .concat(),
        &one,
    ));
    let svg = std::fs::read_to_string(one.join("charts/stops.svg")).unwrap();
    assert_eq!(count_series(&svg), (1, 1));
    assert!(!one.join("charts/tradeoff.svg").exists());

    // Three keys, one of them not a number: a line per combination of the
    // other two, and the trade-off's lines run along the threshold.
    let three = dir.path().join("three");
    ok(sweep(
        &[
            SMALL,
            &[
                "--vary",
                "simulation.duration=12h,24h",
                "--vary",
                "matcher.threshold=0.58,0.62",
                "--vary",
                "review.operators=1,2,4",
                "--reps",
                "2",
                "-q",
            ],
        ]
        .concat(),
        &three,
    ));
    let svg = std::fs::read_to_string(three.join("charts/true_alerts.svg")).unwrap();
    assert_eq!(count_series(&svg), (6, 0), "points on a categorical axis");
    assert!(
        svg.contains(">12h<") && svg.contains(">24h<"),
        "category ticks"
    );
    let svg = std::fs::read_to_string(three.join("charts/tradeoff.svg")).unwrap();
    let (ids, lines) = chart_series(&svg);
    assert_eq!((count_series(&svg).0, lines), (6, ids.len()));
}
