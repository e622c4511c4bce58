//! Arbitrary `--set key=value` strings, one per line, applied to the
//! built-in default scenario: parsing with `Override::from_str` and loading
//! with `Scenario::load` must refuse or accept them, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use survsim::scenario::{Override, Scenario, ScenarioSource};

/// As many `--set` flags as a command line plausibly carries.
const MAX_SETS: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sets = Vec::new();
    for line in text.lines().take(MAX_SETS) {
        match line.parse::<Override>() {
            Ok(o) => sets.push(o),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    if let Err(e) = Scenario::load(ScenarioSource::builtin_default(), &sets) {
        let _ = e.to_string();
    }
});
