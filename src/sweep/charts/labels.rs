//! What a chart calls a scenario key, a metric and a value: a label map from
//! key paths to words with their units (`matcher.threshold` → "Matcher
//! threshold", `watchlist.size` → "Watchlist size (entries)"), a readable
//! fallback for keys the map does not name, and values as a reader writes
//! them (`10000` → `10,000`).

use crate::format::{fmt_num, human_duration};
use crate::sweep::{Axis, Headline};

/// Words for the keys most often varied, by path with list indices removed
/// (`sites[2].cameras` → `sites[].cameras`): the label, then its unit (empty
/// when the label says it, or there is none).
const KEYS: &[(&str, &str, &str)] = &[
    ("simulation.duration", "Duration", ""),
    ("simulation.seed", "Seed", ""),
    ("simulation.mode", "Mode", ""),
    ("population.residents", "Residents", ""),
    ("population.lookalike_spread", "Lookalike spread", "σ"),
    ("population.groups[].share", "Group share", ""),
    ("population.groups[].activity", "Group activity", "relative"),
    (
        "population.groups[].fmr_multiplier",
        "False-match multiplier",
        "",
    ),
    (
        "population.groups[].fnmr_multiplier",
        "False-non-match multiplier",
        "",
    ),
    (
        "population.groups[].avoidance",
        "Share avoiding cameras",
        "",
    ),
    ("sites[].cameras", "Cameras", ""),
    ("sites[].footfall_per_hour", "Footfall", "people per hour"),
    ("sites[].faces", "Faces captured", "per run"),
    ("sites[].capture_share", "Capture share", ""),
    ("watchlist.size", "Watchlist size", "entries"),
    ("watchlist.wanted_present", "Wanted people present", ""),
    (
        "watchlist.wanted_prevalence",
        "Wanted people",
        "per resident",
    ),
    ("matcher.threshold", "Matcher threshold", "score"),
    ("matcher.profile", "Matcher profile", ""),
    ("matcher.rates_per", "Matcher rates per", ""),
    ("review.operators", "Operators", ""),
    ("review.review_time", "Review time", ""),
    (
        "review.p_confirm_true",
        "Operator confirms a true alert",
        "probability",
    ),
    (
        "review.p_confirm_false",
        "Operator confirms a false alert",
        "probability",
    ),
    ("intervention.officers", "Officers", ""),
    ("intervention.window", "Time to find a flagged person", ""),
    ("intervention.approach_time", "Approach time", ""),
    ("intervention.stop_duration", "Stop duration", ""),
    (
        "intervention.p_arrest_correct",
        "Arrest after a correct stop",
        "probability",
    ),
    (
        "intervention.p_arrest_wrongful",
        "Arrest after a wrongful stop",
        "probability",
    ),
    (
        "pipeline.detection_faces_per_s",
        "Detection speed",
        "faces/s per camera",
    ),
    ("pipeline.pools[].servers", "Matching servers", ""),
    (
        "pipeline.pools[].faces_per_s",
        "Matching speed",
        "faces/s per server",
    ),
    ("pipeline.pools[].queue_capacity", "Queue capacity", "faces"),
];

/// `sites[2].cameras` → (`sites[].cameras`, `[2]`): the path without list
/// indices, and the indices removed, for saying which list entry is meant.
fn without_indices(key: &str) -> (String, String) {
    let (mut path, mut indices) = (String::new(), String::new());
    let mut inside = false;
    for c in key.chars() {
        match c {
            '[' => {
                inside = true;
                path.push(c);
                indices.push(c);
            }
            ']' => {
                inside = false;
                path.push(c);
                indices.push(c);
            }
            _ if inside => indices.push(c),
            _ => path.push(c),
        }
    }
    (path, indices)
}

/// A key's label with its unit: the map's words, or the last part of the
/// path in words (`extrapolation_margin` → "Extrapolation margin"); a key
/// into a list names the entry (`Cameras, sites[2]`).
pub(super) fn key_label(key: &str) -> String {
    let (label, unit) = key_words(key);
    if unit.is_empty() {
        label
    } else {
        format!("{label} ({unit})")
    }
}

/// A key's label and unit (empty when there is none), as [`key_label`].
fn key_words(key: &str) -> (String, String) {
    let (path, indices) = without_indices(key);
    let (mut label, unit) = KEYS.iter().find(|(k, _, _)| *k == path).map_or_else(
        || (fallback(&path), String::new()),
        |(_, l, u)| (l.to_string(), u.to_string()),
    );
    let list = key.split('.').find(|part| part.contains('['));
    if let (false, Some(list)) = (indices.is_empty(), list) {
        label = format!("{label}, {list}");
    }
    (label, unit)
}

/// The last part of a path in words: `extrapolation_margin` →
/// "Extrapolation margin", `per_s` → "per s".
fn fallback(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    capitalise(&last.replace("[]", "").replace('_', " "))
}

/// An axis' label: its key's, or for keys varied together the first key's
/// followed by the others' (`Watchlist size (entries) with wanted people
/// present`).
pub(super) fn axis_label(axis: &Axis) -> String {
    joined(axis, key_label)
}

/// An axis' label without units, for a title.
pub(super) fn axis_name(axis: &Axis) -> String {
    joined(axis, |k| key_words(k).0)
}

fn joined(axis: &Axis, label: impl Fn(&str) -> String) -> String {
    let mut keys = axis.keys.iter().map(|k| label(k));
    let first = keys.next().unwrap_or_default();
    let rest: Vec<String> = keys.map(|l| lower_first(&l)).collect();
    if rest.is_empty() {
        first
    } else {
        format!("{first} with {}", rest.join(" and "))
    }
}

/// The `i`-th value of an axis as a reader writes it; keys varied together
/// are joined by `; ` (a comma could be a thousands separator).
pub(super) fn axis_value(axis: &Axis, i: usize) -> String {
    axis.values[i]
        .iter()
        .map(|v| value(v))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A value as a reader writes it: whole numbers with thousands separators
/// (`10000` → `10,000`), anything else as given
/// (`0.60` keeps its decimals, a profile's name its spelling).
pub(super) fn value(raw: &str) -> String {
    let digits = raw.trim_start_matches('-');
    let whole = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    match raw.replace('_', "").parse::<f64>() {
        Ok(v) if whole => fmt_num(v, 0),
        _ => raw.to_string(),
    }
}

/// How a per-replication count is measured: `per day` when every point
/// simulates one day, `per replication (12h)` for another common length,
/// `per replication` when the points' lengths differ.
pub(super) fn period(durations_s: &[f64]) -> String {
    let d = durations_s.first().copied().unwrap_or(0.0);
    if durations_s.iter().any(|&x| x != d) {
        "per replication".into()
    } else if d == crate::model::DAY_S {
        "per day".into()
    } else {
        format!("per replication ({})", human_duration(d))
    }
}

/// A metric's axis label, with its unit: counts `per day` (or per
/// replication, see [`period`]), latency in ms, ratios as what they divide.
pub(super) fn metric_label(h: Headline, period: &str) -> String {
    let words = match h {
        Headline::FalseAlerts => "False alerts",
        Headline::TrueAlerts => "True alerts",
        Headline::WrongfulStops => "Wrongful stops",
        Headline::FalseArrests => "False arrests",
        Headline::FacesCaptured => "Faces captured",
        Headline::Stops => "Stops",
        Headline::Arrests => "Arrests",
        Headline::LostInCrowd => "Alerts lost in the crowd",
        Headline::WantedMissed => "Wanted people missed",
        Headline::Trackable => "Residents captured at ≥ 3 sites",
        Headline::RepeatFalseAlerts => "Residents with ≥ 2 false alerts",
        Headline::FacesPerTrueAlert => return "Faces scanned per true alert".into(),
        Headline::AlertPrecision => return "Alert precision (true ÷ all alerts)".into(),
        Headline::FalseAlertDisparity => {
            return "Highest group's false-alert rate ÷ the reference group's".into();
        }
        Headline::P99DecisionLatency => return "p99 capture → decision latency (ms)".into(),
        Headline::DropRate => return "Faces dropped ÷ faces captured".into(),
    };
    format!("{words} {period}")
}

/// The first letter in upper case.
pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The first letter in lower case, unless the word is an acronym (`FMR`).
pub(super) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if b.is_uppercase() => format!("{a}{b}{}", c.as_str()),
        (Some(a), _) => a.to_lowercase().chain(s.chars().skip(1)).collect(),
        (None, _) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_words_with_units() {
        assert_eq!(key_label("matcher.threshold"), "Matcher threshold (score)");
        assert_eq!(key_label("watchlist.size"), "Watchlist size (entries)");
        assert_eq!(key_label("sites[2].cameras"), "Cameras, sites[2]");
        assert_eq!(
            key_label("pipeline.pools[0].faces_per_s"),
            "Matching speed, pools[0] (faces/s per server)"
        );
        assert_eq!(
            key_label("matcher.extrapolation_margin"),
            "Extrapolation margin"
        );
    }

    #[test]
    fn values_read_as_a_person_writes_them() {
        assert_eq!(value("10000"), "10,000");
        assert_eq!(value("100_000"), "100,000");
        assert_eq!(value("1000"), "1,000");
        assert_eq!(value("12"), "12");
        assert_eq!(value("0.60"), "0.60");
        assert_eq!(value("neoface-v4-npl2023"), "neoface-v4-npl2023");
        assert_eq!(period(&[86_400.0, 86_400.0]), "per day");
        assert_eq!(period(&[43_200.0]), "per replication (12h)");
        assert_eq!(period(&[43_200.0, 86_400.0]), "per replication");
    }
}
