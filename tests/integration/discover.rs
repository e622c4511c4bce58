//! Finding one's way: shell completions, the manual page, "did you mean"
//! for mistyped keys, names and commands, and the glossary in `--help`.

use crate::common;

use common::{exit_of, scenario_file, survsim};

fn stdout_of(args: &[&str]) -> String {
    let out = survsim().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_cover_every_command_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _survsim"),
        ("zsh", "#compdef survsim"),
        ("fish", "complete -c survsim"),
        ("elvish", "edit:completion:arg-completer[survsim]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for command in ["run", "check", "sweep", "merge", "stress", "live", "man"] {
            assert!(script.contains(command), "{shell}: no {command}");
        }
    }
    // Flags are completed too.
    assert!(stdout_of(&["completions", "bash"]).contains("--vary"));
    let (code, err) = exit_of(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("tcsh"), "{err}");
}

#[test]
fn the_manual_page_is_roff_with_the_glossary_and_each_command_has_one() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie"), "{}", &page[..40]);
    assert!(page.contains(".TH survsim 1"), "a title line");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", "Glossary"] {
        assert!(page.contains(section), "no {section}");
    }
    let run = stdout_of(&["man", "sweep"]);
    assert!(run.contains(".TH survsim-sweep 1"), "{}", &run[..200]);
    assert!(
        run.contains("\\-\\-vary"),
        "the sweep page documents --vary"
    );
    let (code, err) = exit_of(&["man", "swep"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean `sweep`?"), "{err}");
}

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

/// The glossary's terms, as both `--help` and the README define them.
const TERMS: [&str; 7] = [
    "FMR",
    "FNMR",
    "FPIR",
    "TPIR",
    "DET",
    "1 in N",
    "alert precision",
];

#[test]
fn the_glossary_is_in_the_long_help_and_the_readme() {
    let help = stdout_of(&["--help"]);
    let glossary = &help[help.find("Glossary").expect("a glossary in --help")..];
    for term in TERMS {
        assert!(
            glossary.lines().any(|l| l.trim_start().starts_with(term)),
            "--help defines {term}"
        );
    }
    assert!(glossary.contains("FPIR = 1 − (1 − FMR)^N"), "{glossary}");
    // The short help stays short.
    assert!(!stdout_of(&["-h"]).contains("Glossary"));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## Glossary").expect("a README glossary")..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    for term in TERMS {
        assert!(
            section.contains(&format!("**{term}**")),
            "the README defines {term}"
        );
    }
    assert!(section.contains("1 − (1 − FMR)^N"), "{section}");
}
