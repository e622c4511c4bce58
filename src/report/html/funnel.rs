//! Section 2, the funnel as a Sankey-style picture: faces → searches →
//! alerts (true / false) → review → stops (correct / wrongful) → arrests
//! (correct / false), with the losses (dropped by the pipeline, rejected,
//! lost in the crowd, not actioned) branching off in grey.
//!
//! A day's funnel spans five decades (100,000 faces, 30 alerts, 1 arrest):
//! in proportion, everything after the searches would be a hairline. So
//! heights are log-scaled — each tenfold adds the same height — and the
//! chart says so; the exact counts are written on every node and listed in
//! a table beside it. Node labels have a white halo: they sit on the flows
//! leaving their node, and the true/false split of the alerts must stay
//! legible on the grey of the losses.
//!
//! This is the wide drawing; `funnel_narrow` draws the same nodes as
//! log-scaled bars, stage under stage, for a phone. A scenario without a
//! `[pipeline]` drops no face, and its funnel has no "dropped" node.

use super::page::{about, esc, figure, table};
use super::svg::{BLUE, GREEN, GREY, RED, Variant};
use crate::format::fmt_pct;
use crate::metrics::Metric;
use crate::report::Report;
use std::fmt::Write as _;

/// Height added by each tenfold, in user units.
const DECADE: f64 = 34.0;
/// Text size: at the wide drawing's 960 units in A4's 680 px, 9.2 px.
const FONT: f64 = 13.0;
/// Width of a node's bar.
const NODE_W: f64 = 14.0;
/// Space between the nodes of a column.
const GAP: f64 = 44.0;
/// Top of the first node (below the title and column headings).
const TOP: f64 = 78.0;
/// Horizontal distance between columns: room for a 13-unit label such as
/// "rejected by operator" between a node and the next column.
const COLUMN: f64 = 160.0;
/// Left edge of the first column.
const LEFT: f64 = 10.0;

/// The stages, as column headings.
pub(super) const STAGES: [&str; 6] = [
    "captured", "searched", "alerted", "reviewed", "stopped", "arrested",
];

/// A node of the funnel: a metric in a column.
pub(super) struct Node {
    pub(super) metric: Metric,
    pub(super) label: &'static str,
    pub(super) column: usize,
    pub(super) color: &'static str,
}

/// The nodes, column by column, top to bottom.
pub(super) const NODES: [Node; 12] = [
    node(Metric::FacesCaptured, "faces captured", 0, BLUE),
    node(Metric::Searches, "searched", 1, BLUE),
    node(Metric::FacesDropped, "dropped by the pipeline", 1, GREY),
    node(Metric::Alerts, "alerts", 2, BLUE),
    node(Metric::AlertsConfirmed, "confirmed", 3, BLUE),
    node(Metric::AlertsRejected, "rejected by operator", 3, GREY),
    node(Metric::LostInCrowd, "lost in the crowd", 3, GREY),
    node(Metric::CorrectStops, "correct stops", 4, GREEN),
    node(Metric::WrongfulStops, "wrongful stops", 4, RED),
    node(Metric::NotActioned, "not actioned", 4, GREY),
    node(Metric::Arrests, "arrests", 5, GREEN),
    node(Metric::FalseArrests, "false arrests", 5, RED),
];

const fn node(metric: Metric, label: &'static str, column: usize, color: &'static str) -> Node {
    Node {
        metric,
        label,
        column,
        color,
    }
}

/// The node of the alerts, drawn split into true and false.
pub(super) const ALERTS: usize = 3;

/// Which nodes a report has: all but "dropped by the pipeline" for a
/// scenario without a pipeline.
pub(super) fn shown(r: &Report) -> [bool; 12] {
    NODES.map(|n| n.metric != Metric::FacesDropped || r.has_pipeline())
}

/// Flows between nodes, as indices into [`NODES`].
const FLOWS: [(usize, usize); 11] = [
    (0, 1),
    (0, 2),
    (1, 3),
    (3, 4),
    (3, 5),
    (3, 6),
    (4, 7),
    (4, 8),
    (4, 9),
    (7, 10),
    (8, 11),
];

/// A node's height: log-scaled, at least a visible line.
fn height(count: f64) -> f64 {
    (DECADE * (1.0 + count.max(0.0)).log10()).max(1.5)
}

/// Where each shown node is drawn: (x, y top, height).
fn layout(counts: &[f64], shown: &[bool]) -> Vec<Option<(f64, f64, f64)>> {
    let mut next_y = [TOP; STAGES.len()];
    NODES
        .iter()
        .zip(counts)
        .zip(shown)
        .map(|((n, &c), &shown)| {
            shown.then(|| {
                let h = height(c);
                let y = next_y[n.column];
                next_y[n.column] += h + GAP;
                (LEFT + COLUMN * n.column as f64, y, h)
            })
        })
        .collect()
}

/// The bands from each node to those it feeds: each band is as thick as
/// its target where it arrives, and the bands leaving a node are scaled
/// together to fit within it.
fn flows(s: &mut String, at: &[Option<(f64, f64, f64)>]) {
    for (from, _) in FLOWS.iter().enumerate().filter(|(i, f)| {
        // The first flow out of each source.
        FLOWS[..*i].iter().all(|g| g.0 != f.0)
    }) {
        let source = FLOWS[from].0;
        let outs: Vec<(usize, (f64, f64, f64))> = FLOWS
            .iter()
            .filter(|f| f.0 == source)
            .filter_map(|f| Some((f.1, at[f.1]?)))
            .collect();
        let Some((sx, sy, sh)) = at[source] else {
            continue;
        };
        let total: f64 = outs.iter().map(|(_, (_, _, h))| h).sum();
        let fit = (sh / total).min(1.0);
        let mut y = sy;
        for (t, (tx, ty, th)) in outs {
            let band = th * fit;
            let (x0, x1) = (sx + NODE_W, tx);
            let xm = (x0 + x1) / 2.0;
            let _ = writeln!(
                s,
                r##"<path d="M{x0:.1} {y:.1}C{xm:.1} {y:.1} {xm:.1} {ty:.1} {x1:.1} {ty:.1}V{:.1}C{xm:.1} {:.1} {xm:.1} {:.1} {x0:.1} {:.1}Z" fill="{}" fill-opacity="0.25"/>"##,
                ty + th,
                ty + th,
                y + band,
                y + band,
                NODES[t].color
            );
            y += band;
        }
    }
}

/// The funnel's wide SVG.
fn chart(r: &Report) -> String {
    let counts: Vec<f64> = NODES.iter().map(|n| r.total(n.metric).mean).collect();
    let at = layout(&counts, &shown(r));
    let bottom = at
        .iter()
        .flatten()
        .map(|(_, y, h)| y + h)
        .fold(0.0, f64::max)
        + 40.0;
    let width = LEFT + COLUMN * (STAGES.len() - 1) as f64 + 150.0;
    let mut s = String::new();
    let id = Variant::Wide.id("funnel");
    let _ = writeln!(
        s,
        r#"<svg class="chart wide" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {bottom:.0}" role="img" aria-labelledby="{id}-t {id}-d" font-size="{FONT}">"#
    );
    let _ = writeln!(
        s,
        r#"<title id="{id}-t">From face to arrest</title><desc id="{id}-d">{}</desc>"#,
        esc(&describe(r))
    );
    let _ = writeln!(
        s,
        r##"<text x="0" y="18" font-size="16" font-weight="bold" fill="#1d1d1f">From face to arrest</text><text x="0" y="38" fill="#5f6368">{SUBTITLE}</text>"##
    );
    for (i, stage) in STAGES.iter().enumerate() {
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="62" font-weight="bold" fill="#5f6368">{}</text>"##,
            LEFT + COLUMN * i as f64,
            stage
        );
    }
    flows(&mut s, &at);
    for (i, (n, place)) in NODES.iter().zip(&at).enumerate() {
        if let Some(place) = place {
            node_bar(&mut s, r, i, n, *place, counts[i]);
        }
    }
    s.push_str("</svg>\n");
    s
}

/// What the drawing's scale and colours mean.
pub(super) const SUBTITLE: &str = "Sizes are log-scaled: each tenfold adds the same size. Grey: losses. Counts are means per run.";

/// The attributes of a label's white halo, painted under its letters.
pub(super) const HALO: &str =
    r##"paint-order="stroke" stroke="#ffffff" stroke-width="4" stroke-linejoin="round""##;

/// A node's bar and its label; the alerts' bar is split into true (green)
/// and false (red) in proportion, by the alert precision.
fn node_bar(s: &mut String, r: &Report, i: usize, n: &Node, (x, y, h): (f64, f64, f64), c: f64) {
    let label = format!("{}: {}", n.label, about(c));
    let _ = write!(s, "<g><title>{}</title>", esc(&label));
    match (i, r.ratios.alert_precision) {
        (ALERTS, Some(p)) => {
            let ht = h * p;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{NODE_W}" height="{ht:.1}" fill="{GREEN}"/><rect x="{x:.1}" y="{:.1}" width="{NODE_W}" height="{:.1}" fill="{RED}"/>"#,
                y + ht,
                h - ht
            );
        }
        _ => {
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{NODE_W}" height="{h:.1}" fill="{}"/>"#,
                n.color
            );
        }
    }
    let _ = write!(
        s,
        r##"<g {HALO}><text x="{:.1}" y="{:.1}" fill="#1d1d1f">{}</text><text x="{:.1}" y="{:.1}" font-weight="bold" fill="#1d1d1f">{}</text>"##,
        x + NODE_W + 4.0,
        y + 12.0,
        esc(n.label),
        x + NODE_W + 4.0,
        y + 27.0,
        esc(&about(c))
    );
    if i == ALERTS {
        let true_alerts = r.total(Metric::TrueAlerts).mean;
        let false_alerts = r.total(Metric::FalseAlerts).mean;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" fill="{GREEN}">true {}</text><text x="{:.1}" y="{:.1}" fill="{RED}">false {}</text>"##,
            x + NODE_W + 4.0,
            y + 42.0,
            esc(&about(true_alerts)),
            x + NODE_W + 4.0,
            y + 57.0,
            esc(&about(false_alerts)),
        );
    }
    s.push_str("</g></g>\n");
}

/// The funnel in one sentence, for screen readers.
pub(super) fn describe(r: &Report) -> String {
    let t = |m: Metric| about(r.total(m).mean);
    let dropped = if r.has_pipeline() {
        format!(" and {} dropped by the pipeline", t(Metric::FacesDropped))
    } else {
        String::new()
    };
    format!(
        "Of {} faces captured, {} were searched{dropped}; {} raised an alert ({} true, {} false, precision {}); operators confirmed {} and rejected {}; {} were lost in the crowd; officers made {} correct and {} wrongful stops, leading to {} arrests and {} false arrests.",
        t(Metric::FacesCaptured),
        t(Metric::Searches),
        t(Metric::Alerts),
        t(Metric::TrueAlerts),
        t(Metric::FalseAlerts),
        r.ratios.alert_precision.map_or("undefined".into(), fmt_pct),
        t(Metric::AlertsConfirmed),
        t(Metric::AlertsRejected),
        t(Metric::LostInCrowd),
        t(Metric::CorrectStops),
        t(Metric::WrongfulStops),
        t(Metric::Arrests),
        t(Metric::FalseArrests),
    )
}

/// The funnel section's body: the picture (wide, then `narrow`, the same
/// funnel drawn for a phone), and its numbers as a table.
pub fn section(r: &Report, narrow: &str) -> String {
    let mut s = String::from("<figure>\n");
    s.push_str(&chart(r));
    s.push_str(narrow);
    s.push_str("<figcaption>Each stage a column (on a phone, a group of bars); each bar a count (mean per run), with its exact value in the table below.</figcaption>\n</figure>\n");
    let mut rows = Vec::new();
    for m in [
        Metric::FacesCaptured,
        Metric::Searches,
        Metric::FacesDropped,
        Metric::Alerts,
        Metric::TrueAlerts,
        Metric::FalseAlerts,
        Metric::AlertsRejected,
        Metric::AlertsConfirmed,
        Metric::NotActioned,
        Metric::LostInCrowd,
        Metric::StopAttempts,
        Metric::Stops,
        Metric::CorrectStops,
        Metric::WrongfulStops,
        Metric::Arrests,
        Metric::FalseArrests,
    ] {
        if m == Metric::FacesDropped && !r.has_pipeline() {
            continue;
        }
        let st = r.total(m);
        rows.push(vec![
            esc(&funnel_label(m)),
            figure(m.key(), st.mean, &crate::format::fmt_num(st.mean, 1)),
            if r.replications > 1 {
                esc(&super::page::range(st.lo, st.hi, |x| {
                    crate::format::fmt_num(x, 1)
                }))
            } else {
                String::new()
            },
            st.pi95.map_or(String::new(), |(lo, hi)| {
                esc(&super::page::range(lo, hi, |x| {
                    crate::format::fmt_num(x, 1)
                }))
            }),
        ]);
    }
    s.push_str("<details><summary>The funnel's numbers</summary>\n");
    s.push_str(&table(
        &["stage", "#mean per run", "#95 % CI", "#95 % of single runs"],
        &rows,
    ));
    s.push_str("</details>\n");
    s
}

/// A metric's label with its parent where the table's label is a part
/// ("true" → "true alerts").
fn funnel_label(m: Metric) -> String {
    match m {
        Metric::TrueAlerts => "true alerts".into(),
        Metric::FalseAlerts => "false alerts".into(),
        Metric::CorrectStops => "correct stops".into(),
        Metric::WrongfulStops => "wrongful stops".into(),
        _ => m.label().into(),
    }
}
