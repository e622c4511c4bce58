//! What a series draws: along a numeric axis its shaded band, line and
//! markers; on a categorical axis its points and interval bars, set side by
//! side with the other series'; on the trade-off chart interval bars on
//! both axes and its ends labelled. Each series has its own colour and
//! marker shape, so that lines that cross stay told apart.

use super::plot::{PAD, Plot};
use super::text::{esc, width};
use super::{Chart, Pt, Series, XKind};
use std::fmt::Write as _;

const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// Series `k`'s colour.
pub(super) fn color(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// A marker: a hollow shape whose size grows with the series' number, so
/// that markers of series that coincide are drawn one inside another and
/// every series stays visible.
#[derive(Debug, Clone, Copy)]
pub(super) struct Marker {
    shape: usize,
    /// Half the marker's width, px.
    r: f64,
}

impl Marker {
    /// Series `k`'s marker.
    pub(super) fn of(k: usize) -> Marker {
        Marker {
            shape: k % 5,
            r: 3.0 + 1.5 * (k % 5) as f64,
        }
    }

    /// The marker centred on `(x, y)`.
    pub(super) fn draw(self, s: &mut String, x: f64, y: f64, color: &str) {
        let r = self.r;
        let poly = |pts: &[(f64, f64)]| {
            pts.iter()
                .map(|(dx, dy)| format!("{:.2},{:.2}", x + dx * r, y + dy * r))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let style = format!(r#"fill="none" stroke="{color}" stroke-width="1.6""#);
        let _ = match self.shape {
            0 => writeln!(
                s,
                r#"<circle class="point" cx="{x:.2}" cy="{y:.2}" r="{r:.2}" {style}/>"#
            ),
            1 => writeln!(
                s,
                r#"<rect class="point" x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" {style}/>"#,
                x - r,
                y - r,
                2.0 * r,
                2.0 * r
            ),
            2 => writeln!(
                s,
                r#"<polygon class="point" points="{}" {style}/>"#,
                poly(&[(0.0, -1.2), (1.1, 0.8), (-1.1, 0.8)])
            ),
            3 => writeln!(
                s,
                r#"<polygon class="point" points="{}" {style}/>"#,
                poly(&[(0.0, -1.3), (1.3, 0.0), (0.0, 1.3), (-1.3, 0.0)])
            ),
            _ => writeln!(
                s,
                r#"<polygon class="point" points="{}" {style}/>"#,
                poly(&[(0.0, 1.2), (1.1, -0.8), (-1.1, -0.8)])
            ),
        };
    }
}

/// A footnote naming the series whose points all lie within a pixel of
/// another's, which the plot cannot tell apart (series with identical
/// figures are already drawn once, see [`super::merge_identical`]).
pub(super) fn coincidence_note(c: &Chart, plot: &Plot) -> Option<String> {
    let px: Vec<Vec<(Option<f64>, Option<f64>)>> = c
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|p| (plot.px(p.x), p.y.and_then(|y| plot.py(y))))
                .collect()
        })
        .collect();
    let close = |a: &[(Option<f64>, Option<f64>)], b: &[(Option<f64>, Option<f64>)]| {
        let near = |u: Option<f64>, v: Option<f64>| match (u, v) {
            (Some(u), Some(v)) => (u - v).abs() < 1.0,
            (u, v) => u.is_none() && v.is_none(),
        };
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(p, q)| near(p.0, q.0) && near(p.1, q.1))
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for k in 0..px.len() {
        match groups.iter_mut().find(|g| close(&px[g[0]], &px[k])) {
            Some(g) => g.push(k),
            None => groups.push(vec![k]),
        }
    }
    let names: Vec<String> = groups
        .iter()
        .filter(|g| g.len() > 1)
        .map(|g| {
            let labels: Vec<String> = g
                .iter()
                .map(|&k| format!("“{}”", c.series[k].label))
                .collect();
            match labels.split_last() {
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            }
        })
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "The series {} coincide at this scale, though their figures differ: their markers are drawn one inside another.",
            names.join("; ")
        )
    })
}

/// An axis-aligned box of placed text, to keep labels from overlapping.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// The labels at the ends of a chart's lines, drawn after every series so
/// that they lie on top, placed clear of every marker and of each other.
#[derive(Debug, Default)]
pub(super) struct Ends {
    /// The markers' boxes, then the labels' as they are placed.
    taken: Vec<Rect>,
    wanted: Vec<EndLabel>,
}

/// A label wanted at a line's end.
#[derive(Debug)]
struct EndLabel {
    at: (f64, f64),
    /// Whether it is the line's first end.
    first: bool,
    note: String,
    color: &'static str,
    /// The series' `key=value, …`.
    id: String,
}

/// One series in one `<g class="series">`; its markers' boxes, and the ends
/// to label, go to `ends`.
pub(super) fn series_group(
    s: &mut String,
    c: &Chart,
    plot: &Plot,
    k: usize,
    series: &Series,
    ends: &mut Ends,
) {
    let color = color(k);
    let _ = writeln!(s, r#"<g class="series" data-label="{}">"#, esc(&series.id));
    let tip = if series.id.is_empty() {
        &c.title
    } else {
        &series.id
    };
    let _ = writeln!(s, "<title>{}</title>", esc(tip));
    let categorical = matches!(c.x, XKind::Categories(_));
    // Series on a categorical axis sit side by side within a category.
    let offset = if categorical { dodge(plot, c, k) } else { 0.0 };
    let shown: Vec<(f64, f64, &Pt)> = series
        .points
        .iter()
        .filter_map(|p| Some((plot.px(p.x)? + offset, plot.py(p.y?)?, p)))
        .collect();
    match c.x {
        XKind::Numeric => band(s, plot, &shown, color),
        XKind::Categories(_) | XKind::Data => bars(s, plot, &shown, color),
    }
    if !categorical {
        let line: Vec<String> = shown
            .iter()
            .map(|(x, y, _)| format!("{x:.2},{y:.2}"))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline class="line" points="{}" fill="none" stroke="{color}" stroke-width="2" stroke-linejoin="round"/>"#,
            line.join(" ")
        );
    }
    let marker = Marker::of(k);
    for &(x, y, _) in &shown {
        marker.draw(s, x, y, color);
        let r = marker.r + 1.0;
        ends.taken.push(Rect {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        });
    }
    if c.label_ends && !shown.is_empty() {
        let last = shown.len() - 1;
        for (i, &(x, y, p)) in [shown[0], shown[last]]
            .iter()
            .take(last.min(1) + 1)
            .enumerate()
        {
            if let Some(note) = &p.note {
                ends.wanted.push(EndLabel {
                    at: (x, y),
                    first: i == 0,
                    note: note.clone(),
                    color,
                    id: series.id.clone(),
                });
            }
        }
    }
    let _ = writeln!(s, "</g>");
}

/// The end labels, in one `<g class="end-labels">`, each naming its series
/// in `data-label`, with a white halo so that lines under it do not hide it.
pub(super) fn end_labels(s: &mut String, plot: &Plot, ends: Ends) {
    if ends.wanted.is_empty() {
        return;
    }
    let mut taken = ends.taken;
    let font = plot.size.small_font();
    let _ = writeln!(s, r#"<g class="end-labels" font-size="{font}">"#);
    for EndLabel {
        at,
        first,
        note,
        color,
        id,
    } in &ends.wanted
    {
        let r = place(plot, *at, *first, width(note, font, false), &taken);
        taken.push(r);
        let _ = writeln!(
            s,
            r##"<text class="end-label" data-label="{}" x="{:.2}" y="{:.2}" fill="{color}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
            esc(id),
            r.x0,
            r.y1 - 2.0,
            esc(note)
        );
    }
    let _ = writeln!(s, "</g>");
}

/// Series `k`'s offset from its category's centre.
fn dodge(plot: &Plot, c: &Chart, k: usize) -> f64 {
    let XKind::Categories(labels) = &c.x else {
        return 0.0;
    };
    let n = c.series.len() as f64;
    let category = (plot.right - plot.left - 2.0 * PAD) / labels.len().max(1) as f64;
    let step = (0.6 * category / n).min(14.0);
    (k as f64 - (n - 1.0) / 2.0) * step
}

/// The shaded intervals along a line: the prediction interval's lighter
/// band (`band-pi`) under the confidence interval's (`band`).
fn band(s: &mut String, plot: &Plot, shown: &[(f64, f64, &Pt)], color: &str) {
    let prediction = |p: &Pt| p.pi95.map_or((None, None), |(lo, hi)| (Some(lo), Some(hi)));
    let style = Shade {
        class: "band-pi",
        fill_opacity: 0.08,
        stroke_opacity: 0.2,
    };
    shade(s, plot, shown, color, prediction, style);
    let style = Shade {
        class: "band",
        fill_opacity: 0.18,
        stroke_opacity: 0.45,
    };
    shade(s, plot, shown, color, |p| (p.lo, p.hi), style);
}

/// How a band is drawn: its class, and its opacity as an area and as the
/// stroke of a lone point.
struct Shade {
    class: &'static str,
    fill_opacity: f64,
    stroke_opacity: f64,
}

/// One kind of interval along a line: one band per run of consecutive shown
/// points that have it (a lone point's is a thick vertical stroke).
fn shade(
    s: &mut String,
    plot: &Plot,
    shown: &[(f64, f64, &Pt)],
    color: &str,
    interval: impl Fn(&Pt) -> (Option<f64>, Option<f64>),
    style: Shade,
) {
    let Shade {
        class,
        fill_opacity,
        stroke_opacity,
    } = style;
    let mut runs: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new()];
    for &(x, _, p) in shown {
        match interval(p) {
            (Some(lo), Some(hi)) => {
                runs.last_mut()
                    .expect("a run")
                    .push((x, plot.py_clip(hi), plot.py_clip(lo)))
            }
            _ => runs.push(Vec::new()),
        }
    }
    for run in runs.iter().filter(|b| !b.is_empty()) {
        if let [(x, top, bottom)] = run[..] {
            let _ = writeln!(
                s,
                r#"<line class="{class}" x1="{x:.2}" y1="{top:.2}" x2="{x:.2}" y2="{bottom:.2}" stroke="{color}" stroke-opacity="{stroke_opacity}" stroke-width="6"/>"#
            );
            continue;
        }
        let mut pts = String::new();
        for &(x, top, _) in run {
            let _ = write!(pts, "{x:.2},{top:.2} ");
        }
        for &(x, _, bottom) in run.iter().rev() {
            let _ = write!(pts, "{x:.2},{bottom:.2} ");
        }
        let _ = writeln!(
            s,
            r#"<polygon class="{class}" points="{}" fill="{color}" fill-opacity="{fill_opacity}" stroke="none"/>"#,
            pts.trim_end()
        );
    }
}

/// Interval bars at each point: vertical for y's interval, horizontal for
/// x's (the trade-off chart's false alerts), each with end ticks; under
/// y's, a wide pale bar for its prediction interval (`interval-pi`).
fn bars(s: &mut String, plot: &Plot, shown: &[(f64, f64, &Pt)], color: &str) {
    let style = format!(r#"stroke="{color}" stroke-width="1.2" stroke-opacity="0.8""#);
    for &(x, _, p) in shown {
        if let Some((lo, hi)) = p.pi95 {
            let (top, bottom) = (plot.py_clip(hi), plot.py_clip(lo));
            let _ = writeln!(
                s,
                r#"<line class="interval-pi" x1="{x:.2}" y1="{top:.2}" x2="{x:.2}" y2="{bottom:.2}" stroke="{color}" stroke-opacity="0.2" stroke-width="6"/>"#
            );
        }
    }
    for &(x, y, p) in shown {
        if let (Some(lo), Some(hi)) = (p.lo, p.hi) {
            let (top, bottom) = (plot.py_clip(hi), plot.py_clip(lo));
            let _ = writeln!(
                s,
                r#"<path class="interval" d="M{x:.2},{top:.2}V{bottom:.2}M{:.2},{top:.2}h6M{:.2},{bottom:.2}h6" fill="none" {style}/>"#,
                x - 3.0,
                x - 3.0
            );
        }
        if let (Some(lo), Some(hi)) = (p.x_lo, p.x_hi) {
            let (l, r) = (plot.px_clip(lo), plot.px_clip(hi));
            let _ = writeln!(
                s,
                r#"<path class="interval" d="M{l:.2},{y:.2}H{r:.2}M{l:.2},{:.2}v6M{r:.2},{:.2}v6" fill="none" {style}/>"#,
                y - 3.0,
                y - 3.0
            );
        }
    }
}

/// Where a label `w` wide goes beside the point `(x, y)`: within the plot,
/// clear of what is `taken`, searching a line further away at a time on the
/// side away from the line's other end first; pressed inside the plot if
/// nowhere is clear.
fn place(plot: &Plot, (x, y): (f64, f64), first: bool, w: f64, taken: &[Rect]) -> Rect {
    let h = 10.0;
    let side = if first { -1.0 } else { 1.0 };
    let candidates = [(7.0, -7.0), (7.0, 13.0), (-7.0 - w, -7.0), (-7.0 - w, 13.0)];
    let inside = |r: &Rect| {
        r.x0 >= plot.left && r.x1 <= plot.right && r.y0 >= plot.top && r.y1 <= plot.bottom
    };
    let rect_at = |dx: f64, dy: f64| Rect {
        x0: x + dx,
        y0: y + dy - h,
        x1: x + dx + w,
        y1: y + dy + 2.0,
    };
    let shifts =
        (0..16).map(|i| side * 12.0 * ((i + 1) / 2) as f64 * if i % 2 == 0 { 1.0 } else { -1.0 });
    for shift in shifts {
        for &(dx, dy) in &candidates {
            let r = rect_at(dx, dy + shift);
            if inside(&r) && !taken.iter().any(|p| p.overlaps(&r)) {
                return r;
            }
        }
    }
    let r = rect_at(candidates[0].0, candidates[0].1);
    let dx = (plot.right - r.x1).min(0.0) + (plot.left - r.x0).max(0.0);
    let dy = (plot.top - r.y0).max(0.0) + (plot.bottom - r.y1).min(0.0);
    Rect {
        x0: r.x0 + dx,
        y0: r.y0 + dy,
        x1: r.x1 + dx,
        y1: r.y1 + dy,
    }
}
