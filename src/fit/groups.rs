//! Who the records' false alerts fell on: the demographic groups a records
//! file names (`[groups]`), the passers' mix at each record, a list's mix
//! where it is known, and the counts each record gives by group.

use super::records::{AmountSection, Span, span};
use crate::error::{KeyPath, ValidationError};
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[groups]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupsSection {
    reference: String,
    passers: BTreeMap<String, f64>,
    source: String,
}

/// One cell of a record's counts by group, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CellSection {
    groups: Vec<String>,
    count: u64,
    threshold: Option<f64>,
}

/// The groups of a records file: their labels (the reference first) and
/// the default share of each among passers.
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    /// Labels, the reference group's first.
    pub labels: Vec<String>,
    /// Default share of each among passers, in label order.
    pub passers: Vec<f64>,
    /// Where those shares come from.
    pub source: Option<String>,
}

/// A record's counts by group: cells of labels that partition them, each
/// with its count, at one of the record's thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCounts {
    /// The threshold (index into the record's) they were counted at.
    pub threshold_index: usize,
    /// Each cell's labels (indices) and count.
    pub cells: Vec<(Vec<usize>, u64)>,
}

impl Groups {
    /// One group, everyone: no group effects to fit.
    pub fn everyone() -> Groups {
        Groups {
            labels: vec!["everyone".into()],
            passers: vec![1.0],
            source: None,
        }
    }

    /// `[groups]`, checked: shares that sum to 1, the reference among them.
    pub(super) fn build(
        section: Option<&GroupsSection>,
        path: &KeyPath,
    ) -> Result<Groups, ValidationError> {
        let Some(section) = section else {
            return Ok(Groups::everyone());
        };
        if !section.passers.contains_key(&section.reference) {
            return Err(ValidationError::new(
                path.key("reference"),
                format!(
                    "expected one of the groups in passers, got \"{}\"",
                    section.reference
                ),
            ));
        }
        let mut labels = vec![section.reference.clone()];
        labels.extend(
            section
                .passers
                .keys()
                .filter(|k| **k != section.reference)
                .cloned(),
        );
        let groups = Groups {
            passers: vec![0.0; labels.len()],
            labels,
            source: Some(section.source.clone()),
        };
        let passers = groups.passers_of(Some(&section.passers), &path.key("passers"))?;
        Ok(Groups { passers, ..groups })
    }

    /// The index of `label`, or an error at `path` naming the groups.
    fn index(&self, label: &str, path: &KeyPath) -> Result<usize, ValidationError> {
        self.labels.iter().position(|l| l == label).ok_or_else(|| {
            ValidationError::new(
                path.clone(),
                format!(
                    "\"{label}\" is not one of the groups ([groups] passers: {})",
                    self.labels.join(", ")
                ),
            )
        })
    }

    /// Passers' shares in label order: `given` (every label, summing to 1)
    /// or the file's default.
    pub(super) fn passers_of(
        &self,
        given: Option<&BTreeMap<String, f64>>,
        path: &KeyPath,
    ) -> Result<Vec<f64>, ValidationError> {
        let Some(given) = given else {
            return Ok(self.passers.clone());
        };
        let mut shares = vec![f64::NAN; self.labels.len()];
        for (label, &share) in given {
            let i = self.index(label, &path.key(label))?;
            if !(share.is_finite() && (0.0..=1.0).contains(&share)) {
                return Err(ValidationError::new(
                    path.key(label),
                    format!("expected a share in [0, 1], got {share}"),
                ));
            }
            shares[i] = share;
        }
        if let Some(missing) = shares.iter().position(|s| s.is_nan()) {
            return Err(ValidationError::new(
                path.clone(),
                format!(
                    "expected a share for every group; \"{}\" has none",
                    self.labels[missing]
                ),
            ));
        }
        let sum: f64 = shares.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            return Err(ValidationError::new(
                path.clone(),
                format!("expected shares that sum to 1, got {sum}"),
            ));
        }
        Ok(shares)
    }

    /// A list's composition: per label, its share if given (a value or a
    /// range); the labels not given share the rest in proportion to
    /// passers.
    pub(super) fn composition_of(
        &self,
        given: Option<&BTreeMap<String, AmountSection>>,
        path: &KeyPath,
    ) -> Result<Option<Vec<Option<Span>>>, ValidationError> {
        let Some(given) = given else {
            return Ok(None);
        };
        let mut shares = vec![None; self.labels.len()];
        let mut lowest = 0.0;
        for (label, amount) in given {
            let i = self.index(label, &path.key(label))?;
            let share = span(Some(*amount), &path.key(label), 0.0, 1.0)?;
            lowest += share.low;
            shares[i] = Some(share);
        }
        if lowest > 1.0 + 1e-9 || shares.iter().all(Option::is_some) && lowest < 1.0 - 1e-9 {
            return Err(ValidationError::new(
                path.clone(),
                "expected shares of the list that leave room for the groups not given \
                 (and sum to 1 when every group is given)",
            ));
        }
        Ok(Some(shares))
    }

    /// Counts by group, checked: cells that partition the labels, counts
    /// that add up to `total(threshold index)`.
    pub(super) fn counts_of(
        &self,
        cells: &[CellSection],
        thresholds: &[f64],
        total: &dyn Fn(usize) -> u64,
        path: &KeyPath,
    ) -> Result<GroupCounts, ValidationError> {
        let mut covered = vec![false; self.labels.len()];
        let mut out = Vec::with_capacity(cells.len());
        let mut threshold_index = None;
        for (c, cell) in cells.iter().enumerate() {
            let at = path.index(c);
            let j = match (cell.threshold, thresholds.len()) {
                (None, 1) => 0,
                (None, _) => {
                    return Err(ValidationError::new(
                        at.key("threshold"),
                        "expected the threshold these counts are at",
                    ));
                }
                (Some(t), _) => thresholds.iter().position(|&x| x == t).ok_or_else(|| {
                    ValidationError::new(
                        at.key("threshold"),
                        format!("expected one of the record's thresholds {thresholds:?}"),
                    )
                })?,
            };
            if threshold_index.is_some_and(|other| other != j) {
                return Err(ValidationError::new(
                    at.key("threshold"),
                    "expected every cell at the same threshold",
                ));
            }
            threshold_index = Some(j);
            let mut labels = Vec::with_capacity(cell.groups.len());
            for (k, label) in cell.groups.iter().enumerate() {
                let i = self.index(label, &at.key("groups").index(k))?;
                if covered[i] {
                    return Err(ValidationError::new(
                        at.key("groups").index(k),
                        format!("\"{label}\" is in two cells: the cells must not overlap"),
                    ));
                }
                covered[i] = true;
                labels.push(i);
            }
            out.push((labels, cell.count));
        }
        let j = threshold_index
            .ok_or_else(|| ValidationError::new(path.clone(), "expected at least one cell"))?;
        if let Some(missing) = covered.iter().position(|c| !c) {
            return Err(ValidationError::new(
                path.clone(),
                format!(
                    "expected cells that cover every group; \"{}\" is in none",
                    self.labels[missing]
                ),
            ));
        }
        let sum: u64 = out.iter().map(|(_, k)| k).sum();
        if sum != total(j) {
            return Err(ValidationError::new(
                path.clone(),
                format!(
                    "expected counts that add up to the record's {}, got {sum}",
                    total(j)
                ),
            ));
        }
        Ok(GroupCounts {
            threshold_index: j,
            cells: out,
        })
    }
}
