//! Helpers shared by the integration tests.
#![allow(dead_code)]

use survsim::metrics::{GroupMetric, Metric, Outcome};
use survsim::scenario::{Override, Scenario, ScenarioSource};

/// Loads a scenario from TOML text, with overrides.
pub fn scenario(text: &str, sets: &[&str]) -> Scenario {
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    Scenario::load(ScenarioSource::from_text("test.toml", text), &overrides)
        .unwrap_or_else(|e| panic!("scenario does not load: {e}"))
}

/// Sum of a metric over replications.
pub fn total(outcomes: &[Outcome], m: Metric) -> f64 {
    outcomes.iter().map(|o| o.counts[m] as f64).sum()
}

/// Sum of a group metric over replications.
pub fn group_total(outcomes: &[Outcome], g: usize, m: GroupMetric) -> f64 {
    outcomes.iter().map(|o| o.groups[g][m] as f64).sum()
}

/// Asserts |observed − expected| ≤ 4 standard errors, and says both.
pub fn assert_within_4se(what: &str, observed: f64, expected: f64, se: f64) {
    let z = (observed - expected) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: observed {observed}, expected {expected} ± {se} (z = {z:.2})"
    );
    eprintln!("{what}: observed {observed}, expected {expected:.2}, z = {z:.2}");
}

/// For a Poisson count with the given mean: passes within 4·√mean.
pub fn assert_poisson(what: &str, observed: f64, mean: f64) {
    assert!(
        mean > 25.0,
        "{what}: expected count {mean} too small for a useful test"
    );
    assert_within_4se(what, observed, mean, mean.sqrt());
}

/// The path of the built binary.
pub fn survsim() -> assert_cmd::Command {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_survsim"))
}

/// Asserts that a finished command succeeded, showing its stderr if not,
/// and returns its standard output.
pub fn succeeded(out: std::process::Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs the binary with `args` plus `--format json`, asserts success, and
/// returns the raw output and the parsed JSON.
pub fn json_output(args: &[&str]) -> (Vec<u8>, serde_json::Value) {
    let stdout = succeeded(
        survsim()
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap(),
    );
    let v = serde_json::from_slice(&stdout).expect("valid JSON");
    (stdout, v)
}

/// Runs the binary with `args` and returns (exit code, stderr).
pub fn exit_of(args: &[&str]) -> (i32, String) {
    let out = survsim().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes a scenario file `name` with `text` into `dir` and returns its path.
pub fn scenario_file(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The lines of an NDJSON event log, each parsed.
pub fn ndjson(log: &[u8]) -> Vec<serde_json::Value> {
    log.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("every line is JSON"))
        .collect()
}

/// A small test scenario's text: the `[simulation]` and `[population]`
/// opening every test town shares, then the rest of the file.
/// `town!(duration = "4h", seed = 5, residents = 20000, r#"[[sites]]..."#)`
#[macro_export]
macro_rules! town {
    (duration = $duration:literal, seed = $seed:literal, residents = $residents:literal, $rest:literal) => {
        concat!(
            "\n[simulation]\nduration = \"",
            $duration,
            "\"\nseed = ",
            $seed,
            "\n[population]\nresidents = ",
            $residents,
            $rest
        )
    };
}

/// A small city for sweeps, so that each replication takes about a
/// millisecond.
pub const SMALL: &[&str] = &["--set", "population.residents=100000"];

/// Runs `survsim sweep ARGS --out OUT`.
pub fn sweep(args: &[&str], out: &std::path::Path) -> std::process::Output {
    survsim()
        .arg("sweep")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// Asserts a command succeeded, showing its output if not, and returns it.
pub fn ok(out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Headless Chromium's flags for the browser tests: no sandbox
/// (containers) and no network chatter (this machine's network is closed);
/// each caller adds a fresh `--user-data-dir`.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// The Chromium the browser tests run — `$SURVSIM_CHROMIUM`,
/// `/usr/bin/chromium`, or one on the `PATH` — or `None` when there is none
/// and `SURVSIM_SKIP_BROWSER=1` says to skip. Otherwise a missing Chromium
/// fails the test (CI installs it).
pub fn chromium() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let found = std::env::var_os("SURVSIM_CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/usr/bin/chromium")])
        .chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .flat_map(|d| ["chromium", "chromium-browser", "google-chrome"].map(|n| d.join(n))),
        )
        .find(|p| p.is_file());
    if found.is_none() && std::env::var("SURVSIM_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("SURVSIM_SKIP_BROWSER=1 and no Chromium: the browser test is skipped");
        return None;
    }
    Some(found.expect(
        "Chromium is needed for the browser tests (apt-get install -y chromium), \
         or set SURVSIM_SKIP_BROWSER=1 to skip them",
    ))
}
