//! Finding a key path's line and column in the scenario text: once, or many
//! times in one parse of it ([`Document`]).

use crate::error::{KeyPath, PathSegment};
use toml::de::{DeTable, DeValue};

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, column)
}

/// Where `path` is written in `text`: the value of the deepest part of the
/// path that exists (a missing key points at its table). `None` if the text
/// does not parse or the path's first key is absent.
pub fn find(text: &str, path: &KeyPath) -> Option<(usize, usize)> {
    Document::new(text).find(path)
}

/// Where the last key of `path` is written (the key, not its value); `None`
/// unless the whole path exists.
pub fn find_key(text: &str, path: &KeyPath) -> Option<(usize, usize)> {
    Document::new(text).find_key(path)
}

/// A scenario's text, parsed once to place many keys: placing each of
/// thousands of warnings (one per deployment, say) by parsing the text
/// anew was quadratic.
#[derive(Debug)]
pub struct Document<'i> {
    text: &'i str,
    root: Option<toml::Spanned<DeTable<'i>>>,
    /// The byte offset of each line's start, so that a key's line is a
    /// search, not a count of the newlines before it.
    lines: Vec<usize>,
}

impl<'i> Document<'i> {
    /// Parses `text` (a text that does not parse places nothing).
    pub fn new(text: &'i str) -> Self {
        let newlines = text.match_indices('\n').map(|(at, _)| at + 1);
        Document {
            text,
            root: DeTable::parse(text).ok(),
            lines: std::iter::once(0).chain(newlines).collect(),
        }
    }

    /// [`line_col`], in this document.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.lines.partition_point(|&start| start <= offset);
        let start = self.lines[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }

    /// [`find`], in this document.
    pub fn find(&self, path: &KeyPath) -> Option<(usize, usize)> {
        let (_, value, _) = self.walk(path)?;
        Some(self.line_col(value))
    }

    /// [`find_key`], in this document.
    pub fn find_key(&self, path: &KeyPath) -> Option<(usize, usize)> {
        match self.walk(path)? {
            (Some(key), _, true) => Some(self.line_col(key)),
            _ => None,
        }
    }

    /// Follows `path` as deep as it exists: the byte offsets of the last
    /// key found (if the last step was a key) and of its value, and whether
    /// the whole path was found.
    fn walk(&self, path: &KeyPath) -> Option<(Option<usize>, usize, bool)> {
        let mut table = self.root.as_ref()?.get_ref();
        let mut current: Option<&toml::Spanned<DeValue>> = None;
        let mut found = None;
        for segment in &path.0 {
            let next = match (segment, current.map(|value| value.get_ref())) {
                (PathSegment::Key(key), None) => lookup(table, key),
                (PathSegment::Key(key), Some(DeValue::Table(inner))) => lookup(inner, key),
                (PathSegment::Index(index), Some(DeValue::Array(items))) => {
                    items.get(*index).map(|value| (None, value))
                }
                _ => None,
            };
            let Some((key, value)) = next else {
                return found.map(|(key, value)| (key, value, false));
            };
            found = Some((key, value.span().start));
            if let DeValue::Table(inner) = value.get_ref() {
                table = inner;
            }
            current = Some(value);
        }
        found.map(|(key, value)| (key, value, true))
    }
}

type Entry<'a, 'i> = (Option<usize>, &'a toml::Spanned<DeValue<'i>>);

fn lookup<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<Entry<'a, 'i>> {
    table
        .iter()
        .find(|(name, _)| name.get_ref().as_ref() == key)
        .map(|(name, value)| (Some(name.span().start), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_array_items() {
        let text = "[simulation]\nseed = 3\n\n[[sites]]\nname = \"a\"\n\n[[sites]]\nname = \"b\"\ncapture_share = 2.0\n";
        let path = KeyPath::keys(&["sites"]).index(1).key("capture_share");
        assert_eq!(find(text, &path), Some((9, 17)));
        assert_eq!(
            find(text, &KeyPath::keys(&["simulation", "seed"])),
            Some((2, 8))
        );
        // A missing key points at the deepest table that exists.
        let missing = KeyPath::keys(&["simulation", "nope"]);
        assert!(find(text, &missing).is_some());
        assert_eq!(find(text, &KeyPath::keys(&["absent"])), None);
        assert_eq!(find_key(text, &path), Some((9, 1)));
        assert_eq!(find_key(text, &missing), None);
        // Lines and columns from the line starts are the counted ones.
        let document = Document::new(text);
        for offset in 0..=text.len() {
            assert_eq!(
                document.line_col(offset),
                line_col(text, offset),
                "{offset}"
            );
        }
    }
}
