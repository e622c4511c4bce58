//! Arbitrary text as a scenario file: `Scenario::load` must refuse it or
//! load it, never panic, overflow the stack or run away with memory.

#![no_main]

use libfuzzer_sys::fuzz_target;
use survsim::scenario::{Scenario, ScenarioSource};

fuzz_target!(|data: &[u8]| {
    // Files that are not UTF-8 are refused before parsing (`ScenarioSource::read`).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = ScenarioSource {
        name: "fuzz.toml".to_string(),
        text: text.to_string(),
    };
    if let Err(e) = Scenario::load(source, &[]) {
        // Formatting the error must not panic either.
        let _ = e.to_string();
    }
});
