//! `survsim serve`'s page in headless Chromium, driven over the DevTools
//! protocol on `--remote-debugging-pipe` (file descriptors 3 and 4,
//! NUL-separated JSON: no WebSocket, no extra crate, offline): the page
//! loads; moving the threshold control updates the result without a
//! reload, and its false-alert figure then equals `survsim run`'s for
//! that threshold; pinning a baseline and changing the threshold again
//! shows the comparison of the two. A screenshot is taken at 1280 px;
//! `SURVSIM_UPDATE_SCREENSHOT=1` copies it to `docs/img/serve.png`. And,
//! with a token and a name of another site resolved to 127.0.0.1 (as DNS
//! rebinding would), the page under that name is refused, while under the
//! server's own, opened once with `?token=`, it works on the cookie.
//!
//! Chromium is found as for `tests/integration/html_browser.rs`; without it the test
//! fails unless `SURVSIM_SKIP_BROWSER=1`.

use crate::browser_support;
use crate::common;
use crate::serve_support;

use base64::Engine as _;
use browser_support::{Browser, View};
use common::{chromium, succeeded, survsim};
use serde_json::{Value, json};
use serve_support::Server;

/// `survsim run --set matcher.threshold=T --reps 40`'s mean false alerts
/// (serve's default replications).
fn cli_false_alerts(threshold: &str) -> Value {
    let out = succeeded(
        survsim()
            .args(["run", "--set", &format!("matcher.threshold={threshold}")])
            .args(["--reps", "40", "--format", "json", "-q"])
            .output()
            .unwrap(),
    );
    let json: Value = serde_json::from_slice(&out).unwrap();
    json["totals"]["false_alerts"].clone()
}

/// The page's false-alert figure, as its `data-value` (JSON's number).
const FALSE_ALERTS: &str =
    "JSON.parse(document.querySelector('#result [data-key=\"false_alerts\"]').dataset.value)";

/// Sets the threshold control as a user would, and fires its change.
fn set_threshold(b: &mut Browser, value: &str) {
    let before = b.eval("Number(document.body.dataset.updates || 0)");
    b.eval(&format!(
        "(() => {{ const el = document.getElementById('lv-threshold'); el.value = '{value}'; \
         el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); return true; }})()"
    ));
    b.wait_for(&format!(
        "Number(document.body.dataset.updates || 0) > {before} && document.body.dataset.state === 'ready'"
    ));
}

#[test]
fn the_page_updates_compares_and_matches_the_cli() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&[]);
    let mut b = Browser::launch(&chromium, &[]);
    b.open_tab();
    b.call(
        "Page.navigate",
        json!({ "url": format!("http://{}/", server.address) }),
    );
    b.wait_for("document.body && document.body.dataset.state === 'ready'");
    b.eval("window.survsimMarker = 'same page'");
    assert_eq!(b.eval(FALSE_ALERTS), cli_false_alerts("0.6"));

    // Moving the threshold reruns without a reload, and agrees with the CLI.
    set_threshold(&mut b, "0.58");
    assert_eq!(
        b.eval("window.survsimMarker"),
        json!("same page"),
        "no reload"
    );
    let at_058 = b.eval(FALSE_ALERTS);
    assert_eq!(at_058, cli_false_alerts("0.58"));
    assert_ne!(at_058, cli_false_alerts("0.6"), "the figure changed");
    assert!(
        b.eval("location.search")
            .as_str()
            .unwrap()
            .contains("matcher.threshold%3D0.58"),
        "the URL carries the override"
    );

    // Pin it, move on: the comparison shows both and their difference.
    b.eval("document.getElementById('pin').click(), true");
    set_threshold(&mut b, "0.62");
    let cell = |b: &mut Browser, side: &str| {
        b.eval(&format!(
            "JSON.parse(document.querySelector('#compare [data-key=\"false_alerts\"][data-side=\"{side}\"]').dataset.value)"
        ))
    };
    assert_eq!(cell(&mut b, "base"), at_058);
    let what_if = cell(&mut b, "what-if");
    assert_eq!(what_if, cli_false_alerts("0.62"));
    let diff = cell(&mut b, "diff").as_f64().unwrap();
    let expected = what_if.as_f64().unwrap() - at_058.as_f64().unwrap();
    assert!(
        (diff - expected).abs() < 1e-9,
        "difference {diff} vs {expected}"
    );

    // The comparison, as the README shows it.
    let shot = b.call("Page.captureScreenshot", json!({ "format": "png" }));
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    if std::env::var("SURVSIM_UPDATE_SCREENSHOT").as_deref() == Ok("1") {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/img/serve.png");
        std::fs::write(path, &png).unwrap();
    }

    // Bad input: the message beside the control, the last result kept.
    b.eval(
        "(() => { const el = document.getElementById('lv-watchlist'); el.value = '-5'; \
         el.dispatchEvent(new Event('change')); return true; })()",
    );
    b.wait_for("document.body.dataset.state === 'error'");
    let message = b.eval("document.getElementById('err-lv-watchlist').textContent");
    assert!(
        message.as_str().unwrap().contains("watchlist.size"),
        "{message}"
    );
    assert_eq!(b.eval(FALSE_ALERTS), what_if, "the last good result stays");
}

#[test]
fn a_rebound_name_is_refused_and_the_token_s_cookie_opens_the_page() {
    let Some(chromium) = chromium() else { return };
    let token = "browser-t0ken";
    let (server, _) = Server::start_with(&[], &[("SURVSIM_TOKEN", token)]);
    let port = server.address.port();
    let mut b = Browser::launch(
        &chromium,
        &["--host-resolver-rules=MAP rebound.test 127.0.0.1"],
    );
    b.open_tab();
    // Another site's name, resolved to this machine: the browser sends it
    // as Host, and the server refuses, token or not.
    b.call(
        "Page.navigate",
        json!({ "url": format!("http://rebound.test:{port}/?token={token}") }),
    );
    b.wait_for("document.readyState === 'complete' && document.body !== null");
    b.wait_for("document.body.textContent.includes('answers requests addressed to')");
    assert_eq!(
        b.eval("document.getElementById('controls') === null"),
        json!(true)
    );
    // The server's own name, with the token once: the page, on its cookie.
    b.call(
        "Page.navigate",
        json!({ "url": format!("http://127.0.0.1:{port}/?token={token}") }),
    );
    b.wait_for("document.body && document.body.dataset.state === 'ready'");
    assert_eq!(b.eval("location.search.includes('token')"), json!(false));
    assert_eq!(b.eval(FALSE_ALERTS), cli_false_alerts("0.6"));
}

/// Sets a lever as a user would, and waits for the rerun.
fn set_lever(b: &mut Browser, id: &str, value: &str) {
    let before = b.eval("Number(document.body.dataset.updates || 0)");
    b.eval(&format!(
        "(() => {{ const el = document.getElementById('{id}'); el.value = '{value}'; \
         el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); return true; }})()"
    ));
    b.wait_for(&format!(
        "Number(document.body.dataset.updates || 0) > {before} && document.body.dataset.state === 'ready'"
    ));
}

#[test]
fn on_a_phone_the_result_comes_first_and_the_page_prints() {
    let Some(chromium) = chromium() else { return };
    let server = Server::start(&[]);
    let mut b = Browser::launch(&chromium, &[]);
    b.open_tab();
    b.view(View::Phone);
    b.open(&format!("http://{}/", server.address));
    b.wait_for("document.body.dataset.state === 'ready'");
    // The result on the first screen; the controls a closed bar at its foot.
    assert_eq!(
        b.eval("document.getElementById('controls-box').open"),
        json!(false)
    );
    let screen = b.eval("window.innerHeight").as_f64().unwrap();
    let result_top = b.eval("document.getElementById('result').getBoundingClientRect().top");
    assert!(
        result_top.as_f64().unwrap() < screen / 2.0,
        "result at {result_top}"
    );
    let bar = b.eval(
        "(() => { const r = document.querySelector('#controls-box > summary').getBoundingClientRect(); \
         return [r.top, r.bottom, r.height]; })()",
    );
    assert!(bar[2].as_f64().unwrap() > 0.0, "the bar is shown: {bar}");
    assert!(
        bar[1].as_f64().unwrap() <= screen + 1.0,
        "the bar is on screen: {bar}"
    );
    // Opened, it shows the levers, each with the value in force (or, for
    // the capture share, which differs by site, what it would replace).
    b.eval("document.querySelector('#controls-box > summary').click(), true");
    assert_eq!(
        b.eval("document.getElementById('controls-box').open"),
        json!(true)
    );
    let unset = b.eval(
        "Array.from(document.querySelectorAll('[data-lever]')).filter((el) => el.value === '' && el.placeholder === '').map((el) => el.id)",
    );
    assert_eq!(unset, json!([]), "levers without a value in force");
    // Raising the list's size alone says that it adds no wanted people.
    set_lever(&mut b, "lv-watchlist", "20000");
    let note = b.eval("document.getElementById('note-lv-watchlist').textContent");
    assert!(
        note.as_str().unwrap().contains("wanted people present"),
        "{note}"
    );
    set_lever(&mut b, "lv-wanted", "40");
    assert_eq!(
        b.eval("document.getElementById('note-lv-watchlist').textContent"),
        json!("")
    );
    // With a comparison on the page too: nothing too wide, no tiny text,
    // on the phone and printed; in print the controls are not there.
    b.eval("document.getElementById('pin').click(), true");
    set_lever(&mut b, "lv-threshold", "0.62");
    let mut problems = Vec::new();
    for view in [View::Phone, View::A4Print] {
        let (found, texts) = b.layout_problems(view);
        assert!(texts >= 20, "{view:?}: only {texts} chart texts");
        problems.extend(found);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        b.eval("getComputedStyle(document.getElementById('controls-box')).display"),
        json!("none"),
        "printed: the controls are left out"
    );
}
