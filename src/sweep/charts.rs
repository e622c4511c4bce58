//! SVG charts of a sweep, written by hand so that the bytes are fixed by this
//! file alone (no font metrics, no timestamps) and every line series is one
//! `<g class="series">` holding one `<polyline class="line">`, its shaded
//! 95 % band (`<polygon class="band">`) and a `<title>`.
//!
//! * `charts/<metric>.svg` per headline metric: the metric against the first
//!   varied key, one line per value of the other varied keys.
//! * `charts/tradeoff.svg` when `matcher.threshold` is varied: false alerts
//!   per day against wanted people missed per day, one line per value of the
//!   other varied keys, the threshold running along each line — the
//!   operational DET curve.
//!
//! An axis whose positive values span two decades or more is drawn on a log
//! scale (and says so); values ≤ 0 cannot be shown there and are counted in
//! a footnote.

use super::results::Row;
use super::{Headline, Plan};
use crate::error::Error;
use crate::format::{fmt_num, human_duration};
use crate::output::write_atomically;
use std::fmt::Write as _;
use std::path::Path;

const W: f64 = 760.0;
const H: f64 = 460.0;
const LEFT: f64 = 88.0;
const TOP: f64 = 58.0;
const BOTTOM: f64 = H - 66.0;
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];
/// The key whose sweep gets a trade-off chart.
pub const THRESHOLD_KEY: &str = "matcher.threshold";

/// Writes every chart of a complete sweep into `DIR/charts`.
pub fn write_all(dir: &Path, plan: &Plan, rows: &[Row]) -> Result<(), Error> {
    let charts = dir.join("charts");
    std::fs::create_dir_all(&charts).map_err(|source| Error::Io {
        context: format!("cannot create {}", charts.display()),
        source,
    })?;
    for &h in Headline::ALL {
        let svg = metric_chart(plan, rows, h);
        write_atomically(&charts.join(format!("{}.svg", h.key())), svg.as_bytes())?;
    }
    if let Some(svg) = tradeoff_chart(plan, rows) {
        write_atomically(&charts.join("tradeoff.svg"), svg.as_bytes())?;
    }
    Ok(())
}

/// One plotted point.
#[derive(Debug, Clone)]
struct Pt {
    x: f64,
    y: Option<f64>,
    lo: Option<f64>,
    hi: Option<f64>,
    note: Option<String>,
}

#[derive(Debug, Clone)]
struct Series {
    /// Legend text.
    label: String,
    /// `key=value, …` of the series.
    id: String,
    points: Vec<Pt>,
}

#[derive(Debug, Clone)]
enum XKind {
    /// The grid's values: the axis spans exactly them.
    Numeric,
    /// Measured values: the axis is chosen like a y axis.
    Data,
    Categories(Vec<String>),
}

#[derive(Debug, Clone)]
struct Chart {
    title: String,
    subtitle: String,
    x_label: String,
    y_label: String,
    x: XKind,
    legend_title: Option<String>,
    series: Vec<Series>,
}

/// The series of a chart whose lines run along axis `along`: one per
/// combination of the values of the other axes, in grid order.
/// One line of a chart: its legend text, its `key=value, …`, and its rows.
type Line = (String, String, Vec<usize>);

fn lines_along(plan: &Plan, along: usize) -> (Option<String>, Vec<Line>) {
    let axes = &plan.grid.axes;
    let others: Vec<usize> = (0..axes.len()).filter(|&a| a != along).collect();
    let combos: usize = others.iter().map(|&a| axes[a].values.len()).product();
    let title = (!others.is_empty()).then(|| {
        others
            .iter()
            .map(|&a| axes[a].key.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    });
    let lines = (0..combos)
        .map(|c| {
            let mut rest = c;
            let mut coords = vec![0; axes.len()];
            for &a in others.iter().rev() {
                coords[a] = rest % axes[a].values.len();
                rest /= axes[a].values.len();
            }
            let label = others
                .iter()
                .map(|&a| axes[a].values[coords[a]].clone())
                .collect::<Vec<_>>()
                .join(", ");
            let id = others
                .iter()
                .map(|&a| axes[a].set(coords[a]))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = (0..axes[along].values.len())
                .map(|i| {
                    coords[along] = i;
                    plan.grid.index(&coords)
                })
                .collect();
            (label, id, rows)
        })
        .collect();
    (title, lines)
}

fn duration_note(rows: &[Row]) -> String {
    let d = rows.first().map_or(0.0, |r| r.report.duration_s);
    if rows.iter().all(|r| r.report.duration_s == d) {
        format!("per replication of {}", human_duration(d))
    } else {
        "per replication".to_string()
    }
}

fn metric_chart(plan: &Plan, rows: &[Row], h: Headline) -> String {
    let first = &plan.grid.axes[0];
    let numeric = first.numeric();
    let (legend_title, lines) = lines_along(plan, 0);
    let series = lines
        .into_iter()
        .map(|(label, id, idx)| Series {
            label,
            id,
            points: idx
                .iter()
                .enumerate()
                .map(|(i, &r)| {
                    let e = rows[r].get(h);
                    Pt {
                        x: numeric.as_ref().map_or(i as f64, |v| v[i]),
                        y: e.mean,
                        lo: e.lo,
                        hi: e.hi,
                        note: None,
                    }
                })
                .collect(),
        })
        .collect();
    let reps = plan.reps;
    let subtitle = if h.is_ratio() {
        format!(
            "pooled over {reps} replication{}; shaded: 95 % interval (delta method, ratio of means)",
            if reps == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "mean {} ({reps} replication{}); shaded: 95 % interval (t, or exact Poisson near 0)",
            duration_note(rows),
            if reps == 1 { "" } else { "s" }
        )
    };
    render(&Chart {
        title: format!("{} by {}", capitalise(h.label()), first.key),
        subtitle,
        x_label: first.key.clone(),
        y_label: h.label().to_string(),
        x: match numeric {
            Some(_) => XKind::Numeric,
            None => XKind::Categories(first.values.clone()),
        },
        legend_title,
        series,
    })
}

fn tradeoff_chart(plan: &Plan, rows: &[Row]) -> Option<String> {
    let t = plan.grid.axes.iter().position(|a| a.key == THRESHOLD_KEY)?;
    let thresholds = &plan.grid.axes[t].values;
    let (legend_title, lines) = lines_along(plan, t);
    let series = lines
        .into_iter()
        .map(|(label, id, idx)| {
            let last = idx.len() - 1;
            Series {
                label,
                id,
                points: idx
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &r)| {
                        let row = &rows[r];
                        let per_day = |h: Headline| row.get(h).mean.map(|m| m / row.days());
                        Some(Pt {
                            x: per_day(Headline::FalseAlerts)?,
                            y: per_day(Headline::WantedMissed),
                            lo: None,
                            hi: None,
                            note: (i == 0 || i == last).then(|| thresholds[i].clone()),
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    Some(render(&Chart {
        title: "Trade-off: false alerts against wanted people missed".into(),
        subtitle: format!(
            "means over {} replications; the threshold ({}) runs along each line, its ends labelled",
            plan.reps, THRESHOLD_KEY
        ),
        x_label: "false alerts per day".into(),
        y_label: "wanted people missed per day".into(),
        x: XKind::Data,
        legend_title,
        series,
    }))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// A linear or base-10 logarithmic axis over `[min, max]` (exponents for log).
#[derive(Debug, Clone, Copy)]
enum Scale {
    Linear { min: f64, max: f64, step: f64 },
    Log { min: f64, max: f64 },
}

impl Scale {
    /// Position in [0, 1], or `None` for a value a log axis cannot show.
    fn frac(&self, v: f64) -> Option<f64> {
        match *self {
            Scale::Linear { min, max, .. } => Some((v - min) / (max - min)),
            Scale::Log { min, max } => (v > 0.0).then(|| (v.log10() - min) / (max - min)),
        }
    }

    fn is_log(&self) -> bool {
        matches!(self, Scale::Log { .. })
    }

    fn ticks(&self) -> Vec<(f64, String)> {
        match *self {
            Scale::Linear { min, max, step } => {
                let decimals = (-(step.log10() + 1e-9).floor()).max(0.0) as usize;
                let first = (min / step - 1e-9).ceil() as i64;
                let last = (max / step + 1e-9).floor() as i64;
                (first..=last)
                    .map(|k| {
                        let v = k as f64 * step;
                        (v, fmt_num(v, decimals))
                    })
                    .collect()
            }
            Scale::Log { min, max } => {
                let mults: &[f64] = if max - min <= 2.0 {
                    &[1.0, 2.0, 5.0]
                } else {
                    &[1.0]
                };
                let mut ticks = Vec::new();
                for e in min as i64..=max as i64 {
                    for &m in mults {
                        let v = m * 10f64.powi(e as i32);
                        if v.log10() <= max + 1e-9 {
                            ticks.push((v, fmt_num(v, (-e).max(0) as usize)));
                        }
                    }
                }
                ticks
            }
        }
    }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.log10().floor());
    let f = raw / p;
    p * if f < 1.5 {
        1.0
    } else if f < 3.0 {
        2.0
    } else if f < 7.0 {
        5.0
    } else {
        10.0
    }
}

/// Chooses an axis for `values` (the plotted estimates) that also spans
/// `extent` (interval bounds). `tight`: the ends are the data's own (an x
/// axis), otherwise rounded out to ticks and including 0 for non-negative
/// data. Returns the scale and how many values it cannot show.
fn auto_scale(values: &[f64], extent: &[f64], tight: bool) -> (Scale, usize) {
    let positive: Vec<f64> = values.iter().copied().filter(|&v| v > 0.0).collect();
    let (pmin, pmax) = min_max(&positive);
    let all_positive = positive.len() == values.len();
    if positive.len() >= 2 && pmax / pmin >= 100.0 && (all_positive || !tight) {
        // Interval bounds may reach one decade below the smallest estimate;
        // lower ones are clipped (a band reaching 0 runs off the bottom).
        let lows = extent.iter().copied().filter(|&v| v > 0.0 && v < pmin);
        let low = lows.fold(pmin, f64::min).max(pmin / 10.0);
        let high = extent.iter().copied().fold(pmax, f64::max);
        let (min, mut max) = (low.log10().floor(), high.log10().ceil());
        if max <= min {
            max = min + 1.0;
        }
        return (Scale::Log { min, max }, values.len() - positive.len());
    }
    let all: Vec<f64> = values.iter().chain(extent).copied().collect();
    let (mut lo, mut hi) = if tight {
        min_max(values)
    } else {
        min_max(&all)
    };
    if values.is_empty() {
        (lo, hi) = (0.0, 1.0);
    }
    if !tight && values.iter().all(|&v| v >= 0.0) {
        lo = 0.0;
    }
    if hi - lo <= 0.0 {
        let pad = if hi == 0.0 { 1.0 } else { hi.abs() * 0.1 };
        (lo, hi) = if tight || lo < 0.0 {
            (lo - pad, hi + pad)
        } else {
            (lo, hi + pad)
        };
        if !tight && values.iter().all(|&v| v >= 0.0) {
            lo = lo.max(0.0);
        }
    }
    // Fewer ticks along x, whose labels are wider.
    let step = nice_step((hi - lo) / if tight { 4.0 } else { 5.0 });
    if !tight {
        lo = (lo / step + 1e-9).floor() * step;
        hi = (hi / step - 1e-9).ceil() * step;
    }
    (
        Scale::Linear {
            min: lo,
            max: hi,
            step,
        },
        0,
    )
}

fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(['…']).collect()
    }
}

fn render(c: &Chart) -> String {
    let legend = c.series.len() > 1 || c.legend_title.is_some();
    let right = if legend { W - 212.0 } else { W - 28.0 };
    let pad = 12.0; // keeps the end points off the frame
    let ys: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.y))
        .filter(|v| v.is_finite())
        .collect();
    let extent: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().flat_map(|p| [p.lo, p.hi]).flatten())
        .filter(|v| v.is_finite())
        .collect();
    let (yscale, y_hidden) = auto_scale(&ys, &extent, false);
    let (xscale, x_hidden, xticks) = match &c.x {
        XKind::Numeric | XKind::Data => {
            let xs: Vec<f64> = c
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.x))
                .collect();
            let (s, hidden) = auto_scale(&xs, &[], matches!(c.x, XKind::Numeric));
            (s, hidden, s.ticks())
        }
        XKind::Categories(labels) => {
            let n = labels.len() as f64;
            let s = if labels.len() == 1 {
                Scale::Linear {
                    min: -0.5,
                    max: 0.5,
                    step: 1.0,
                }
            } else {
                Scale::Linear {
                    min: 0.0,
                    max: n - 1.0,
                    step: 1.0,
                }
            };
            let t = labels
                .iter()
                .enumerate()
                .map(|(i, l)| (i as f64, short(l, 14)))
                .collect();
            (s, 0, t)
        }
    };
    let px = |v: f64| {
        xscale
            .frac(v)
            .map(|f| LEFT + pad + f * (right - LEFT - 2.0 * pad))
    };
    let py = |v: f64| yscale.frac(v).map(|f| BOTTOM - f * (BOTTOM - TOP));
    // A band's edge is clipped to the plot.
    let py_clip = |v: f64| {
        let f = yscale.frac(v).unwrap_or(0.0).clamp(0.0, 1.0);
        BOTTOM - f * (BOTTOM - TOP)
    };

    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, "<title>{}</title>", esc(&c.title));
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        s,
        r##"<text class="title" x="{LEFT}" y="24" font-size="15" font-weight="bold" fill="#222222">{}</text>"##,
        esc(&c.title)
    );
    let _ = writeln!(
        s,
        r##"<text class="subtitle" x="{LEFT}" y="42" font-size="11" fill="#666666">{}</text>"##,
        esc(&c.subtitle)
    );

    // Grid lines and tick labels.
    let _ = writeln!(s, r##"<g class="grid" stroke="#e6e6e6" stroke-width="1">"##);
    let yticks = yscale.ticks();
    for (v, _) in &yticks {
        if let Some(y) = py(*v) {
            let _ = writeln!(
                s,
                r#"<line x1="{LEFT:.2}" y1="{y:.2}" x2="{right:.2}" y2="{y:.2}"/>"#
            );
        }
    }
    for (v, _) in &xticks {
        if let Some(x) = px(*v) {
            let _ = writeln!(
                s,
                r#"<line x1="{x:.2}" y1="{TOP:.2}" x2="{x:.2}" y2="{BOTTOM:.2}"/>"#
            );
        }
    }
    let _ = writeln!(s, "</g>");
    let _ = writeln!(s, r##"<g class="axes" fill="#333333">"##);
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT:.2}" y="{TOP:.2}" width="{:.2}" height="{:.2}" fill="none" stroke="#999999" stroke-width="1"/>"##,
        right - LEFT,
        BOTTOM - TOP
    );
    for (v, label) in &yticks {
        if let Some(y) = py(*v) {
            let _ = writeln!(
                s,
                r#"<text x="{:.2}" y="{:.2}" text-anchor="end">{}</text>"#,
                LEFT - 6.0,
                y + 4.0,
                esc(label)
            );
        }
    }
    for (v, label) in &xticks {
        if let Some(x) = px(*v) {
            let _ = writeln!(
                s,
                r#"<text x="{x:.2}" y="{:.2}" text-anchor="middle">{}</text>"#,
                BOTTOM + 17.0,
                esc(label)
            );
        }
    }
    let log_note = |scale: &Scale| if scale.is_log() { " (log scale)" } else { "" };
    let _ = writeln!(
        s,
        r#"<text class="x-label" x="{:.2}" y="{:.2}" text-anchor="middle" font-size="13">{}{}</text>"#,
        (LEFT + right) / 2.0,
        BOTTOM + 40.0,
        esc(&c.x_label),
        log_note(&xscale)
    );
    let (yx, yy) = (20.0, (TOP + BOTTOM) / 2.0);
    let _ = writeln!(
        s,
        r#"<text class="y-label" x="{yx:.2}" y="{yy:.2}" transform="rotate(-90 {yx:.2} {yy:.2})" text-anchor="middle" font-size="13">{}{}</text>"#,
        esc(&c.y_label),
        log_note(&yscale)
    );
    let _ = writeln!(s, "</g>");

    // Series: band, line, markers, notes.
    for (k, series) in c.series.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let _ = writeln!(s, r#"<g class="series" data-label="{}">"#, esc(&series.id));
        let _ = writeln!(
            s,
            "<title>{}</title>",
            esc(if series.id.is_empty() {
                &c.title
            } else {
                &series.id
            })
        );
        let shown: Vec<(f64, f64, &Pt)> = series
            .points
            .iter()
            .filter_map(|p| Some((px(p.x)?, py(p.y?)?, p)))
            .collect();
        // Bands over runs of consecutive points with an interval.
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let mut bands: Vec<Vec<(f64, f64, f64)>> = Vec::new();
        for &(x, _, p) in &shown {
            match (p.lo, p.hi) {
                (Some(lo), Some(hi)) => run.push((x, py_clip(hi), py_clip(lo))),
                _ => bands.push(std::mem::take(&mut run)),
            }
        }
        bands.push(run);
        for band in bands.iter().filter(|b| !b.is_empty()) {
            if band.len() == 1 {
                let (x, top, bottom) = band[0];
                let _ = writeln!(
                    s,
                    r#"<line class="band" x1="{x:.2}" y1="{top:.2}" x2="{x:.2}" y2="{bottom:.2}" stroke="{color}" stroke-opacity="0.45" stroke-width="6"/>"#
                );
                continue;
            }
            let mut pts = String::new();
            for &(x, top, _) in band {
                let _ = write!(pts, "{x:.2},{top:.2} ");
            }
            for &(x, _, bottom) in band.iter().rev() {
                let _ = write!(pts, "{x:.2},{bottom:.2} ");
            }
            let _ = writeln!(
                s,
                r#"<polygon class="band" points="{}" fill="{color}" fill-opacity="0.18" stroke="none"/>"#,
                pts.trim_end()
            );
        }
        let line: Vec<String> = shown
            .iter()
            .map(|(x, y, _)| format!("{x:.2},{y:.2}"))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline class="line" points="{}" fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round"/>"#,
            line.join(" ")
        );
        for &(x, y, p) in &shown {
            let _ = writeln!(
                s,
                r#"<circle cx="{x:.2}" cy="{y:.2}" r="3" fill="{color}"/>"#
            );
            if let Some(note) = &p.note {
                let _ = writeln!(
                    s,
                    r#"<text class="note" x="{:.2}" y="{:.2}" font-size="10" fill="{color}">{}</text>"#,
                    x + 5.0,
                    y - 6.0,
                    esc(note)
                );
            }
        }
        let _ = writeln!(s, "</g>");
    }

    if legend {
        let lx = right + 18.0;
        let _ = writeln!(s, r##"<g class="legend" fill="#333333">"##);
        if let Some(t) = &c.legend_title {
            let _ = writeln!(
                s,
                r#"<text x="{lx:.2}" y="{:.2}" font-weight="bold">{}</text>"#,
                TOP + 4.0,
                esc(&short(t, 30))
            );
        }
        let max_rows = ((BOTTOM - TOP - 20.0) / 18.0) as usize;
        for (k, series) in c.series.iter().enumerate() {
            let y = TOP + 24.0 + 18.0 * k as f64;
            if k + 1 == max_rows && c.series.len() > max_rows {
                let _ = writeln!(
                    s,
                    r#"<text x="{lx:.2}" y="{:.2}">… and {} more</text>"#,
                    y + 4.0,
                    c.series.len() - k
                );
                break;
            }
            let color = PALETTE[k % PALETTE.len()];
            let _ = writeln!(
                s,
                r#"<line x1="{lx:.2}" y1="{y:.2}" x2="{:.2}" y2="{y:.2}" stroke="{color}" stroke-width="3"/>"#,
                lx + 22.0
            );
            let _ = writeln!(
                s,
                r#"<text x="{:.2}" y="{:.2}">{}</text>"#,
                lx + 30.0,
                y + 4.0,
                esc(&short(&series.label, 24))
            );
        }
        let _ = writeln!(s, "</g>");
    }

    let mut notes = Vec::new();
    if y_hidden > 0 {
        notes.push(format!(
            "{y_hidden} value{} ≤ 0 not shown on the log scale",
            if y_hidden == 1 { "" } else { "s" }
        ));
    }
    if x_hidden > 0 {
        notes.push(format!(
            "{x_hidden} point{} at x ≤ 0 not shown on the log scale",
            if x_hidden == 1 { "" } else { "s" }
        ));
    }
    if !notes.is_empty() {
        let _ = writeln!(
            s,
            r##"<text class="footnote" x="{LEFT}" y="{:.2}" font-size="10" fill="#666666">{}</text>"##,
            H - 8.0,
            esc(&notes.join("; "))
        );
    }
    let _ = writeln!(s, "</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_ticks_are_round() {
        assert_eq!(nice_step(0.03), 0.05);
        assert_eq!(nice_step(0.16), 0.2);
        assert_eq!(nice_step(140.0), 100.0);
        let (s, _) = auto_scale(&[3.0, 47.0], &[1.0, 52.0], false);
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0", "10", "20", "30", "40", "50", "60"]);
        let (s, hidden) = auto_scale(&[0.0, 2.0, 40.0, 9000.0], &[], false);
        assert!(s.is_log());
        assert_eq!(hidden, 1);
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["1", "10", "100", "1,000", "10,000"]);
        let (s, _) = auto_scale(&[0.55, 0.6, 0.7], &[], true);
        let labels: Vec<String> = s.ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0.55", "0.60", "0.65", "0.70"]);
    }
}
