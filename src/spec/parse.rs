//! Reading a scenario: TOML text and `--set` overrides into a
//! [`ScenarioFile`], and errors placed at the key they are about.

use super::{
    CompanionError, CsvSchedule, Override, ScenarioFile, ScenarioSource, locate, overrides, strict,
};
use crate::error::{InputError, KeyPath, PathSegment, ValidationError, did_you_mean};
use std::cell::OnceCell;

/// A scenario file read from its source with the overrides applied: typed,
/// not yet validated. It keeps what is needed to place a later error about
/// one of its keys ([`Parsed::locate`]).
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The file.
    pub file: ScenarioFile,
    source: &'a ScenarioSource,
    /// Each override's flag and text (`--set key=value`), with the key path it owns (see [`Override::apply`]).
    owned: Vec<(String, KeyPath)>,
    /// The CSV schedule `deployments` was read from, if any.
    schedule: Option<CsvSchedule>,
    /// The text parsed for placing keys, at the first error or warning
    /// placed: thousands of warnings must not parse it thousands of times.
    document: OnceCell<locate::Document<'a>>,
}

impl<'a> Parsed<'a> {
    /// Parses the TOML, applies the overrides in order, and deserializes into
    /// a [`ScenarioFile`]: unknown keys and wrong types are errors that name
    /// the key path.
    pub fn new(source: &'a ScenarioSource, overrides: &'a [Override]) -> Result<Self, InputError> {
        let mut table: toml::Table = toml::from_str(&source.text).map_err(|error| InputError {
            source_name: source.name.clone(),
            key_path: None,
            line_col: error
                .span()
                .map(|span| locate::line_col(&source.text, span.start)),
            message: format!("invalid TOML: {}", error.message().trim()),
        })?;
        let mut owned = Vec::with_capacity(overrides.len());
        for set in overrides {
            let path = set.apply(&mut table).map_err(|mut error| {
                error.source_name = format!("{} (with {})", source.name, error.source_name);
                error
            })?;
            owned.push((set.label(), path));
        }
        let schedule = read_schedule(source, &owned, &mut table)?;
        read_profile_file(source, &owned, &mut table)?;
        let file = serde_path_to_error::deserialize(strict::Strict(toml::Value::Table(table)))
            .map_err(|error| deserialize_error(source, &owned, schedule.as_ref(), error))?;
        Ok(Parsed {
            file,
            source,
            owned,
            schedule,
            document: OnceCell::new(),
        })
    }

    /// An error about a key, as the user should see it: with the source's
    /// name and the key's line and column, or naming the `--set` that wrote
    /// the key.
    pub fn locate(&self, error: ValidationError) -> InputError {
        let document = self
            .document
            .get_or_init(|| locate::Document::new(&self.source.text));
        let schedule = self.schedule.as_ref();
        locate(self.source, &self.owned, schedule, error, Some(document))
    }
}

/// With `deployments_file`, reads the CSV schedule it names into the
/// table's `deployments` (which the file must then leave out).
fn read_schedule(
    source: &ScenarioSource,
    owned: &[(String, KeyPath)],
    table: &mut toml::Table,
) -> Result<Option<CsvSchedule>, InputError> {
    let Some(value) = table.get("deployments_file") else {
        return Ok(None);
    };
    let at = |key: &str, message: &str| {
        locate(
            source,
            owned,
            None,
            ValidationError::new(KeyPath::keys(&[key]), message),
            None,
        )
    };
    let Some(file) = value.as_str() else {
        return Err(at(
            "deployments_file",
            "expected the name of a CSV file, in quotes",
        ));
    };
    if table.contains_key("deployments") {
        return Err(at(
            "deployments_file",
            "give the schedule either as [[deployments]] or as deployments_file, not both",
        ));
    }
    let companion = source.companion(file).map_err(|error| match error {
        CompanionError::NotOffered(why) => at("deployments_file", &why),
        CompanionError::Unreadable(error) => error,
    })?;
    let mut schedule = CsvSchedule::parse(&companion.name, &companion.text)?;
    // Moved, not copied: a schedule's rows are most of its memory.
    table.insert(
        "deployments".to_string(),
        toml::Value::Array(std::mem::take(&mut schedule.rows)),
    );
    Ok(Some(schedule))
}

/// With `matcher.profile_file`, reads the matcher profile it names (one
/// `survsim fit` wrote): its keys become the matcher's, under the
/// scenario's own.
fn read_profile_file(
    source: &ScenarioSource,
    owned: &[(String, KeyPath)],
    table: &mut toml::Table,
) -> Result<(), InputError> {
    let Some(matcher) = table.get_mut("matcher").and_then(|m| m.as_table_mut()) else {
        return Ok(());
    };
    let Some(value) = matcher.get("profile_file") else {
        return Ok(());
    };
    let at = |message: &str| {
        locate(
            source,
            owned,
            None,
            ValidationError::new(KeyPath::keys(&["matcher", "profile_file"]), message),
            None,
        )
    };
    let Some(file) = value.as_str().map(str::to_string) else {
        return Err(at("expected the name of a profile file, in quotes"));
    };
    if matcher.contains_key("profile") {
        return Err(at(
            "give either profile (a bundled profile) or profile_file, not both",
        ));
    }
    let companion = source.companion(&file).map_err(|error| match error {
        CompanionError::NotOffered(why) => at(&why),
        CompanionError::Unreadable(error) => error,
    })?;
    let profile: toml::Table = toml::from_str(&companion.text).map_err(|error| InputError {
        source_name: companion.name.clone(),
        key_path: None,
        line_col: error
            .span()
            .map(|span| locate::line_col(&companion.text, span.start)),
        message: format!(
            "invalid TOML in a matcher profile: {}",
            error.message().trim()
        ),
    })?;
    for (key, value) in profile {
        if key == "profile" || key == "profile_file" {
            return Err(InputError::whole(
                &companion.name,
                "a matcher profile may not name another profile",
            ));
        }
        matcher.entry(key).or_insert(value);
    }
    Ok(())
}

/// A deserialization error at the key it is about, in the user's words.
fn deserialize_error(
    source: &ScenarioSource,
    owned: &[(String, KeyPath)],
    schedule: Option<&CsvSchedule>,
    error: serde_path_to_error::Error<toml::de::Error>,
) -> InputError {
    let mut path = KeyPath(
        error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(PathSegment::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(PathSegment::Key(key.clone())),
                _ => None,
            })
            .collect(),
    );
    let message = error.inner().message().trim().to_string();
    // An unknown key may be reported by its parent; point at the key itself.
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        .map(|key| PathSegment::Key(key.to_string()));
    if let Some(segment) = &unknown
        && path.0.last() != Some(segment)
    {
        path.0.push(segment.clone());
    }
    // A missing key is reported by its parent, which at the top of the
    // file has no name: name the key that is missing.
    if path.0.is_empty()
        && let Some(missing) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
    {
        path.0.push(PathSegment::Key(missing.to_string()));
    }
    let message = humane_serde_message(&message);
    let in_schedule = schedule.is_some_and(|csv| csv.cell_of(&path).is_some());
    let mut located = locate(
        source,
        owned,
        schedule,
        ValidationError::new(path.clone(), message),
        None,
    );
    // An unknown key is at fault itself, not its value: point at the key.
    if unknown.is_some() && located.line_col.is_some() && !in_schedule {
        located.line_col = locate::find_key(&source.text, &path).or(located.line_col);
    }
    located
}

/// Attaches the source name, and line and column where the key is in the text
/// (or names the `--set` that introduced it).
fn locate(
    source: &ScenarioSource,
    owned: &[(String, KeyPath)],
    schedule: Option<&CsvSchedule>,
    error: ValidationError,
    document: Option<&locate::Document>,
) -> InputError {
    let key = error.path.to_string();
    // A deployment read from a CSV schedule: its row and column there.
    if let Some((csv, cell)) = schedule.and_then(|csv| Some((csv, csv.cell_of(&error.path)?))) {
        return InputError {
            source_name: format!("{} (the schedule of {})", csv.name, source.name),
            key_path: Some(key),
            line_col: Some(cell),
            message: error.message,
        };
    }
    if let Some(label) = overrides::blamed(owned, &error.path) {
        return InputError {
            source_name: format!("{} (with {label})", source.name),
            key_path: Some(key),
            line_col: None,
            message: error.message,
        };
    }
    InputError {
        source_name: source.name.clone(),
        line_col: match document {
            Some(document) => document.find(&error.path),
            None => locate::find(&source.text, &error.path),
        },
        key_path: (!error.path.0.is_empty()).then_some(key),
        message: error.message,
    }
}

/// serde's messages in the user's words: keys rather than fields, kinds of
/// number rather than Rust types, and for an unknown key or variant the
/// expected one it most likely meant.
fn humane_serde_message(message: &str) -> String {
    let mut humane = with_suggestion(message).replacen("unknown field", "unknown key", 1);
    for (rust, plain) in [
        ("expected u64", "expected a whole number ≥ 0"),
        ("expected u32", "expected a whole number ≥ 0"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a string", "expected a string in quotes"),
    ] {
        humane = humane.replace(rust, plain);
    }
    humane
}

/// serde's ``unknown field `x`, expected one of `a`, `b` `` (or ``unknown
/// variant``) with ``(did you mean `a`?)`` after `x` when one of the expected
/// names is close to it ([`did_you_mean`]); other messages as they are.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
    else {
        return message.to_string();
    };
    let Some((word, after)) = rest.split_once('`') else {
        return message.to_string();
    };
    // The expected names are the backquoted words after the unknown one.
    let expected = after.split('`').skip(1).step_by(2);
    let suggestion = did_you_mean(word, expected);
    let head = message.len() - after.len();
    format!("{}{suggestion}{}", &message[..head], after)
}
