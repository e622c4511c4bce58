//! A chart's layout: its size ([`Size`]), wrapped titles, the plot's
//! edges and scales, the footnotes and the picture's height — everything
//! [`super::svg`] and [`super::marks`] draw against, decided before either
//! draws.

use super::scale::{Scale, auto_scale};
use super::text::{width, wrap};
use super::{Chart, XKind};

/// The sizes a chart is drawn at; its height follows from the text it
/// holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// The files': 760 units, the legend at the right.
    Wide,
    /// A page's, on a screen or printed: as [`Size::Wide`], the smallest
    /// text a size larger, so that A4's 680 px draw it above 9 px.
    Page,
    /// A phone's: 360 units, the legend below the plot.
    Narrow,
}

impl Size {
    /// The picture's width.
    pub(super) fn width(self) -> f64 {
        match self {
            Size::Wide | Size::Page => 760.0,
            Size::Narrow => 360.0,
        }
    }

    /// The plot's height.
    pub(super) fn plot_height(self) -> f64 {
        match self {
            Size::Wide | Size::Page => 300.0,
            Size::Narrow => 220.0,
        }
    }

    /// The size of the smallest text: footnotes, the caption, end labels.
    pub(super) fn small_font(self) -> f64 {
        match self {
            Size::Wide => 10.0,
            Size::Page | Size::Narrow => 11.0,
        }
    }

    /// Line height of that text.
    pub(super) fn note_line(self) -> f64 {
        match self {
            Size::Wide => NOTE_LH,
            Size::Page | Size::Narrow => 14.0,
        }
    }

    /// Whether the legend goes below the plot rather than beside it.
    pub(super) fn legend_below(self) -> bool {
        self == Size::Narrow
    }
}

pub(super) const MARGIN: f64 = 14.0;
pub(super) const LEGEND_W: f64 = 210.0;
/// Keeps the end points off the frame.
pub(super) const PAD: f64 = 12.0;
/// Line heights of the title, subtitle, axis labels, ticks and notes.
pub(super) const TITLE_LH: f64 = 19.0;
pub(super) const SUB_LH: f64 = 14.0;
pub(super) const LABEL_LH: f64 = 16.0;
pub(super) const TICK_LH: f64 = 14.0;
pub(super) const NOTE_LH: f64 = 13.0;

/// The plot area, its axes and the text around it, laid out from the
/// chart's data.
pub(super) struct Plot {
    pub(super) left: f64,
    pub(super) right: f64,
    pub(super) top: f64,
    pub(super) bottom: f64,
    /// The size drawn at.
    pub(super) size: Size,
    /// The picture's width and height.
    pub(super) width: f64,
    pub(super) height: f64,
    /// Whether a legend is drawn, to the right of the plot (or below it,
    /// narrow).
    pub(super) legend: bool,
    /// Where a narrow chart's legend starts, below the axis label.
    pub(super) legend_top: f64,
    pub(super) xscale: Scale,
    pub(super) yscale: Scale,
    pub(super) xticks: Vec<(f64, Vec<String>)>,
    pub(super) yticks: Vec<(f64, String)>,
    pub(super) title: Vec<String>,
    pub(super) subtitle: Vec<String>,
    pub(super) x_label: Vec<String>,
    pub(super) y_label: Vec<String>,
    /// Footnotes then caption, each line with its class.
    pub(super) footer: Vec<(&'static str, String)>,
}

impl Plot {
    /// The layout of `c` at `size`; `coincidence` gives the footnote on
    /// series the plot cannot tell apart, which needs the laid-out plot
    /// (and the marks that draw them: [`super::marks::coincidence_note`]).
    pub(super) fn new(
        c: &Chart,
        size: Size,
        coincidence: impl FnOnce(&Plot) -> Option<String>,
    ) -> Plot {
        let (w, plot_h) = (size.width(), size.plot_height());
        let legend = c.series.len() > 1 || c.legend_title.is_some();
        let (yscale, y_hidden) = y_axis(c);
        let (xscale, x_hidden, xticks) = x_axis(c);
        let yticks = yscale.ticks();
        let full = w - 2.0 * MARGIN;
        let title = wrap(&c.title, 15.0, true, full);
        let subtitle = wrap(&c.subtitle, 11.0, false, full);
        let top =
            24.0 + (title.len() - 1) as f64 * TITLE_LH + subtitle.len() as f64 * SUB_LH + 20.0;
        let bottom = top + plot_h;
        let y_label = wrap(
            &format!("{}{}", c.y_label, log_note(&yscale)),
            13.0,
            false,
            plot_h,
        );
        let tick_w = yticks
            .iter()
            .map(|(_, l)| width(l, 12.0, false))
            .fold(0.0, f64::max);
        let left = MARGIN + y_label.len() as f64 * LABEL_LH + 12.0 + tick_w;
        let right = if legend && !size.legend_below() {
            w - LEGEND_W
        } else {
            w - 2.0 * MARGIN
        };
        let xticks = tick_lines(xticks, &c.x, right - left);
        let x_label = wrap(
            &format!("{}{}", c.x_label, log_note(&xscale)),
            13.0,
            false,
            right - left,
        );
        let tick_rows = xticks.iter().map(|t| t.1.len()).max().unwrap_or(1);
        let last_label = bottom
            + 17.0
            + (tick_rows - 1) as f64 * TICK_LH
            + 23.0
            + (x_label.len() - 1) as f64 * LABEL_LH;
        let mut plot = Plot {
            left,
            right,
            top,
            bottom,
            size,
            width: w,
            height: 0.0,
            legend,
            legend_top: last_label + 24.0,
            xscale,
            yscale,
            xticks,
            yticks,
            title,
            subtitle,
            x_label,
            y_label,
            footer: Vec::new(),
        };
        let coincide = coincidence(&plot);
        plot.footer = footer(c, coincide, (x_hidden, y_hidden), full, size.small_font());
        let below = if legend && size.legend_below() {
            legend_lines(c, &plot).1 + 16.0
        } else {
            0.0
        };
        let notes = plot.footer.len() as f64 * size.note_line();
        plot.height = (last_label + below + 8.0 + notes + 10.0).ceil();
        plot
    }

    /// Where `v` is along x, or `None` for a value a log axis cannot show.
    pub(super) fn px(&self, v: f64) -> Option<f64> {
        self.xscale
            .frac(v)
            .map(|f| self.left + PAD + f * (self.right - self.left - 2.0 * PAD))
    }

    /// Where `v` is along y, or `None` for a value a log axis cannot show.
    pub(super) fn py(&self, v: f64) -> Option<f64> {
        self.yscale
            .frac(v)
            .map(|f| self.bottom - f * (self.bottom - self.top))
    }

    /// An interval's end along y, clipped to the plot.
    pub(super) fn py_clip(&self, v: f64) -> f64 {
        let f = self.yscale.frac(v).unwrap_or(0.0).clamp(0.0, 1.0);
        self.bottom - f * (self.bottom - self.top)
    }

    /// An interval's end along x, clipped to the plot.
    pub(super) fn px_clip(&self, v: f64) -> f64 {
        let f = self.xscale.frac(v).unwrap_or(0.0).clamp(0.0, 1.0);
        self.left + PAD + f * (self.right - self.left - 2.0 * PAD)
    }
}

fn log_note(scale: &Scale) -> &'static str {
    if scale.is_log() { " (log scale)" } else { "" }
}

/// The y axis, spanning the estimates and their intervals (an unbounded
/// prediction interval runs off the top).
fn y_axis(c: &Chart) -> (Scale, usize) {
    let points = || c.series.iter().flat_map(|s| &s.points);
    let ys: Vec<f64> = points()
        .filter_map(|p| p.y)
        .filter(|v| v.is_finite())
        .collect();
    let extent: Vec<f64> = points()
        .flat_map(|p| [p.lo, p.hi, p.pi95.map(|p| p.0), p.pi95.map(|p| p.1)])
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    auto_scale(&ys, &extent, false)
}

/// The x axis: its scale, the values it cannot show, and its ticks.
fn x_axis(c: &Chart) -> (Scale, usize, Vec<(f64, String)>) {
    match &c.x {
        XKind::Numeric | XKind::Data => {
            let points = || c.series.iter().flat_map(|s| &s.points);
            let xs: Vec<f64> = points().map(|p| p.x).collect();
            let extent: Vec<f64> = points()
                .flat_map(|p| [p.x_lo, p.x_hi])
                .flatten()
                .filter(|v| v.is_finite())
                .collect();
            let tight = matches!(c.x, XKind::Numeric);
            let (s, hidden) = auto_scale(&xs, &extent, tight);
            (s, hidden, s.ticks())
        }
        XKind::Categories(labels) => {
            // Half a category's width either side, so that points of
            // several series fit side by side.
            let n = labels.len() as f64;
            let s = Scale::Linear {
                min: -0.5,
                max: n - 0.5,
                step: 1.0,
            };
            let t = labels
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, l)| (i as f64, l))
                .collect();
            (s, 0, t)
        }
    }
}

/// Tick labels as lines: a category's wrapped to its share of the width.
fn tick_lines(ticks: Vec<(f64, String)>, x: &XKind, plot_w: f64) -> Vec<(f64, Vec<String>)> {
    let each = match x {
        XKind::Categories(l) => (plot_w - 2.0 * PAD) / l.len().max(1) as f64 - 6.0,
        _ => f64::INFINITY,
    };
    ticks
        .into_iter()
        .map(|(v, l)| (v, wrap(&l, 12.0, false, each.max(40.0))))
        .collect()
}

/// Footnotes (the chart's, lines that coincide on the plot, what the log
/// scales cannot show), then the
/// caption, wrapped.
fn footer(
    c: &Chart,
    coincide: Option<String>,
    (x_hidden, y_hidden): (usize, usize),
    full: f64,
    font: f64,
) -> Vec<(&'static str, String)> {
    let mut notes = c.notes.clone();
    notes.extend(coincide);
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if y_hidden > 0 {
        notes.push(format!(
            "{y_hidden} value{} ≤ 0 not shown on the log scale.",
            plural(y_hidden)
        ));
    }
    if x_hidden > 0 {
        notes.push(format!(
            "{x_hidden} point{} at x ≤ 0 not shown on the log scale.",
            plural(x_hidden)
        ));
    }
    let mut lines: Vec<(&'static str, String)> = Vec::new();
    for n in &notes {
        lines.extend(
            wrap(n, font, false, full)
                .into_iter()
                .map(|l| ("footnote", l)),
        );
    }
    lines.extend(
        wrap(&c.caption, font, false, full)
            .into_iter()
            .map(|l| ("caption", l)),
    );
    lines
}

/// A narrow chart's legend, below the axis label: its title, then every
/// series' marker and label, wrapped to the picture's width, as
/// `(class, x, y, text)` lines, and the height they take.
pub(super) fn legend_lines(c: &Chart, plot: &Plot) -> (Vec<(&'static str, f64, f64, String)>, f64) {
    let (lx, full) = (MARGIN, plot.width - 2.0 * MARGIN);
    let mut y = plot.legend_top;
    let mut lines = Vec::new();
    if let Some(t) = &c.legend_title {
        for l in wrap(t, 12.0, true, full) {
            lines.push(("legend-title", lx, y, l));
            y += 15.0;
        }
        y += 4.0;
    }
    for series in &c.series {
        for (i, l) in wrap(&series.label, 12.0, false, full - 30.0)
            .into_iter()
            .enumerate()
        {
            let class = if i == 0 {
                "legend-entry"
            } else {
                "legend-more"
            };
            lines.push((class, lx + 30.0, y, l));
            y += 15.0;
        }
        y += 4.0;
    }
    (lines, y - plot.legend_top)
}
