//! What a report says beside its figures (issue 29): sources beside the
//! values they are for, units a reader can read, no rows for machinery a
//! scenario does not have, and rates a reader can picture.

mod common;

use common::{succeeded, survsim};
use std::path::Path;

/// `survsim run ARGS -q --html PAGE`: the table on standard output, and
/// the page.
fn table_and_page(dir: &Path, args: &[&str]) -> (String, String) {
    let html = dir.join("report.html");
    let table = succeeded(
        survsim()
            .arg("run")
            .args(args)
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
    let comment = cells.split("</td><td>").nth(1).expect("a comment cell");
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
