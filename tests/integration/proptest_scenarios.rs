//! Property: any scenario — the bundled default mutated at random, with
//! random `--set` overrides of real and unknown keys, to sensible and
//! nonsense values — either validates or is refused with an [`InputError`]
//! that names the key at fault. Nothing panics.
//!
//! Cases are bounded (256, fixed seed in proptest's deterministic mode) so
//! the test runs in a few seconds in release.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use survsim::scenario::{DEFAULT_SCENARIO, Override, Scenario, ScenarioSource};

/// Key paths of the default scenario (and a few it does not have, or that
/// no scenario has), for overrides and for removals.
const PATHS: &[&str] = &[
    "simulation",
    "population",
    "watchlist",
    "matcher",
    "review",
    "simulation.name",
    "simulation.duration",
    "simulation.seed",
    "simulation.mode",
    "simulation.bogus",
    "population.residents",
    "population.lookalike_spread",
    "population.reference_group",
    "population.groups",
    "population.groups[0].share",
    "population.groups[0].name",
    "population.groups[1].activity",
    "population.groups[1].fmr_multiplier",
    "population.groups[2].fnmr_multiplier",
    "population.groups[2].avoidance",
    "population.groups[2].colour",
    "population.dimensions",
    "sites",
    "sites[0].capture_share",
    "sites[0].footfall_per_hour",
    "sites[0].faces",
    "sites[1].hourly_profile",
    "sites[1].active",
    "sites[1].cameras",
    "sites[2].surges",
    "sites[3].zone",
    "sites[3].name",
    "sites.market-square.capture_share",
    "zones",
    "mobility.home_bias",
    "watchlist.size",
    "watchlist.wanted_present",
    "watchlist.wanted_prevalence",
    "watchlist.group_mix",
    "watchlist.group_mix.group-a",
    "matcher.profile",
    "matcher.rates_per",
    "matcher.threshold",
    "matcher.score_range",
    "matcher.impostor",
    "matcher.impostor.sd",
    "matcher.genuine.mean",
    "matcher.operating_points",
    "matcher.operating_points[0].threshold_assumed",
    "matcher.extrapolation_margin",
    "review.operators",
    "review.review_time",
    "review.p_confirm_true",
    "review.p_confirm_false",
    "intervention.officers",
    "intervention.window",
    "intervention.approach_time",
    "intervention.stop_duration",
    "intervention.p_arrest_correct",
    "pipeline.detection_faces_per_s",
    "pipeline.pools",
    "pipeline.pools[0].servers",
    "nonsense.key",
];

/// Values as they would be typed after `=`: TOML, or bare text (which
/// `--set` takes as a string).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        (0i64..100_000).prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| format!("{v:?}")),
        (-2.0f64..3.0).prop_map(|v| format!("{v:?}")),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("1e308".to_string()),
        Just("true".to_string()),
        Just("\"\"".to_string()),
        Just("\"12h\"".to_string()),
        Just("0s".to_string()),
        Just("-1h".to_string()),
        Just("367d".to_string()),
        Just("\"22:00-02:00\"".to_string()),
        Just("[\"25:00-26:00\"]".to_string()),
        Just("walk_past".to_string()),
        Just("searched_face".to_string()),
        Just("neoface-early".to_string()),
        Just("no-such-profile".to_string()),
        Just("batch".to_string()),
        Just("group-b".to_string()),
        Just("[0.0, 1.0]".to_string()),
        Just("[1.0, 0.0]".to_string()),
        Just("[1, \"a\", true]".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("{ dist = \"exponential\", mean = \"30s\" }".to_string()),
        Just("{ dist = \"lognormal\", median = \"30s\", sigma = -1 }".to_string()),
        Just("{ dist = \"uniform\", min = \"1m\", max = \"10s\" }".to_string()),
        Just("{ mean = 0.5, sd = -1 }".to_string()),
        Just("{ mean = 0.5 }".to_string()),
        Just("[{ threshold = 0.6, fpir = 2.0 }]".to_string()),
        Just("[{ threshold = 0.6, watchlist = 10, fpir = 1e-3, tpir = 0.5 }]".to_string()),
        Just("[{ name = \"x\", share = 1.0 }]".to_string()),
        Just("[{ name = \"x\", levels = [] }]".to_string()),
        Just("{ group-a = 2.0 }".to_string()),
        Just("[{ at = \"21:45\", duration = \"30m\", people = -5 }]".to_string()),
        "[a-z0-9 .:-]{0,12}",
    ]
}

/// One mutation of the scenario.
#[derive(Debug, Clone)]
enum Mutation {
    /// `--set PATH=VALUE`.
    Set(&'static str, String),
    /// Remove a key from the file itself.
    Remove(&'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let path = prop::sample::select(PATHS);
    prop_oneof![
        4 => (path.clone(), value()).prop_map(|(p, v)| Mutation::Set(p, v)),
        1 => path.prop_map(Mutation::Remove),
    ]
}

/// Removes a dotted path (with `[i]` indices) from a TOML table, if present.
fn remove(table: &mut toml::Table, path: &str) {
    let parts: Vec<&str> = path
        .split(['.', '[', ']'])
        .filter(|s| !s.is_empty())
        .collect();
    fn go(v: &mut toml::Value, parts: &[&str]) {
        let (first, rest) = parts.split_first().expect("non-empty path");
        match v {
            toml::Value::Table(t) if rest.is_empty() => {
                t.remove(*first);
            }
            toml::Value::Table(t) => {
                if let Some(child) = t.get_mut(*first) {
                    go(child, rest);
                }
            }
            toml::Value::Array(a) => {
                let Some(i) = first.parse::<usize>().ok().filter(|&i| i < a.len()) else {
                    return;
                };
                if rest.is_empty() {
                    a.remove(i);
                } else {
                    go(&mut a[i], rest);
                }
            }
            _ => {}
        }
    }
    let mut v = toml::Value::Table(std::mem::take(table));
    go(&mut v, &parts);
    if let toml::Value::Table(t) = v {
        *table = t;
    }
}

fn check(mutations: &[Mutation]) -> Result<(), TestCaseError> {
    let mut table: toml::Table = toml::from_str(DEFAULT_SCENARIO).expect("the default parses");
    let mut sets = Vec::new();
    for m in mutations {
        match m {
            Mutation::Remove(p) => remove(&mut table, p),
            Mutation::Set(p, v) => sets.push(
                format!("{p}={v}")
                    .parse::<Override>()
                    .map_err(|e| TestCaseError::fail(format!("override {p}={v}: {e}")))?,
            ),
        }
    }
    let text = toml::to_string(&table).expect("a table serialises");
    let source = ScenarioSource::from_text("mutated.toml", text);
    let result = Scenario::load(source, &sets);
    if std::env::var_os("SURVSIM_SHOW_CASES").is_some() {
        match &result {
            Ok(_) => eprintln!("ok       {mutations:?}"),
            Err(e) => eprintln!("refused  {e}"),
        }
    }
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let named = e.key_path.as_deref().is_some_and(|k| !k.is_empty());
            prop_assert!(
                named,
                "an error that names no key: {e}\nmutations: {mutations:?}"
            );
            Ok(())
        }
    }
}

#[test]
fn mutated_scenarios_validate_or_name_the_key_at_fault() {
    let config = Config {
        cases: 256,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    runner
        .run(&prop::collection::vec(mutation(), 1..5), |m| check(&m))
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn every_single_removal_or_nonsense_value_names_its_key() {
    // The exhaustive corner of the property: each path removed on its own,
    // and each path set to a few nonsense values.
    for path in PATHS {
        check(&[Mutation::Remove(path)]).unwrap_or_else(|e| panic!("{e}"));
        for v in ["nan", "-1", "[]", "{}", "\"\"", "true", "99999999999999999"] {
            check(&[Mutation::Set(path, v.to_string())]).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Keys whose value is a table in the default scenario (or in any scenario).
const TABLES: &[&str] = &[
    "simulation",
    "population",
    "watchlist",
    "matcher",
    "review",
    "intervention",
    "mobility",
    "pipeline",
    "sites[0]",
    "sites[3]",
    "population.groups[0]",
    "matcher.impostor",
    "matcher.genuine",
    "watchlist.group_mix",
];

/// Whole-number keys and the range their type holds.
const INTS: &[(&str, i128, i128)] = &[
    ("review.operators", 0, u32::MAX as i128),
    ("intervention.officers", 0, u32::MAX as i128),
    ("sites[0].cameras", 0, u32::MAX as i128),
    ("population.residents", 0, i64::MAX as i128),
    ("watchlist.size", 0, i64::MAX as i128),
    ("watchlist.wanted_present", 0, i64::MAX as i128),
    ("simulation.seed", 0, i64::MAX as i128),
];

/// A TOML scalar, for the elements of an array written where a table belongs.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| format!("{v:?}")),
        any::<bool>().prop_map(|v| v.to_string()),
        "\"[a-z0-9 :-]{0,8}\"",
        Just("\"30s\"".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
    ]
}

/// The error of `--set path=value` on the default scenario, which must be
/// refused; returns the key it names and its message.
fn refused(path: &str, value: &str) -> Result<(String, String), TestCaseError> {
    let set = format!("{path}={value}")
        .parse::<Override>()
        .map_err(|e| TestCaseError::fail(format!("override {path}={value}: {e}")))?;
    match Scenario::load(ScenarioSource::builtin_default(), &[set]) {
        Ok(_) => Err(TestCaseError::fail(format!(
            "--set {path}={value} was accepted"
        ))),
        Err(e) => Ok((e.key_path.clone().unwrap_or_default(), e.message.clone())),
    }
}

#[test]
fn tables_given_as_arrays_and_whole_numbers_out_of_range_are_refused() {
    let config = Config {
        cases: 256,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[11; 32]));
    let array_for_table = (
        prop::sample::select(TABLES),
        prop::collection::vec(scalar(), 0..5),
    );
    runner
        .run(&array_for_table, |(path, items)| {
            let (key, message) = refused(path, &format!("[{}]", items.join(", ")))?;
            prop_assert_eq!(key, path);
            prop_assert_eq!(message, "expected a table, got an array");
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let out_of_range = prop::sample::select(INTS).prop_flat_map(|(path, lo, hi)| {
        let below = (i64::MIN as i128..lo).prop_map(|v| v as i64);
        let above = (hi + 1..=i64::MAX as i128).prop_map(|v| v as i64);
        let value = if hi < i64::MAX as i128 {
            prop_oneof![below, above].boxed()
        } else {
            below.boxed()
        };
        (Just(path), value)
    });
    runner
        .run(&out_of_range, |(path, v)| {
            let (key, _) = refused(path, &v.to_string())?;
            prop_assert_eq!(key, path);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}
