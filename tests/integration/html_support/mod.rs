//! Helpers shared by the HTML report's tests: reading the figures a page
//! carries, and the page's run-time element.
#![allow(dead_code)]

use serde_json::Value;

/// A figure as the page writes it: `data-key`, `data-value` and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub key: String,
    pub value: String,
    pub text: String,
}

/// Every `<span class="fig" …>` of a page (or of a DOM that Chromium
/// serialised: it keeps the attributes in the order written).
pub fn figures(html: &str) -> Vec<Figure> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<span class=\"fig\" data-key=\"") {
        rest = &rest[at + "<span class=\"fig\" data-key=\"".len()..];
        let (key, after) = rest.split_once('"').expect("a closing quote");
        let after = after
            .strip_prefix(" data-value=\"")
            .expect("data-value after data-key");
        let (value, after) = after.split_once('"').expect("a closing quote");
        let after = after.strip_prefix('>').expect("the tag's end");
        let (text, after) = after.split_once("</span>").expect("the span's end");
        out.push(Figure {
            key: key.into(),
            value: value.into(),
            text: text.into(),
        });
        rest = after;
    }
    out
}

/// The JSON report's value of a headline key: a total or a ratio.
pub fn json_value<'a>(json: &'a Value, key: &str) -> &'a Value {
    let total = &json["totals"][key];
    if !total.is_null() {
        return total;
    }
    assert!(
        json["totals"].get(key).is_some() || json["ratios"].get(key).is_some(),
        "{key} is neither a total nor a ratio in the JSON"
    );
    &json["ratios"][key]
}

/// The figures every run's page must carry in its headline.
pub const HEADLINE_KEYS: [&str; 8] = [
    "faces_captured",
    "people_scanned",
    "true_alerts",
    "false_alerts",
    "wrongful_stops",
    "false_arrests",
    "faces_per_true_alert",
    "alert_precision",
];

/// Asserts that every figure of `html` equals the JSON's, exactly (as
/// the JSON writes the number), that its text rounds it, and that every
/// headline key is there.
pub fn assert_figures_match_json(html: &str, json: &Value) {
    let figs = figures(html);
    for key in HEADLINE_KEYS {
        // A ratio without a denominator (no true alert) is null in the
        // JSON, and shown without a figure.
        let defined = !json_value(json, key).is_null();
        assert_eq!(
            figs.iter().any(|f| f.key == key),
            defined,
            "figure {key} in the page: JSON {}",
            json_value(json, key)
        );
    }
    for f in &figs {
        let expected = json_value(json, &f.key);
        let written: Value = serde_json::from_str(&f.value)
            .unwrap_or_else(|e| panic!("{}: data-value {:?} is not a number: {e}", f.key, f.value));
        assert_eq!(
            &written, expected,
            "{}: page {} vs JSON {}",
            f.key, f.value, expected
        );
        assert_text_rounds(f, expected.as_f64().expect("a number"));
    }
}

/// The figure's text is its value rounded: `143,152`, `1 in 73,411`,
/// `5.7 %`, `0.3`.
fn assert_text_rounds(f: &Figure, value: f64) {
    let text = f.text.trim_start_matches("1 in ");
    let (number, scale) = match text.strip_suffix(" %") {
        Some(n) => (n, 100.0),
        None => (text, 1.0),
    };
    let shown: f64 = number
        .replace(',', "")
        .parse()
        .unwrap_or_else(|e| panic!("{}: text {:?} is not a number: {e}", f.key, f.text));
    let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
    let half_unit = 0.5 * 10f64.powi(-(decimals as i32)) + 1e-9;
    assert!(
        (shown - value * scale).abs() <= half_unit,
        "{}: text {:?} does not round {}",
        f.key,
        f.text,
        value
    );
}

/// The page without its run-time element's content: the one part that
/// differs between two runs of the same command.
pub fn without_run_time(html: &str) -> String {
    let open = "<span id=\"run-time\">";
    let start = html.find(open).expect("a run-time element") + open.len();
    let end = start + html[start..].find("</span>").expect("its end");
    format!("{}{}", &html[..start], &html[end..])
}

/// Asserts that `html` can neither fetch nor run anything: no tag that
/// loads or runs (script, link, img, iframe…), no `src`/`href` attribute,
/// no event handler, and no `url(`/`@import` in its style sheet. Text the
/// user wrote is escaped, so every literal `<` opens a real tag.
pub fn assert_self_contained(html: &str) {
    let lower = html.to_ascii_lowercase();
    for tag in lower.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            ![
                "script", "link", "img", "iframe", "object", "embed", "image", "use", "a", "base",
                "form"
            ]
            .contains(&name.as_str()),
            "the page has a <{name}> tag"
        );
        for word in tag.split_whitespace().skip(1) {
            let attribute = word.split('=').next().unwrap_or_default();
            let handler = attribute.starts_with("on") && word.contains('=');
            assert!(
                !handler && !["src", "href", "xlink:href", "srcset", "action"].contains(&attribute),
                "the page has an attribute {word:?} in <{tag}>"
            );
        }
    }
    let style = lower
        .split("<style>")
        .nth(1)
        .and_then(|s| s.split("</style>").next())
        .unwrap_or_default();
    assert!(
        !style.contains("url(") && !style.contains("@import"),
        "the style sheet fetches"
    );
}
