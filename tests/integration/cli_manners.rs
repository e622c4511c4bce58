//! The command line's manners (issue 29): units that cannot be misread,
//! hints for common slips, quiet when asked, completions and a manual
//! page that read well.

use crate::common;

use common::exit_of;

/// Asserts `args` fail with exit status 2 and a message containing every
/// one of `words`, and returns the message.
fn refused(args: &[&str], words: &[&str]) -> String {
    let (code, stderr) = exit_of(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    for w in words {
        assert!(stderr.contains(w), "{args:?}: no {w:?} in {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_capital_m_is_neither_months_nor_minutes_without_a_word() {
    refused(
        &["run", "--set", "intervention.window=5M", "-q"],
        &[
            "key `intervention.window`",
            "`M` is ambiguous",
            "`5m` for 5 minutes",
            "`5months`",
        ],
    );
    // In a file too, at its line.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    let text = survsim_default().replace("window = \"5m\"", "window = \"5M\"");
    std::fs::write(&file, text).unwrap();
    let message = refused(&["check", file.to_str().unwrap()], &["`M` is ambiguous"]);
    assert!(message.contains("m.toml:"), "{message}");
}

/// The built-in default scenario's text.
fn survsim_default() -> String {
    let out = common::survsim().arg("default").output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}
