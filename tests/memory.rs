//! Memory, as a user meets it: a long sweep stays within a small
//! address-space limit (its replications are streamed to their point files
//! and gathered one point at a time).
//!
//! The limits are set with `setrlimit(RLIMIT_AS)` in the child before it
//! runs the binary, as `ulimit -v` or `prlimit --as` would.
#![cfg(target_os = "linux")]

mod common;

use common::scenario_file;
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
