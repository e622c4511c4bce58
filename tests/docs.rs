//! The documentation is tested: README.md and docs/*.md.
//!
//! * Every relative link resolves: its file exists, and its `#anchor` is a
//!   heading of that file (GitHub's slugs).
//! * Every shell sample runs. A ```` ```console ```` block is commands after
//!   `$ ` (a line ending in `\` continues on the next) and what they print,
//!   standard output and standard error together, checked line by line:
//!   `[..]` in a line stands for any text (a timing, a size, a path), and a
//!   line `...` for any number of lines (an excerpt). A ```` ```sh ````
//!   block is commands whose output is not shown: each must succeed. A
//!   block whose info string has `norun` (a server, `cargo install`, a
//!   cluster) is not run — kept for the few that cannot be.
//!   Commands run under `sh` (so pipes work), with the built `survsim`
//!   first on the `PATH`, in a fresh directory per file, in the file's
//!   order (a later block may read what an earlier one wrote).
//! * docs/events.md's sample lines are lines of the run it quotes.
//!
//! Self-contained (no shared helpers), so that it can move.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// README.md and docs/*.md, in a fixed order.
fn markdown_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A file's lines outside fenced code blocks, with their 1-based numbers.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut in_fence = false;
    let mut prose = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence {
            prose.push((i + 1, line));
        }
    }
    prose
}

/// GitHub's anchor for a heading: lower case, letters, digits, `-` and `_`
/// kept, spaces made `-`, everything else (backticks, brackets, dots)
/// dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The anchors of a file's headings (a repeated heading gets `-1`, `-2`).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let Some(rest) = line.strip_prefix('#') else { continue };
        let heading = rest.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let base = slug(heading);
        let mut anchor = base.clone();
        let mut n = 0;
        while seen.contains(&anchor) {
            n += 1;
            anchor = format!("{base}-{n}");
        }
        seen.insert(anchor);
    }
    seen
}

/// Every `[text](target)` of a file's prose (inline code removed), with
/// the line it ends on.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in prose_lines(text) {
        // Inline code is not a link: drop what lies between backticks.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push((number, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    found
}

#[test]
fn every_relative_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = read(&file);
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let dest = if path.is_empty() {
                file.clone()
            } else {
                file.parent().expect("a file's folder").join(path)
            };
            let where_ = format!("{}:{line}: ({target})", file.display());
            if !dest.exists() {
                broken.push(format!("{where_}: no file {}", dest.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                if dest.extension().is_none_or(|ext| ext != "md") {
                    broken.push(format!("{where_}: an anchor in a file that is not markdown"));
                } else if !anchors(&read(&dest)).contains(anchor) {
                    broken.push(format!("{where_}: no heading #{anchor} in {}", dest.display()));
                }
            }
        }
    }
    assert!(checked > 20, "only {checked} links found: is the parser broken?");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn slugs_are_githubs() {
    assert_eq!(slug("An HTML report (`--html`)"), "an-html-report---html");
    assert_eq!(slug("What-ifs in the browser (`survsim serve`)"), "what-ifs-in-the-browser-survsim-serve");
    assert_eq!(slug("What the model leaves out (so far)"), "what-the-model-leaves-out-so-far");
    assert_eq!(slug("Across machines: `--shard` and `merge`"), "across-machines---shard-and-merge");
}
