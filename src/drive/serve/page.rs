//! The one page `survsim serve` serves: the controls, an empty place for
//! the report, and a small inline script (`app.js`) that sends each change
//! and inserts what comes back. The report itself is rendered by the
//! server with the HTML report's own code and style sheet; the script only
//! places it.
//!
//! Every lever starts at the value in force — the file's, or the default
//! the file leaves out — so that a reader sees what the result assumes. On
//! a wide screen the controls sit left of the result; on a phone the result
//! comes first and the controls are a bar at the foot of the screen that
//! opens over it; in print only the result is shown.
//!
//! Every text the scenario supplies (its name, its values) is escaped
//! here; the scenario's site footfalls reach the script as JSON inside a
//! non-executed `<script type="application/json">`, with `<` escaped so
//! that no value can close the element.

use crate::format::round_for_people;
use crate::report::{esc, style_sheet};
use crate::scenario::{Scenario, ScenarioSource};
use crate::sweep::Headline;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// The page's script: vanilla JavaScript, no library.
const SCRIPT: &str = include_str!("app.js");

/// The page's own styles, after the report's.
const CSS: &str = r#"
body.serve { max-width: 1500px; padding: 16px 24px 48px; }
.layout { display: grid; grid-template-columns: 330px minmax(0, 1fr); grid-template-areas: "controls main";
  gap: 28px; align-items: start; }
.layout > main { grid-area: main; min-width: 0; }
#controls-box { grid-area: controls; position: sticky; top: 8px; font-size: 14px; }
#controls-box > summary { display: none; }
#controls fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 12px; padding: 8px 12px; }
#controls legend { font-weight: 600; }
.lever { margin: 6px 0; }
.lever label { display: block; font-weight: 600; }
.lever .hint { color: var(--muted); font-size: 12px; }
.lever .coupled { display: block; color: #8a4b00; font-size: 12px; }
.lever input, #controls textarea, #controls select { width: 100%; font: inherit; padding: 3px 6px; }
#controls textarea { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; min-height: 4.5em; }
.err { display: block; color: var(--false); font-size: 12.5px; white-space: pre-wrap; }
input[aria-invalid="true"], textarea[aria-invalid="true"] { border: 2px solid var(--false); }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.buttons a, .buttons button { font: inherit; font-size: 13px; padding: 4px 10px; border: 1px solid var(--accent);
  border-radius: 6px; background: #fff; color: var(--accent); text-decoration: none; cursor: pointer; }
#status { min-height: 1.4em; color: var(--muted); }
#progress { width: 100%; height: 6px; }
#compare:not(:empty) { border: 2px solid var(--accent); border-radius: 8px; padding: 0 14px 6px; margin-bottom: 16px; }
#compare h2 { border-top: 0; margin-top: 8px; }
#compare .scroll { overflow-x: auto; }
#pinned { font-size: 12.5px; color: var(--muted); word-break: break-all; }
#command { overflow-wrap: anywhere; }
@media screen and (max-width: 900px) {
  .layout { grid-template-columns: minmax(0, 1fr); grid-template-areas: "main"; }
  body.serve { padding: 12px 12px 72px; }
  #controls-box { position: fixed; left: 0; right: 0; bottom: 0; top: auto; z-index: 10; margin: 0;
    background: #fff; border-top: 2px solid var(--accent); box-shadow: 0 -4px 12px rgba(0,0,0,.12); }
  #controls-box > summary { display: block; padding: 10px 16px; font-weight: 600; color: var(--accent);
    cursor: pointer; }
  #controls-box > summary::after { content: " ▴"; }
  #controls-box[open] > summary::after { content: " ▾"; }
  #controls-box[open] > form { max-height: 70vh; overflow-y: auto; padding: 0 16px 12px; }
}
@media print {
  #controls-box, #status, #progress, #pinned, #sweep-status { display: none; }
  .layout { display: block; }
  body.serve { padding: 0; }
}
"#;

/// A lever: a control bound to a key (or to several, for the site-wide
/// footfall scale and capture share, which the script expands per site).
struct Lever {
    id: &'static str,
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    step: &'static str,
}

const LEVERS: [Lever; 10] = [
    Lever {
        id: "threshold",
        key: "matcher.threshold",
        label: "Matcher threshold",
        hint: "higher: fewer false and true alerts",
        step: "0.005",
    },
    Lever {
        id: "watchlist",
        key: "watchlist.size",
        label: "Watchlist size",
        hint: "entries searched against; a longer list adds false alerts, not wanted people (set the next lever too)",
        step: "1",
    },
    Lever {
        id: "wanted",
        key: "watchlist.wanted_present",
        label: "Wanted people present",
        hint: "watchlist members in the city: the list's size does not change them",
        step: "1",
    },
    Lever {
        id: "footfall",
        key: "footfall",
        label: "Footfall scale",
        hint: "× every site's footfall (or faces)",
        step: "0.1",
    },
    Lever {
        id: "capture",
        key: "capture",
        label: "Capture share",
        hint: "every site's share of passers captured",
        step: "0.05",
    },
    Lever {
        id: "operators",
        key: "review.operators",
        label: "Operators",
        hint: "reviewing alerts",
        step: "1",
    },
    Lever {
        id: "officers",
        key: "intervention.officers",
        label: "Officers",
        hint: "available to stop people",
        step: "1",
    },
    Lever {
        id: "confirm-true",
        key: "review.p_confirm_true",
        label: "Confirm a true alert",
        hint: "probability an operator confirms it",
        step: "0.01",
    },
    Lever {
        id: "confirm-false",
        key: "review.p_confirm_false",
        label: "Confirm a false alert",
        hint: "probability an operator confirms it",
        step: "0.01",
    },
    Lever {
        id: "duration",
        key: "simulation.duration",
        label: "Duration",
        hint: "simulated time per run, e.g. 24h, 7d",
        step: "",
    },
];

/// The value at a dotted key of the scenario's TOML, as a control shows
/// it (strings bare), if the file sets it.
fn value_at(table: &toml::Table, key: &str) -> Option<String> {
    let mut parts = key.split('.');
    let mut v = table.get(parts.next()?)?;
    for p in parts {
        v = v.as_table()?.get(p)?;
    }
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(_) | toml::Value::Float(_) => Some(v.to_string()),
        _ => None,
    }
}

/// Each lever's value in force, from the scenario as loaded (so a key the
/// file leaves out shows its default), and, where the sites differ, what
/// the capture lever would replace.
fn in_force(source: &ScenarioSource, table: &toml::Table) -> Vec<(String, String)> {
    let loaded = Scenario::load(source.clone(), &[]).ok();
    LEVERS
        .iter()
        .map(|l| {
            let file = || value_at(table, l.key).unwrap_or_default();
            let Some(sc) = &loaded else {
                return (file(), String::new());
            };
            let (m, f) = (&sc.model, &sc.file);
            let number = |x: f64| round_for_people(x);
            match l.key {
                "matcher.threshold" => (number(m.matcher.threshold), String::new()),
                "watchlist.size" => (f.watchlist.size.to_string(), String::new()),
                "watchlist.wanted_present" => (m.wanted.to_string(), String::new()),
                "footfall" => ("1".into(), String::new()),
                "capture" => capture_in_force(&sc.model.sites),
                "review.operators" => (m.review.operators.to_string(), String::new()),
                "intervention.officers" => (m.intervention.officers.to_string(), String::new()),
                "review.p_confirm_true" => (number(m.review.p_confirm_true), String::new()),
                "review.p_confirm_false" => (number(m.review.p_confirm_false), String::new()),
                "simulation.duration" => (f.simulation.duration.text.clone(), String::new()),
                _ => (file(), String::new()),
            }
        })
        .collect()
}

/// The capture lever's value: the sites' one share, or none and, as a
/// placeholder, their range (the lever sets every site's).
fn capture_in_force(sites: &[crate::model::Site]) -> (String, String) {
    let shares: Vec<f64> = sites.iter().map(|s| s.capture_share).collect();
    let (lo, hi) = shares
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    if shares.is_empty() {
        (String::new(), String::new())
    } else if lo == hi {
        (round_for_people(lo), String::new())
    } else {
        (
            String::new(),
            format!("by site, {}–{}", round_for_people(lo), round_for_people(hi)),
        )
    }
}

/// The sites' footfall and capture, for the site-wide levers.
fn sites(table: &toml::Table) -> Value {
    let list = table.get("sites").and_then(|s| s.as_array());
    let sites: Vec<Value> = list
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| {
            let num = |k: &str| {
                s.get(k)
                    .and_then(|v| v.as_float().or(v.as_integer().map(|n| n as f64)))
            };
            let hourly: Option<Vec<f64>> = s
                .get("footfall_per_hour")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_float().or(x.as_integer().map(|n| n as f64)))
                        .collect()
                });
            json!({
                "index": i,
                "footfall": num("footfall_per_hour"),
                "hourly": hourly,
                "faces": num("faces"),
                "capture_share": num("capture_share"),
            })
        })
        .collect();
    Value::Array(sites)
}

/// One lever's control, with the value in force (or, where there is no
/// one value, a placeholder saying what there is) and an error slot.
fn lever(
    out: &mut String,
    l: &Lever,
    (initial, placeholder): &(String, String),
    kind: &str,
    extra: &str,
) {
    let _ = write!(
        out,
        concat!(
            "<div class=\"lever\"><label for=\"lv-{id}\">{label}</label>",
            "<input id=\"lv-{id}\" data-lever=\"{key}\" data-initial=\"{init}\" value=\"{init}\"{extra} ",
            "placeholder=\"{placeholder}\" ",
            "type=\"{kind}\" step=\"{step}\" inputmode=\"decimal\" aria-describedby=\"err-lv-{id}\">",
            "<span class=\"hint\">{hint}</span><output class=\"coupled\" id=\"note-lv-{id}\"></output>",
            "<output class=\"err\" id=\"err-lv-{id}\" role=\"alert\"></output></div>\n"
        ),
        id = esc(l.id),
        label = esc(l.label),
        key = esc(l.key),
        init = esc(initial),
        placeholder = esc(placeholder),
        kind = kind,
        step = esc(if l.step.is_empty() { "any" } else { l.step }),
        hint = esc(l.hint),
        extra = extra
    );
}

/// The threshold lever's extra attributes: the span of thresholds the
/// matcher was measured at and, in words, what figures beyond it rest on
/// ([`crate::model::beyond_caveat`]), for the script to say
/// beside the lever whenever its value leaves the span. Empty when the
/// scenario does not load or has no measured thresholds.
fn threshold_attrs(source: &ScenarioSource) -> String {
    use crate::model::{beyond_caveat, measured_thresholds};
    let Ok(sc) = Scenario::load(source.clone(), &[]) else {
        return String::new();
    };
    let m = &sc.model;
    let at = measured_thresholds(&m.calibration);
    let (Some(lo), Some(hi), Some(caveat)) = (
        at.first(),
        at.last(),
        beyond_caveat(&m.calibration, m.posterior_draws),
    ) else {
        return String::new();
    };
    format!(
        " data-measured-lo=\"{lo}\" data-measured-hi=\"{hi}\" data-caveat=\"{}\"",
        esc(&caveat)
    )
}

/// The page for `source`; `nonce` lets its one inline script run under
/// the Content-Security-Policy that forbids every other.
pub fn render(source: &ScenarioSource, nonce: &str) -> String {
    let table: toml::Table = toml::from_str(&source.text).unwrap_or_default();
    let name = value_at(&table, "simulation.name").unwrap_or_else(|| source.name.clone());
    let mut controls = String::new();
    for (l, value) in LEVERS.iter().zip(in_force(source, &table)) {
        let kind = match l.key {
            "simulation.duration" => "text",
            _ => "number",
        };
        let extra = match l.key {
            "matcher.threshold" => threshold_attrs(source),
            _ => String::new(),
        };
        lever(&mut controls, l, &value, kind, &extra);
    }
    let seed = value_at(&table, "simulation.seed").unwrap_or_default();
    let mut metrics = String::new();
    for h in Headline::ALL {
        let _ = write!(
            metrics,
            "<option value=\"{}\">{}</option>",
            esc(h.key()),
            esc(h.label())
        );
    }
    let data = json!({ "sites": sites(&table) })
        .to_string()
        .replace('<', "\\u003c");
    format!(
        include_str!("page.html"),
        title = esc(&format!("survsim serve — {name}")),
        name = esc(&name),
        source = esc(&source.name),
        version = env!("CARGO_PKG_VERSION"),
        report_css = style_sheet(),
        css = CSS,
        controls = controls,
        reps = super::DEFAULT_REPS,
        seed = esc(&seed),
        metrics = metrics,
        data = data,
        nonce = esc(nonce),
        script = SCRIPT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_scenario_and_keeps_data_inert() {
        let source = ScenarioSource::from_text(
            "<x>.toml",
            "[simulation]\nname = \"</script><b>\"\n[[sites]]\nname = \"a\"\nfootfall_per_hour = 5\n",
        );
        let html = render(&source, "abc");
        assert!(!html.contains("</script><b>"));
        assert!(html.contains("&lt;/script&gt;&lt;b&gt;"));
        assert!(html.contains("&lt;x&gt;.toml"));
        assert!(html.contains("\"footfall\":5.0") || html.contains("\"footfall\":5"));
        assert_eq!(html.matches("<script nonce=\"abc\">").count(), 1);
    }

    #[test]
    fn every_lever_shows_the_value_in_force() {
        // The default scenario leaves review.p_confirm_true… to the file,
        // but nothing about the site-wide capture: its sites differ.
        let html = render(&ScenarioSource::builtin_default(), "n");
        let initial = |id: &str| {
            let at = html.find(&format!("id=\"lv-{id}\"")).unwrap();
            let rest = &html[at..];
            let v = rest.split("data-initial=\"").nth(1).unwrap();
            v[..v.find('"').unwrap()].to_string()
        };
        assert_eq!(initial("threshold"), "0.6");
        assert_eq!(initial("watchlist"), "5000");
        assert_eq!(initial("wanted"), "10");
        assert_eq!(initial("operators"), "2");
        assert_eq!(initial("duration"), "24h");
        assert_eq!(initial("capture"), "");
        assert!(html.contains("placeholder=\"by site, 0.5–0.7\""));
        // A file that leaves the review out: the defaults are in force.
        let source = ScenarioSource::from_text(
            "x.toml",
            "[population]\nresidents = 1000\n[[sites]]\nname = \"a\"\nfootfall_per_hour = 5\n\
             capture_share = 0.4\n[watchlist]\nsize = 100\nwanted_present = 1\n",
        );
        let html = render(&source, "n");
        assert!(html.contains("data-lever=\"review.operators\" data-initial=\"1\""));
        assert!(html.contains("data-lever=\"matcher.threshold\" data-initial=\"0.6\""));
        assert!(html.contains("data-lever=\"capture\" data-initial=\"0.4\""));
    }
}
