//! What a request asks for, parsed from its query string (or its
//! form-encoded body) and validated into a [`Scenario`] exactly as `survsim
//! run --set … --seed S --reps N` would load it: the same [`Override`]
//! parser, the same [`Scenario::load`], so bad input gets the CLI's message
//! naming the key.
//!
//! The parameters: `set` (repeatable, `KEY.PATH=VALUE` as `--set` takes
//! it), `reps` (default [`DEFAULT_REPS`]), `seed`, `fixed` (`1`:
//! `--fixed-parameters`), `page` (the page's id, so that a newer request
//! cancels the older), `base` (the query of a pinned baseline), and for a
//! sweep `vary` and `metric`. Any other parameter is refused, so that a
//! typo is not silently ignored.

use crate::error::InputError;
use crate::scenario::{Override, Scenario, ScenarioSource};
use std::fmt::Write as _;

/// Replications when a request names none: enough for a single
/// deployment's range (`pi95`), which the headline leads with.
pub const DEFAULT_REPS: u64 = crate::stats::MIN_REPS_FOR_PI95 as u64;

/// Most replications a request may ask for (as `run --reps`).
pub const MAX_REPS: u64 = 100_000;

/// The longest query (or form body) read, in bytes: a page's overrides
/// are a few hundred bytes; this leaves room for a pasted table.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Most `set` parameters in one request.
const MAX_SETS: usize = 256;

/// A request's run: its overrides, replications, seed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ask {
    /// `--set` overrides, as given, in order.
    pub sets: Vec<String>,
    /// Replications.
    pub reps: u64,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// `--fixed-parameters`.
    pub fixed: bool,
}

/// Everything a request carries besides its run.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The run asked for.
    pub ask: Ask,
    /// The page's id (letters, digits, `-`), if any.
    pub page: Option<String>,
    /// The pinned baseline's run, to compare with.
    pub base: Option<Ask>,
    /// A sweep's `KEY.PATH=SPEC` (`--vary`'s syntax).
    pub vary: Option<String>,
    /// A sweep's headline metric (its key).
    pub metric: Option<String>,
}

/// An error about a request parameter, as the CLI would word it for its
/// flag.
fn bad(flag: &str, message: impl Into<String>) -> InputError {
    InputError::whole(flag, message)
}

impl Request {
    /// Parses a query string (or a form body: the same encoding).
    pub fn parse(query: &[u8]) -> Result<Request, InputError> {
        if query.len() > MAX_QUERY_BYTES {
            return Err(bad(
                "request",
                format!(
                    "expected at most {} KB of parameters, got {} bytes",
                    MAX_QUERY_BYTES / 1024,
                    query.len()
                ),
            ));
        }
        let mut request = Request::default();
        let mut ask = AskBuilder::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_urlencoded::parse(query) {
            // Only `set` repeats: which of two `reps` would be meant?
            if name != "set" {
                if seen.iter().any(|s| *s == name) {
                    return Err(bad(
                        "request",
                        format!("the parameter `{name}` is given twice; expected it once"),
                    ));
                }
                seen.push(name.to_string());
            }
            match name.as_ref() {
                "page" => request.page = Some(page_id(&value)?),
                "base" => request.base = Some(Request::parse(value.as_bytes())?.ask),
                "vary" => request.vary = Some(value.into_owned()),
                "metric" => request.metric = Some(value.into_owned()),
                _ => ask.take(&name, &value)?,
            }
        }
        request.ask = ask.finish();
        Ok(request)
    }
}

/// An [`Ask`] being read parameter by parameter.
#[derive(Default)]
struct AskBuilder {
    ask: Ask,
    reps: Option<u64>,
}

impl AskBuilder {
    /// Takes one parameter of the run; an unknown name is an error.
    fn take(&mut self, name: &str, value: &str) -> Result<(), InputError> {
        match name {
            "set" => {
                if self.ask.sets.len() >= MAX_SETS {
                    return Err(bad(
                        "--set",
                        format!("expected at most {MAX_SETS} overrides"),
                    ));
                }
                self.ask.sets.push(value.to_string());
            }
            "reps" => {
                self.reps = Some(
                    value
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (1..=MAX_REPS).contains(n))
                        .ok_or_else(|| {
                            bad(
                                "--reps",
                                format!(
                                    "expected a whole number from 1 to {MAX_REPS}, got `{value}`"
                                ),
                            )
                        })?,
                );
            }
            "seed" if value.trim().is_empty() => {}
            "seed" => {
                self.ask.seed = Some(
                    value
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|&s| s <= i64::MAX as u64)
                        .ok_or_else(|| {
                            bad(
                                "--seed",
                                format!(
                                    "expected a whole number from 0 to 2^63 − 1, got `{value}`"
                                ),
                            )
                        })?,
                );
            }
            "fixed" => self.ask.fixed = matches!(value, "1" | "true" | "on"),
            other => {
                let known = [
                    "set", "reps", "seed", "fixed", "page", "base", "vary", "metric",
                ];
                return Err(bad(
                    "request",
                    format!(
                        "unknown parameter `{other}`{}, expected one of {}",
                        crate::error::did_you_mean(other, known),
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Ask {
        self.ask.reps = self.reps.unwrap_or(DEFAULT_REPS);
        self.ask
    }
}

/// A page id: up to 64 letters, digits and `-` (it is only a map key).
fn page_id(value: &str) -> Result<String, InputError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(value.to_string())
    } else {
        Err(bad("page", "expected up to 64 letters, digits or `-`"))
    }
}

impl Ask {
    /// The overrides as `survsim run` applies them: the `--set`s in order,
    /// then the seed.
    pub fn overrides(&self) -> Result<Vec<Override>, InputError> {
        let mut overrides: Vec<Override> = self
            .sets
            .iter()
            .map(|s| s.parse::<Override>())
            .collect::<Result<_, _>>()?;
        if let Some(seed) = self.seed {
            overrides.push(format!("simulation.seed={seed}").parse()?);
        }
        Ok(overrides)
    }

    /// The scenario this asks for, loaded and validated as `run` loads it.
    pub fn load(&self, source: &ScenarioSource) -> Result<Scenario, InputError> {
        let mut scenario = Scenario::load(source.clone(), &self.overrides()?)?;
        scenario.parameters_fixed = self.fixed;
        Ok(scenario)
    }

    /// A canonical query string: the same for the same run, whatever the
    /// order or spelling of the parameters (a cache key, and the `base` a
    /// page sends back).
    pub fn query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for s in &self.sets {
            q.append_pair("set", s);
        }
        q.append_pair("reps", &self.reps.to_string());
        if let Some(seed) = self.seed {
            q.append_pair("seed", &seed.to_string());
        }
        if self.fixed {
            q.append_pair("fixed", "1");
        }
        q.finish()
    }

    /// The `survsim run` command line of this run (for the page).
    pub fn command(&self, scenario_arg: Option<&str>) -> String {
        let mut s = String::from("survsim run");
        if let Some(arg) = scenario_arg {
            let _ = write!(s, " {}", crate::report::shell_quote(arg));
        }
        for set in &self.sets {
            let _ = write!(s, " --set {}", crate::report::shell_quote(set));
        }
        if let Some(seed) = self.seed {
            let _ = write!(s, " --seed {seed}");
        }
        let _ = write!(s, " --reps {}", self.reps);
        if self.fixed {
            s.push_str(" --fixed-parameters");
        }
        s
    }
}

/// The most memory one request's replications may keep: each keeps its
/// counts until the report is made (a sweep's, until its point's row is),
/// so with as many requests at once as there are cores, counts take at
/// most that many times this.
pub const MAX_KEPT_BYTES: u64 = 512 << 20;

/// Refuses a run above `max_faces` expected faces in all (expected faces
/// per replication × replications, from the closed form): the server's
/// size limit (`--max-faces`); and one whose replications' counts would
/// not fit in memory ([`check_kept`]). With the engine's own check before
/// it runs, what the limits let through is what memory holds.
pub fn check_size(scenario: &Scenario, reps: u64, max_faces: f64) -> Result<(), InputError> {
    check_kept(scenario, reps)?;
    let faces = scenario.model.expected().faces_captured * reps as f64;
    if faces > max_faces {
        return Err(bad(
            "--max-faces",
            format!(
                "this run would capture about {} faces ({} replication{} of {}), above this server's \
                 limit of {} (survsim serve --max-faces); ask for fewer replications or a smaller run",
                crate::format::fmt_num(faces, 0),
                reps,
                if reps == 1 { "" } else { "s" },
                crate::format::fmt_num(scenario.model.expected().faces_captured, 0),
                crate::format::fmt_num(max_faces, 0)
            ),
        ));
    }
    Ok(())
}

/// Bytes one replication of `model` keeps while a request runs, at most:
/// its [compacted](crate::metrics::Outcome::compact) outcome twice over (a
/// growing list of them reallocates; the slack also covers the few counts
/// a comparison keeps), with its empty latency histograms and its groups',
/// pools', deployments' and lists' counts.
fn kept_per_replication(model: &crate::model::Model) -> u64 {
    use crate::metrics::{Counts, GroupCounts, Latencies, Outcome, PoolStats};
    use std::mem::size_of;
    let histograms: u64 = Latencies::empty()
        .named()
        .iter()
        .map(|(_, h)| h.distinct_values() as u64 * 8 + 64)
        .sum();
    let lists: usize = model.deployments.iter().map(|d| d.lists.len() * 16).sum();
    let pools = model.pipeline.as_ref().map_or(0, |p| p.pools.len());
    (2 * size_of::<Outcome>()
        + model.groups.len() * size_of::<GroupCounts>()
        + pools * size_of::<PoolStats>()
        + model.deployments.len() * size_of::<Counts>()
        + lists) as u64
        + histograms
}

/// Refuses replications whose counts would keep more than
/// [`MAX_KEPT_BYTES`], or more than the memory available: `reps` of them,
/// each keeping its counts (two to four kilobytes, more with many groups,
/// deployments or lists).
pub fn check_kept(scenario: &Scenario, reps: u64) -> Result<(), InputError> {
    let each = kept_per_replication(&scenario.model);
    let kept = reps.saturating_mul(each);
    let available = crate::drive::replicate::available_memory();
    let (limit, whose) = match available {
        Some(a) if a.bytes < MAX_KEPT_BYTES => (
            a.bytes,
            format!("the {} MB available {}", a.bytes >> 20, a.limit.describe()),
        ),
        _ => (
            MAX_KEPT_BYTES,
            format!(
                "this server's limit of {} MB a request",
                MAX_KEPT_BYTES >> 20
            ),
        ),
    };
    if kept <= limit {
        return Ok(());
    }
    Err(bad(
        "--reps",
        format!(
            "{reps} replications would keep about {} MB of counts ({} kB each, for {} group{}), \
             above {whose}; ask for at most {} replications",
            kept >> 20,
            crate::format::fmt_num(each as f64 / 1e3, 1),
            scenario.model.groups.len(),
            if scenario.model.groups.len() == 1 {
                ""
            } else {
                "s"
            },
            (limit / each.max(1)).max(1)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_sets_in_order() {
        let r = Request::parse(b"set=a.b%3D1&reps=3&set=c%3D%22x%22&seed=7&page=p-1").unwrap();
        assert_eq!(r.ask.sets, ["a.b=1", "c=\"x\""]);
        assert_eq!((r.ask.reps, r.ask.seed), (3, Some(7)));
        assert_eq!(r.page.as_deref(), Some("p-1"));
        let again = Request::parse(r.ask.query().as_bytes()).unwrap();
        assert_eq!(again.ask, r.ask);
    }

    #[test]
    fn refuses_bad_parameters_naming_them() {
        for (q, flag) in [
            (&b"reps=0"[..], "--reps"),
            (b"reps=x", "--reps"),
            (b"seed=-1", "--seed"),
            (b"sed=1", "request"),
            (b"page=%3Cscript%3E", "page"),
            (b"reps=1&reps=2", "request"),
            (b"seed=1&set=a%3D1&seed=1", "request"),
        ] {
            let e = Request::parse(q).unwrap_err();
            assert_eq!(e.source_name, flag, "{}", String::from_utf8_lossy(q));
        }
        assert!(Request::parse(b"").unwrap().ask.reps == DEFAULT_REPS);
    }
}
