//! Errors a user can act on.
//!
//! [`InputError`] is bad input — a scenario file, a `--set` override, a flag —
//! and maps to exit status 2. It names the file, the key path and, where the
//! parser knows it, the line and column, then says what was expected.

use std::fmt;

/// A path to a key inside a scenario, e.g. `sites[2].footfall_per_hour`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<PathSegment>);

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

impl KeyPath {
    /// The path made of the given keys.
    pub fn keys(keys: &[&str]) -> Self {
        KeyPath(
            keys.iter()
                .map(|k| PathSegment::Key(k.to_string()))
                .collect(),
        )
    }
    /// This path extended by a key.
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(PathSegment::Key(key.to_string()));
        p
    }
    /// This path extended by an index.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathSegment::Index(i));
        p
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSegment::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSegment::Key(k) => write!(f, ".{k}")?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A semantic error found while validating a parsed scenario.
#[derive(Debug, Clone)]
pub struct ValidationError {
    /// The key at fault.
    pub path: KeyPath,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ValidationError {
    /// An error at `path`.
    pub fn new(path: KeyPath, message: impl Into<String>) -> Self {
        ValidationError {
            path,
            message: message.into(),
        }
    }
}

/// Something about a valid scenario that a user should know, at the key it
/// is about: the run goes ahead, and the binary prints it on standard error
/// (and reports carry it in JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The key the warning is about.
    pub path: KeyPath,
    /// What is assumed there, and why it matters.
    pub message: String,
}

/// Bad input, reported as one paragraph and exit status 2.
#[derive(Debug, Clone)]
pub struct InputError {
    /// The file (or `--set`, or the built-in default) the input came from.
    pub source_name: String,
    /// The key at fault, if known.
    pub key_path: Option<String>,
    /// 1-based line and column, if known.
    pub line_col: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl InputError {
    /// An error about a whole input, without a key.
    pub fn whole(source_name: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            source_name: source_name.into(),
            key_path: None,
            line_col: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source_name)?;
        if let Some((line, col)) = self.line_col {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key_path {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Anything that stops a command: bad input (exit 2) or a failure while
/// running, such as an unwritable output file (exit 1).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input.
    #[error("{0}")]
    Input(#[from] InputError),
    /// An I/O failure, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What survsim was doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Io { .. } => 1,
        }
    }
}

/// The candidate `word` was most likely meant to be, if one is close enough:
/// a candidate at most two edits away by Damerau–Levenshtein distance (a
/// letter left out, added or changed, or two swapped: `duraton` →
/// `duration`, `rnu` → `run`; one edit for words under five letters, none
/// for words under three), or one that begins with the word (`footfall` →
/// `footfall_per_hour`, for words of four letters or more). The fewest
/// edits win; ties go to the first candidate. A guess between unrelated
/// names (`neoface-v5` for `neoface-early`) is worse than none, so nothing
/// looser is offered.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let letters = word.chars().count();
    let max_edits = match letters {
        0..=2 => 0,
        3..=4 => 1,
        _ => 2,
    };
    let mut best: Option<(&str, usize)> = None;
    for candidate in candidates {
        let edits = strsim::damerau_levenshtein(word, candidate);
        let near = edits <= max_edits || (letters >= 4 && candidate.starts_with(word));
        if near && edits > 0 && best.is_none_or(|(_, e)| edits < e) {
            best = Some((candidate, edits));
        }
    }
    best.map(|(c, _)| c)
}

/// ` (did you mean `x`?)` for the [`closest`] candidate, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates).map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested_and_strangers_are_not() {
        let simulation = ["name", "description", "duration", "seed", "mode"];
        assert_eq!(closest("duraton", simulation), Some("duration"));
        assert_eq!(closest("seeds", simulation), Some("seed"));
        assert_eq!(closest("colour", simulation), None);
        let site = ["name", "footfall_per_hour", "capture_share", "cameras"];
        assert_eq!(closest("footfall", site), Some("footfall_per_hour"));
        assert_eq!(closest("rnu", ["run", "check", "sweep"]), Some("run"));
        // One letter is one edit from any other: no guess.
        assert_eq!(closest("x", ["a", "b"]), None);
        assert_eq!(
            closest("neoface-v5", ["neoface-v4-npl2023", "neoface-early"]),
            None
        );
        assert_eq!(
            did_you_mean("thresold", ["profile", "threshold"]),
            " (did you mean `threshold`?)"
        );
        assert_eq!(did_you_mean("nope", ["profile", "threshold"]), "");
    }
}
