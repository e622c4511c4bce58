//! Events as NDJSON: one JSON object per line, keys in a fixed order.
//!
//! Lines are written by hand into a byte buffer — a line costs a few hundred
//! nanoseconds, so a writer thread keeps up with millions of events a second.
//! Times are seconds with six decimals (microseconds), a `clock` gives the
//! same instant as day and time of day, and person ids are a keyed hash of
//! the resident number: stable within a run (and across runs with the same
//! seed), opaque, and unique. The schema is documented in `docs/events.md`.

use super::{
    ALERT_TRUE, ALERTED, CAPTURE_LINE, CONFIRMED, Event, Kind, LostReason, PUSHED_OUT,
    REASON_SHIFT, SEARCH_LINE, TRUE_ALERT, WANTED,
};
use crate::metrics::{Counts, Metric};
use crate::model::Model;
use crate::rng::{KEY_PERSON_ID, derive_seed};
use serde_json::{Map, Value, json};

/// Lines written, per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KindCounts(pub [u64; Kind::ALL.len()]);

impl KindCounts {
    /// Lines of `kind`.
    pub fn get(&self, kind: Kind) -> u64 {
        self.0[kind as usize]
    }

    /// All lines.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }

    /// `{"capture": n, "search": n, ...}`.
    pub fn to_json(&self) -> Value {
        Value::Object(
            Kind::ALL
                .iter()
                .map(|&k| (k.name().to_string(), json!(self.get(k))))
                .collect(),
        )
    }
}

/// Writes events of one run as NDJSON lines.
pub struct Ndjson {
    /// Site and group names, as JSON strings (quoted and escaped).
    sites: Vec<String>,
    groups: Vec<String>,
    person_key: u64,
}

impl Ndjson {
    /// A writer for the events of `model`'s runs.
    pub fn new(model: &Model) -> Self {
        let quoted = |s: &str| serde_json::to_string(s).expect("strings serialize");
        let mut sites: Vec<String> = model.sites.iter().map(|s| quoted(&s.name)).collect();
        if sites.is_empty() {
            // Batch mode has no sites: its searches are one batch.
            sites.push(quoted("batch"));
        }
        Ndjson {
            sites,
            groups: model.groups.iter().map(|g| quoted(&g.name)).collect(),
            person_key: derive_seed(model.seed, &[KEY_PERSON_ID]),
        }
    }

    /// The opaque id of resident `person`: 16 hex digits.
    pub fn person_id(&self, person: u32) -> String {
        format!("{:016x}", derive_seed(self.person_key, &[person as u64]))
    }

    /// Appends the line(s) of `e` to `out` — two for a face searched at
    /// capture whose capture and search are both recorded — counts them, and
    /// returns how many.
    pub fn write(&self, e: &Event, out: &mut Vec<u8>, counts: &mut KindCounts) -> u64 {
        let d = e.detail;
        match e.kind {
            Kind::Capture => {
                let mut lines = 0;
                if d & CAPTURE_LINE != 0 {
                    self.head(e, Kind::Capture, out);
                    self.face_tail(e, out);
                    out.extend_from_slice(b"}\n");
                    counts.0[Kind::Capture as usize] += 1;
                    lines += 1;
                }
                if d & SEARCH_LINE != 0 {
                    self.head(e, Kind::Search, out);
                    self.face_tail(e, out);
                    search_outcome(d, out);
                    out.extend_from_slice(b",\"decision_s\":0.000000}\n");
                    counts.0[Kind::Search as usize] += 1;
                    lines += 1;
                }
                return lines;
            }
            Kind::Search => {
                self.head(e, Kind::Search, out);
                self.face_tail(e, out);
                search_outcome(d, out);
                field_s(out, b",\"decision_s\":", e.a);
            }
            Kind::Drop => {
                self.head(e, Kind::Drop, out);
                self.face_tail(e, out);
                out.extend_from_slice(if d & PUSHED_OUT != 0 {
                    b",\"reason\":\"pushed_out\""
                } else {
                    b",\"reason\":\"queue_full\""
                });
                field_s(out, b",\"since_capture_s\":", e.a);
            }
            kind => {
                self.head(e, kind, out);
                out.extend_from_slice(b",\"alert\":");
                push_u64(out, e.face);
                out.extend_from_slice(if d & TRUE_ALERT != 0 {
                    b",\"true_alert\":true"
                } else {
                    b",\"true_alert\":false"
                });
                self.chain_tail(e, out);
            }
        }
        out.extend_from_slice(b"}\n");
        counts.0[e.kind as usize] += 1;
        1
    }

    /// `{"t":…,"clock":…,"kind":…,"site":…,"group":…,"person":…`
    fn head(&self, e: &Event, kind: Kind, out: &mut Vec<u8>) {
        let us = micros(e.t);
        out.extend_from_slice(b"{\"t\":");
        push_micros(out, us);
        out.extend_from_slice(b",\"clock\":\"");
        push_clock(out, us);
        out.extend_from_slice(b"\",\"kind\":\"");
        out.extend_from_slice(kind.name().as_bytes());
        out.extend_from_slice(b"\",\"site\":");
        let site = self.sites.get(e.site as usize).unwrap_or(&self.sites[0]);
        out.extend_from_slice(site.as_bytes());
        out.extend_from_slice(b",\"group\":");
        out.extend_from_slice(self.groups[e.group as usize].as_bytes());
        out.extend_from_slice(b",\"person\":\"");
        push_hex(out, derive_seed(self.person_key, &[e.person as u64]));
        out.push(b'"');
    }

    /// `,"face":…,"wanted":…`
    fn face_tail(&self, e: &Event, out: &mut Vec<u8>) {
        out.extend_from_slice(b",\"face\":");
        push_u64(out, e.face);
        out.extend_from_slice(if e.detail & WANTED != 0 {
            b",\"wanted\":true"
        } else {
            b",\"wanted\":false"
        });
    }

    /// The alert-chain kinds' own fields.
    fn chain_tail(&self, e: &Event, out: &mut Vec<u8>) {
        let d = e.detail;
        let truth = d & TRUE_ALERT != 0;
        match e.kind {
            Kind::Alert => {
                field_s(out, b",\"captured_t\":", e.a);
                field_s(out, b",\"window_ends_t\":", e.b);
            }
            Kind::Review => {
                out.extend_from_slice(if d & CONFIRMED != 0 {
                    b",\"outcome\":\"confirmed\""
                } else {
                    b",\"outcome\":\"rejected\""
                });
                field_s(out, b",\"operator_wait_s\":", e.a);
                field_s(out, b",\"latency_s\":", e.b);
            }
            Kind::Dispatch => {
                field_s(out, b",\"wait_s\":", e.a);
                field_s(out, b",\"approach_s\":", e.b);
            }
            Kind::Stop => {
                out.extend_from_slice(if truth {
                    b",\"outcome\":\"correct\""
                } else {
                    b",\"outcome\":\"wrongful\""
                });
                field_s(out, b",\"since_capture_s\":", e.a);
                field_s(out, b",\"duration_s\":", e.b);
            }
            Kind::Arrest => {
                out.extend_from_slice(if truth {
                    b",\"outcome\":\"arrest\""
                } else {
                    b",\"outcome\":\"false_arrest\""
                });
                field_s(out, b",\"since_capture_s\":", e.a);
            }
            Kind::Lost => {
                let reason = LostReason::ALL[((d >> REASON_SHIFT) & 7) as usize];
                out.extend_from_slice(b",\"reason\":\"");
                out.extend_from_slice(reason.name().as_bytes());
                out.push(b'"');
                field_s(out, b",\"since_capture_s\":", e.a);
            }
            Kind::Capture | Kind::Search | Kind::Drop => unreachable!("per-face kinds"),
        }
    }

    /// The stream's closing line: the virtual time reached, whether the run
    /// completed (`reason`: `finished`, or why it stopped), the lines written
    /// per kind, and — for a completed run — the report's totals (`null`
    /// otherwise).
    pub fn end_line(
        &self,
        t: f64,
        reason: &str,
        counts: &KindCounts,
        totals: Option<&Counts>,
    ) -> Vec<u8> {
        let mut line = Vec::new();
        let us = micros(t);
        line.extend_from_slice(b"{\"t\":");
        push_micros(&mut line, us);
        line.extend_from_slice(b",\"clock\":\"");
        push_clock(&mut line, us);
        line.extend_from_slice(b"\",\"kind\":\"end\",");
        let mut rest = Map::new();
        rest.insert("complete".into(), json!(totals.is_some()));
        rest.insert("reason".into(), json!(reason));
        rest.insert("events".into(), counts.to_json());
        rest.insert(
            "totals".into(),
            totals.map_or(Value::Null, |c| {
                Value::Object(
                    Metric::ALL
                        .iter()
                        .map(|&m| (m.key().to_string(), json!(c[m])))
                        .collect(),
                )
            }),
        );
        let rest = serde_json::to_vec(&Value::Object(rest)).expect("JSON values serialize");
        // Splice the object's members after the fixed keys.
        line.extend_from_slice(&rest[1..]);
        line.push(b'\n');
        line
    }
}

fn search_outcome(detail: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(match (detail & ALERTED != 0, detail & ALERT_TRUE != 0) {
        (false, _) => b",\"outcome\":\"no_alert\"",
        (true, true) => b",\"outcome\":\"true_alert\"",
        (true, false) => b",\"outcome\":\"false_alert\"",
    });
}

/// Seconds as whole microseconds (rounded; monotone, so time order is kept).
fn micros(s: f64) -> i64 {
    (s * 1e6).round() as i64
}

fn field_s(out: &mut Vec<u8>, key: &[u8], s: f64) {
    out.extend_from_slice(key);
    push_micros(out, micros(s));
}

/// Writes microseconds as seconds with six decimals.
fn push_micros(out: &mut Vec<u8>, us: i64) {
    if us < 0 {
        out.push(b'-');
    }
    let us = us.unsigned_abs();
    push_u64(out, us / 1_000_000);
    out.push(b'.');
    push_padded(out, us % 1_000_000, 6);
}

/// `d1 14:03:22.518`: the day (from 1) and the time of day, to the
/// millisecond (truncated).
fn push_clock(out: &mut Vec<u8>, us: i64) {
    let ms = us.max(0) as u64 / 1000;
    let day_ms = 86_400_000;
    out.push(b'd');
    push_u64(out, ms / day_ms + 1);
    out.push(b' ');
    let in_day = ms % day_ms;
    push_padded(out, in_day / 3_600_000, 2);
    out.push(b':');
    push_padded(out, in_day / 60_000 % 60, 2);
    out.push(b':');
    push_padded(out, in_day / 1000 % 60, 2);
    out.push(b'.');
    push_padded(out, in_day % 1000, 3);
}

fn push_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(n).as_bytes();
    out.extend(std::iter::repeat_n(
        b'0',
        width.saturating_sub(digits.len()),
    ));
    out.extend_from_slice(digits);
}

fn push_hex(out: &mut Vec<u8>, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(HEX[(n >> (shift * 4)) as usize & 15]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn times_and_clocks() {
        assert_eq!(text(|o| push_micros(o, micros(0.0))), "0.000000");
        assert_eq!(
            text(|o| push_micros(o, micros(51802.3101234))),
            "51802.310123"
        );
        assert_eq!(text(|o| push_micros(o, micros(-0.25))), "-0.250000");
        assert_eq!(text(|o| push_clock(o, micros(0.0))), "d1 00:00:00.000");
        assert_eq!(
            text(|o| push_clock(o, micros(86_400.0 + 14.0 * 3600.0 + 3.0 * 60.0 + 22.5187))),
            "d2 14:03:22.518"
        );
        assert_eq!(text(|o| push_hex(o, 0xab)), "00000000000000ab");
    }
}
