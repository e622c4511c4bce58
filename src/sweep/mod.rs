//! Policy what-if sweeps: a grid of `--set` overrides, every point replicated
//! on all cores, written as CSV, JSON and SVG charts; resumable, and
//! shardable across machines.
//!
//! A sweep is a [`Plan`]: a scenario, the `--set`s common to every point, an
//! optional `--seed`, the [`Grid`] of varied keys and a replication count.
//! Point `i` is the scenario with the common overrides, then point `i`'s
//! grid overrides, then the seed — exactly what `survsim run --set … --set …
//! --seed S --reps R` loads. Replication `r` of every point is the engine's
//! replication `r`, seeded from the scenario's seed and `r` alone: the points
//! see the same faces (common random numbers), and a point's figures equal a
//! separate `survsim run`'s, whichever thread, process or machine ran it.
//!
//! The output directory (see [`checkpoint`]) holds `manifest.json`, which
//! fixes the plan, and one `points/<i>.json` per finished point with its
//! replications' raw counts. `results.csv`, `results.json` and `charts/*.svg`
//! are derived from those files alone, once the directory holds every point,
//! so a resumed, sharded or merged sweep writes the same bytes as one run.

pub mod charts;
pub mod checkpoint;
pub mod grid;
pub mod merge;
pub mod results;
pub mod run;

pub use grid::{Axis, Grid};

use crate::error::{Error, InputError};
use crate::metrics::{GroupMetric, Metric, Outcome};
use crate::model::Model;
use crate::report::{Report, Stat};
use crate::scenario::{Override, Scenario, ScenarioSource};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// What defines a sweep's results.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The scenario.
    pub source: ScenarioSource,
    /// `--set` overrides applied to every point, as given.
    pub sets: Vec<String>,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// The varied keys.
    pub grid: Grid,
    /// Replications per point.
    pub reps: u64,
}

impl Plan {
    /// Number of points.
    pub fn points(&self) -> usize {
        self.grid.len()
    }

    /// Every override of point `index`, in the order they are applied.
    pub fn overrides(&self, index: usize) -> Vec<String> {
        let mut all = self.sets.clone();
        all.extend(self.grid.sets(index));
        if let Some(seed) = self.seed {
            all.push(format!("simulation.seed={seed}"));
        }
        all
    }

    /// Loads point `index`'s scenario. An error caused by a grid value names
    /// the `--vary` flag rather than `--set`.
    pub fn load(&self, index: usize) -> Result<Scenario, InputError> {
        let raw = self.overrides(index);
        let overrides = raw
            .iter()
            .map(|s| s.parse::<Override>())
            .collect::<Result<Vec<_>, _>>();
        let result = overrides.and_then(|o| Scenario::load(self.source.clone(), &o));
        result.map_err(|mut e| {
            for set in self.grid.sets(index) {
                e.source_name = e
                    .source_name
                    .replace(&format!("--set {set}"), &format!("--vary {set}"));
            }
            e
        })
    }

    /// Loads and validates every point's model, on up to `threads` threads.
    /// The first invalid point (by index) is the error.
    pub fn load_models(&self, threads: usize) -> Result<Vec<Model>, InputError> {
        let n = self.points();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let (tx, rx) = crossbeam_channel::unbounded();
        std::thread::scope(|scope| {
            for _ in 0..threads.clamp(1, n) {
                let tx = tx.clone();
                let next = &next;
                scope.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        let _ = tx.send((i, self.load(i).map(|s| s.model)));
                    }
                });
            }
        });
        drop(tx);
        let mut loaded: Vec<(usize, Result<Model, InputError>)> = rx.iter().collect();
        loaded.sort_by_key(|(i, _)| *i);
        loaded.into_iter().map(|(_, m)| m).collect()
    }

    /// The command that makes this sweep, in a canonical spelling. It leaves
    /// out what does not change the results (`--out`, `--threads`,
    /// `--shard`, `--force`, `-q`), so every shard of a sweep has the same.
    pub fn command(&self) -> String {
        let mut words = vec!["survsim".to_string(), "sweep".to_string()];
        if self.source.name != crate::scenario::DEFAULT_SCENARIO_NAME {
            words.push(shell_quote(&self.source.name));
        }
        for s in &self.sets {
            words.push("--set".into());
            words.push(shell_quote(s));
        }
        for a in &self.grid.axes {
            words.push("--vary".into());
            words.push(shell_quote(&format!("{}={}", a.key, a.spec)));
        }
        words.push("--reps".into());
        words.push(self.reps.to_string());
        if let Some(seed) = self.seed {
            words.push("--seed".into());
            words.push(seed.to_string());
        }
        words.join(" ")
    }

    /// The manifest: everything the results depend on (see [`checkpoint`]).
    pub fn manifest(&self) -> Value {
        json!({
            "survsim": env!("CARGO_PKG_VERSION"),
            "command": self.command(),
            "scenario": { "source": self.source.name, "text": self.source.text },
            "set": self.sets,
            "seed": self.seed,
            "grid": self.grid.axes.iter().map(|a| json!({
                "key": a.key,
                "spec": a.spec,
                "values": a.values,
            })).collect::<Vec<_>>(),
            "reps": self.reps,
            "points": self.points(),
        })
    }

    /// The plan a manifest describes (the inverse of [`Plan::manifest`]).
    pub fn from_manifest(m: &Value) -> Option<Plan> {
        let axes = m["grid"]
            .as_array()?
            .iter()
            .map(|a| {
                Some(Axis {
                    key: a["key"].as_str()?.to_string(),
                    spec: a["spec"].as_str()?.to_string(),
                    values: a["values"]
                        .as_array()?
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let plan = Plan {
            source: ScenarioSource {
                name: m["scenario"]["source"].as_str()?.to_string(),
                text: m["scenario"]["text"].as_str()?.to_string(),
            },
            sets: m["set"]
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()?,
            seed: match &m["seed"] {
                Value::Null => None,
                v => Some(v.as_u64()?),
            },
            grid: Grid { axes },
            reps: m["reps"].as_u64().filter(|&r| r >= 1)?,
        };
        (!plan.grid.axes.iter().any(|a| a.values.is_empty()) && plan.manifest() == *m)
            .then_some(plan)
    }
}

/// Quotes a word for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=,+@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `--shard K/N`: the points whose index is K − 1 modulo N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based shard number.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

impl Shard {
    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard, InputError> {
        let bad = || {
            InputError::whole(
                format!("--shard {text}"),
                "expected K/N with 1 ≤ K ≤ N, e.g. --shard 2/8 for the second of eight shards",
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n) = (
            k.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether point `index` belongs to this shard.
    pub fn contains(&self, index: usize) -> bool {
        index % self.n == self.k - 1
    }
}

crate::metrics::metrics! {
    /// The headline metrics of a sweep, in column order; the key is also the
    /// chart's file name.
    Headline {
        /// Mean false alerts per replication.
        FalseAlerts => (Metric::FalseAlerts.key(), "false alerts"),
        /// Mean true alerts.
        TrueAlerts => (Metric::TrueAlerts.key(), "true alerts"),
        /// Mean wrongful stops.
        WrongfulStops => (Metric::WrongfulStops.key(), "wrongful stops"),
        /// Mean false arrests.
        FalseArrests => (Metric::FalseArrests.key(), "false arrests"),
        /// Faces captured per true alert, pooled over replications.
        FacesPerTrueAlert => ("faces_per_true_alert", "faces scanned per true alert"),
        /// True alerts / all alerts, pooled over replications.
        AlertPrecision => ("alert_precision", "alert precision (true / all alerts)"),
        /// Mean faces captured.
        FacesCaptured => (Metric::FacesCaptured.key(), "faces captured"),
        /// Mean stops.
        Stops => (Metric::Stops.key(), "stops"),
        /// Mean arrests.
        Arrests => (Metric::Arrests.key(), "arrests"),
        /// Mean alerts lost in the crowd.
        LostInCrowd => (Metric::LostInCrowd.key(), "alerts lost in the crowd"),
        /// Mean wanted people scanned but never the subject of a true alert.
        WantedMissed => ("wanted_missed", "wanted people missed (scanned, no true alert)"),
        /// Mean residents captured at three or more sites.
        Trackable => (GroupMetric::Trackable.key(), "residents trackable (captured at ≥ 3 sites)"),
        /// Mean residents with two or more false alerts.
        RepeatFalseAlerts => (GroupMetric::RepeatFalseAlerts.key(), "residents with ≥ 2 false alerts"),
        /// The highest ratio of a group's false alerts per capture to the
        /// reference group's.
        FalseAlertDisparity => ("false_alert_disparity", "highest group false-alert rate ÷ the reference group's"),
    }
}

impl Headline {
    /// Whether the figure is a pooled ratio rather than a mean per replication.
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Headline::FacesPerTrueAlert | Headline::AlertPrecision | Headline::FalseAlertDisparity
        )
    }

    /// The metric's estimate in a report: for counts, the mean and its
    /// interval over replications ([`crate::report::Stat`]); for ratios, the
    /// ratio of pooled totals and its delta-method interval
    /// ([`crate::report::RatioIntervals`], and the equity disparity's).
    /// Intervals are `None` with one replication.
    pub fn estimate(self, r: &Report) -> Estimate {
        let stat = |s: Stat| {
            let ci = r.replications > 1;
            Estimate {
                mean: Some(s.mean),
                lo: ci.then_some(s.lo),
                hi: ci.then_some(s.hi),
            }
        };
        let ratio = |mean: Option<f64>, ci: Option<(f64, f64)>| Estimate {
            mean,
            lo: ci.map(|c| c.0),
            hi: ci.map(|c| c.1),
        };
        match self {
            Headline::FalseAlerts => stat(r.total(Metric::FalseAlerts)),
            Headline::TrueAlerts => stat(r.total(Metric::TrueAlerts)),
            Headline::WrongfulStops => stat(r.total(Metric::WrongfulStops)),
            Headline::FalseArrests => stat(r.total(Metric::FalseArrests)),
            Headline::FacesPerTrueAlert => ratio(
                r.ratios.faces_per_true_alert,
                r.ratios_ci95.faces_per_true_alert,
            ),
            Headline::AlertPrecision => {
                ratio(r.ratios.alert_precision, r.ratios_ci95.alert_precision)
            }
            Headline::FacesCaptured => stat(r.total(Metric::FacesCaptured)),
            Headline::Stops => stat(r.total(Metric::Stops)),
            Headline::Arrests => stat(r.total(Metric::Arrests)),
            Headline::LostInCrowd => stat(r.total(Metric::LostInCrowd)),
            Headline::WantedMissed => stat(r.wanted_missed),
            Headline::Trackable => stat(r.exposure.trackable),
            Headline::RepeatFalseAlerts => stat(r.exposure.people_with_2_false_alerts),
            Headline::FalseAlertDisparity => match r.worst_false_alert_disparity() {
                Some((_, v, lo, hi)) => {
                    ratio(Some(v), (r.replications > 1 && lo < hi).then_some((lo, hi)))
                }
                None => ratio(None, None),
            },
        }
    }
}

/// A point estimate and its 95 % interval; `None` where undefined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub mean: Option<f64>,
    /// Lower bound of the 95 % interval.
    pub lo: Option<f64>,
    /// Upper bound of the 95 % interval.
    pub hi: Option<f64>,
}

/// Flags of `survsim sweep`.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Scenario file; the built-in default if `None`.
    pub scenario: Option<PathBuf>,
    /// `--set` overrides for every point.
    pub sets: Vec<String>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--vary` arguments.
    pub vary: Vec<String>,
    /// Replications per point.
    pub reps: u64,
    /// Worker threads.
    pub threads: usize,
    /// Output directory.
    pub out: PathBuf,
    /// `--shard K/N`.
    pub shard: Option<String>,
    /// Discard an existing sweep in `out` that differs from this one.
    pub force: bool,
    /// No progress bar or timing line on standard error.
    pub quiet: bool,
}

/// Runs a sweep (or one shard of it) into `opts.out`, skipping the points
/// already there, and writes the results once the directory holds every
/// point. Returns the summary table for standard output.
pub fn sweep(opts: &SweepOptions) -> Result<String, Error> {
    let started = Instant::now();
    let source = ScenarioSource::from_arg(opts.scenario.as_deref())?;
    for s in &opts.sets {
        s.parse::<Override>()?;
    }
    let grid = Grid::parse(&opts.vary)?;
    let shard = opts.shard.as_deref().map(Shard::parse).transpose()?;
    let threads = opts.threads.max(1);
    let plan = Plan {
        source,
        sets: opts.sets.clone(),
        seed: opts.seed,
        grid,
        reps: opts.reps,
    };
    let models = plan.load_models(threads)?;
    let dir = checkpoint::OutDir::open(&opts.out, &plan.manifest(), opts.force)?;
    let mut present = dir.scan_points(&plan, &models)?;
    let todo: Vec<usize> = (0..plan.points())
        .filter(|&i| !present[i] && shard.is_none_or(|s| s.contains(i)))
        .collect();
    let skipped = (0..plan.points())
        .filter(|&i| present[i] && shard.is_none_or(|s| s.contains(i)))
        .count();

    let bar = progress_bar(opts.quiet, todo.len(), plan.reps);
    let mut finished = 0usize;
    let ran = run::run_points(
        &models,
        &todo,
        plan.reps,
        threads,
        || bar.inc(1),
        |index, outcomes: Vec<Outcome>| {
            let bytes = checkpoint::encode_point(&dir.sweep_id, index, &plan, &outcomes);
            dir.write_point(index, &bytes)?;
            present[index] = true;
            finished += 1;
            bar.set_message(format!("{finished}/{} points", todo.len()));
            Ok(())
        },
    );
    bar.finish_and_clear();
    ran?;

    let rows = results::finish(&dir, &plan, &models, &present)?;
    let complete = rows.len() == plan.points();
    if !opts.quiet {
        let secs = started.elapsed().as_secs_f64();
        let mut line = format!(
            "swept {} point{} × {} replication{} in {:.2} s ({:.1} points/s on {} thread{})",
            todo.len(),
            if todo.len() == 1 { "" } else { "s" },
            plan.reps,
            if plan.reps == 1 { "" } else { "s" },
            secs,
            todo.len() as f64 / secs.max(1e-9),
            threads,
            if threads == 1 { "" } else { "s" },
        );
        if skipped > 0 {
            line += &format!("; {skipped} already done");
        }
        eprintln!("{line}");
        if complete {
            eprintln!("results in {}", opts.out.display());
        } else {
            eprintln!(
                "{} holds {} of {} points; run the other shards, then `survsim merge`",
                opts.out.display(),
                rows.len(),
                plan.points()
            );
        }
    }
    Ok(results::summary(&plan, &models, &rows))
}

fn progress_bar(quiet: bool, points: usize, reps: u64) -> ProgressBar {
    if quiet || points == 0 {
        return ProgressBar::hidden();
    }
    // Hidden by indicatif itself when standard error is not a terminal.
    let bar =
        ProgressBar::with_draw_target(Some(points as u64 * reps), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{bar:40.cyan/blue} {msg} · elapsed {elapsed} · ETA {eta}")
            .expect("a valid template")
            .progress_chars("█▉▊▋▌▍▎▏ ");
    bar.set_style(style);
    bar.set_message(format!("0/{points} points"));
    bar
}
