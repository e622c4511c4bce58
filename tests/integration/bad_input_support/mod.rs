//! Helpers of tests/integration/bad_input.rs: a minimal valid scenario to break, a
//! scenario file in a temporary directory, and the contract every refusal
//! keeps (exit status 2, nothing on stdout, one paragraph on stderr).

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::PathBuf;
use std::time::Duration;
use tempfile::TempDir;

/// A minimal valid scenario. Line numbers used below:
/// 1 `[population]`, 2 `residents`, 3 `[[sites]]`, 4 `name`,
/// 5 `footfall_per_hour`, 6 `[watchlist]`, 7 `size`; appended text starts at 8.
pub const BASE: &str = "[population]
residents = 1000
[[sites]]
name = \"a\"
footfall_per_hour = 100
[watchlist]
size = 100
";

/// A scenario file in its own temporary directory.
pub struct File {
    _dir: TempDir,
    pub path: PathBuf,
}

impl File {
    pub fn new(text: &str) -> File {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("scenario.toml");
        std::fs::write(&path, text).expect("write scenario");
        File { _dir: dir, path }
    }

    /// A path in a fresh directory where no file exists.
    pub fn missing() -> File {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("no-such-scenario.toml");
        File { _dir: dir, path }
    }

    pub fn name(&self) -> String {
        self.path.display().to_string()
    }

    pub fn arg(&self) -> &str {
        self.path.to_str().expect("UTF-8 temporary path")
    }
}

/// `BASE` with `from` replaced by `to` (which must occur exactly once).
pub fn base_with(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "`{from}` is not unique in BASE"
    );
    BASE.replacen(from, to, 1)
}

/// Runs survsim with `args`, asserts the common contract for bad input —
/// exit status 2, empty stdout, no panic — and returns stderr.
pub fn fails_with_usage_status(args: &[&str]) -> String {
    let assert = cargo_bin_cmd!("survsim")
        .args(args)
        .timeout(Duration::from_secs(20))
        .assert();
    let out = assert.get_output();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "survsim {args:?}: expected exit status 2, got {:?}\nstderr: {stderr}",
        out.status
    );
    assert!(
        stdout.is_empty(),
        "survsim {args:?}: expected nothing on stdout, got:\n{stdout}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "survsim {args:?} panicked:\n{stderr}"
    );
    stderr
}

/// As [`fails_with_usage_status`], and stderr is one paragraph.
pub fn fails(args: &[&str]) -> String {
    let stderr = fails_with_usage_status(args);
    let text = stderr.trim_end();
    assert!(!text.is_empty(), "survsim {args:?}: empty stderr");
    assert!(
        !text.contains("\n\n") && !text.lines().any(|l| l.trim().is_empty()),
        "survsim {args:?}: stderr is not one paragraph:\n{stderr}"
    );
    stderr
}

/// Asserts that `stderr` contains every one of `parts`.
#[track_caller]
pub fn assert_mentions(stderr: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            stderr.contains(part),
            "stderr should contain {part:?}, got:\n{stderr}"
        );
    }
}

/// Runs `survsim <sub> FILE` on `text` and asserts the error is at
/// `FILE:line:col`, about `key`, and says each of `expected`.
#[track_caller]
pub fn located(sub: &str, text: &str, line: usize, col: usize, key: &str, expected: &[&str]) {
    let file = File::new(text);
    let stderr = fails(&[sub, file.arg()]);
    let head = format!("{}:{line}:{col}: key `{key}`: ", file.name());
    assert_mentions(&stderr, &[&head]);
    assert_mentions(&stderr, expected);
}
