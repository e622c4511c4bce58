//! The integration tests: one binary, one module per concern, as ripgrep
//! keeps its tests (`tests/integration/main.rs`). Each module runs the
//! binary as a user would, or the library as a library user would; the
//! `*_support` modules and `common` are their shared helpers.
//!
//! One binary links the crate once rather than once per file. Run one
//! module's tests with a filter: `cargo test --release --test integration
//! engines::`.

mod bad_input_support;
mod browser_support;
#[macro_use]
mod common;
mod html_support;
mod serve_support;

mod bad_input;
mod cells;
mod charts;
mod cli;
mod cli_manners;
mod custody;
mod deployments;
mod discover;
mod docs;
mod engines;
mod events;
mod exposure;
mod fit;
mod fuzz_repros;
mod hostile;
mod html_browser;
mod html_report;
mod intervals;
mod live;
mod long_results;
mod matcher_rates;
mod memory;
mod pipeline;
mod pipeline_threads;
mod proptest_scenarios;
mod record;
mod records;
mod redraw;
mod report_words;
mod response;
mod sensitivity;
mod serve;
mod serve_browser;
mod serve_fuzz;
mod serve_hardening;
mod statistics;
mod stress;
mod sweep;
mod sweep_charts;
mod sweep_linked;
mod sweep_pi;
mod sweep_pipeline;
mod table_width;
mod time_of_day;
mod turnover;
mod uncertainty;
