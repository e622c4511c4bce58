//! Closed-form expectations for one replication, which a run is compared
//! with.

mod activity_mix;
mod turnover;

use super::Model;
use super::deployments::deployment_index;
use super::limits::{MAX_EXPECTED_FACES_PER_RESIDENTS, Mode, WORK_INPUTS};
use super::schedule::NO_DEPLOYMENT;
use super::sites::Site;
use crate::error::{KeyPath, ValidationError};
pub use activity_mix::ActivityMix;
pub use turnover::TURNOVER_STEPS;
use turnover::{add_turnover, on_list_alerted};

/// Closed-form expectations for one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// Usable faces captured.
    pub faces_captured: f64,
    /// Distinct residents captured at least once.
    pub people_scanned: f64,
    /// Residents captured at three or more distinct sites: trackable.
    pub trackable: f64,
    /// Alerts on the right identity, were no one ever arrested. Arrests
    /// execute warrants (custody, then non-mated searches), which only
    /// removes true alerts, so with arrests possible this is an upper bound
    /// ([`Expected::true_alerts_is_upper_bound`]).
    pub true_alerts: f64,
    /// Whether arrests can happen, making `true_alerts` (and
    /// `wanted_faces_captured`) an upper bound.
    pub true_alerts_is_upper_bound: bool,
    /// Faces of wanted people captured while wanted (mated searches, and
    /// any the pipeline drops), were no one ever arrested: an upper bound
    /// with arrests, which hold people in custody and then execute their
    /// warrant. Their true alerts are [`Expected::true_alerts`], so the
    /// detection rate per pass is `true_alerts / wanted_faces_captured`, the
    /// TPIR averaged over wanted faces.
    pub wanted_faces_captured: f64,
    /// Whether that detection rate per pass is exact. It is without
    /// arrests. With arrests, each wanted person's searches still alert
    /// with their own TPIR whichever of them an arrest cuts off (whether a
    /// later face is searched depends only on earlier ones), so the rate is
    /// still exact when every wanted person has the same TPIR — one TPIR
    /// among the groups with wanted members, and no lookalike spread.
    /// Otherwise arrests reweight it towards the people arrested less, and
    /// it is an approximation. Faces a pipeline drops lower the simulated
    /// rate; the closed form does not count drops.
    pub detection_per_pass_is_exact: bool,
    /// Wanted people with at least one true alert: exact with arrests too,
    /// since a person's first true alert comes before their arrest.
    pub wanted_alerted: f64,
    /// Alerts on a wrong identity (non-mated, and misidentified mated
    /// searches), were no one ever arrested.
    pub false_alerts: f64,
    /// The variance of one run's false alerts given the model's inputs:
    /// their mean if everyone were alike (Poisson), plus what uneven
    /// activity and lookalikes add. A person's false alerts are Poisson with
    /// mean a·Σᵣ mᵣ·FPIRᵣ(L) (activity a of mean 1, mᵣ their faces under
    /// each regime, FPIRᵣ(L) at their lookalike multiplier), so each adds
    /// the variance of that mean, E[a²]·E[(Σ mᵣ FPIRᵣ(L))²] − (Σ mᵣ
    /// E[FPIRᵣ(L)])² — with E[a²] = 1 + 1/k, E[FPIR(L)²] by quadrature, and
    /// the regimes' cross terms at their Cauchy–Schwarz bound (exact with
    /// one regime). Mated misidentifications count as Poisson. In batch
    /// mode each person is searched once: Bernoulli, E[FPIR(L)] −
    /// E[FPIR(L)]² each.
    pub false_alerts_variance: f64,
    /// Per group, in model order.
    pub groups: Vec<ExpectedGroup>,
    /// Per deployment of a schedule, in file order.
    pub deployments: Vec<ExpectedDeployment>,
}

impl Expected {
    /// The mixture `(1 − p) × self + p × other` of two models' expectations
    /// (the same groups and deployments): figures mixed, bounds kept if
    /// either is one, exactness only if both are exact.
    fn mixed_with(&self, other: &Expected, p: f64) -> Expected {
        let mix = |a: f64, b: f64| (1.0 - p) * a + p * b;
        Expected {
            faces_captured: mix(self.faces_captured, other.faces_captured),
            people_scanned: mix(self.people_scanned, other.people_scanned),
            trackable: mix(self.trackable, other.trackable),
            true_alerts: mix(self.true_alerts, other.true_alerts),
            true_alerts_is_upper_bound: self.true_alerts_is_upper_bound
                || other.true_alerts_is_upper_bound,
            wanted_faces_captured: mix(self.wanted_faces_captured, other.wanted_faces_captured),
            detection_per_pass_is_exact: self.detection_per_pass_is_exact
                && other.detection_per_pass_is_exact,
            wanted_alerted: mix(self.wanted_alerted, other.wanted_alerted),
            false_alerts: mix(self.false_alerts, other.false_alerts),
            false_alerts_variance: mix(self.false_alerts_variance, other.false_alerts_variance),
            groups: self
                .groups
                .iter()
                .zip(&other.groups)
                .map(|(a, b)| ExpectedGroup {
                    faces_captured: mix(a.faces_captured, b.faces_captured),
                    people_scanned: mix(a.people_scanned, b.people_scanned),
                    trackable: mix(a.trackable, b.trackable),
                    true_alerts: mix(a.true_alerts, b.true_alerts),
                    wanted_faces_captured: mix(a.wanted_faces_captured, b.wanted_faces_captured),
                    wanted_alerted: mix(a.wanted_alerted, b.wanted_alerted),
                    false_alerts: mix(a.false_alerts, b.false_alerts),
                    avoided_visits: mix(a.avoided_visits, b.avoided_visits),
                    repeat_false_alert_people: mix(
                        a.repeat_false_alert_people,
                        b.repeat_false_alert_people,
                    ),
                })
                .collect(),
            deployments: self
                .deployments
                .iter()
                .zip(&other.deployments)
                .map(|(a, b)| ExpectedDeployment {
                    faces_captured: mix(a.faces_captured, b.faces_captured),
                    true_alerts: mix(a.true_alerts, b.true_alerts),
                    wanted_faces_captured: mix(a.wanted_faces_captured, b.wanted_faces_captured),
                    false_alerts: mix(a.false_alerts, b.false_alerts),
                    lists: a
                        .lists
                        .iter()
                        .zip(&b.lists)
                        .map(|(x, y)| [mix(x[0], y[0]), mix(x[1], y[1])])
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Closed-form expectations for one deployment of a schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectedDeployment {
    /// Faces captured.
    pub faces_captured: f64,
    /// True alerts (an upper bound with arrests).
    pub true_alerts: f64,
    /// Faces of wanted people on its list (an upper bound with arrests).
    pub wanted_faces_captured: f64,
    /// False alerts.
    pub false_alerts: f64,
    /// With several lists, (true, false) alerts each raises, in order.
    pub lists: Vec<[f64; 2]>,
}

/// Closed-form expectations for one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectedGroup {
    /// Faces of this group's members.
    pub faces_captured: f64,
    /// Distinct members captured at least once.
    pub people_scanned: f64,
    /// Members captured at three or more distinct sites.
    pub trackable: f64,
    /// True alerts (an upper bound with arrests, as [`Expected::true_alerts`]).
    pub true_alerts: f64,
    /// Faces of wanted members (an upper bound with arrests).
    pub wanted_faces_captured: f64,
    /// Wanted members with at least one true alert.
    pub wanted_alerted: f64,
    /// False alerts.
    pub false_alerts: f64,
    /// Visits to covered sites that avoiders did not make.
    pub avoided_visits: f64,
    /// Members with two or more false alerts, without lookalikes (with
    /// activity spread, their false alerts are negative binomial).
    pub repeat_false_alert_people: f64,
}

impl Model {
    /// Closed-form expectations for one replication. With footfall, captures
    /// are Poisson, and each search's outcome is an independent thinning of
    /// them, so every count below is Poisson with this mean: its standard
    /// error is √mean. In batch mode every resident is searched once, so the
    /// face counts are exact and the alert counts binomial.
    ///
    /// With activity spread (`population.activity_spread`), a person's
    /// activity a is Gamma of mean 1 and their captures Poisson(a λ): the
    /// totals are unchanged, and the counts of people (scanned, alerted,
    /// repeatedly falsely alerted, trackable) are averages over a — closed
    /// forms through the Gamma's Laplace transform, and for trackability a
    /// quadrature (see [`ActivityMix`]).
    ///
    /// With a fractional wanted person ([`Model::wanted_fraction`]), every
    /// figure is the mixture of this model's and the model with them: a
    /// prevalence of 3.4 people expects 3.4 people's alerts, not 3's.
    pub fn expected(&self) -> Expected {
        let whole = self.expected_with(&Exposure::of(self), true);
        match &self.wanted_fraction {
            None => whole,
            Some((probability, with)) => whole.mixed_with(&with.expected(), *probability),
        }
    }

    /// [`Model::expected`], given the model's [`Exposure`] (which drawing
    /// its uncertain inputs again leaves as it was). Without `alerted`, the
    /// wanted people alerted are left at 0: their count takes a pass over
    /// every regime for each stretch of a block's wanted people between two
    /// lists' cut-offs, quadratic in a schedule whose deployments hold
    /// different counts of them, and a draw's variance shares read only
    /// false alerts.
    pub(super) fn expected_with(&self, exposure: &Exposure, alerted: bool) -> Expected {
        let mix = ActivityMix::new(self.activity_shape);
        let mut tally = Tally {
            groups: exposure
                .avoided
                .iter()
                .map(|&visits| ExpectedGroup {
                    avoided_visits: visits,
                    ..Default::default()
                })
                .collect(),
            deployments: vec![ExpectedDeployment::default(); self.deployments.len()],
            overdispersion: 0.0,
        };
        for block_index in 0..self.blocks.len() {
            self.expect_block(block_index, exposure, &mix, alerted, &mut tally);
        }
        self.totals(tally)
    }

    /// Phase one, block by block: its faces and people, then its searches
    /// regime by regime ([`Model::expect_searches`]), the wanted people it
    /// alerts (if `alerted`), and its people falsely alerted twice.
    fn expect_block(
        &self,
        block_index: usize,
        exposure: &Exposure,
        mix: &ActivityMix,
        alerted: bool,
        tally: &mut Tally,
    ) {
        let block = &self.blocks[block_index];
        let expected = &mut tally.groups[block.group as usize];
        let passers = match self.mode {
            Mode::Footfall => block.passers(),
            Mode::Batch => block.residents,
        } as f64;
        expected.faces_captured += exposure.faces[block_index];
        if passers == 0.0 {
            return;
        }
        expected.people_scanned += exposure.people_scanned[block_index];
        if self.mode == Mode::Footfall {
            expected.trackable += exposure.trackable[block_index];
        }
        // Each regime's searches: its wanted members on the list are
        // searched mated, everyone else non-mated, at its rates.
        let mut false_alert_mean = 0.0;
        // Σ mᵣ E[FPIRᵣ(L)] and Σ mᵣ √E[FPIRᵣ(L)²], for the spread.
        let (mut first, mut second) = (0.0, 0.0);
        let regime_faces = &exposure.regime_faces[block_index];
        for (regime, &faces) in regime_faces.iter().enumerate() {
            let deployment = deployment_of(regime);
            let group = &self.groups_at(deployment)[block.group as usize];
            false_alert_mean += faces / passers * group.search.fpir;
            first += faces / passers * group.averaged.fpir;
            second += faces / passers * group.averaged.fpir_squared.sqrt();
            // With the list's turnover, the faces a wanted member gives
            // while on the list.
            let open = exposure.open(block_index, regime, faces);
            let searches = self.expect_searches(block_index, deployment, passers, faces, open);
            expected.true_alerts += searches.true_alerts;
            expected.wanted_faces_captured += searches.mated;
            expected.false_alerts += searches.false_alerts;
            if let Some(d) = deployment_index(deployment) {
                let here = &mut tally.deployments[d];
                here.faces_captured += faces;
                here.true_alerts += searches.true_alerts;
                here.wanted_faces_captured += searches.mated;
                here.false_alerts += searches.false_alerts;
                here.lists.resize(searches.per_list.len(), [0.0; 2]);
                for (sum, list) in here.lists.iter_mut().zip(&searches.per_list) {
                    sum[0] += list[0];
                    sum[1] += list[1];
                }
            }
        }
        if alerted {
            let into = &mut expected.wanted_alerted;
            let cumulative = exposure.cumulative.get(block_index);
            self.add_wanted_alerted(block_index, regime_faces, cumulative, passers, into);
        }
        // Residents with two or more false alerts, were everyone in the
        // group alike (no lookalikes): Poisson(a × per_person × FPIR) each.
        expected.repeat_false_alert_people +=
            (passers - block.wanted as f64) * mix.at_least_two(false_alert_mean);
        // Searched exactly once (batch), a person's false alert is
        // Bernoulli(FPIR(L)): variance E[FPIR(L)] − E[FPIR(L)]².
        let spread = match self.mode {
            Mode::Footfall => (mix.second_moment() * second * second - first * first).max(0.0),
            Mode::Batch => -first * first,
        };
        tally.overdispersion += (passers - block.wanted as f64) * spread;
    }

    /// Phase two, one regime of one block: the expected outcomes of `faces`
    /// searches of its `passers` under `deployment`'s searches, of which a
    /// wanted member's give `open` while on the list (all, without the
    /// list's turnover).
    fn expect_searches(
        &self,
        block_index: usize,
        deployment: u32,
        passers: f64,
        faces: f64,
        open: f64,
    ) -> Searches {
        let block = &self.blocks[block_index];
        match self.several_lists(deployment) {
            // Several lists: the first to alert raises it.
            Some(at) => {
                let (per_list, mated) =
                    at.expected_lists(block_index, block.group as usize, passers, faces / passers);
                let sum = |k: usize| per_list.iter().map(|l| l[k]).sum::<f64>();
                Searches {
                    true_alerts: sum(0),
                    false_alerts: sum(1),
                    mated,
                    per_list,
                }
            }
            None => {
                let seen = self.block_at(block_index, deployment);
                let group = &self.groups_at(deployment)[block.group as usize];
                let mated = open * seen.wanted as f64 / passers;
                let non_mated = faces - mated;
                // Rates averaged over lookalike multipliers (see
                // LookalikeMean): a person's captures and their
                // multiplier are independent.
                let rates = &group.averaged;
                let false_alerts = non_mated * rates.fpir + mated * rates.misidentification;
                Searches {
                    true_alerts: mated * rates.tpir,
                    false_alerts,
                    mated,
                    per_list: Vec::new(),
                }
            }
        }
    }

    /// Phase three: the run's totals, summed over the groups, and what
    /// they are exact for.
    fn totals(&self, tally: Tally) -> Expected {
        let Tally {
            groups,
            deployments,
            overdispersion,
        } = tally;
        let total = |count: fn(&ExpectedGroup) -> f64| -> f64 { groups.iter().map(count).sum() };
        let arrests = self.wanted > 0
            && (self.intervention.teams.total() > 0
                || self.deployments.iter().any(|d| d.officers > 0))
            && self.intervention.p_arrest_correct > 0.0
            && self.review.p_confirm_true > 0.0;
        Expected {
            faces_captured: total(|group| group.faces_captured),
            people_scanned: total(|group| group.people_scanned),
            trackable: total(|group| group.trackable),
            true_alerts: total(|group| group.true_alerts),
            true_alerts_is_upper_bound: arrests,
            wanted_faces_captured: total(|group| group.wanted_faces_captured),
            // Several lists: rates are products of lookalike averages.
            detection_per_pass_is_exact: (!arrests || self.wanted_share_one_tpir())
                && self.deployments.iter().all(|d| d.lists.is_empty()),
            wanted_alerted: total(|group| group.wanted_alerted),
            false_alerts: total(|group| group.false_alerts),
            false_alerts_variance: total(|group| group.false_alerts) + overdispersion,
            groups,
            deployments,
        }
    }
}

/// What [`Model::expected_with`] adds up as it goes, block by block.
struct Tally {
    /// Per group.
    groups: Vec<ExpectedGroup>,
    /// Per deployment.
    deployments: Vec<ExpectedDeployment>,
    /// A person's false alerts beyond Poisson, summed over people.
    overdispersion: f64,
}

/// The expected outcomes of one regime's searches of one block.
struct Searches {
    true_alerts: f64,
    false_alerts: f64,
    /// Faces of wanted people on the regime's list (or lists).
    mated: f64,
    /// With several lists, (true, false) alerts per list.
    per_list: Vec<[f64; 2]>,
}

/// What a model's expectations take from its sites and blocks alone, which
/// drawing its uncertain inputs leaves as it was (the sites, the blocks and
/// the schedule draw nothing): each block's faces — in all and under each
/// expectation regime — its people scanned and trackable, and each group's
/// avoided visits. Worked out once, it spares each draw of `check`'s
/// variance shares a pass over every site (see [`super::Redraw`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// Per block, its faces over the run.
    faces: Vec<f64>,
    /// Per block, its faces under each regime: the scenario's searches (0)
    /// or deployment d's (d + 1).
    regime_faces: Vec<Vec<f64>>,
    /// Per block, its members captured at least once.
    people_scanned: Vec<f64>,
    /// Per block, its members captured at three or more sites.
    trackable: Vec<f64>,
    /// Per group, visits to covered sites its avoiders did not make.
    avoided: Vec<f64>,
    /// With the list's turnover ([`super::Turnover`]), per block and
    /// regime: its faces weighted by the chance that a wanted member is on
    /// the list at their capture, ∫ rate(t) p_open(t) dt. Empty without.
    open_faces: Vec<Vec<f64>>,
    /// With turnover, per block and regime: its faces captured by each of
    /// [`TURNOVER_STEPS`] + 1 equally spaced moments of the run, from 0 —
    /// what the chance that a wanted member is alerted while on the list
    /// is integrated over. Empty without.
    cumulative: Vec<Vec<Vec<f64>>>,
}

impl Exposure {
    /// The exposure of `model`'s blocks at its sites (footfall), or of
    /// every resident once (batch).
    pub fn of(model: &Model) -> Exposure {
        let mix = ActivityMix::new(model.activity_shape);
        let regimes = 1 + model.deployments.len();
        let blocks = model.blocks.len();
        let mut faces = vec![0.0; blocks];
        let mut site_faces: Vec<Vec<f64>> = vec![Vec::new(); blocks];
        let mut regime_faces = vec![vec![0.0; regimes]; blocks];
        let mut avoided = vec![0.0; model.groups.len()];
        let turnover = model.turnover.filter(|_| model.mode == Mode::Footfall);
        let mut open_faces = Vec::new();
        let mut cumulative = Vec::new();
        match model.mode {
            Mode::Footfall => {
                let mut by_regime = Vec::new();
                if let Some(turnover) = &turnover {
                    open_faces = vec![vec![0.0; regimes]; blocks];
                    cumulative = vec![vec![vec![0.0; TURNOVER_STEPS + 1]; regimes]; blocks];
                    for site in &model.sites {
                        add_turnover(model, turnover, site, &mut open_faces, &mut cumulative);
                    }
                }
                for site in &model.sites {
                    site_regimes(site, model.duration_s, &mut by_regime);
                    let captures = by_regime.iter().fold(0.0, |sum, &(_, f)| sum + f);
                    for &(block, share) in &site.block_shares {
                        let block = block as usize;
                        faces[block] += captures * share;
                        site_faces[block].push(captures * share);
                        for &(regime, f) in &by_regime {
                            regime_faces[block][regime] += f * share;
                        }
                    }
                    for (group, visits) in avoided.iter_mut().enumerate() {
                        *visits += captures * site.avoided_share_by_group[group];
                    }
                }
            }
            Mode::Batch => {
                for (b, block) in model.blocks.iter().enumerate() {
                    faces[b] = block.residents as f64;
                    regime_faces[b][0] = block.residents as f64;
                }
            }
        }
        let mut people_scanned = vec![0.0; blocks];
        let mut trackable = vec![0.0; blocks];
        for (b, block) in model.blocks.iter().enumerate() {
            let passers = match model.mode {
                Mode::Footfall => block.passers(),
                Mode::Batch => block.residents,
            } as f64;
            if passers == 0.0 {
                continue;
            }
            // Each passer's captures are Poisson(faces / passers); in batch
            // mode every resident is searched exactly once.
            people_scanned[b] = match model.mode {
                Mode::Footfall => passers * mix.at_least_one(faces[b] / passers),
                Mode::Batch => passers,
            };
            if model.mode == Mode::Footfall {
                trackable[b] = passers * mix.at_least_three_sites(&site_faces[b], passers);
            }
        }
        Exposure {
            faces,
            regime_faces,
            people_scanned,
            trackable,
            avoided,
            open_faces,
            cumulative,
        }
    }

    /// Block `block`'s faces under `regime` that a wanted member gives
    /// while on the list (all of them, `faces`, without turnover).
    fn open(&self, block: usize, regime: usize, faces: f64) -> f64 {
        self.open_faces.get(block).map_or(faces, |by| by[regime])
    }
}

/// A site's expected faces over the run under each regime it runs in, in
/// regime order, into `out`: each regime's stretches summed in time order.
/// Only the regimes present are listed — a site runs in few of a long
/// schedule's — and leaving out the others' zeros changes no sum.
fn site_regimes(site: &Site, duration_s: f64, out: &mut Vec<(usize, f64)>) {
    out.clear();
    site.captures_between(0.0, duration_s, |d, faces| {
        out.push((deployment_index(d).map_or(0, |d| d + 1), faces));
    });
    // Stable: each regime's stretches stay in time order.
    out.sort_by_key(|&(regime, _)| regime);
    out.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 += later.1;
        }
        same
    });
}

impl Model {
    /// Adds to `into` the wanted members of block `block_index` with at
    /// least one true alert, given its faces under each regime and its
    /// `passers`: a term per stretch of its wanted people, each added as
    /// it comes.
    ///
    /// A wanted passer's mated searches before any arrest are
    /// Poisson(per_person), each a true alert with TPIR (exact without
    /// lookalikes; with them, TPIR is their average) — under each regime
    /// whose list they are on (a list holds a block's first wanted members,
    /// so members between two lists' cut-offs are on the same lists).
    ///
    /// With the list's turnover, each regime's faces are taken from
    /// `cumulative` (the block's running totals on the grid), and the
    /// chance of an alert while on the list is averaged over the windows a
    /// wanted person may be on it ([`on_list_alerted`]).
    fn add_wanted_alerted(
        &self,
        block_index: usize,
        regime_faces: &[f64],
        cumulative: Option<&Vec<Vec<f64>>>,
        passers: f64,
        into: &mut f64,
    ) {
        let mix = ActivityMix::new(self.activity_shape);
        let block = &self.blocks[block_index];
        let mut cuts: Vec<u32> = (0..regime_faces.len())
            .map(|r| {
                let deployment = deployment_of(r);
                self.block_at(block_index, deployment).wanted
            })
            .collect();
        for deployment in &self.deployments {
            for list in &deployment.lists {
                cuts.push(list.block_first[block_index]);
            }
        }
        cuts.push(0);
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let (low, high) = (pair[0], pair[1]);
            let mut mean = 0.0;
            let mut tpir_once = 0.0;
            // With turnover: true alerts expected by each moment of the grid.
            let mut by_step = vec![0.0; cumulative.map_or(0, |_| TURNOVER_STEPS + 1)];
            for (regime, &faces) in regime_faces.iter().enumerate() {
                let deployment = deployment_of(regime);
                let mut rate = 0.0;
                if let Some(at) = self.several_lists(deployment) {
                    if let Some(p) = at.detection_of(block_index, block.group as usize, low) {
                        rate = p;
                        tpir_once = p;
                    }
                } else if self.block_at(block_index, deployment).wanted >= high {
                    let tpir = self.groups_at(deployment)[block.group as usize]
                        .averaged
                        .tpir;
                    rate = tpir;
                    tpir_once = tpir;
                }
                mean += faces / passers * rate;
                if let Some(cumulative) = cumulative {
                    for (sum, &faces) in by_step.iter_mut().zip(&cumulative[regime]) {
                        *sum += faces / passers * rate;
                    }
                }
            }
            *into += (high - low) as f64
                * match (self.mode, self.turnover) {
                    (Mode::Footfall, Some(turnover)) if cumulative.is_some() => {
                        on_list_alerted(&turnover, self.wanted, self.duration_s, &by_step, mix)
                    }
                    (Mode::Footfall, _) => mix.at_least_one(mean),
                    (Mode::Batch, _) => tpir_once,
                };
        }
    }
}

impl Model {
    /// Whether every wanted person has the same TPIR: no lookalike spread,
    /// and one TPIR among the groups with wanted members.
    fn wanted_share_one_tpir(&self) -> bool {
        let mut tpirs = std::iter::once(&self.groups)
            .chain(self.deployments.iter().map(|d| &d.groups))
            .flatten()
            .filter(|group| group.wanted > 0)
            .map(|group| group.search.tpir);
        let first = tpirs.next();
        self.lookalike_spread == 0.0 && tpirs.all(|tpir| Some(tpir) == first)
    }
}

/// The deployment of expectation regime `regime`: 0 is the scenario's own
/// searches ([`NO_DEPLOYMENT`]), d + 1 deployment d's.
fn deployment_of(regime: usize) -> u32 {
    regime.checked_sub(1).map_or(NO_DEPLOYMENT, |d| d as u32)
}

/// Refuses a residents-engine run whose faces would overflow its counts
/// ([`MAX_EXPECTED_FACES_PER_RESIDENTS`]). Its alerts have no limit but the
/// memory they take (eight bytes each, [`crate::engine::memory_bytes`]),
/// which the drivers check before running.
pub(super) fn check_residents_work(expected: &Expected) -> Result<(), ValidationError> {
    let faces = expected.faces_captured;
    if faces.is_nan() || faces > MAX_EXPECTED_FACES_PER_RESIDENTS {
        return Err(ValidationError::new(
            KeyPath::keys(&["sites"]),
            format!(
                "the sites would capture {faces:.3e} faces in one run, more than the residents \
                 engine's limit of {MAX_EXPECTED_FACES_PER_RESIDENTS:.0e}; {WORK_INPUTS}"
            ),
        ));
    }
    Ok(())
}
