//! The comments written beside a scenario's values: its sources and
//! citations, for the assumptions of a report.
//!
//! The `toml` crate reads values and drops comments; `toml_edit` (from the
//! same maintainers, sharing its parser) keeps each key's *decor*, the
//! whitespace and comments around it, so the text a scenario's author wrote
//! beside a value can be shown with it. Entries are keyed by the dotted key
//! paths that `--set` and error messages use (`matcher.threshold`,
//! `sites[0].footfall_per_hour`).
//!
//! Which comment belongs to which key follows how people write TOML: the
//! block of comment lines *directly* above a key or a table header (no blank
//! line between them) belongs to it, as does a comment after its value on the
//! same line. A comment block followed by a blank line introduces what comes
//! after in general; the one at the top of the file is the scenario's
//! preamble ([`Annotated::preamble`]), others are kept with the next key as a
//! separate paragraph.

use toml_edit::{Decor, DocumentMut, Item, Table, Value};

/// One value (or table) of a scenario file, with its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The dotted key path: `matcher.threshold`, `sites[0].name`.
    pub key: String,
    /// The value as written, on one line (whitespace collapsed); `None` for
    /// a table, whose values follow as entries of their own.
    pub value: Option<String>,
    /// The comment written with it, without the `#` marks; empty if none.
    pub comment: String,
}

/// A scenario file's values in the order written, with their comments.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Annotated {
    /// The comment at the top of the file, before a blank line.
    pub preamble: String,
    /// Every table and value, depth first, in file order.
    pub entries: Vec<Entry>,
}

/// Reads the values and comments of TOML `text`. `None` if it does not
/// parse (a scenario that loaded always does).
pub fn annotate(text: &str) -> Option<Annotated> {
    let doc: DocumentMut = text.parse().ok()?;
    let mut out = Annotated::default();
    walk_table(doc.as_table(), "", &mut out);
    Some(out)
}

/// Appends `table`'s entries under `prefix` (empty at the top).
fn walk_table(table: &Table, prefix: &str, out: &mut Annotated) {
    // Header tables first (`[a]`), as TOML places plain keys before them.
    for (key, item) in table.iter() {
        let path = join(prefix, key);
        let decor = table.key(key).map(|k| k.leaf_decor());
        match item {
            Item::Value(value) => {
                let comment = join_comments(&[
                    decor.map_or_else(String::new, |d| prefix_comment(d, out)),
                    suffix_comment(value.decor()),
                ]);
                push_value(out, path, value, comment);
            }
            Item::Table(inner) => {
                let comment = prefix_comment(inner.decor(), out);
                if !inner.is_implicit() || !comment.is_empty() {
                    out.entries.push(Entry {
                        key: path.clone(),
                        value: None,
                        comment,
                    });
                }
                walk_table(inner, &path, out);
            }
            Item::ArrayOfTables(array) => {
                for (i, inner) in array.iter().enumerate() {
                    let path = format!("{path}[{i}]");
                    let comment = prefix_comment(inner.decor(), out);
                    out.entries.push(Entry {
                        key: path.clone(),
                        value: None,
                        comment,
                    });
                    walk_table(inner, &path, out);
                }
            }
            Item::None => {}
        }
    }
}

/// Appends a value. An array of inline tables (a matcher's operating
/// points, a dimension's levels) becomes one entry per element, `key[i]`,
/// as errors name them.
///
/// An element's comment is the block on the lines directly above it and
/// the comment after it on its own line. The parser files the latter with
/// whatever follows the comma — the *next* element's prefix, or the
/// array's trailing text after the last — so it is taken from there: read
/// naively, every source would sit one row below its value.
fn push_value(out: &mut Annotated, path: String, value: &Value, comment: String) {
    if let Value::Array(items) = value
        && !items.is_empty()
        && items.iter().all(Value::is_inline_table)
    {
        let raw = |decor: &Decor| {
            decor
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let prefixes: Vec<String> = items.iter().map(|item| raw(item.decor())).collect();
        let trailing = items.trailing().as_str().unwrap_or_default().to_string();
        // A comment after `[` on the key's own line is about the array.
        let (opening, _) = first_line(&prefixes[0]);
        out.entries.push(Entry {
            key: path.clone(),
            value: None,
            comment: join_comments(&[comment, comment_blocks(opening).join("\n")]),
        });
        for (i, item) in items.iter().enumerate() {
            let (_, above) = first_line(&prefixes[i]);
            let after = first_line(prefixes.get(i + 1).unwrap_or(&trailing)).0;
            out.entries.push(Entry {
                key: format!("{path}[{i}]"),
                value: Some(one_line(item)),
                comment: join_comments(&[
                    comment_blocks(above).join("\n"),
                    suffix_comment(item.decor()),
                    comment_blocks(after).join("\n"),
                ]),
            });
        }
        return;
    }
    out.entries.push(Entry {
        key: path,
        value: Some(one_line(value)),
        comment,
    });
}

/// The whitespace between two array elements split at its first line
/// break: the rest of the line the comma ends (the earlier element's
/// comment), and the lines above the later element. Without a line break,
/// all of it is on the earlier element's line.
fn first_line(raw: &str) -> (&str, &str) {
    raw.split_once('\n').unwrap_or((raw, ""))
}

/// `prefix.key`, or `key` at the top.
fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Non-empty comments, as paragraphs.
fn join_comments(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join("\n")
}

/// The comment lines of a decor's prefix: the block directly above the key.
/// The file's first block, when a blank line follows it, is the preamble
/// (recorded in `out` the first time it is met); other blocks set off by a
/// blank line are kept, as an earlier paragraph, with the key that follows.
fn prefix_comment(decor: &Decor, out: &mut Annotated) -> String {
    let raw = decor
        .prefix()
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_string();
    let blocks = comment_blocks(&raw);
    let touches_key = raw
        .trim_end_matches([' ', '\t'])
        .lines()
        .last()
        .is_some_and(|l| l.trim_start().starts_with('#'));
    let mut kept: Vec<String> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let last = i + 1 == blocks.len();
        let is_preamble = out.entries.is_empty() && i == 0 && !(last && touches_key);
        if is_preamble && out.preamble.is_empty() {
            out.preamble = block.clone();
        } else {
            kept.push(block.clone());
        }
    }
    kept.join("\n")
}

/// The comment after a value on its line, if any.
fn suffix_comment(decor: &Decor) -> String {
    let raw = decor
        .suffix()
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_string();
    comment_blocks(&raw).join("\n")
}

/// Blocks of consecutive comment lines, `#` and one space removed, each
/// block's lines joined by spaces (a comment wraps like prose).
fn comment_blocks(raw: &str) -> Vec<String> {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    let mut open = false;
    for line in raw.lines() {
        match line.trim().strip_prefix('#') {
            Some(text) => {
                let text = text.strip_prefix(' ').unwrap_or(text).trim_end();
                if !open {
                    blocks.push(Vec::new());
                    open = true;
                }
                if let Some(block) = blocks.last_mut()
                    && !text.is_empty()
                {
                    block.push(text);
                }
            }
            None => open = false,
        }
    }
    blocks
        .into_iter()
        .map(|lines| lines.join(" "))
        .filter(|b| !b.is_empty())
        .collect()
}

/// A value as written, without its own decor, on one line.
fn one_line(value: &Value) -> String {
    let mut bare = value.clone();
    bare.decor_mut().clear();
    bare.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# A preamble.\n# Second line.\n\n[simulation]\nname = \"x\" # trailing\n\n[population]\n# Assumption: a city.\nresidents = 1_000\n\n# Groups below.\n[[population.groups]]\nname = \"a\"\nmix = { a = 1,  b = 2 }\n\n[[sites]]\nname = \"s\"\n# Busy.\nfootfall_per_hour = [1,\n   2]\n";

    fn entry<'a>(a: &'a Annotated, key: &str) -> &'a Entry {
        a.entries
            .iter()
            .find(|e| e.key == key)
            .unwrap_or_else(|| panic!("no entry {key}: {:?}", a.entries))
    }

    #[test]
    fn comments_are_keyed_by_dotted_paths() {
        let a = annotate(TEXT).unwrap();
        assert_eq!(a.preamble, "A preamble. Second line.");
        assert_eq!(entry(&a, "simulation.name").comment, "trailing");
        assert_eq!(entry(&a, "simulation.name").value.as_deref(), Some("\"x\""));
        assert_eq!(
            entry(&a, "population.residents").comment,
            "Assumption: a city."
        );
        assert_eq!(entry(&a, "population.groups[0]").comment, "Groups below.");
        assert_eq!(
            entry(&a, "population.groups[0].mix").value.as_deref(),
            Some("{ a = 1, b = 2 }")
        );
        let footfall = entry(&a, "sites[0].footfall_per_hour");
        assert_eq!(footfall.comment, "Busy.");
        assert_eq!(footfall.value.as_deref(), Some("[1, 2]"));
        assert_eq!(entry(&a, "sites[0].name").comment, "");
    }

    #[test]
    fn arrays_of_inline_tables_are_split_into_elements() {
        let a =
            annotate("points = [\n  # first\n  { t = 1 },\n  { t = 2 }, # second\n]\n").unwrap();
        assert_eq!(entry(&a, "points").value, None);
        assert_eq!(entry(&a, "points[0]").value.as_deref(), Some("{ t = 1 }"));
        assert_eq!(entry(&a, "points[0]").comment, "first");
        assert_eq!(entry(&a, "points[1]").value.as_deref(), Some("{ t = 2 }"));
        assert_eq!(entry(&a, "points[1]").comment, "second");
    }

    #[test]
    fn a_trailing_comment_stays_with_its_element() {
        // london-borough-day's levels: each source after its own value,
        // the last without one; and a trailing comma or none at the end.
        let text = concat!(
            "levels = [ # by ethnicity\n",
            "    { name = \"white\", avoidance = 0.03 },   # Home Office 2025: 3 %\n",
            "    { name = \"black\", avoidance = 0.09 }, # NIST 10×; HO: 9 %\n",
            "    # Census 2021.\n",
            "    { name = \"asian\", avoidance = 0.11 },\n",
            "    { name = \"other\", avoidance = 0.11 }, # HO: 11 %\n",
            "]\n",
            "last = [{ a = 1 }, { a = 2 } # no comma\n]\n",
        );
        let a = annotate(text).unwrap();
        assert_eq!(entry(&a, "levels").comment, "by ethnicity");
        assert_eq!(entry(&a, "levels[0]").comment, "Home Office 2025: 3 %");
        assert_eq!(entry(&a, "levels[1]").comment, "NIST 10×; HO: 9 %");
        assert_eq!(entry(&a, "levels[2]").comment, "Census 2021.");
        assert_eq!(entry(&a, "levels[3]").comment, "HO: 11 %");
        assert_eq!(entry(&a, "last[0]").comment, "");
        assert_eq!(entry(&a, "last[1]").comment, "no comma");
    }

    #[test]
    fn a_file_without_comments_has_none() {
        let a = annotate("[a]\nb = 1\n").unwrap();
        assert_eq!(a.preamble, "");
        assert!(a.entries.iter().all(|e| e.comment.is_empty()));
        assert!(annotate("a = [").is_none());
    }
}
