//! Events as NDJSON: one JSON object per line, keys in a fixed order.
//!
//! Lines are written by hand into a byte buffer — a line costs a few hundred
//! nanoseconds, so a writer thread keeps up with millions of events a second.
//! Times are seconds with six decimals (microseconds), a `clock` gives the
//! same instant as day and time of day, and person ids are a keyed hash of
//! the resident number: stable within a run (and across runs with the same
//! seed), opaque, and unique. The schema is documented in `docs/events.md`.

use super::{AlertDetail, Detail, Event, FaceDetail, Kind, SearchOutcome};
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
        let (wanted, detail) = match e.detail() {
            Detail::Face { wanted, detail } => (wanted, detail),
            Detail::Alert { true_alert, detail } => {
                self.head(e, e.kind, out);
                out.extend_from_slice(b",\"alert\":");
                push_u64(out, e.face);
                push_bool(out, b",\"true_alert\":", true_alert);
                alert_tail(true_alert, detail, out);
                return end_line(e.kind, out, counts);
            }
        };
        match detail {
            FaceDetail::Capture {
                capture_line,
                searched,
            } => {
                let mut lines = 0;
                if capture_line {
                    self.face_head(e, Kind::Capture, wanted, out);
                    lines += end_line(Kind::Capture, out, counts);
                }
                if let Some(outcome) = searched {
                    self.face_head(e, Kind::Search, wanted, out);
                    search_tail(outcome, 0.0, out);
                    lines += end_line(Kind::Search, out, counts);
                }
                lines
            }
            FaceDetail::Search {
                outcome,
                decision_s,
            } => {
                self.face_head(e, Kind::Search, wanted, out);
                search_tail(outcome, decision_s, out);
                end_line(Kind::Search, out, counts)
            }
            FaceDetail::Drop {
                reason,
                since_capture_s,
            } => {
                self.face_head(e, Kind::Drop, wanted, out);
                push_name(out, b",\"reason\":\"", reason.name());
                field_s(out, b",\"since_capture_s\":", since_capture_s);
                end_line(Kind::Drop, out, counts)
            }
        }
    }

    /// A per-face line's head, then `,"face":…,"wanted":…`
    fn face_head(&self, e: &Event, kind: Kind, wanted: bool, out: &mut Vec<u8>) {
        self.head(e, kind, out);
        out.extend_from_slice(b",\"face\":");
        push_u64(out, e.face);
        push_bool(out, b",\"wanted\":", wanted);
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

/// Closes a line of `kind` and counts it.
fn end_line(kind: Kind, out: &mut Vec<u8>, counts: &mut KindCounts) -> u64 {
    out.extend_from_slice(b"}\n");
    counts.0[kind as usize] += 1;
    1
}

/// A search line's own fields.
fn search_tail(outcome: SearchOutcome, decision_s: f64, out: &mut Vec<u8>) {
    push_name(out, b",\"outcome\":\"", outcome.name());
    field_s(out, b",\"decision_s\":", decision_s);
}

/// The alert-chain kinds' own fields.
fn alert_tail(true_alert: bool, detail: AlertDetail, out: &mut Vec<u8>) {
    let outcome = |out: &mut Vec<u8>, name| push_name(out, b",\"outcome\":\"", name);
    match detail {
        AlertDetail::Raised {
            captured_t,
            window_ends_t,
        } => {
            field_s(out, b",\"captured_t\":", captured_t);
            field_s(out, b",\"window_ends_t\":", window_ends_t);
        }
        AlertDetail::Review {
            confirmed,
            operator_wait_s,
            latency_s,
        } => {
            outcome(out, if confirmed { "confirmed" } else { "rejected" });
            field_s(out, b",\"operator_wait_s\":", operator_wait_s);
            field_s(out, b",\"latency_s\":", latency_s);
        }
        AlertDetail::Dispatch { wait_s, approach_s } => {
            field_s(out, b",\"wait_s\":", wait_s);
            field_s(out, b",\"approach_s\":", approach_s);
        }
        AlertDetail::Stop {
            since_capture_s,
            duration_s,
        } => {
            outcome(out, if true_alert { "correct" } else { "wrongful" });
            field_s(out, b",\"since_capture_s\":", since_capture_s);
            field_s(out, b",\"duration_s\":", duration_s);
        }
        AlertDetail::Arrest { since_capture_s } => {
            outcome(out, if true_alert { "arrest" } else { "false_arrest" });
            field_s(out, b",\"since_capture_s\":", since_capture_s);
        }
        AlertDetail::Lost {
            reason,
            since_capture_s,
        } => {
            push_name(out, b",\"reason\":\"", reason.name());
            field_s(out, b",\"since_capture_s\":", since_capture_s);
        }
    }
}

/// `key` (which opens the string) then `name` and the closing quote.
fn push_name(out: &mut Vec<u8>, key: &[u8], name: &str) {
    out.extend_from_slice(key);
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

fn push_bool(out: &mut Vec<u8>, key: &[u8], value: bool) {
    out.extend_from_slice(key);
    out.extend_from_slice(if value { b"true" } else { b"false" });
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
