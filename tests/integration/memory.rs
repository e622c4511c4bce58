//! Memory, as a user meets it: a long sweep stays within a small
//! address-space limit (its replications are streamed to their point files
//! and gathered one point at a time), and a run or sweep that needs more
//! than the process may take — under `ulimit -v` as under the machine's
//! `MemAvailable` — is refused with exit status 2, the figure and the key
//! that asks for the memory, placed where it was written, rather than
//! aborting when an allocation fails.
//!
//! The limits are set with `setrlimit(RLIMIT_AS)` in the child before it
//! runs the binary, as `ulimit -v` or `prlimit --as` would.
#![cfg(target_os = "linux")]

use crate::common;

use common::{scenario_file, survsim};
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

/// `survsim ARGS` under an address-space limit of `bytes`.
fn under_limit(bytes: u64, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_survsim"));
    cmd.args(args);
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs
    // between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    cmd.output().expect("survsim runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A town whose replications take a fraction of a millisecond.
const TINY: &str = "[simulation]\nduration = \"1h\"\nseed = 1\n[population]\nresidents = 1000\n\
                    [[sites]]\nname = \"s\"\nfootfall_per_hour = 20\n\
                    [watchlist]\nsize = 100\nwanted_present = 1\n";

#[test]
fn a_long_sweep_runs_in_bounded_memory() {
    // 2 linked points × 10,000 replications. Holding each replication's
    // histograms until its point was in took over 400 MB of address space
    // (it aborted); streamed, the sweep fits in a fraction of 512 MB.
    let dir = tempfile::tempdir().unwrap();
    let town = scenario_file(dir.path(), "tiny.toml", TINY);
    let out = dir.path().join("sweep");
    let run = under_limit(
        512 << 20,
        &[
            "sweep",
            town.to_str().unwrap(),
            "--vary",
            "watchlist.size,watchlist.wanted_present=100,1;200,2",
            "--reps",
            "10000",
            "--fixed-parameters",
            "--threads",
            "2",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{:?}: {}", run.status, stderr(&run));
    let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(results.lines().count(), 3, "{results}");
    // Every replication's counts are in the point files and the long results.
    let long = std::fs::read_to_string(out.join("results-long.csv")).unwrap();
    let last = long.lines().last().unwrap();
    assert!(last.starts_with("1,9999,"), "{last}");
}

#[test]
fn a_run_that_needs_more_than_ulimit_v_is_refused_with_the_figure() {
    // The face engine keeps 16 bytes a resident: 1.6 GB for 10⁸, over a
    // 1 GB address-space limit, whatever the machine's free memory.
    let set = "population.residents=100000000";
    let run = under_limit(1 << 30, &["run", "--engine", "faces", "--set", set, "-q"]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("(with --set {set}): key `population.residents`"))
            && err.contains("one replication needs 1.6 GB of memory")
            && err.contains("GB is available"),
        "{err}"
    );
    if err.contains("ulimit -v") {
        // Unless the machine has less than 1 GB free, the limit is named.
        assert!(
            err.contains("under the address-space limit (ulimit -v)"),
            "{err}"
        );
    }
    // A sweep's points are checked before anything is written.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let sweep = under_limit(
        1 << 30,
        &[
            "sweep",
            "--engine",
            "faces",
            "--set",
            set,
            "--vary",
            "matcher.threshold=0.6,0.62",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let err = stderr(&sweep);
    assert_eq!(sweep.status.code(), Some(2), "{err}");
    assert!(err.contains("key `population.residents`"), "{err}");
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_pipelines_memory_refusal_names_the_site_and_hour_where_they_were_set() {
    // 2³¹ people an hour at the stadium's gates, 19:00–20:00: the pipeline
    // would buffer 69 GB of faces. Under a 1 GB limit it is refused on any
    // machine.
    let set = "sites.0.footfall_per_hour[19]=2147483648";
    let run = under_limit(
        1 << 30,
        &["run", "neoface-300fps-stadium", "--set", set, "-q"],
    );
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "<bundled scenario neoface-300fps-stadium> (with --set {set}): \
             key `sites[0].footfall_per_hour[19]`: one replication needs 68.8 GB"
        )) && err.contains("site \"stadium-gates\" at 19:00–20:00"),
        "{err}"
    );
    // Written in a file, the refusal gives its line and column.
    let bundled = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/neoface-300fps-stadium.toml"
    ))
    .unwrap();
    let text = bundled.replacen("40000, 35000,", "40000, 2147483648,", 1);
    assert_ne!(text, bundled);
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(dir.path(), "stadium.toml", &text);
    let (line, col) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("2147483648").map(|c| (i + 1, c + 1)))
        .unwrap();
    let run = under_limit(1 << 30, &["run", file.to_str().unwrap(), "-q"]);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "stadium.toml:{line}:{col}: key `sites[0].footfall_per_hour[19]`"
        )),
        "{err}"
    );
    // `check` reads the same file without running it.
    assert!(
        survsim()
            .args(["check", file.to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .success()
    );
}

#[test]
fn check_says_what_a_run_needs_in_memory_only_when_it_is_a_gigabyte_or_more() {
    // The face engine keeps 16 bytes a resident: 1.6 GB for 10⁸ residents,
    // worth a line of `check`; the default's few megabytes are not.
    let big = survsim()
        .args(["check", "--set", "population.residents=100000000"])
        .args(["--set", "simulation.engine=\"faces\""])
        .output()
        .unwrap();
    let err = stderr(&big);
    assert!(big.status.success(), "{err}");
    assert!(
        err.contains("survsim: note: one replication needs 1.6 GB of memory"),
        "{err}"
    );
    let small = survsim().arg("check").output().unwrap();
    let err = stderr(&small);
    assert!(small.status.success(), "{err}");
    assert!(!err.contains("of memory"), "{err}");
}
