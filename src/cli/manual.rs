//! The manual page: clap_mangen's, with the closing text of `survsim
//! --help` (where scenarios come from, and the glossary) typeset for `man`
//! as a paragraph and a tagged list. clap_mangen copies that text as lines
//! of prose, which `man` refills at its own width, so the glossary's
//! aligned columns broke into ragged fragments at 80 columns.

use super::flags::AFTER_LONG_HELP;

/// The manual page of `command` in roff; `source` is the footer's
/// "survsim VERSION".
pub fn page(command: clap::Command, source: String) -> Vec<u8> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .source(source)
        .render(&mut page)
        .expect("rendering to memory cannot fail");
    let page = String::from_utf8(page).expect("clap_mangen writes UTF-8");
    // Only the top page has the closing text; a command's page is as is.
    let Some(start) = page.find(".SH EXTRA\n") else {
        return page.into_bytes();
    };
    let end = page[start + 1..]
        .find("\n.SH ")
        .map_or(page.len(), |at| start + 1 + at + 1);
    format!(
        "{}{}{}",
        &page[..start],
        closing(AFTER_LONG_HELP),
        &page[end..]
    )
    .into_bytes()
}

/// The help's closing text in roff: its first paragraph as a SCENARIOS
/// section, then a GLOSSARY section of tagged paragraphs, one per term
/// (a line indented two spaces starts a term, its definition after two or
/// more spaces or on the lines indented further).
fn closing(text: &str) -> String {
    let mut blocks = text.split("\n\n");
    let mut roff = String::new();
    if let Some(scenarios) = blocks.next() {
        roff.push_str(".SH SCENARIOS\n");
        roff.push_str(&escape(&joined(scenarios.lines())));
        roff.push('\n');
    }
    for block in blocks {
        let mut lines = block.lines().filter(|l| !l.trim().is_empty());
        let Some(heading) = lines.next() else {
            continue;
        };
        roff.push_str(".SH GLOSSARY\n");
        roff.push_str(&escape(heading.trim_end_matches(':')));
        roff.push('\n');
        let mut terms: Vec<(String, Vec<&str>)> = Vec::new();
        for line in lines {
            let indent = line.len() - line.trim_start().len();
            match terms.last_mut() {
                Some((_, definition)) if indent > 2 => definition.push(line.trim()),
                _ => {
                    let entry = line.trim();
                    let (term, definition) = entry.split_once("  ").unwrap_or((entry, ""));
                    let definition = definition.trim();
                    terms.push((
                        term.to_string(),
                        [definition].into_iter().filter(|d| !d.is_empty()).collect(),
                    ));
                }
            }
        }
        for (term, definition) in terms {
            roff.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                escape(&term),
                escape(&joined(definition.into_iter()))
            ));
        }
    }
    roff
}

fn joined<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    lines.map(str::trim).collect::<Vec<_>>().join(" ")
}

/// Text as roff: backslashes, hyphens and apostrophes escaped, the
/// mathematical signs by their roff names (any device draws them), and a
/// leading dot kept from being read as a request.
fn escape(text: &str) -> String {
    let mut roff = String::new();
    for c in text.chars() {
        match c {
            '\\' => roff.push_str("\\e"),
            '-' => roff.push_str("\\-"),
            '\'' => roff.push_str("\\*(Aq"),
            '−' => roff.push_str("\\(mi"),
            '≈' => roff.push_str("\\(~~"),
            '×' => roff.push_str("\\(mu"),
            '÷' => roff.push_str("\\(di"),
            _ => roff.push(c),
        }
    }
    if roff.starts_with('.') {
        roff.insert_str(0, "\\&");
    }
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glossary_is_a_tagged_list() {
        let roff = closing(AFTER_LONG_HELP);
        assert!(roff.starts_with(".SH SCENARIOS\nA SCENARIO is a TOML file"));
        for term in [
            "FMR",
            "FNMR",
            "FPIR",
            "TPIR",
            "DET",
            "1 in N",
            "alert precision",
        ] {
            assert!(
                roff.contains(&format!(".TP\n\\fB{term}\\fR\n")),
                "{term} is a tag:\n{roff}"
            );
        }
        // No line is preformatted: each definition is one line, refilled by man.
        assert!(roff.lines().all(|l| !l.starts_with(' ')), "{roff}");
        assert!(
            roff.contains("FPIR = 1 \\(mi (1 \\(mi FMR)^N \\(~~ N \\(mu FMR"),
            "{roff}"
        );
        // Every term's definition is all there.
        assert!(roff.contains("\\fBalert precision\\fR\ntrue alerts \\(di all alerts"));
        assert!(roff.contains("however accurate the matcher: the base\\-rate problem."));
    }
}
