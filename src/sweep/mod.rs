//! Policy what-if sweeps: a grid of `--set` overrides, every point
//! replicated, written as CSV, JSON and SVG charts; resumable, and shardable
//! across machines.
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
//! This module is pure: the plan, the grid, the checkpoint format
//! ([`checkpoint`]), the results ([`results`]) and the charts ([`charts`]).
//! Running the points on threads, checkpointing them into the output
//! directory and merging shards is a driver's job: see
//! [`crate::drive::sweep`].

pub mod charts;
pub mod checkpoint;
pub mod grid;
pub mod html;
pub mod notes;
pub mod results;

pub use grid::{Axis, Grid};

use crate::error::InputError;
use crate::metrics::{GroupMetric, Metric, Outcome};
use crate::report::{Report, Stat};
use crate::scenario::{Override, Scenario, ScenarioSource};
use crate::stats::prediction_interval95;
use serde_json::{Value, json};

/// What defines a sweep's results.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The scenario.
    pub source: ScenarioSource,
    /// `--set` overrides applied to every point.
    pub sets: Vec<Override>,
    /// `--seed`, if given.
    pub seed: Option<u64>,
    /// The varied keys.
    pub grid: Grid,
    /// Replications per point.
    pub reps: u64,
    /// `--fixed-parameters`: hold the scenario's uncertain inputs at their
    /// nominal values at every point, instead of drawing them for each
    /// replication as `survsim run` does.
    pub fixed_parameters: bool,
}

impl Plan {
    /// Number of points.
    pub fn points(&self) -> usize {
        self.grid.len()
    }

    /// Every override of point `index`, in the order they are applied: the
    /// common `--set`s, the point's grid values, then the seed.
    pub fn overrides(&self, index: usize) -> Vec<Override> {
        let mut all = self.sets.clone();
        all.extend(self.grid.overrides(index));
        if let Some(seed) = self.seed {
            all.push(
                format!("simulation.seed={seed}")
                    .parse()
                    .expect("a seed override is well formed"),
            );
        }
        all
    }

    /// Loads point `index`'s scenario. An error caused by a grid value names
    /// the `--vary` flag, which its override carries.
    ///
    /// Like `survsim run`, each replication of a point draws the scenario's
    /// uncertain inputs ([`Scenario::replication_model`]) unless
    /// `fixed_parameters`. The draw of replication r comes from the stream
    /// `(seed, r, parameters)`, so with a common seed every point's
    /// replication r draws the same uniforms: the points still differ by
    /// what is varied, not by luck of the draw.
    pub fn load(&self, index: usize) -> Result<Scenario, InputError> {
        let mut scenario = Scenario::load(self.source.clone(), &self.overrides(index))?;
        scenario.parameters_fixed = self.fixed_parameters;
        Ok(scenario)
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
            words.push(shell_quote(&s.raw));
        }
        for a in &self.grid.axes {
            words.push("--vary".into());
            words.push(shell_quote(&format!("{}={}", a.key(), a.spec)));
        }
        words.push("--reps".into());
        words.push(self.reps.to_string());
        if let Some(seed) = self.seed {
            words.push("--seed".into());
            words.push(seed.to_string());
        }
        if self.fixed_parameters {
            words.push("--fixed-parameters".into());
        }
        words.join(" ")
    }

    /// The manifest: everything the results depend on (see [`checkpoint`]).
    pub fn manifest(&self) -> Value {
        json!({
            "survsim": env!("CARGO_PKG_VERSION"),
            "command": self.command(),
            "scenario": { "source": self.source.name, "text": self.source.text },
            "set": self.sets.iter().map(|s| &s.raw).collect::<Vec<_>>(),
            "seed": self.seed,
            "grid": self.grid.axes.iter().map(Axis::to_json).collect::<Vec<_>>(),
            "reps": self.reps,
            "fixed_parameters": self.fixed_parameters,
            "points": self.points(),
        })
    }

    /// The plan a manifest describes (the inverse of [`Plan::manifest`]).
    pub fn from_manifest(m: &Value) -> Option<Plan> {
        let axes = m["grid"]
            .as_array()?
            .iter()
            .map(Axis::from_json)
            .collect::<Option<Vec<_>>>()?;
        let plan = Plan {
            source: ScenarioSource::from_text(
                m["scenario"]["source"].as_str()?,
                m["scenario"]["text"].as_str()?,
            ),
            sets: m["set"]
                .as_array()?
                .iter()
                .map(|v| v.as_str()?.parse().ok())
                .collect::<Option<Vec<_>>>()?,
            seed: match &m["seed"] {
                Value::Null => None,
                v => Some(v.as_u64()?),
            },
            grid: Grid { axes },
            reps: m["reps"].as_u64().filter(|&r| r >= 1)?,
            fixed_parameters: m["fixed_parameters"].as_bool()?,
        };
        (plan.manifest() == *m).then_some(plan)
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
        /// With a pipeline: the mean over replications of each one's 99th
        /// percentile of capture → decision latency, ms.
        P99DecisionLatency => ("p99_decision_latency_ms", "p99 capture → decision latency (ms)"),
        /// With a pipeline: faces dropped ÷ faces captured, pooled over
        /// replications.
        DropRate => ("drop_rate", "faces dropped by the pipeline ÷ faces captured"),
    }
}

impl Headline {
    /// Whether the figure is a pooled ratio rather than a mean per replication.
    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            Headline::FacesPerTrueAlert
                | Headline::AlertPrecision
                | Headline::FalseAlertDisparity
                | Headline::DropRate
        )
    }

    /// Whether the figure exists only for a scenario with a `[pipeline]`
    /// (it is empty, and has no chart, without one).
    pub fn needs_pipeline(self) -> bool {
        matches!(self, Headline::P99DecisionLatency | Headline::DropRate)
    }

    /// How the figure and its interval are estimated, in words (for
    /// `results.json` and the charts).
    pub fn method(self) -> &'static str {
        match self {
            Headline::P99DecisionLatency => {
                "mean over replications of each replication's 99th percentile; Student's t 95 % interval over replications"
            }
            Headline::FacesPerTrueAlert => {
                "ratio of totals pooled over replications; 95 % delta-method interval for a ratio of means, on the log scale"
            }
            Headline::AlertPrecision | Headline::DropRate => {
                "ratio of totals pooled over replications; 95 % Korn-Graubard interval for a proportion (Clopper-Pearson at the delta method's effective sample size)"
            }
            Headline::FalseAlertDisparity => {
                "ratio of the groups' rates of pooled totals; 95 % delta-method interval on the log scale, or a Poisson interval on the log scale where a count is zero, with one replication, or where the replications show no spread"
            }
            _ => {
                "mean per replication; Student's t 95 % interval over replications, or an exact quasi-Poisson interval where t would reach zero"
            }
        }
    }

    /// The metric's estimate in a report of `outcomes`: for counts, the
    /// mean and its interval over replications ([`crate::report::Stat`]);
    /// for ratios, the ratio of pooled totals and its delta-method interval
    /// ([`crate::report::RatioIntervals`], and the equity disparity's).
    /// Confidence intervals are `None` with one replication; prediction
    /// intervals (`pi95`) with fewer than [`crate::stats::MIN_REPS_FOR_PI95`].
    pub fn estimate(self, r: &Report, outcomes: &[Outcome]) -> Estimate {
        let stat = |s: Stat| {
            let ci = r.replications > 1;
            Estimate {
                mean: Some(s.mean),
                lo: ci.then_some(s.lo),
                hi: ci.then_some(s.hi),
                pi95: s.pi95,
            }
        };
        let ratio = |mean: Option<f64>, ci: Option<(f64, f64)>, pi: Option<(f64, f64)>| Estimate {
            mean,
            lo: ci.map(|c| c.0),
            hi: ci.map(|c| c.1),
            pi95: pi,
        };
        let (c, p) = (&r.ratios_ci95, &r.ratios_pi95);
        match self {
            Headline::FalseAlerts => stat(r.total(Metric::FalseAlerts)),
            Headline::TrueAlerts => stat(r.total(Metric::TrueAlerts)),
            Headline::WrongfulStops => stat(r.total(Metric::WrongfulStops)),
            Headline::FalseArrests => stat(r.total(Metric::FalseArrests)),
            Headline::FacesPerTrueAlert => ratio(
                r.ratios.faces_per_true_alert,
                c.faces_per_true_alert,
                p.faces_per_true_alert,
            ),
            Headline::AlertPrecision => ratio(
                r.ratios.alert_precision,
                c.alert_precision,
                p.alert_precision,
            ),
            Headline::FacesCaptured => stat(r.total(Metric::FacesCaptured)),
            Headline::Stops => stat(r.total(Metric::Stops)),
            Headline::Arrests => stat(r.total(Metric::Arrests)),
            Headline::LostInCrowd => stat(r.total(Metric::LostInCrowd)),
            Headline::WantedMissed => stat(r.wanted_missed),
            Headline::Trackable => stat(r.exposure.trackable),
            Headline::RepeatFalseAlerts => stat(r.exposure.people_with_2_false_alerts),
            Headline::FalseAlertDisparity => match r.worst_false_alert_disparity() {
                Some((group, v, lo, hi)) => ratio(
                    Some(v),
                    (r.replications > 1 && lo < hi).then_some((lo, hi)),
                    disparity_pi95(r, outcomes, group),
                ),
                None => ratio(None, None, None),
            },
            Headline::P99DecisionLatency => r.decision_p99_ms.map_or(ratio(None, None, None), stat),
            Headline::DropRate => r.drop_rate.map_or(ratio(None, None, None), stat),
        }
    }
}

/// Whether a sweep of `scenarios` (its points) has a pipeline's figures to
/// chart: some point has a `[pipeline]` with a matcher pool (what
/// [`charts::render_all`] finds in the points' reports).
pub fn has_pipeline(scenarios: &[Scenario]) -> bool {
    scenarios.iter().any(|s| {
        s.model
            .pipeline
            .as_ref()
            .is_some_and(|p| !p.pools.is_empty())
    })
}

/// Checks, before anything runs, that a sweep of `scenarios` will have the
/// headline metric `metric`: a pipeline's figures need a point with a
/// pipeline. The error names the metric and lists those the sweep has.
pub fn metric_available(metric: Headline, scenarios: &[Scenario]) -> Result<(), InputError> {
    let pipeline = has_pipeline(scenarios);
    if pipeline || !metric.needs_pipeline() {
        return Ok(());
    }
    let valid: Vec<&str> = Headline::ALL
        .iter()
        .filter(|h| pipeline || !h.needs_pipeline())
        .map(|h| h.key())
        .collect();
    Err(InputError::whole(
        "metric",
        format!(
            "`{}` is a recognition pipeline's figure, and no point of this sweep has a \
             [pipeline]; expected one of {}",
            metric.key(),
            valid.join(", ")
        ),
    ))
}

/// The 95 % prediction interval of one replication's false-alert
/// disparity of `group` (the group the pooled figure picks) against the
/// reference group: quantiles of each replication's own ratio of false
/// alerts per capture. A replication where the reference group had no false
/// alert but `group` had some counts as +∞; one where neither had any, or
/// either captured no face, has no ratio and is left out (as a proportion
/// with a zero denominator is in [`crate::report::RatioIntervals`]).
fn disparity_pi95(r: &Report, outcomes: &[Outcome], group: &str) -> Option<(f64, f64)> {
    let index = |name: &str| r.groups.iter().position(|g| g.name == name);
    let (g, reference) = (index(group)?, index(&r.reference_group)?);
    let values: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| {
            let rate = |i: usize| {
                let faces = o.groups[i][GroupMetric::FacesCaptured] as f64;
                (faces > 0.0).then(|| o.groups[i][GroupMetric::FalseAlerts] as f64 / faces)
            };
            let (x, y) = (rate(g)?, rate(reference)?);
            match (x > 0.0, y > 0.0) {
                (false, false) => None,
                (true, false) => Some(f64::INFINITY),
                _ => Some(x / y),
            }
        })
        .collect();
    prediction_interval95(&values)
}

/// A point estimate, its 95 % confidence interval and the 95 % prediction
/// interval of one replication; `None` where undefined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub mean: Option<f64>,
    /// Lower bound of the 95 % confidence interval of the estimate (`ci95`:
    /// the Monte Carlo error of the mean or pooled ratio).
    pub lo: Option<f64>,
    /// Upper bound of the 95 % confidence interval.
    pub hi: Option<f64>,
    /// The 2.5 % and 97.5 % quantiles of the per-replication values
    /// (`pi95`: where one deployment's outcome should fall, with the
    /// uncertain inputs drawn unless `--fixed-parameters`); `None` with
    /// fewer than [`crate::stats::MIN_REPS_FOR_PI95`] replications or no defined value.
    /// The upper bound may be +∞.
    pub pi95: Option<(f64, f64)>,
}
