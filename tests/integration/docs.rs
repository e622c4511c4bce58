//! The documentation is tested: README.md and docs/*.md.
//!
//! * Every relative link resolves: its file exists, and its `#anchor` is a
//!   heading of that file (GitHub's slugs).
//! * Every shell sample runs. A ```` ```console ```` block is commands after
//!   `$ ` (a line ending in `\` continues on the next) and what they print,
//!   standard output and standard error together, checked line by line:
//!   `[..]` in a line stands for any text (a timing, a size, a path), and a
//!   line `...` for any number of lines (an excerpt); a first line `? N`
//!   says the command ends with exit status N (else 0). A ```` ```sh ````
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
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
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
                    broken.push(format!(
                        "{where_}: an anchor in a file that is not markdown"
                    ));
                } else if !anchors(&read(&dest)).contains(anchor) {
                    broken.push(format!(
                        "{where_}: no heading #{anchor} in {}",
                        dest.display()
                    ));
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: is the parser broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn slugs_are_githubs() {
    assert_eq!(slug("An HTML report (`--html`)"), "an-html-report---html");
    assert_eq!(
        slug("What-ifs in the browser (`survsim serve`)"),
        "what-ifs-in-the-browser-survsim-serve"
    );
    assert_eq!(
        slug("What the model leaves out (so far)"),
        "what-the-model-leaves-out-so-far"
    );
    assert_eq!(
        slug("Across machines: `--shard` and `merge`"),
        "across-machines---shard-and-merge"
    );
}

/// A command of a sample, where it was written, and what it should print
/// (`None`: only that it succeeds).
struct Sample {
    line: usize,
    command: String,
    expected: Option<Vec<String>>,
    /// The exit status it should end with: 0 unless its output starts
    /// with a line `? N` (trycmd's way of writing it).
    status: i32,
}

/// The samples of a file's ```console and ```sh blocks, in order, leaving
/// out blocks marked `norun`.
fn samples(text: &str) -> Vec<Sample> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        let indent = lines[i].len() - fence.len();
        i += 1;
        let Some(info) = fence.strip_prefix("```") else {
            continue;
        };
        let words: Vec<&str> = info.split_whitespace().collect();
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            body.push((i + 1, lines[i].get(indent..).unwrap_or("").to_string()));
            i += 1;
        }
        i += 1; // the closing fence
        if words.contains(&"norun") {
            continue;
        }
        match words.first() {
            Some(&"console") => found.extend(console_samples(&body)),
            Some(&"sh") => found.extend(sh_samples(&body)),
            _ => {}
        }
    }
    found
}

/// Joins a command's continuation lines (ending in `\`).
fn take_command<'a>(first: &str, rest: &mut impl Iterator<Item = &'a (usize, String)>) -> String {
    let mut command = first.to_string();
    while command.ends_with('\\') {
        let Some((_, next)) = rest.next() else { break };
        command.push('\n');
        command.push_str(next);
    }
    command
}

fn console_samples(body: &[(usize, String)]) -> Vec<Sample> {
    let mut found: Vec<Sample> = Vec::new();
    let mut rest = body.iter();
    while let Some((line, text)) = rest.next() {
        if let Some(command) = text.strip_prefix("$ ") {
            let command = take_command(command, &mut rest);
            found.push(Sample {
                line: *line,
                command,
                expected: Some(Vec::new()),
                status: 0,
            });
        } else if let Some(Sample {
            expected: Some(expected),
            status,
            ..
        }) = found.last_mut()
        {
            match text.strip_prefix("? ").map(str::parse::<i32>) {
                Some(Ok(code)) if expected.is_empty() => *status = code,
                _ => expected.push(text.clone()),
            }
        } else {
            panic!("line {line}: a console block's output before any `$ ` command");
        }
    }
    found
}

fn sh_samples(body: &[(usize, String)]) -> Vec<Sample> {
    let mut found = Vec::new();
    let mut rest = body.iter();
    while let Some((line, text)) = rest.next() {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        assert!(
            !trimmed.starts_with("$ "),
            "line {line}: a `$ ` command in a ```sh block: a sample with output is ```console"
        );
        let command = take_command(text, &mut rest);
        found.push(Sample {
            line: *line,
            command,
            expected: None,
            status: 0,
        });
    }
    found
}

/// Whether a line of output matches a line of the sample, where `[..]`
/// stands for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let (expected, actual) = (expected.trim_end(), actual.trim_end());
    let pieces: Vec<&str> = expected.split("[..]").collect();
    if pieces.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &actual[first.len()..];
    if !rest.ends_with(last) {
        return false;
    }
    rest = &rest[..rest.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Whether output matches a sample's lines, where a line `...` stands for
/// any number of lines.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((first, rest)) => {
            !actual.is_empty() && line_matches(first, actual[0]) && lines_match(rest, &actual[1..])
        }
    }
}

/// The folder holding the built `survsim`, to put first on the `PATH`.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_survsim"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf()
}

/// Runs every sample of a file (relative to the repository) in a fresh
/// directory, and fails with each one that does not do what it shows.
fn check_samples(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let samples = samples(&read(&path));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let search_path = std::env::join_paths(std::iter::once(bin_dir()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("a PATH");
    let mut failures = Vec::new();
    for sample in &samples {
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("exec 2>&1\n{}", sample.command))
            .current_dir(dir.path())
            .env("PATH", &search_path)
            .env("NO_COLOR", "1")
            .output()
            .expect("sh runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut actual: Vec<&str> = text.lines().collect();
        while actual.last().is_some_and(|l| l.trim().is_empty()) {
            actual.pop();
        }
        let status_ok = output.status.code() == Some(sample.status);
        let matched = match &sample.expected {
            Some(expected) => status_ok && lines_match(expected, &actual),
            None => status_ok,
        };
        if !matched {
            failures.push(format!(
                "{file}:{}: `{}` ({}) printed:\n{}\n--- the sample shows:\n{}",
                sample.line,
                sample.command,
                output.status,
                text.trim_end(),
                sample
                    .expected
                    .as_ref()
                    .map_or("(output not shown)".to_string(), |e| e.join("\n")),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} samples differ from what they show:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn masks_match_and_can_fail() {
    assert!(line_matches(
        "simulated [..] faces in [..] s",
        "simulated 1,234 faces in 0.2 s"
    ));
    assert!(!line_matches(
        "simulated [..] faces in [..] s",
        "simulated 1,234 faces"
    ));
    assert!(line_matches("a [..]b", "a b"));
    assert!(!line_matches("alerts 33.4", "alerts 33.5"));
    let sample: Vec<String> = ["a", "...", "d"].iter().map(|s| s.to_string()).collect();
    assert!(lines_match(&sample, &["a", "b", "c", "d"]));
    assert!(lines_match(&sample, &["a", "d"]));
    assert!(!lines_match(&sample, &["a", "b", "c"]));
    assert!(!lines_match(&sample, &["a", "d", "e"]));
}

/// Every markdown file has its samples test below.
#[test]
fn every_file_is_covered() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files: Vec<String> = markdown_files()
        .iter()
        .map(|f| {
            f.strip_prefix(root)
                .expect("under the root")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        files, COVERED,
        "add a samples test for each new markdown file"
    );
}

const COVERED: [&str; 11] = [
    "README.md",
    "docs/commands.md",
    "docs/developing.md",
    "docs/events.md",
    "docs/fitting.md",
    "docs/json-report.md",
    "docs/model.md",
    "docs/pipeline.md",
    "docs/record.md",
    "docs/speed.md",
    "docs/sweeps.md",
];

#[test]
fn samples_readme() {
    check_samples("README.md");
}
#[test]
fn samples_commands() {
    check_samples("docs/commands.md");
}
#[test]
fn samples_developing() {
    check_samples("docs/developing.md");
}
#[test]
fn samples_events() {
    check_samples("docs/events.md");
}
#[test]
fn samples_fitting() {
    check_samples("docs/fitting.md");
}
#[test]
fn samples_json_report() {
    check_samples("docs/json-report.md");
}
#[test]
fn samples_model() {
    check_samples("docs/model.md");
}
#[test]
fn samples_pipeline() {
    check_samples("docs/pipeline.md");
}
#[test]
fn samples_record() {
    check_samples("docs/record.md");
}
#[test]
fn samples_speed() {
    check_samples("docs/speed.md");
}
#[test]
fn samples_sweeps() {
    check_samples("docs/sweeps.md");
}

/// The command docs/events.md quotes for its sample lines.
const EVENTS_SAMPLE: &str = r#"survsim run --set 'pipeline={pools=[{name="matchers",faces_per_s=3,queue_capacity=30}]}' --set intervention.officers=1 --set review.operators=1 --set intervention.p_arrest_wrongful=0.1 --events -"#;

/// The lines of the ```json block that follows `marker` in `text`.
fn json_block<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("docs/events.md has no {marker:?}"));
    let start = at + text[at..].find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + text[start..].find("```").expect("the block's end");
    text[start..end].lines().collect()
}

/// docs/events.md's sample lines (docs/events-sample.sh writes them) are
/// lines of the run it quotes, and the journey is every line of one face.
#[test]
fn events_sample_lines_are_the_runs() {
    let doc = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/events.md"));
    assert!(
        doc.contains(&format!("From `{EVENTS_SAMPLE}`")),
        "docs/events.md quotes another command"
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_survsim"))
        .args([
            "run",
            "--set",
            r#"pipeline={pools=[{name="matchers",faces_per_s=3,queue_capacity=30}]}"#,
            "--set",
            "intervention.officers=1",
            "--set",
            "review.operators=1",
            "--set",
            "intervention.p_arrest_wrongful=0.1",
            "--events",
            "-",
            "-q",
        ])
        .output()
        .expect("survsim runs");
    assert!(output.status.success());
    let log = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: BTreeSet<&str> = log.lines().collect();
    let kinds = json_block(&doc, "### One line of each kind");
    let journey = json_block(&doc, "One wanted person's journey");
    assert_eq!(kinds.len(), 10, "one line of each kind and the end line");
    for line in kinds.iter().chain(&journey) {
        assert!(
            lines.contains(line),
            "not a line of the run (docs/events-sample.sh rewrites them): {line}"
        );
    }
    let face = journey[0]
        .split("\"face\":")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .expect("a face id");
    let of_face: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains(&format!("\"face\":{face},")) || l.contains(&format!("\"alert\":{face},"))
        })
        .collect();
    assert_eq!(journey, of_face, "the journey is every line of face {face}");
}

/// `--help` names no file of the repository, which an installed binary
/// lacks: bundled things are named by the command that shows them.
#[test]
fn help_names_no_file_an_installed_binary_lacks() {
    let commands = [
        "",
        "run",
        "check",
        "sweep",
        "merge",
        "default",
        "scenarios",
        "validate",
        "fit",
        "stress",
        "live",
        "serve",
        "completions",
        "man",
    ];
    for command in commands {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_survsim"))
            .args(&args)
            .output()
            .expect("survsim runs");
        assert!(output.status.success(), "survsim {command} --help");
        let help = String::from_utf8_lossy(&output.stdout);
        for file in [
            "README",
            "docs/",
            "records/",
            "scenarios/",
            "examples/",
            "benches/",
            ".md",
        ] {
            assert!(
                !help.contains(file),
                "`survsim {command} --help` names {file}:\n{help}"
            );
        }
    }
}
