//! Finding a key path's line and column in the scenario text.

use crate::error::{KeyPath, PathSegment};
use toml::de::{DeTable, DeValue};

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where `path` is written in `text`: the deepest part of the path that exists
/// (a missing key points at its table). `None` if the text does not parse or
/// the path's first key is absent.
pub fn find(text: &str, path: &KeyPath) -> Option<(usize, usize)> {
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut best: Option<usize> = None;
    let mut current: Option<&toml::Spanned<DeValue>> = None;
    for seg in &path.0 {
        let next = match (seg, current.map(|v| v.get_ref())) {
            (PathSegment::Key(k), None) => lookup(table, k),
            (PathSegment::Key(k), Some(DeValue::Table(t))) => lookup(t, k),
            (PathSegment::Index(i), Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        };
        let Some(value) = next else { break };
        best = Some(value.span().start);
        if let DeValue::Table(t) = value.get_ref() {
            table = t;
        }
        current = Some(value);
    }
    best.map(|offset| line_col(text, offset))
}

fn lookup<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a toml::Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
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
    }
}
