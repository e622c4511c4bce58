//! The HTML report in a real browser: headless Chromium loads the page,
//! which must render without a console message (a blocked script or fetch
//! is one), with the headline figures of `run --format json` in its DOM,
//! and a screenshot is taken at 1280 px.
//!
//! Chromium is found at `$SURVSIM_CHROMIUM`, `/usr/bin/chromium`, or as
//! `chromium`, `chromium-browser` or `google-chrome` on the PATH. Without
//! it the test FAILS (CI installs it: `.ci/run`), unless
//! `SURVSIM_SKIP_BROWSER=1` is set. `SURVSIM_UPDATE_SCREENSHOT=1` copies
//! the default scenario's screenshot to `docs/img/html-report.png`.

use crate::browser_support;
use crate::common;
use crate::html_support;

use common::{CHROMIUM_FLAGS, chromium, succeeded, survsim};
use html_support::{assert_figures_match_json, assert_self_contained, figures};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What headless Chromium made of a page.
struct Loaded {
    /// The DOM after loading, serialised.
    dom: String,
    /// Console messages (`:CONSOLE:` log lines): errors, blocked scripts
    /// and blocked fetches all land here.
    console: Vec<String>,
}

/// Chromium's flags: no sandbox (containers), no network chatter, a fresh
/// profile each time.
fn browser(chromium: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// Loads `page` and returns its DOM and console messages.
fn load(chromium: &Path, page: &Path) -> Loaded {
    let profile = tempfile::tempdir().unwrap();
    let out = browser(chromium, profile.path())
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("Chromium runs");
    assert!(
        out.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Loaded {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console: String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(String::from)
            .collect(),
    }
}

/// Takes a screenshot of `page`, `width` wide, and returns the PNG.
fn screenshot(chromium: &Path, page: &Path, width: u32, height: u32) -> Vec<u8> {
    let profile = tempfile::tempdir().unwrap();
    let png = profile.path().join("shot.png");
    let out = browser(chromium, profile.path())
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("Chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&png).expect("a screenshot")
}

/// A PNG's width and height, from its IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Writes `survsim run ARGS` as a page and as JSON into `dir`.
fn report(dir: &Path, args: &[&str]) -> (PathBuf, serde_json::Value) {
    let (html, json) = (dir.join("report.html"), dir.join("report.json"));
    succeeded(
        survsim()
            .arg("run")
            .args(args)
            .args(["-q", "--format", "json", "-o"])
            .arg(&json)
            .arg("--html")
            .arg(&html)
            .output()
            .unwrap(),
    );
    let json = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (html, json)
}

#[test]
fn the_console_check_catches_a_script_error() {
    // The check below must be able to fail: a page with a failing script
    // shows up on the console.
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("canary.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction()</script></body></html>",
    )
    .unwrap();
    let loaded = load(&chromium, &page);
    assert!(
        loaded.console.iter().any(|l| l.contains("Uncaught")),
        "the script error was not seen: {:?}",
        loaded.console
    );
}

#[test]
fn the_default_report_renders_with_its_figures_and_no_console_message() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (page, json) = report(dir.path(), &["--reps", "40"]);
    let loaded = load(&chromium, &page);
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    assert!(
        loaded.dom.contains("<h1>default-city</h1>"),
        "the page did not render"
    );
    assert!(
        loaded.dom.contains("7 · Assumptions"),
        "the page is cut short"
    );
    // The DOM, not only the file, holds the JSON's figures.
    assert!(figures(&loaded.dom).len() >= 8);
    assert_figures_match_json(&loaded.dom, &json);
    let png = screenshot(&chromium, &page, 1280, 1500);
    let (width, height) = png_size(&png);
    assert_eq!((width, height), (1280, 1500));
    if std::env::var("SURVSIM_UPDATE_SCREENSHOT").as_deref() == Ok("1") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/img/html-report.png");
        std::fs::write(&path, &png).unwrap();
        eprintln!("wrote {}", path.display());
    }
}

#[test]
fn a_script_in_the_scenario_never_runs() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("xss.toml");
    std::fs::write(
        &scenario,
        concat!(
            "[simulation]\nname = \"<script>alert(1)</script>\"\n",
            "# <script>document.title = 'pwned'</script> & co\n",
            "description = \"<img src=x onerror=alert(2)>\"\nduration = \"2h\"\n\n",
            "[population]\nresidents = 20_000\n\n",
            "[[sites]]\nname = \"<svg onload=alert(3)>\"\ncameras = 1\nfootfall_per_hour = 2000\n\n",
            "[watchlist]\nsize = 1000\nwanted_present = 2\n",
        ),
    )
    .unwrap();
    let (page, json) = report(dir.path(), &[scenario.to_str().unwrap(), "--reps", "2"]);
    let loaded = load(&chromium, &page);
    assert!(loaded.console.is_empty(), "console: {:?}", loaded.console);
    // No element or attribute the parser made out of the scenario's text.
    assert_self_contained(&loaded.dom);
    assert!(loaded.dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The title is the page's own: the comment's script did not set it.
    assert!(
        loaded
            .dom
            .contains("<title>survsim report — &lt;script&gt;alert(1)&lt;/script&gt;</title>")
    );
    assert_figures_match_json(&loaded.dom, &json);
}

/// Pages as their readers see them (issue 29): on a 390 px phone, printed
/// on A4 (print media, 688 px between the margins) and on a 1400 px
/// screen, no table is wider than its box, the page never scrolls
/// sideways, and no chart text is drawn below 9 px. The run pages cover
/// the default scenario, eight groups (london-borough-day), a pipeline's
/// tables (neoface-300fps-stadium) and a year's schedule
/// (met-2024-25-deployments); and a sweep's page.
#[test]
fn pages_fit_a_phone_a4_paper_and_a_wide_screen() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut pages = Vec::new();
    let runs: [(&str, &[&str]); 4] = [
        ("default", &["--reps", "40"]),
        ("london", &["london-borough-day", "--reps", "3"]),
        (
            "stadium",
            &["neoface-300fps-stadium", "--set", "simulation.duration=2h"],
        ),
        ("met", &["met-2024-25-deployments"]),
    ];
    for (name, args) in runs {
        let page = dir.path().join(format!("{name}.html"));
        succeeded(
            survsim()
                .arg("run")
                .args(args)
                .args(["-q", "-o", "/dev/null", "--html"])
                .arg(&page)
                .output()
                .unwrap(),
        );
        pages.push(page);
    }
    let sweep = dir.path().join("sweep");
    succeeded(
        survsim()
            .args(["sweep", "--vary", "matcher.threshold=0.58:0.62:0.02"])
            .args(["--vary", "watchlist.size=1000,100000", "--reps", "3", "-q"])
            .args(["--html", "--out"])
            .arg(&sweep)
            .output()
            .unwrap(),
    );
    pages.push(sweep.join("report.html"));
    let mut b = browser_support::Browser::launch(&chromium, &[]);
    b.open_tab();
    let mut problems = Vec::new();
    for page in &pages {
        b.open(&format!("file://{}", page.display()));
        for view in browser_support::View::ALL {
            let (found, texts) = b.layout_problems(view);
            assert!(
                texts >= 20,
                "{}: only {texts} chart texts measured",
                page.display()
            );
            let name = page.file_name().unwrap().to_string_lossy();
            problems.extend(found.into_iter().map(|p| format!("{name} {p}")));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
