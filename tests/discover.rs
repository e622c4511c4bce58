//! Finding one's way: "did you mean" for mistyped keys, names and commands.

mod common;

use common::{exit_of, scenario_file};

#[test]
fn a_mistyped_key_in_a_file_is_named_with_the_key_it_meant() {
    let dir = tempfile::tempdir().unwrap();
    let text = survsim::scenario::DEFAULT_SCENARIO.replacen("duration =", "duraton =", 1);
    let path = scenario_file(dir.path(), "city.toml", &text);
    let (code, err) = exit_of(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "key `simulation.duraton`: unknown key `duraton` (did you mean `duration`?), \
             expected one of `name`, `description`, `duration`"
        ),
        "{err}"
    );
    // Still placed at the key's line.
    let line = text.lines().position(|l| l.starts_with("duraton")).unwrap() + 1;
    assert!(err.contains(&format!("city.toml:{line}:1:")), "{err}");
}

#[test]
fn set_and_vary_paths_get_the_same_suggestion() {
    for args in [
        &["run", "--set", "simulation.duraton=12h"][..],
        &["check", "--set", "simulation.duraton=12h"],
        &[
            "sweep",
            "--vary",
            "simulation.duraton=1h,2h",
            "--out",
            "/nonexistent/never-created",
        ],
    ] {
        let (code, err) = exit_of(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("(did you mean `duration`?)"), "{err}");
        assert!(err.contains(&format!("(with {} ", args[1])), "{err}");
    }
    for (set, meant) in [
        ("simulaton.duration=1h", "simulation"),
        ("matcher.thresold=0.6", "threshold"),
        ("population.residnts=5", "residents"),
        ("sites.central-statin.cameras=2", "central-station"),
        ("simulation.mode=batc", "batch"),
    ] {
        let (code, err) = exit_of(&["check", "--set", set]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("(did you mean `{meant}`?)")),
            "{set}: {err}"
        );
    }
    // Nothing close: no guess.
    let (_, err) = exit_of(&["check", "--set", "matcher.nope=1"]);
    assert!(!err.contains("did you mean"), "{err}");
    assert!(err.contains("unknown key `nope`, expected one of"), "{err}");
}

#[test]
fn mistyped_names_of_scenarios_commands_and_targets_are_suggested() {
    let (code, err) = exit_of(&["check", "met-esex-2019"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("(did you mean `met-essex-2019`?)"), "{err}");
    // clap's own suggestion for a subcommand.
    let (code, err) = exit_of(&["swep"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a similar subcommand exists: 'sweep'"),
        "{err}"
    );
    let (code, err) = exit_of(&[
        "stress",
        "neoface-300fps-stadium",
        "--target",
        "drop-rat=0.1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("(did you mean `drop-rate`?)"), "{err}");
    let (code, err) = exit_of(&["run", "--events", "-", "--events-kinds", "alrt"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("(did you mean `alert`?)"), "{err}");
}
