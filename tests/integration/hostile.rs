//! Hostile input and faults (issue 18): no crash, no runaway memory, no
//! clobbered files. Each test reproduces a failure found by fuzzing.

use crate::common;

use common::{exit_of, succeeded, survsim};
use std::path::Path;

#[test]
fn f1_deep_key_paths_are_refused_not_a_stack_overflow() {
    let deep = vec!["a"; 30_000].join(".");
    let (code, err) = exit_of(&["check", "--set", &format!("{deep}=1")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at most 4096 bytes"), "{err}");
    // The message quotes the key abbreviated, not 60 KB of it.
    assert!(err.len() < 400, "{} bytes of error", err.len());
    let many = vec!["a"; 100].join(".");
    let (code, err) = exit_of(&["check", "--set", &format!("{many}=1")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("at most 64 keys"), "{err}");
    // In a sweep's --vary too (parsed before any worker starts).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let deep = vec!["a"; 10_000].join(".");
    let (code, err) = exit_of(&[
        "sweep",
        "--vary",
        &format!("{deep}=1,2"),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 2, "{err}");
    // Deeply nested values and files hit the TOML parser's depth limit.
    let nested = format!("matcher.threshold={}", "[".repeat(100_000));
    assert_eq!(exit_of(&["check", "--set", &nested]).0, 2);
    let file = dir.path().join("deep.toml");
    std::fs::write(
        &file,
        format!("a = {}{}", "[".repeat(50_000), "]".repeat(50_000)),
    )
    .unwrap();
    assert_eq!(exit_of(&["check", file.to_str().unwrap()]).0, 2);
}

#[test]
fn f2_an_unwritable_standard_error_is_not_a_panic() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        eprintln!("no /dev/full here: skipped");
        return;
    }
    let stderr = std::fs::OpenOptions::new().write(true).open(full).unwrap();
    for args in [
        vec!["run", "--set", "matcher.threshold=5"],
        vec!["run", "--set", "simulation.duration=1h"],
    ] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_survsim"))
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(stderr.try_clone().unwrap())
            .status()
            .unwrap();
        let code = status.code();
        assert!(code == Some(2) || code == Some(0), "{args:?}: {code:?}");
    }
}

#[cfg(unix)]
#[test]
fn f3_outputs_never_replace_special_files() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A symlink is followed: the target is replaced, the link stays.
    let target = d.join("target.txt");
    std::fs::write(&target, "old").unwrap();
    let link = d.join("link.txt");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, err) = exit_of(&["run", "-q", "-o", link.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&target).unwrap().contains("FUNNEL"));
    // The same for the latency log and the event log.
    let log_target = d.join("latency.hlog");
    std::fs::write(&log_target, "").unwrap();
    let log_link = d.join("latency-link.hlog");
    std::os::unix::fs::symlink(&log_target, &log_link).unwrap();
    let events_target = d.join("events.ndjson");
    std::fs::write(&events_target, "").unwrap();
    let events_link = d.join("events-link.ndjson");
    std::os::unix::fs::symlink(&events_target, &events_link).unwrap();
    let report = d.join("report.txt");
    let (code, err) = exit_of(&[
        "run",
        "-q",
        "--set",
        "simulation.duration=1h",
        "--latency-log",
        log_link.to_str().unwrap(),
        "--events",
        events_link.to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    for (link, target) in [(&log_link, &log_target), (&events_link, &events_target)] {
        assert!(
            std::fs::symlink_metadata(link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(std::fs::metadata(target).unwrap().len() > 0);
    }
    // A dangling symlink and a directory are refused, before simulating.
    let dangling = d.join("dangling");
    std::os::unix::fs::symlink(d.join("missing/x"), &dangling).unwrap();
    for path in [dangling.to_str().unwrap(), d.to_str().unwrap()] {
        let (code, err) = exit_of(&["run", "-q", "-o", path]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(path), "{err}");
    }
    // A FIFO is written, not replaced.
    let fifo = d.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (code, err) = exit_of(&["run", "-q", "-o", fifo.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(reader.join().unwrap().contains("FUNNEL"));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    // A character device is written, not replaced (/dev/null; as root, a
    // rename over it would have replaced the system's device node).
    let (code, err) = exit_of(&["run", "-q", "-o", "/dev/null", "--latency-log", "/dev/null"]);
    assert_eq!(code, 0, "{err}");
    let null = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(
        null.file_type().is_char_device(),
        "/dev/null is still a device"
    );
}

#[test]
fn a_missing_output_directory_fails_before_simulating_and_names_the_path() {
    let (code, err) = exit_of(&["run", "-o", "/nonexistent-survsim-dir/x.txt"]);
    assert_ne!(code, 0);
    assert!(err.contains("/nonexistent-survsim-dir/x.txt"), "{err}");
    assert!(!err.contains(".survsim-"), "names a temporary file: {err}");
    assert!(!err.contains("simulated"), "simulated first: {err}");
}

#[test]
fn f9_scenario_files_are_read_with_a_size_limit() {
    if Path::new("/dev/zero").exists() {
        let (code, err) = exit_of(&["check", "/dev/zero"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("at most 16 MB"), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(17 << 20))).unwrap();
    let (code, err) = exit_of(&["check", big.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    // F16: an empty scenario says so plainly.
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "\n").unwrap();
    let (code, err) = exit_of(&["check", empty.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty"), "{err}");
}

#[test]
fn f13_seeds_beyond_toml_integers_are_refused_at_the_flag() {
    let (code, err) = exit_of(&["run", "--seed", "9223372036854775808", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--seed"), "{err}");
    assert!(!err.contains("--set"), "blames a --set: {err}");
    assert_eq!(exit_of(&["check", "--seed", "9223372036854775807"]).0, 0);
}

#[test]
fn f8_products_are_checked_before_they_are_built() {
    let dir = tempfile::tempdir().unwrap();
    // 8 dimensions of 10 levels: 10⁸ groups, refused before building them.
    let mut text = String::from(
        "[watchlist]\nsize = 10\n[population]\nresidents = 1000\n[[sites]]\nname = \"s\"\nfootfall_per_hour = 10\n",
    );
    for d in 0..8 {
        text += &format!("[[population.dimensions]]\nname = \"d{d}\"\nlevels = [");
        for l in 0..10 {
            text += &format!("{{ name = \"l{l}\", share = 0.1 }},");
        }
        text += "]\n";
    }
    let file = dir.path().join("dims.toml");
    std::fs::write(&file, &text).unwrap();
    let (code, err) = exit_of(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("100000000 groups"), "{err}");
    // 100 × 100 groups × 100 zones × 1,000 sites: 10⁹ site shares.
    let mut text = String::from("[watchlist]\nsize = 10\n[population]\nresidents = 1000000\n");
    for d in 0..2 {
        text += &format!("[[population.dimensions]]\nname = \"d{d}\"\nlevels = [");
        for l in 0..100 {
            text += &format!("{{ name = \"l{l}\", share = 0.01 }},");
        }
        text += "]\n";
    }
    for z in 0..100 {
        text += &format!("[[zones]]\nname = \"z{z}\"\nshare = 0.01\n");
    }
    for s in 0..1000 {
        text += &format!("[[sites]]\nname = \"s{s}\"\nfootfall_per_hour = 10\n");
    }
    std::fs::write(&file, &text).unwrap();
    let (code, err) = exit_of(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`sites`") && err.contains("at most"), "{err}");
}

#[test]
fn f10_durations_whose_draws_are_not_finite_are_refused() {
    let (code, err) = exit_of(&[
        "check",
        "--set",
        r#"review.review_time={dist="lognormal", median="30s", sigma=1e3}"#,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("review.review_time"), "{err}");
    let (code, err) = exit_of(&[
        "check",
        "--set",
        r#"intervention.stop_duration={dist="exponential", mean="100000000000000y"}"#,
    ]);
    assert_eq!(code, 2, "{err}");
    // Ordinary spreads still pass.
    let ok = r#"review.review_time={dist="lognormal", median="30s", sigma=2}"#;
    assert_eq!(exit_of(&["check", "--set", ok]).0, 0);
}

#[test]
fn f5_workers_are_bounded_by_memory_and_refused_when_one_does_not_fit() {
    use survsim::drive::replicate::threads_within_memory;
    const BILLION: &str = "[population]\nresidents = 1000000000\n[watchlist]\nsize = 100\n\
         [[sites]]\nname = \"s\"\nfootfall_per_hour = 10\n";
    // The residents engine keeps nothing per resident: 8 kB per chunk of
    // 65,536 (0.13 GB here).
    let per_resident = common::scenario(BILLION, &[]);
    assert!(survsim::engine::memory_bytes(&per_resident.model) < 200_000_000);
    // The face engine keeps a 16-byte record per resident.
    let sc = common::scenario(BILLION, &["simulation.engine=\"faces\""]);
    let per_engine = survsim::engine::memory_bytes(&sc.model);
    assert!(per_engine >= 16_000_000_000, "{per_engine}");
    // Room for one engine: one worker, whatever was asked.
    assert_eq!(
        threads_within_memory(&sc.model, 8, Some(20_000_000_000)).unwrap(),
        1
    );
    assert_eq!(
        threads_within_memory(&sc.model, 8, Some(40_000_000_000)).unwrap(),
        2
    );
    // No room: refused, naming the key and the figure.
    let err = threads_within_memory(&sc.model, 2, Some(8_000_000_000)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("population.residents") && text.contains("16.0 GB"),
        "{text}"
    );
}

#[test]
fn f6_stress_searches_are_capped_and_loads_checked_like_run() {
    // A target no load can break is refused, not searched for ever.
    for target in ["drop-rate=1", "utilisation=1"] {
        let (code, err) = exit_of(&["stress", "neoface-300fps-stadium", "--target", target]);
        assert_eq!(code, 2, "{target}: {err}");
        assert!(err.contains("--target"), "{err}");
    }
    // A fixed load is held to run's limits.
    for load in ["1e7", "1e300"] {
        let (code, err) = exit_of(&[
            "stress",
            "neoface-300fps-stadium",
            "--target",
            "drop-rate=0.01",
            "--solve",
            "matchers",
            "--load",
            load,
        ]);
        assert_eq!(code, 2, "--load {load}: {err}");
        assert!(err.contains("--load") && err.contains("faces"), "{err}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn f4_replications_are_aggregated_in_bounded_memory() {
    // 20,000 replications of a tiny town: kept whole they took 0.75 MB each
    // (15 GB); aggregated as they finish they fit in 3 GB of address space.
    let bin = env!("CARGO_BIN_EXE_survsim");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 3000000 && exec '{bin}' run --set population.residents=1000 \
             --set simulation.duration=1h --reps 20000 -q --format json"
        ))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&succeeded(out)).unwrap();
    assert_eq!(v["scenario"]["replications"], 20000);
}

#[test]
fn gathering_as_replications_finish_gives_the_same_report() {
    use survsim::drive::replicate::{for_each_replication, run_replications};
    use survsim::report::{Gathered, Report};
    let sc = common::scenario(
        survsim::scenario::DEFAULT_SCENARIO,
        &["simulation.duration=3h"],
    );
    let outcomes = run_replications(&sc.model, 9, 2);
    let mut gathered = Gathered::default();
    let mut order = Vec::new();
    for_each_replication(&sc.model, 9, 3, |r, o| {
        order.push(r);
        gathered.add(o);
    });
    assert_eq!(order, (0..9).collect::<Vec<_>>(), "replication order");
    let a = Report::new(&sc.model, "x", &[], &outcomes).to_json();
    let b = Report::from_gathered(&sc.model, "x", &[], &gathered).to_json();
    assert_eq!(a, b);
}

#[test]
fn f7_a_pipelines_hour_of_faces_is_counted_before_it_is_buffered() {
    use survsim::drive::replicate::threads_within_memory;
    // 10⁸ faces in an hour through a pipeline: about 4 GB of buffered faces.
    let sc = common::scenario(
        "[simulation]\nduration = \"1h\"\n[population]\nresidents = 1000\n\
         [watchlist]\nsize = 100\n[[sites]]\nname = \"s\"\nfootfall_per_hour = 1e8\n\
         [pipeline]\n",
        &[],
    );
    let need = survsim::engine::memory_bytes(&sc.model);
    assert!(need > 4_000_000_000, "{need}");
    let err = threads_within_memory(&sc.model, 2, Some(2_000_000_000)).unwrap_err();
    assert!(err.to_string().contains("pipeline"), "{err}");
    // Without the pipeline no face is buffered.
    let plain = common::scenario(
        "[simulation]\nduration = \"1h\"\n[population]\nresidents = 1000\n\
         [watchlist]\nsize = 100\n[[sites]]\nname = \"s\"\nfootfall_per_hour = 1e8\n",
        &[],
    );
    assert!(survsim::engine::memory_bytes(&plain.model) < 2_000_000);
}

#[cfg(target_os = "linux")]
#[test]
fn f15_interrupted_event_logs_leave_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hidden = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".survsim-"))
            .collect()
    };
    let long_run = |log: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_survsim"))
            .args([
                "run",
                "bench-city",
                "--set",
                "simulation.duration=\"30d\"",
                "-q",
            ])
            .arg("--events")
            .arg(d.join(log))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let wait_for_temporary = || {
        for _ in 0..200 {
            if !hidden(d).is_empty() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("no temporary file appeared");
    };
    // SIGTERM and SIGINT: the temporary file is removed on the way out.
    for signal in ["-TERM", "-INT"] {
        let mut child = long_run("events.ndjson");
        wait_for_temporary();
        let pid = child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args([signal, &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert!(hidden(d).is_empty(), "{signal} left {:?}", hidden(d));
        assert!(!d.join("events.ndjson").exists(), "no partial log");
    }
    // SIGKILL cannot be caught: the next run in the directory removes the
    // leftovers of processes that no longer exist.
    let mut child = long_run("events.ndjson");
    wait_for_temporary();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(hidden(d).len(), 1, "the killed run's file is left");
    let out = survsim()
        .args(["run", "--set", "simulation.duration=1h", "-q", "--events"])
        .arg(d.join("second.ndjson"))
        .arg("-o")
        .arg(d.join("report.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(hidden(d).is_empty(), "stale files: {:?}", hidden(d));
}

#[test]
fn a_panic_while_gathering_replications_ends_the_run_rather_than_hanging() {
    use survsim::drive::replicate::for_each_replication;
    let sc = common::scenario(
        survsim::scenario::DEFAULT_SCENARIO,
        &["simulation.duration=1h"],
    );
    // The consumer panics at the second replication, with workers running
    // ahead: the call must unwind, not wait for ever on the window.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for_each_replication(&sc.model, 50, 2, |r, _| {
            assert!(r < 1, "consumer fails at replication {r}");
        })
    }));
    assert!(result.is_err());
}

#[cfg(unix)]
#[test]
fn descriptors_and_other_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `-o /dev/stdout` writes to the descriptor: appended where the shell
    // opened it with >>, not renamed over the file.
    let all = d.join("all.txt");
    std::fs::write(&all, "earlier\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_survsim");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{bin}' run --set simulation.duration=1h -q -o /dev/stdout >> '{}'",
            all.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&all).unwrap();
    assert!(
        text.starts_with("earlier\n") && text.contains("FUNNEL"),
        "{text}"
    );
    // A file that merely looks like a temporary one is not cleaned up.
    let notes = d.join(".survsim-2024-notes.toml");
    std::fs::write(&notes, "mine").unwrap();
    let report = d.join("report.txt");
    let (code, err) = exit_of(&[
        "run",
        "--set",
        "simulation.duration=1h",
        "-q",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(notes.exists());
}

#[test]
fn f12_tables_written_as_arrays_are_refused_naming_the_key() {
    for (set, key) in [
        ("review=[]", "review"),
        (r#"sites.0=["x", 2, 500]"#, "sites[0]"),
        ("watchlist=[7]", "watchlist"),
        ("matcher.impostor=[0.2, 0.07]", "matcher.impostor"),
        ("watchlist.group_mix=[1]", "watchlist.group_mix"),
        ("pipeline=[]", "pipeline"),
    ] {
        let (code, err) = exit_of(&["check", "--set", set]);
        assert_eq!(code, 2, "--set {set}: {err}");
        assert!(err.contains(&format!("(with --set {set})")), "{err}");
        assert!(
            err.contains(&format!("key `{key}`: expected a table, got an array")),
            "{err}"
        );
    }
    // Other values in a table's place say what they are.
    let (code, err) = exit_of(&["check", "--set", "review=5"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("expected a table, got a whole number"),
        "{err}"
    );
    // In a file too, with the line and column.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("arrays.toml");
    std::fs::write(
        &file,
        "[population]\nresidents = 1000\n[watchlist]\nsize = 10\n\
         [[sites]]\nname = \"s\"\nfootfall_per_hour = 10\n[mobility]\nhome_bias = 2\n",
    )
    .unwrap();
    assert_eq!(exit_of(&["check", file.to_str().unwrap()]).0, 0);
    std::fs::write(
        &file,
        "review = []\n[population]\nresidents = 1000\n[watchlist]\nsize = 10\n\
         [[sites]]\nname = \"s\"\nfootfall_per_hour = 10\n",
    )
    .unwrap();
    let (code, err) = exit_of(&["check", file.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(":1:10: key `review`: expected a table, got an array"),
        "{err}"
    );
}

#[test]
fn f14_integer_ranges_are_counted_in_integers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let (code, err) = exit_of(&[
        "sweep",
        "--vary",
        "simulation.seed=9007199254740993:9007199254740995:1",
        "--set",
        "simulation.duration=1h",
        "--set",
        "population.residents=1000",
        "--reps",
        "1",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    let seeds: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        seeds,
        ["9007199254740993", "9007199254740994", "9007199254740995"]
    );
}

#[test]
fn f16_unknown_keys_made_by_a_set_are_blamed_on_the_set() {
    for (set, key) in [
        ("sites.0.a.b=1", "sites[0].a"),
        ("review.x.y.z=1", "review.x"),
        ("nope.x=1", "nope"),
    ] {
        let (code, err) = exit_of(&["check", "--set", set]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!(
                "<built-in default scenario> (with --set {set}): key `{key}`: unknown key"
            )),
            "{err}"
        );
        // No line number from the built-in file.
        assert!(!err.contains("scenario>:"), "{err}");
    }
    // An empty scenario says so plainly.
    let (code, err) = exit_of(&["check", "/dev/null"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("/dev/null: the scenario file is empty"),
        "{err}"
    );
}
