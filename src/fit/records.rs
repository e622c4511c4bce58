//! Published records as data: the file `survsim fit` reads, parsed and
//! validated into [`Record`]s, each with its inputs, its outcomes and its
//! source (`records/records.toml` holds the bundled ones).

use super::groups::{CellSection, GroupCounts, Groups, GroupsSection};
use super::span::{AmountSection, Span, span};
use crate::error::{InputError, KeyPath, ValidationError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The bundled records, with their citations.
pub const BUNDLED_RECORDS: &str = include_str!("../../records/records.toml");

/// The name the bundled records are reported by.
pub const BUNDLED_RECORDS_NAME: &str = "<bundled records>";

/// What kind of figure a record publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Non-mated searches of a reference set, counted at several thresholds.
    LabFalsePositives,
    /// Mated recognition opportunities at one threshold.
    LabTruePositives,
    /// Faces scanned in the field, with their alerts.
    Deployment,
}

/// A record as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordSection {
    id: String,
    kind: Kind,
    matcher: String,
    source: String,
    #[serde(default = "yes")]
    fit: bool,
    reason: Option<String>,
    reference_set: Option<u64>,
    searches: Option<AmountSection>,
    thresholds: Option<Vec<f64>>,
    false_positives: Option<Vec<u64>>,
    threshold: Option<f64>,
    opportunities: Option<u64>,
    true_positives: Option<u64>,
    deployments: Option<u64>,
    faces: Option<u64>,
    watchlist: Option<AmountSection>,
    alerts: Option<u64>,
    false_alerts: Option<u64>,
    arrests: Option<u64>,
    #[serde(default = "yes")]
    fit_false_alerts: bool,
    tpir: Option<AmountSection>,
    passers: Option<BTreeMap<String, f64>>,
    false_positive_groups: Option<Vec<CellSection>>,
    false_alert_groups: Option<Vec<CellSection>>,
    list_composition: Option<BTreeMap<String, AmountSection>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordsFile {
    groups: Option<GroupsSection>,
    records: Vec<RecordSection>,
}

/// What a fitted record counted, and under which inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// `counts[j]` false positives at `thresholds[j]` (ascending), among
    /// the same `searches` non-mated searches of a `reference_set`.
    LabFalsePositives {
        /// Images searched against.
        reference_set: u64,
        /// Non-mated searches.
        searches: Span,
        /// Thresholds, ascending.
        thresholds: Vec<f64>,
        /// False positives at each.
        counts: Vec<u64>,
        /// Passers' shares by group, in label order.
        passers: Vec<f64>,
        /// False positives by group, if published (the reference set is
        /// taken to be balanced across the groups).
        groups: Option<GroupCounts>,
    },
    /// `successes` of `opportunities` mated passes alerted correctly.
    LabTruePositives {
        /// Threshold.
        threshold: f64,
        /// Mated recognition opportunities.
        opportunities: u64,
        /// Correct alerts among them.
        successes: u64,
    },
    /// Faces scanned in the field and what they raised.
    Deployment {
        /// Faces scanned.
        faces: u64,
        /// Threshold (needed when its false alerts or detection are fitted).
        threshold: Option<f64>,
        /// Watchlist size.
        watchlist: Span,
        /// False alerts, if fitted.
        false_alerts: Option<u64>,
        /// True alerts (alerts − false alerts), if published.
        true_alerts: Option<u64>,
        /// The detection rate per walk past, when the matcher is not the
        /// one fitted.
        tpir: Option<Span>,
        /// Passers' shares by group, in label order.
        passers: Vec<f64>,
        /// The list's shares by group where known (`None` for the groups
        /// that share the rest in proportion to passers); `None`: the list
        /// is like the passers.
        composition: Option<Vec<Option<Span>>>,
        /// False alerts by group, if published.
        groups: Option<GroupCounts>,
    },
}

/// One published record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Short name, unique in its file.
    pub id: String,
    /// The matcher it measured.
    pub matcher: String,
    /// Its citation.
    pub source: String,
    /// What it counted, or `None` with the reason it is not fitted.
    pub evidence: Result<Evidence, String>,
}

/// The records of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Records {
    /// Where they came from.
    pub name: String,
    /// Each record, in file order.
    pub records: Vec<Record>,
    /// The groups the records count by.
    pub groups: Groups,
}

impl Records {
    /// The bundled records.
    pub fn bundled() -> Records {
        Records::parse(BUNDLED_RECORDS_NAME, BUNDLED_RECORDS)
            .expect("the bundled records are valid (a test checks them)")
    }

    /// The same records without their counts by group: a fit of the
    /// matcher's tail and the prevalence alone.
    pub fn without_groups(&self) -> Records {
        let mut records = self.clone();
        for record in &mut records.records {
            match &mut record.evidence {
                Ok(Evidence::LabFalsePositives { groups, .. })
                | Ok(Evidence::Deployment { groups, .. }) => *groups = None,
                _ => {}
            }
        }
        records
    }

    /// Parses and validates a records file; errors name the file, the key
    /// and its line and column.
    pub fn parse(name: &str, text: &str) -> Result<Records, InputError> {
        let at = |path: KeyPath, message: String| InputError {
            source_name: name.to_string(),
            line_col: crate::spec::find_in_text(text, &path),
            key_path: Some(path.to_string()),
            message,
        };
        let value: toml::Value = toml::from_str(text).map_err(|error| InputError {
            source_name: name.to_string(),
            key_path: None,
            line_col: error
                .span()
                .map(|span| crate::spec::line_col_in_text(text, span.start)),
            message: format!("invalid TOML: {}", error.message().trim()),
        })?;
        let file: RecordsFile = serde_path_to_error::deserialize(value).map_err(|error| {
            let path = KeyPath(
                error
                    .path()
                    .iter()
                    .filter_map(|segment| match segment {
                        serde_path_to_error::Segment::Seq { index } => {
                            Some(crate::error::PathSegment::Index(*index))
                        }
                        serde_path_to_error::Segment::Map { key } => {
                            Some(crate::error::PathSegment::Key(key.clone()))
                        }
                        _ => None,
                    })
                    .collect(),
            );
            at(path, error.inner().message().trim().to_string())
        })?;
        let groups = Groups::build(file.groups.as_ref(), &KeyPath::keys(&["groups"]))
            .map_err(|e| at(e.path, e.message))?;
        let mut records = Vec::with_capacity(file.records.len());
        for (i, section) in file.records.iter().enumerate() {
            let path = KeyPath::keys(&["records"]).index(i);
            if records.iter().any(|r: &Record| r.id == section.id) {
                return Err(at(
                    path.key("id"),
                    format!("expected a unique id; \"{}\" is used twice", section.id),
                ));
            }
            let record =
                Record::build(section, &groups, &path).map_err(|e| at(e.path, e.message))?;
            records.push(record);
        }
        if records.is_empty() {
            return Err(InputError::whole(
                name,
                "expected at least one [[records]] table",
            ));
        }
        Ok(Records {
            name: name.to_string(),
            records,
            groups,
        })
    }
}

impl Record {
    fn build(
        section: &RecordSection,
        groups: &Groups,
        path: &KeyPath,
    ) -> Result<Record, ValidationError> {
        let evidence = if section.fit {
            Ok(evidence(section, groups, path)?)
        } else {
            Err(section.reason.clone().ok_or_else(|| {
                ValidationError::new(
                    path.key("reason"),
                    "a record with fit = false must say why, in reason",
                )
            })?)
        };
        Ok(Record {
            id: section.id.clone(),
            matcher: section.matcher.clone(),
            source: section.source.clone(),
            evidence,
        })
    }
}

/// What `section` counted, checked.
fn evidence(
    section: &RecordSection,
    groups: &Groups,
    path: &KeyPath,
) -> Result<Evidence, ValidationError> {
    let passers = groups.passers_of(section.passers.as_ref(), &path.key("passers"))?;
    match section.kind {
        Kind::LabFalsePositives => lab_false_positives(section, groups, path, passers),
        Kind::LabTruePositives => lab_true_positives(section, path),
        Kind::Deployment => deployment(section, groups, path, passers),
    }
}

/// `value`, which a record of `section`'s kind needs at `key`.
fn need(
    section: &RecordSection,
    path: &KeyPath,
    value: Option<u64>,
    key: &str,
) -> Result<u64, ValidationError> {
    value.ok_or_else(|| {
        ValidationError::new(
            path.key(key),
            format!("a {} record needs {key}", kind_name(section.kind)),
        )
    })
}

/// A lab's false positives at several thresholds, checked.
fn lab_false_positives(
    section: &RecordSection,
    groups: &Groups,
    path: &KeyPath,
    passers: Vec<f64>,
) -> Result<Evidence, ValidationError> {
    let thresholds = section.thresholds.clone().unwrap_or_default();
    let counts = section.false_positives.clone().unwrap_or_default();
    if thresholds.is_empty() || thresholds.len() != counts.len() {
        return Err(ValidationError::new(
            path.key("false_positives"),
            "expected as many false_positives as thresholds (at least one)",
        ));
    }
    for (j, pair) in thresholds.windows(2).enumerate() {
        if pair[0] >= pair[1] || pair[1].is_nan() {
            return Err(ValidationError::new(
                path.key("thresholds").index(j + 1),
                "expected thresholds in ascending order",
            ));
        }
    }
    check_thresholds(&thresholds, &path.key("thresholds"))?;
    for (j, pair) in counts.windows(2).enumerate() {
        if pair[1] > pair[0] {
            return Err(ValidationError::new(
                path.key("false_positives").index(j + 1),
                "expected no more false positives at a higher threshold: they are \
                 counted on the same searches",
            ));
        }
    }
    let reference_set = need(section, path, section.reference_set, "reference_set")?;
    let searches = span(section.searches, &path.key("searches"), 1.0, f64::MAX)?;
    if reference_set == 0 {
        return Err(ValidationError::new(
            path.key("reference_set"),
            "expected at least one image",
        ));
    }
    if counts[0] as f64 > searches.high {
        return Err(ValidationError::new(
            path.key("false_positives").index(0),
            "expected at most one false positive per search",
        ));
    }
    let by_group = section
        .false_positive_groups
        .as_ref()
        .map(|cells| {
            let total = |j: usize| counts[j];
            groups.counts_of(
                cells,
                &thresholds,
                &total,
                &path.key("false_positive_groups"),
            )
        })
        .transpose()?;
    Ok(Evidence::LabFalsePositives {
        reference_set,
        searches,
        thresholds,
        counts,
        passers,
        groups: by_group,
    })
}

/// A lab's true positives at one threshold, checked.
fn lab_true_positives(
    section: &RecordSection,
    path: &KeyPath,
) -> Result<Evidence, ValidationError> {
    let threshold = section.threshold.ok_or_else(|| {
        ValidationError::new(
            path.key("threshold"),
            "a lab_true_positives record needs threshold",
        )
    })?;
    check_thresholds(&[threshold], &path.key("threshold"))?;
    let opportunities = need(section, path, section.opportunities, "opportunities")?;
    let successes = need(section, path, section.true_positives, "true_positives")?;
    if successes > opportunities || opportunities == 0 {
        return Err(ValidationError::new(
            path.key("true_positives"),
            format!(
                "expected at most the opportunities ({opportunities}), and at least one opportunity"
            ),
        ));
    }
    Ok(Evidence::LabTruePositives {
        threshold,
        opportunities,
        successes,
    })
}

/// A deployment's alerts, checked.
fn deployment(
    section: &RecordSection,
    groups: &Groups,
    path: &KeyPath,
    passers: Vec<f64>,
) -> Result<Evidence, ValidationError> {
    let faces = need(section, path, section.faces, "faces")?;
    if faces == 0 {
        return Err(ValidationError::new(
            path.key("faces"),
            "expected at least one face",
        ));
    }
    let watchlist = span(section.watchlist, &path.key("watchlist"), 1.0, 1e9)?;
    let false_alerts = section.false_alerts.filter(|_| section.fit_false_alerts);
    let true_alerts = match (section.alerts, section.false_alerts) {
        (Some(alerts), Some(false_alerts)) if false_alerts <= alerts => Some(alerts - false_alerts),
        (Some(_), Some(_)) => {
            return Err(ValidationError::new(
                path.key("false_alerts"),
                "expected at most the alerts",
            ));
        }
        _ => None,
    };
    let tpir = section
        .tpir
        .map(|t| span(Some(t), &path.key("tpir"), 0.0, 1.0))
        .transpose()?;
    if let Some(t) = section.threshold {
        check_thresholds(&[t], &path.key("threshold"))?;
    }
    if (false_alerts.is_some() || (true_alerts.is_some() && tpir.is_none()))
        && section.threshold.is_none()
    {
        return Err(ValidationError::new(
            path.key("threshold"),
            "a deployment whose false alerts or detection are fitted needs its threshold \
             (or fit_false_alerts = false and a tpir range)",
        ));
    }
    if false_alerts.is_none() && true_alerts.is_none() {
        return Err(ValidationError::new(
            path.key("alerts"),
            "a fitted deployment needs alerts and false_alerts (or fit = false, with a reason)",
        ));
    }
    let _ = (section.deployments, section.arrests);
    let by_group = match (&section.false_alert_groups, false_alerts) {
        (Some(cells), Some(total)) => {
            let thresholds = [section.threshold.unwrap_or(f64::NAN)];
            let total = |_: usize| total;
            Some(groups.counts_of(cells, &thresholds, &total, &path.key("false_alert_groups"))?)
        }
        (Some(_), None) => {
            return Err(ValidationError::new(
                path.key("false_alert_groups"),
                "false alerts by group need the record's false alerts, fitted",
            ));
        }
        (None, _) => None,
    };
    let composition = groups.composition_of(
        section.list_composition.as_ref(),
        &path.key("list_composition"),
    )?;
    Ok(Evidence::Deployment {
        faces,
        threshold: section.threshold,
        watchlist,
        false_alerts,
        true_alerts,
        tpir,
        passers,
        composition,
        groups: by_group,
    })
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::LabFalsePositives => "lab_false_positives",
        Kind::LabTruePositives => "lab_true_positives",
        Kind::Deployment => "deployment",
    }
}

/// Thresholds on the fitted score scale, [0, 1].
fn check_thresholds(thresholds: &[f64], path: &KeyPath) -> Result<(), ValidationError> {
    match thresholds
        .iter()
        .position(|t| !(t.is_finite() && (0.0..=1.0).contains(t)))
    {
        Some(j) if thresholds.len() > 1 => Err(ValidationError::new(
            path.index(j),
            "expected a threshold on the score scale [0, 1]",
        )),
        Some(_) => Err(ValidationError::new(
            path.clone(),
            "expected a threshold on the score scale [0, 1]",
        )),
        None => Ok(()),
    }
}
