//! Bad input through the real binary: every mistake is exit status 2, nothing
//! on stdout, and one paragraph on stderr that names the file (or `--set`),
//! the key path, the line and column where the parser knows them, and what
//! was expected — never a panic, never a hang.
//!
//! Each test starts from [`BASE`], a minimal valid scenario, and breaks one
//! thing. Locations are `file:LINE:COL` of the key's entry: for a value error
//! the column of the value, for an unknown key the column of the key.

use crate::bad_input_support;

use assert_cmd::cargo::cargo_bin_cmd;
use bad_input_support::*;
use std::time::Duration;

#[test]
fn base_scenario_is_valid() {
    let file = File::new(BASE);
    cargo_bin_cmd!("survsim")
        .args(["check", file.arg()])
        .timeout(Duration::from_secs(20))
        .assert()
        .success();
}

// ---------------------------------------------------------------- the file

#[test]
fn missing_file() {
    let file = File::missing();
    let stderr = fails(&["run", file.arg()]);
    assert_mentions(
        &stderr,
        &[
            &format!("{}: ", file.name()),
            "cannot read the scenario file",
        ],
    );
}

#[test]
fn file_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("binary.toml");
    std::fs::write(&path, b"\xff\xfe[population]\n").unwrap();
    let stderr = fails(&["check", path.to_str().unwrap()]);
    assert_mentions(&stderr, &[&format!("{}: ", path.display()), "UTF-8"]);
}

#[test]
fn malformed_toml_unclosed_table_header() {
    let file = File::new(&base_with("[watchlist]", "[watchlist"));
    let stderr = fails(&["check", file.arg()]);
    assert_mentions(
        &stderr,
        &[&format!("{}:6:11: ", file.name()), "invalid TOML", "`]`"],
    );
}

#[test]
fn malformed_toml_unterminated_string() {
    let file = File::new(&base_with("name = \"a\"", "name = \"a"));
    let stderr = fails(&["run", file.arg()]);
    assert_mentions(
        &stderr,
        &[&format!("{}:4:10: ", file.name()), "invalid TOML", "`\"`"],
    );
}

// ------------------------------------------------------------- wrong types

#[test]
fn string_where_number_expected() {
    located(
        "check",
        &base_with("residents = 1000", "residents = \"many\""),
        2,
        13,
        "population.residents",
        &["invalid type", "\"many\"", "expected"],
    );
}

#[test]
fn string_where_number_expected_in_array_of_tables() {
    located(
        "check",
        &base_with("name = \"a\"\n", "name = \"a\"\ncameras = \"two\"\n"),
        5,
        11,
        "sites[0].cameras",
        &["invalid type", "\"two\"", "expected"],
    );
}

#[test]
fn number_where_duration_expected() {
    located(
        "check",
        &format!("{BASE}[simulation]\nduration = 5\n"),
        9,
        12,
        "simulation.duration",
        &["invalid type", "5", "expected a duration string", "\"24h\""],
    );
}

// ------------------------------------------------------------ unknown keys

#[test]

fn unknown_key_at_top_level() {
    located(
        "check",
        &format!("colour = \"red\"\n{BASE}"),
        1,
        1,
        "colour",
        &["unknown key `colour`", "expected one of", "`population`"],
    );
}

#[test]

fn unknown_key_in_a_section() {
    located(
        "check",
        &base_with("residents = 1000\n", "residents = 1000\ncolour = 3\n"),
        3,
        1,
        "population.colour",
        &["unknown key `colour`", "`residents`", "`groups`"],
    );
}

#[test]
fn unknown_key_in_an_array_of_tables_element() {
    located(
        "check",
        &base_with("name = \"a\"\n", "name = \"a\"\ncolour = \"red\"\n"),
        5,
        1,
        "sites[0].colour",
        &["unknown key `colour`", "`footfall_per_hour`"],
    );
}

// ------------------------------------------------------------------ groups

const TWO_GROUPS: &str = "[population]
residents = 1000
[[population.groups]]
name = \"x\"
share = 0.5
[[population.groups]]
name = \"y\"
share = 0.3
[[sites]]
name = \"a\"
footfall_per_hour = 100
[watchlist]
size = 100
";

#[test]
fn group_shares_do_not_sum_to_one() {
    located(
        "check",
        TWO_GROUPS,
        3,
        1,
        "population.groups",
        &["sum to 1", "0.8"],
    );
}

#[test]
fn group_share_outside_unit_interval() {
    // The shares sum to 1, so only the range check can catch them.
    let text = TWO_GROUPS
        .replacen("share = 0.3", "share = 1.5", 1)
        .replacen(
            "[[sites]]",
            "[[population.groups]]\nname = \"z\"\nshare = -1.0\n[[sites]]",
            1,
        );
    located(
        "check",
        &text,
        8,
        9,
        "population.groups[1].share",
        &["expected a share in [0, 1]", "1.5"],
    );
}

// ------------------------------------------------------------------- sites

#[test]
fn negative_footfall() {
    located(
        "check",
        &base_with("footfall_per_hour = 100", "footfall_per_hour = -5"),
        5,
        21,
        "sites[0].footfall_per_hour",
        &["≥ 0", "-5"],
    );
}

#[test]
fn hourly_footfall_with_23_values() {
    let hours = vec!["100"; 23].join(", ");
    located(
        "check",
        &base_with(
            "footfall_per_hour = 100",
            &format!("footfall_per_hour = [{hours}]"),
        ),
        5,
        21,
        "sites[0].footfall_per_hour",
        &["24 hourly rates", "got 23"],
    );
}

#[test]
fn duplicate_site_names() {
    located(
        "check",
        &format!("{BASE}[[sites]]\nname = \"a\"\nfootfall_per_hour = 5\n"),
        9,
        8,
        "sites[1].name",
        &["\"a\"", "used twice"],
    );
}

#[test]
fn deployment_window_with_impossible_hours() {
    located(
        "check",
        &base_with(
            "footfall_per_hour = 100\n",
            "footfall_per_hour = 100\nactive = [\"25:00-26:00\"]\n",
        ),
        6,
        11,
        "sites[0].active[0]",
        &[
            "\"25:00-26:00\"",
            "expected a daily window",
            "\"10:00-16:00\"",
        ],
    );
}

#[test]
fn deployment_window_that_is_empty() {
    located(
        "check",
        &base_with(
            "footfall_per_hour = 100\n",
            "footfall_per_hour = 100\nactive = [\"08:00-09:00\", \"10:00-10:00\"]\n",
        ),
        6,
        26,
        "sites[0].active[1]",
        &["\"10:00-10:00\"", "empty"],
    );
}

#[test]
fn faces_and_footfall_both_given() {
    located(
        "check",
        &base_with(
            "footfall_per_hour = 100\n",
            "footfall_per_hour = 100\nfaces = 5000\n",
        ),
        6,
        9,
        "sites[0].faces",
        &["either `faces`", "`footfall_per_hour`", "not both"],
    );
}

#[test]
fn neither_faces_nor_footfall() {
    // A missing key points at its table, the site.
    located(
        "check",
        &base_with("footfall_per_hour = 100\n", ""),
        3,
        1,
        "sites[0].footfall_per_hour",
        &["expected `footfall_per_hour`", "or `faces`"],
    );
}

#[test]
fn negative_faces() {
    located(
        "check",
        &base_with("footfall_per_hour = 100", "faces = -3"),
        5,
        9,
        "sites[0].faces",
        &["≥ 0", "-3"],
    );
}

#[test]
fn hourly_profile_needs_faces_and_24_weights() {
    let hours = vec!["1"; 23].join(", ");
    located(
        "check",
        &base_with(
            "footfall_per_hour = 100\n",
            &format!("faces = 5000\nhourly_profile = [{hours}]\n"),
        ),
        6,
        18,
        "sites[0].hourly_profile",
        &["24 hourly weights", "got 23"],
    );
    located(
        "check",
        &base_with(
            "footfall_per_hour = 100\n",
            "footfall_per_hour = 100\nhourly_profile = [1]\n",
        ),
        6,
        18,
        "sites[0].hourly_profile",
        &["shapes `faces`"],
    );
}

#[test]
fn surges_on_top_of_faces() {
    located(
        "check",
        &base_with(
            "footfall_per_hour = 100\n",
            "faces = 5000\nsurges = [{ at = \"10:00\", duration = \"1h\", people = 50 }]\n",
        ),
        6,
        10,
        "sites[0].surges",
        &["total", "hourly_profile"],
    );
}

// ------------------------------------------------------- values out of range

#[test]
fn probability_above_one() {
    located(
        "check",
        &format!("{BASE}[review]\np_confirm_false = 1.5\n"),
        9,
        19,
        "review.p_confirm_false",
        &["expected a probability in [0, 1]", "1.5"],
    );
}

#[test]
fn threshold_outside_score_range() {
    located(
        "check",
        &format!("{BASE}[matcher]\nthreshold = 150\nscore_range = [0, 100]\n"),
        9,
        13,
        "matcher.threshold",
        &["score range [0, 100]", "150"],
    );
}

#[test]
fn zero_length_duration() {
    located(
        "check",
        &format!("{BASE}[simulation]\nduration = \"0s\"\n"),
        9,
        12,
        "simulation.duration",
        &["\"0s\"", "above zero"],
    );
}

#[test]
fn duration_that_is_not_a_duration() {
    located(
        "check",
        &format!("{BASE}[simulation]\nduration = \"soon\"\n"),
        9,
        12,
        "simulation.duration",
        &["`soon` is not a duration", "\"24h\""],
    );
}

// ------------------------------------------- absurd sizes: refuse, fast

#[test]
fn absurd_residents() {
    located(
        "run",
        &base_with("residents = 1000", "residents = 10000000000000"),
        2,
        13,
        "population.residents",
        &["expected from 1 to", "10000000000000"],
    );
}

#[test]
fn absurd_watchlist() {
    located(
        "run",
        &base_with("size = 100", "size = 10000000000000"),
        7,
        8,
        "watchlist.size",
        &["expected from 1 to", "10000000000000"],
    );
}

#[test]
fn footfall_beyond_the_face_limit() {
    // 10^14 people an hour for a day: 2.4e15 faces, over the face engine's
    // 2e10 limit; the residents engine has no limit on alerts but memory,
    // and ≈ 4e9 alerts at eight bytes each and more are beyond this
    // machine's.
    let huge = base_with("footfall_per_hour = 100", "footfall_per_hour = 1e14");
    let faces = format!("{huge}[simulation]\nengine = \"faces\"\n");
    located(
        "run",
        &faces,
        3,
        1,
        "sites",
        &["2.400e15 faces", "limit of 2e10"],
    );
    located(
        "run",
        &huge,
        3,
        1,
        "sites",
        &["2.400e15 faces", "alerts", "GB of memory"],
    );
}

// --------------------------------------------------------------- watchlist

#[test]
fn wanted_present_above_watchlist_size() {
    located(
        "check",
        &format!("{BASE}wanted_present = 101\n"),
        8,
        18,
        "watchlist.wanted_present",
        &["expected at most the watchlist size", "101"],
    );
}

#[test]
fn wanted_present_and_prevalence_both_given() {
    located(
        "check",
        &format!("{BASE}wanted_present = 1\nwanted_prevalence = 0.001\n"),
        9,
        21,
        "watchlist.wanted_prevalence",
        &["either wanted_present", "not both"],
    );
}

#[test]
fn wanted_prevalence_out_of_range_or_above_the_watchlist() {
    located(
        "check",
        &format!("{BASE}wanted_prevalence = -0.5\n"),
        8,
        21,
        "watchlist.wanted_prevalence",
        &["per resident in [0, 1]", "-0.5"],
    );
    // 0.2 × 1,000 residents = 200 wanted, more than the 100 entries.
    located(
        "check",
        &format!("{BASE}wanted_prevalence = 0.2\n"),
        8,
        21,
        "watchlist.wanted_prevalence",
        &[
            "at most the watchlist size",
            "got 200 (0.2 × 1000 residents)",
        ],
    );
}

#[test]
fn group_mix_with_unknown_group() {
    located(
        "check",
        &format!("{BASE}wanted_present = 10\ngroup_mix = {{ everyone = 0.5, nobody = 0.5 }}\n"),
        9,
        40,
        "watchlist.group_mix.nobody",
        &["\"nobody\" is not a group"],
    );
}

// ------------------------------------------------------------------- --set

#[test]

fn set_unknown_key() {
    let file = File::new(BASE);
    let stderr = fails(&["check", file.arg(), "--set", "matcher.nope=1"]);
    assert_mentions(
        &stderr,
        &[
            &format!("{} (with --set matcher.nope=1): ", file.name()),
            "key `matcher.nope`: ",
            "unknown key `nope`",
            "`threshold`",
        ],
    );
}

#[test]

fn set_index_out_of_range() {
    let file = File::new(BASE);
    let stderr = fails(&["run", file.arg(), "--set", "sites[7].cameras=1"]);
    assert_mentions(
        &stderr,
        &[
            &file.name(),
            "--set sites[7].cameras=1",
            "key `sites[7].cameras`: ",
            "index below 1",
        ],
    );
}

#[test]
fn set_without_equals() {
    let file = File::new(BASE);
    let stderr = fails(&["check", file.arg(), "--set", "population.residents"]);
    assert_mentions(
        &stderr,
        &["--set population.residents: ", "expected key.path=value"],
    );
}

#[test]
fn set_with_wrong_type() {
    let file = File::new(BASE);
    let stderr = fails(&["check", file.arg(), "--set", "population.residents=abc"]);
    assert_mentions(
        &stderr,
        &[
            &format!(
                "{} (with --set population.residents=abc): key `population.residents`: ",
                file.name()
            ),
            "invalid type",
            "\"abc\"",
            "expected",
        ],
    );
}

#[test]
fn set_bad_value_on_builtin_default() {
    let stderr = fails(&["run", "-q", "--set", "review.p_confirm_false=1.5"]);
    assert_mentions(
        &stderr,
        &[
            "<built-in default scenario> (with --set review.p_confirm_false=1.5): ",
            "key `review.p_confirm_false`: ",
            "expected a probability in [0, 1]",
        ],
    );
}

// ------------------------------------------------------------------- flags

#[test]
fn zero_reps_is_a_usage_error() {
    let file = File::new(BASE);
    // clap's usage errors are its own multi-paragraph format.
    let stderr = fails_with_usage_status(&["run", file.arg(), "--reps", "0"]);
    assert_mentions(&stderr, &["--reps", "'0'"]);
}

#[test]
fn more_sites_than_16_bit_ids_hold_are_refused() {
    // The engine stores site ids as index + 1 in 16 bits: 65,534 sites is the
    // most, so BASE's site and 65,534 more is one too many.
    let mut text = BASE.to_string();
    for i in 0..65_534 {
        text.push_str(&format!(
            "[[sites]]\nname = \"s{i}\"\nfootfall_per_hour = 0\n"
        ));
    }
    let file = File::new(&text);
    let stderr = fails(&["check", file.arg()]);
    assert_mentions(&stderr, &["key `sites`", "at most 65534 sites", "65535"]);
}

#[test]
fn negative_new_wanted_per_day() {
    located(
        "run",
        &format!("{BASE}new_wanted_per_day = -1\n"),
        8,
        22,
        "watchlist.new_wanted_per_day",
        &["expected wanted people added per day", "-1"],
    );
}

#[test]
fn time_on_list_of_zero() {
    located(
        "check",
        &format!("{BASE}time_on_list = \"0s\"\n"),
        8,
        16,
        "watchlist.time_on_list",
        &["longer than 0", "0s"],
    );
}

#[test]
fn time_on_list_not_a_duration() {
    located(
        "check",
        &format!("{BASE}time_on_list = \"soon\"\n"),
        8,
        16,
        "watchlist.time_on_list",
        &["not a duration", "soon"],
    );
}

#[test]
fn more_new_wanted_than_residents() {
    located(
        "check",
        &format!("{BASE}new_wanted_per_day = 2000\n"),
        8,
        22,
        "watchlist.new_wanted_per_day",
        &["2000 wanted people added", "1000 residents"],
    );
}
