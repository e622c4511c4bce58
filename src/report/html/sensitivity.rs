//! What drives the uncertainty: a tornado chart per figure of each
//! uncertain input's Sobol total index ([`Sensitivity`]), computed once by
//! the driver (`run --html`) from the closed forms.

use super::bars::{self, Bar};
use super::page::esc;
use super::svg::{BLUE, RED, Words};
use crate::report::Sensitivity;
use crate::report::sensitivity::SHARE_PREFIX;
use std::fmt::Write as _;

/// Groups whose share of false alerts gets a chart: the largest shares.
const CHART_GROUPS: usize = 2;

/// The section's body.
pub fn section(s: &Sensitivity) -> String {
    let mut out = format!(
        "<p class=\"lede\">Which unknowns move these figures. For each figure, every \
         uncertain input's <em>total Sobol index</em>: the share of the figure's spread \
         that would remain unexplained if everything but that input were known (with \
         its interactions), longest bar first; the error bars are 95 % intervals of the \
         estimate. Computed from the closed-form expectations on a {}-row design ({} \
         evaluations), so the spread is over what is not known of the inputs; one run's \
         luck adds to it. Arrests follow wanted people alerted while review keeps up, \
         and each group's share of wrongful stops and false arrests follows its share \
         of false alerts while review treats groups alike.</p>\n",
        s.rows,
        crate::format::fmt_num(s.evaluations() as f64, 0)
    );
    let mut shares: Vec<_> = s
        .outputs
        .iter()
        .filter(|o| o.key.starts_with(SHARE_PREFIX))
        .collect();
    shares.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    let shown = s
        .outputs
        .iter()
        .filter(|o| o.key == "false_alerts" || o.key == "wanted_alerted")
        .chain(shares.into_iter().take(CHART_GROUPS));
    for output in shown {
        let Some(indices) = &output.indices else {
            let _ = writeln!(
                out,
                "<p>{}: does not vary with the uncertain inputs.</p>",
                esc(&output.label)
            );
            continue;
        };
        let mut rows: Vec<_> = s.inputs.iter().zip(indices).collect();
        rows.sort_by(|a, b| b.1.total.value.total_cmp(&a.1.total.value));
        let bars: Vec<Bar> = rows
            .iter()
            .map(|(input, i)| Bar {
                label: short_label(&input.key),
                // An index is a share: estimates past 0 or 1 are the
                // design's noise, drawn at the bound (written as estimated).
                value: i.total.value.clamp(0.0, 1.0),
                interval: Some((
                    i.total.ci95.0.clamp(0.0, 1.0),
                    i.total.ci95.1.clamp(0.0, 1.0),
                )),
                color: if output.key.starts_with(SHARE_PREFIX) {
                    RED
                } else {
                    BLUE
                },
                text: format!("{:.2} (alone {:.2})", i.total.value, i.first.value.max(0.0)),
            })
            .collect();
        let title = format!("What drives {}", output.label);
        let desc = rows
            .iter()
            .map(|(input, i)| {
                format!(
                    "{}: total index {:.2}, first-order {:.2}",
                    input.key, i.total.value, i.first.value
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let id = format!("sens-{}", output.key.replace(['.', '_'], "-"));
        let words = Words {
            id: &id,
            title: &title,
            desc: &desc,
            axis: "total Sobol index (share of the spread, with interactions)",
            legend: &[],
        };
        let _ = write!(
            out,
            "<figure>\n{}<figcaption>{}: mean {}, standard deviation {} over the \
             inputs. In brackets, the first-order index: the share the input explains \
             alone.</figcaption></figure>\n",
            bars::bars(&words, &bars, None),
            esc(&output.label),
            crate::format::fmt_num(
                output.mean,
                if output.key.starts_with(SHARE_PREFIX) {
                    3
                } else {
                    1
                }
            ),
            crate::format::fmt_num(
                output.sd,
                if output.key.starts_with(SHARE_PREFIX) {
                    3
                } else {
                    1
                }
            ),
        );
    }
    out
}

/// The most characters of a bar's label that fit beside the chart.
const LABEL_CHARS: usize = 22;

/// A key path as a bar's label: its last parts that fit
/// (`watchlist.composition.black` → `composition.black`); the chart's
/// description has the whole key.
fn short_label(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let mut label = parts.last().copied().unwrap_or(key).to_string();
    for part in parts.iter().rev().skip(1) {
        if label.chars().count() + 1 + part.chars().count() > LABEL_CHARS {
            break;
        }
        label = format!("{part}.{label}");
    }
    label
}

#[cfg(test)]
mod tests {
    use super::short_label;

    #[test]
    fn labels_keep_the_last_parts_that_fit() {
        assert_eq!(
            short_label("watchlist.composition.black"),
            "composition.black"
        );
        assert_eq!(short_label("matcher.posterior"), "matcher.posterior");
        assert_eq!(
            short_label("population.groups[1].fmr_multiplier"),
            "fmr_multiplier"
        );
    }
}
