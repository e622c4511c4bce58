//! Section 7, the assumptions: every value of the scenario file with the
//! comment its author wrote beside it (sources, citations, "assumption"),
//! the values changed with `--set` (or varied by a sweep) marked, the matcher
//! profile's values and sources, and how to reproduce the report.

use super::page::{esc, table};
use crate::scenario::{Override, ScenarioSource};
use crate::spec::PROFILES;
use crate::spec::{Annotated, Entry, annotate};
use std::fmt::Write as _;

/// Where a report came from: enough to reproduce it.
#[derive(Debug, Clone)]
pub struct Provenance<'a> {
    /// The scenario as read.
    pub source: &'a ScenarioSource,
    /// `--set` overrides, in order.
    pub overrides: &'a [Override],
    /// A sweep's varied keys and what they ran over (`0.55:0.70:0.01`).
    pub varied: Vec<(String, String)>,
    /// The matcher profile the scenario used, if any.
    pub profile: Option<&'a str>,
    /// Facts about the run (seed, replications, …): label and text.
    pub facts: Vec<(String, String)>,
    /// The command that reproduces the report.
    pub command: String,
    /// Wall-clock seconds the run took: the one figure that differs between
    /// two runs of the same command.
    pub run_time_s: f64,
}

/// What changed a key: the flag and its text, for the badge.
struct Change {
    key: String,
    flag: &'static str,
    value: String,
}

/// The key each override resolved to (a site named in the path becomes its
/// index, as the file's keys are), applied in order as the scenario was.
fn changes(source: &ScenarioSource, overrides: &[Override]) -> Vec<Change> {
    let mut table: toml::Table = toml::from_str(&source.text).unwrap_or_default();
    overrides
        .iter()
        .map(|o| {
            let raw = o.raw.split_once('=').map_or(&*o.raw, |(k, _)| k).trim();
            // A key the file does not write resolves only as far as the
            // table it created: name it as given.
            let key = match o.apply(&mut table) {
                Ok(p) if p.0.len() == o.path.len() => p.to_string(),
                _ => raw.to_string(),
            };
            Change {
                key,
                flag: o.flag,
                value: o.value.to_string(),
            }
        })
        .collect()
}

/// The HTML rows of the annotated entries, `prefix` before each key, with
/// the changes marked.
fn rows(
    annotated: &Annotated,
    prefix: &str,
    changes: &[Change],
    varied: &[(String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    for e in &annotated.entries {
        let key = format!("{prefix}{}", e.key);
        let change = changes.iter().rev().find(|c| c.key == key);
        let vary = varied.iter().find(|(k, _)| *k == key);
        let under = changes.iter().rev().find(|c| {
            key.starts_with(&format!("{}.", c.key)) || key.starts_with(&format!("{}[", c.key))
        });
        out.push(row(e, &key, change, vary, under));
    }
    out
}

/// One row: key, value (with what changed it), comment.
fn row(
    e: &Entry,
    key: &str,
    change: Option<&Change>,
    vary: Option<&(String, String)>,
    under: Option<&Change>,
) -> String {
    let (class, value) = match (&e.value, change, vary) {
        (_, _, Some((_, spec))) => (
            "set",
            format!(
                "<span class=\"badge\">--vary</span> {} <span class=\"muted\">(file: {})</span>",
                esc(spec),
                esc(e.value.as_deref().unwrap_or(""))
            ),
        ),
        (_, Some(c), _) => (
            "set",
            format!(
                "<span class=\"badge\">{}</span> {} <span class=\"muted\">(file: {})</span>",
                c.flag,
                esc(&c.value),
                esc(e.value.as_deref().unwrap_or(""))
            ),
        ),
        (Some(v), None, None) => match under {
            Some(c) => (
                "set",
                format!(
                    "{} <span class=\"muted\">(replaced by {} {}={})</span>",
                    esc(v),
                    c.flag,
                    esc(&c.key),
                    esc(&c.value)
                ),
            ),
            None => ("", esc(v)),
        },
        (None, None, None) => ("table-row", String::new()),
    };
    format!(
        "<tr class=\"{class}\"><td class=\"key\">{}</td><td data-label=\"value\"><code>{value}</code></td><td data-label=\"comment\">{}</td></tr>\n",
        esc(key),
        esc(&e.comment)
    )
}

/// Overrides of keys the file does not write: rows of their own.
fn added_rows(
    annotated: &Annotated,
    changes: &[Change],
    varied: &[(String, String)],
) -> Vec<String> {
    let written = |key: &str| annotated.entries.iter().any(|e| e.key == key);
    let mut out: Vec<String> = changes
        .iter()
        .filter(|c| !written(&c.key) && !varied.iter().any(|(k, _)| *k == c.key))
        .map(|c| format!("<tr class=\"set\"><td class=\"key\">{}</td><td data-label=\"value\"><code><span class=\"badge\">{}</span> {}</code></td><td class=\"muted\" data-label=\"comment\">not in the file</td></tr>\n", esc(&c.key), c.flag, esc(&c.value)))
        .collect();
    out.extend(varied.iter().filter(|(k, _)| !written(k)).map(|(k, spec)| format!("<tr class=\"set\"><td class=\"key\">{}</td><td data-label=\"value\"><code><span class=\"badge\">--vary</span> {}</code></td><td class=\"muted\" data-label=\"comment\">not in the file</td></tr>\n", esc(k), esc(spec))));
    out
}

/// A table of key, value and comment rows.
fn values_table(rows: &[String]) -> String {
    let mut s = String::from(
        "<table class=\"stack assumptions\">\n<thead><tr><th>key</th><th>value</th><th>comment in the file (sources, assumptions)</th></tr></thead>\n<tbody>\n",
    );
    for r in rows {
        s.push_str(r);
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

/// The section's body.
pub fn section(p: &Provenance) -> String {
    let mut s = String::new();
    let facts: Vec<Vec<String>> = p
        .facts
        .iter()
        .map(|(k, v)| vec![esc(k), esc(v)])
        .chain([vec![
            "run time".into(),
            // The one line that differs between two runs of the same
            // command: tests compare pages with this element removed.
            format!("<span id=\"run-time\">{:.2} s</span>", p.run_time_s),
        ]])
        .collect();
    s.push_str(&table(&["", ""], &facts));
    let _ = write!(
        s,
        "<p>To reproduce this report:</p>\n<pre class=\"command\">{}</pre>\n",
        esc(&p.command)
    );
    let changes = changes(p.source, p.overrides);
    let Some(annotated) = annotate(&p.source.text) else {
        s.push_str("<p class=\"note\">The scenario file could not be read for its comments.</p>\n");
        return s;
    };
    let _ = writeln!(s, "<h3>Scenario: {}</h3>", esc(&p.source.name));
    if !annotated.preamble.is_empty() {
        let _ = writeln!(s, "<p>{}</p>", esc(&annotated.preamble));
    }
    s.push_str("<p class=\"note\">Every value written in the scenario file, with the comment written beside it. Highlighted: values changed on the command line. Keys the file leaves out take survsim's built-in defaults.</p>\n");
    let mut all = rows(&annotated, "", &changes, &p.varied);
    all.extend(added_rows(&annotated, &changes, &p.varied));
    s.push_str(&values_table(&all));
    if let Some(name) = p.profile
        && let Some((_, text)) = PROFILES.iter().find(|(n, _)| *n == name)
        && let Some(profile) = annotate(text)
    {
        let _ = writeln!(s, "<h3>Matcher profile: {}</h3>", esc(name));
        if !profile.preamble.is_empty() {
            let _ = writeln!(s, "<p>{}</p>", esc(&profile.preamble));
        }
        s.push_str("<p class=\"note\">The profile's values apply where the scenario's [matcher] section does not set its own.</p>\n");
        s.push_str(&values_table(&rows(
            &profile, "matcher.", &changes, &p.varied,
        )));
    }
    s
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_are_marked_and_comments_kept_escaped() {
        let source = ScenarioSource::from_text(
            "<x> & y",
            "[matcher]\n# From <NPL> & co.\nthreshold = 0.6\n",
        );
        let overrides = vec![
            "matcher.threshold=0.62".parse::<Override>().unwrap(),
            "watchlist.size=9".parse::<Override>().unwrap(),
        ];
        let html = section(&Provenance {
            source: &source,
            overrides: &overrides,
            varied: Vec::new(),
            profile: None,
            facts: vec![("seed".into(), "1".into())],
            command: "survsim run 'a b'".into(),
            run_time_s: 0.5,
        });
        assert!(html.contains("From &lt;NPL&gt; &amp; co."));
        assert!(html.contains("<h3>Scenario: &lt;x&gt; &amp; y</h3>"));
        assert!(html.contains("--set</span> 0.62"));
        assert!(html.contains("<td class=\"key\">watchlist.size</td>"));
        assert!(html.contains("<span id=\"run-time\">0.50 s</span>"));
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(
            shell_quote("matcher.threshold=0.6"),
            "matcher.threshold=0.6"
        );
    }
}
