//! `[[deployments]]`: when and where the cameras run, deployment by
//! deployment, each with its own watchlist, threshold and crew if it says
//! so — and the same schedule read from a CSV file (`deployments_file`),
//! since deployment records are published as tables.
//!
//! A CSV schedule has one row per deployment and one column per key, the
//! header naming the key as it would be written under `[[deployments]]`
//! (`day`, `start`, `sites`, `watchlist.size`, `matcher.threshold`, …).
//! Each row becomes the table that entry would be, so the file and the CSV
//! are read, checked and reported by the same code, and an error in a row
//! names the CSV file, its line and its column.

use crate::error::{InputError, KeyPath, PathSegment};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// `[[deployments]]`: one deployment of the cameras.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSection {
    /// Name in reports (default `"deployment N"`, from 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Day of the run it starts on, from 0. Exactly one of this and `date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u32>,
    /// Date it starts on, `"YYYY-MM-DD"`; needs `simulation.start_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Clock time the cameras start, `"HH:MM"`.
    pub start: String,
    /// Clock time they stop, `"HH:MM"`; before `start`, the next day.
    pub end: String,
    /// The sites whose cameras run (names from `[[sites]]`).
    pub sites: Vec<String>,
    /// Faces captured over the deployment, over all its sites, instead of
    /// the sites' own footfall: the figure deployment records publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faces: Option<f64>,
    /// This deployment's watchlist, if not the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<DeploymentWatchlist>,
    /// This deployment's threshold, if not the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<DeploymentMatcher>,
    /// Several watchlists searched at this deployment, each with its own
    /// size, threshold and wanted people (instead of `watchlist` and
    /// `matcher`): an alert counts once per face, with the first list, in
    /// this order, that raised it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlists: Option<Vec<ListSection>>,
    /// This deployment's operators, if not the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<DeploymentReview>,
    /// This deployment's officers, if not the scenario's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervention: Option<DeploymentIntervention>,
}

/// `[deployments.watchlist]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentWatchlist {
    /// Entries searched at this deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Wanted people on this deployment's list: at most the scenario's
    /// (the city's wanted people), of whom the list holds the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted_present: Option<u64>,
    /// Instead: wanted people on the list per resident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted_prevalence: Option<f64>,
}

/// `[[deployments.watchlists]]`: one of several lists at a deployment.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ListSection {
    /// Name in reports, unique within the deployment.
    pub name: String,
    /// Entries searched.
    pub size: u64,
    /// Threshold (default: the deployment's, else the scenario's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Wanted people on this list (default 0): the city's wanted people,
    /// each on at most one of the deployment's lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted_present: Option<u64>,
    /// Instead: wanted people on this list per resident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted_prevalence: Option<f64>,
}

/// `[deployments.matcher]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentMatcher {
    /// The threshold used at this deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

/// `[deployments.review]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentReview {
    /// Operators reviewing this deployment's alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operators: Option<u32>,
}

/// `[deployments.intervention]`
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentIntervention {
    /// Officers acting on this deployment's alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officers: Option<u32>,
}

/// The most deployments a schedule may have, in `[[deployments]]` or rows
/// of a CSV schedule: fifty times the Met's year of 203. Each is a regime
/// of the expectations over every (zone, group) block and a row of every
/// report, and a CSV schedule is refused at the row past it, before its
/// rows are made into tables.
pub const MAX_DEPLOYMENTS: usize = 10_000;

/// Keys whose CSV cells are text; every other cell is a number.
const TEXT_KEYS: &[&str] = &["name", "date", "start", "end"];

/// A CSV schedule read into `[[deployments]]` tables, with where each row
/// and column came from.
#[derive(Debug, Clone)]
pub struct CsvSchedule {
    /// The CSV file's name, as the user gave it.
    pub name: String,
    /// One table per row (until the reader moves them into the scenario's
    /// `deployments`).
    pub rows: Vec<toml::Value>,
    /// Each row's line in the file (1-based).
    pub lines: Vec<usize>,
    /// The header: each column's key path within a deployment.
    pub columns: Vec<KeyPath>,
}

impl CsvSchedule {
    /// Reads `text`, a CSV schedule named `name`: a header of keys, then one
    /// row per deployment. Empty cells leave their key out; `sites` holds
    /// site names separated by `;`.
    pub fn parse(name: &str, text: &str) -> Result<CsvSchedule, InputError> {
        // Spreadsheets often save UTF-8 with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let at = |line: usize, column: usize, message: String| InputError {
            source_name: name.to_string(),
            key_path: None,
            line_col: Some((line, column)),
            message,
        };
        let header = reader
            .headers()
            .map_err(|error| at(1, 1, format!("cannot read the CSV header: {error}")))?
            .clone();
        let columns = header_columns(&header).map_err(|(i, message)| at(1, i + 1, message))?;
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| {
                let line = error.position().map_or(0, |p| p.line() as usize);
                at(line, 1, format!("cannot read the row: {error}"))
            })?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            // Refused here, before a table is made of each row.
            if rows.len() == MAX_DEPLOYMENTS {
                return Err(at(
                    line,
                    1,
                    format!(
                        "expected at most {MAX_DEPLOYMENTS} deployments, one a row; this is \
                         row {} (a longer schedule is several runs)",
                        MAX_DEPLOYMENTS + 1
                    ),
                ));
            }
            let mut row = toml::Table::new();
            for ((i, cell), path) in record.iter().enumerate().zip(&columns) {
                if cell.is_empty() {
                    continue;
                }
                let value = cell_value(path, cell).map_err(|message| at(line, i + 1, message))?;
                insert(&mut row, path, value).map_err(|message| at(line, i + 1, message))?;
            }
            rows.push(toml::Value::Table(row));
            lines.push(line);
        }
        if rows.is_empty() {
            // At the end of the file, where the first row should have been.
            let line = reader.position().line() as usize;
            return Err(at(
                line.max(1),
                1,
                "expected a header line naming the columns, then one row per deployment; \
                 this schedule has no row after its first line"
                    .into(),
            ));
        }
        Ok(CsvSchedule {
            name: name.to_string(),
            rows,
            lines,
            columns,
        })
    }

    /// The line and column of the cell that wrote `path` (a path from the
    /// top of the scenario: `deployments[i].key…`), if a row wrote it; the
    /// row's first column for a key it lacks.
    pub fn cell_of(&self, path: &KeyPath) -> Option<(usize, usize)> {
        let [PathSegment::Key(top), PathSegment::Index(row), rest @ ..] = &path.0[..] else {
            return None;
        };
        if top != "deployments" {
            return None;
        }
        let line = *self.lines.get(*row)?;
        let column = self
            .columns
            .iter()
            .position(|column| rest.starts_with(&column.0) && !column.0.is_empty())
            .map_or(1, |i| i + 1);
        Some((line, column))
    }
}

/// The header's columns as key paths within a deployment, or the index of
/// the first column at fault and what is wrong with it: a column with no
/// key (or an empty one in its path), one given twice, or one under
/// another (`name` and `name.x`), which would make one key both a value
/// and a table.
fn header_columns(header: &csv::StringRecord) -> Result<Vec<KeyPath>, (usize, String)> {
    let mut columns = Vec::with_capacity(header.len());
    // Each column's key, and each table above one (`a` and `a.b` above
    // `a.b.c`), with the first column it came from: looked up, not
    // scanned, so a wide header stays linear.
    let mut keys: HashSet<&str> = HashSet::new();
    let mut tables: HashMap<&str, &str> = HashMap::new();
    for (i, key) in header.iter().enumerate() {
        if key.is_empty() {
            return Err((i, "a column has no key in the header".into()));
        }
        if key.split('.').any(str::is_empty) {
            return Err((i, format!("column \"{key}\" has an empty key in its path")));
        }
        if keys.contains(key) {
            return Err((i, format!("column \"{key}\" is given twice")));
        }
        let both = |value: &str, table: &str| {
            format!(
                "columns \"{value}\" and \"{table}\" make `{value}` both a value and a table \
                 of keys: keep one of them"
            )
        };
        if let Some(under) = tables.get(key) {
            return Err((i, both(key, under)));
        }
        for (dot, _) in key.match_indices('.') {
            if keys.contains(&key[..dot]) {
                return Err((i, both(&key[..dot], key)));
            }
            tables.entry(&key[..dot]).or_insert(key);
        }
        keys.insert(key);
        columns.push(KeyPath(
            key.split('.')
                .map(|part| PathSegment::Key(part.to_string()))
                .collect(),
        ));
    }
    Ok(columns)
}

/// A cell as the TOML value it stands for.
fn cell_value(path: &KeyPath, cell: &str) -> Result<toml::Value, String> {
    let key = path.to_string();
    if key == "sites" {
        return Ok(toml::Value::Array(
            cell.split(';')
                .map(|site| toml::Value::String(site.trim().to_string()))
                .collect(),
        ));
    }
    if TEXT_KEYS.contains(&key.as_str()) {
        return Ok(toml::Value::String(cell.to_string()));
    }
    let plain = cell.replace('_', "");
    if let Ok(whole) = plain.parse::<i64>() {
        return Ok(toml::Value::Integer(whole));
    }
    plain
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite())
        .map(toml::Value::Float)
        .ok_or_else(|| format!("key `{key}`: expected a number, got \"{cell}\""))
}

/// Sets `path` (keys only) in `table` to `value`, making tables on the
/// way. The header's columns are checked to make no key both a value and a
/// table ([`header_columns`]), so the error is a safeguard.
fn insert(table: &mut toml::Table, path: &KeyPath, value: toml::Value) -> Result<(), String> {
    let mut here = table;
    let mut keys = path.0.iter().map(|segment| match segment {
        PathSegment::Key(key) => key.clone(),
        PathSegment::Index(index) => index.to_string(),
    });
    let mut key = keys.next().ok_or("a column has no key")?;
    for next in keys {
        here = here
            .entry(key)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| format!("key `{path}`: a column above it gives a value, not a table"))?;
        key = next;
    }
    here.insert(key, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_tables_and_cells_are_found_again() {
        let text = "day,start,end,sites,faces,watchlist.size,name\n\
                    0,10:00,16:00,a;b,15000,9000,first\n\
                    3,22:00,02:00,b,,,\n";
        let schedule = CsvSchedule::parse("s.csv", text).unwrap();
        assert_eq!(schedule.rows.len(), 2);
        let first = schedule.rows[0].as_table().unwrap();
        assert_eq!(first["sites"].as_array().unwrap().len(), 2);
        assert_eq!(first["watchlist"]["size"].as_integer(), Some(9000));
        assert_eq!(first["name"].as_str(), Some("first"));
        assert!(!schedule.rows[1].as_table().unwrap().contains_key("faces"));
        let path = KeyPath::keys(&["deployments"])
            .index(1)
            .key("watchlist")
            .key("size");
        assert_eq!(schedule.cell_of(&path), Some((3, 6)));
        // A spreadsheet's byte-order mark and CRLF lines.
        let excel = CsvSchedule::parse("s.csv", "\u{feff}day,faces\r\n0,12\r\n").unwrap();
        assert_eq!(excel.rows[0]["day"].as_integer(), Some(0));
        assert_eq!(excel.rows[0]["faces"].as_integer(), Some(12));
        let bad = CsvSchedule::parse("s.csv", "day,faces\n0,lots\n").unwrap_err();
        assert_eq!(bad.line_col, Some((2, 2)));
        assert!(bad.message.contains("faces"), "{}", bad.message);
    }

    #[test]
    fn no_key_is_both_a_value_and_a_table_and_a_schedule_has_rows() {
        for (header, column) in [
            ("name,name.x", 2),
            ("name.x,name", 2),
            ("day,watchlist.size,a.b.c,watchlist", 4),
            ("a.b.c,a.b", 2),
            ("a..b", 1),
            ("day,day", 2),
        ] {
            let text = format!("{header}\n1,2,3,4\n");
            let err = CsvSchedule::parse("s.csv", &text).unwrap_err();
            assert_eq!(err.line_col, Some((1, column)), "{header}: {}", err.message);
        }
        // Tables side by side are fine.
        let text = "watchlist.size,watchlist.wanted_present,day\n10,2,0\n";
        let schedule = CsvSchedule::parse("s.csv", text).unwrap();
        assert_eq!(
            schedule.rows[0]["watchlist"]["wanted_present"].as_integer(),
            Some(2)
        );
        for (text, line) in [("day,start\n", 2), ("0,10:00", 1), ("", 1)] {
            let err = CsvSchedule::parse("s.csv", text).unwrap_err();
            assert!(err.message.contains("no row"), "{text:?}: {}", err.message);
            assert_eq!(err.line_col, Some((line, 1)), "{text:?}");
        }
    }
}
