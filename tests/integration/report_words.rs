//! What a report says beside its figures (issue 29): sources beside the
//! values they are for, units a reader can read, no rows for machinery a
//! scenario does not have, and rates a reader can picture.

use crate::common;

use common::{succeeded, survsim};
use std::path::Path;

/// `survsim run ARGS -q --html PAGE`: the table on standard output, and
/// the page.
fn table_and_page(dir: &Path, args: &[&str]) -> (String, String) {
    let html = dir.join("report.html");
    // Without -q: with --html, -q leaves standard output empty.
    let table = succeeded(
        survsim()
            .arg("run")
            .args(args.iter().filter(|a| **a != "-q"))
            .arg("--html")
            .arg(&html)
            .output()
            .unwrap(),
    );
    (
        String::from_utf8(table).unwrap(),
        std::fs::read_to_string(&html).unwrap(),
    )
}

/// The assumptions table's comment cell on the row of `key`.
fn comment_of<'a>(page: &'a str, key: &str) -> &'a str {
    let row = format!("<td class=\"key\">{key}</td>");
    let at = page.find(&row).unwrap_or_else(|| panic!("no row {key}"));
    let cells = &page[at + row.len()..];
    let comment = cells.split("<td").nth(2).expect("a comment cell");
    let comment = &comment[comment.find('>').unwrap() + 1..];
    comment.split("</td>").next().unwrap()
}

#[test]
fn each_source_sits_beside_its_own_value() {
    let dir = tempfile::tempdir().unwrap();
    let (_, page) = table_and_page(dir.path(), &["london-borough-day", "-q"]);
    let levels = "population.dimensions[1].levels";
    assert_eq!(
        comment_of(&page, &format!("{levels}[0]")),
        "Home Office 2025: 3 %"
    );
    assert_eq!(
        comment_of(&page, &format!("{levels}[1]")),
        "NIST 10×; HO: 9 %"
    );
    assert_eq!(
        comment_of(&page, &format!("{levels}[2]")),
        "HO: 11 % of minorities"
    );
    assert_eq!(comment_of(&page, &format!("{levels}[3]")), "");
    assert_eq!(
        comment_of(&page, "population.dimensions[0].levels[0]"),
        "LPEP: 38 % stay away"
    );
}

#[test]
fn latencies_are_in_seconds_or_minutes_with_their_unit() {
    let dir = tempfile::tempdir().unwrap();
    let (table, page) = table_and_page(dir.path(), &["--reps", "3", "-q"]);
    let latency = table
        .split("\nLATENCY")
        .nth(1)
        .unwrap_or_else(|| panic!("no LATENCY section:\n{table}"));
    let (head, rows) = latency.split_once('\n').unwrap();
    assert!(!head.contains("ms"), "{head}");
    let review = rows.lines().next().unwrap();
    assert!(review.starts_with("alert to review"), "{review}");
    // Every percentile and the maximum carry a unit; none is six digits
    // of milliseconds.
    let units = review.matches(" s").count() + review.matches(" min").count();
    assert!(units >= 5, "{review}");
    assert!(!review.contains(",0") && !review.contains(",1"), "{review}");
    let html = page.split("<h3>Latency").nth(1).expect("a latency table");
    assert!(
        html.contains(" s</td>") || html.contains(" min</td>"),
        "{html}"
    );
}

#[test]
fn machinery_a_scenario_lacks_has_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (table, page) = table_and_page(dir.path(), &["-q"]);
    for row in ["dropped by the pipeline", "decided too late (pipeline)"] {
        assert!(!table.contains(row), "{row} in the table:\n{table}");
        assert!(!page.contains(row), "{row} in the page");
    }
    // With a pipeline they are there, in the table and in the funnel.
    let (table, page) = table_and_page(
        dir.path(),
        &[
            "neoface-300fps-stadium",
            "--set",
            "simulation.duration=1h",
            "-q",
        ],
    );
    for row in ["dropped by the pipeline", "decided too late (pipeline)"] {
        assert!(table.contains(row), "no {row} in the table:\n{table}");
    }
    assert!(page.contains("dropped by the pipeline"));
}

#[test]
fn cards_count_events_at_rates_a_reader_pictures_and_give_no_cli_advice() {
    let dir = tempfile::tempdir().unwrap();
    let (_, page) = table_and_page(dir.path(), &["-q", "--reps", "40"]);
    assert!(
        !page.contains("innocent people flagged"),
        "an alert is not a person"
    );
    assert!(page.contains("Alerts that named someone who is not wanted: about "));
    assert!(page.contains("in a year of such days"));
    // A mean below one a day reads as "one every N days", not "0.4".
    let arrests = page
        .split("Arrests of someone who is not wanted: ")
        .nth(1)
        .expect("the false arrests card");
    assert!(
        arrests.starts_with("about one every ") || arrests.starts_with("about one a day"),
        "{}",
        &arrests[..80]
    );
    // One run: no advice to run the CLI differently, and no file of
    // survsim's source the reader lacks.
    let (_, page) = table_and_page(dir.path(), &["-q"]);
    // Quiet, with a page to write: nothing on standard output or error.
    let quiet = survsim()
        .args(["run", "-q", "--html"])
        .arg(dir.path().join("quiet.html"))
        .output()
        .unwrap();
    assert!(quiet.status.success());
    assert_eq!((quiet.stdout.len(), quiet.stderr.len()), (0, 0));
    for advice in ["use --reps", "--reps for", "defaults (scenarios/README.md)"] {
        assert!(!page.contains(advice), "{advice:?} in the page");
    }
    assert!(page.contains("one run: no interval"));
    assert!(page.contains("none in the runs simulated") || page.contains("about one every"));
}

#[test]
fn a_time_of_day_over_several_days_says_it_sums_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_, page) = table_and_page(
        dir.path(),
        &["--set", "simulation.duration=72h", "-q", "--reps", "2"],
    );
    let section = page.split("id=\"time-of-day\"").nth(1).unwrap();
    let section = section.split("</section>").next().unwrap();
    assert!(!section.contains("per hour"), "a bar sums three days' hour");
    assert!(section.contains("3 days summed"), "{section}");
    // A day's run keeps "per hour".
    let (_, page) = table_and_page(dir.path(), &["-q"]);
    assert!(page.contains("Faces captured per hour"));
}
