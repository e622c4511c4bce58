//! The residents engine: the same model as the face engine, drawn per
//! resident instead of per face.
//!
//! Without a recognition pipeline no count depends on the order in which
//! faces arrive, only on how many each person gives, where, and which of
//! them alert. Poisson splitting makes those independent per person:
//!
//! 1. **Captures.** A site's usable captures of a block form a Poisson
//!    process ([`crate::engine`]) whose rate scales with its members' total
//!    activity, and each face is a member drawn in proportion to their
//!    activity; so a member's captures over the run are Poisson with mean
//!    (the block's expected captures per member over the run) × (their own
//!    activity a, of mean 1), independently of every other member's,
//!    and each capture's site is drawn in proportion to the site's share of
//!    the block's captures ([`clock::SiteClock`] gives each site's mass).
//! 2. **Alerts.** A face of a person not wanted alerts with their FPIR,
//!    independently of everything else: the alerting faces and the quiet
//!    ones are two independent Poisson counts (thinning), with means
//!    μ·FPIR and μ·(1 − FPIR). Only alerting faces need a time, drawn by
//!    inversion of their site's rate over the run.
//! 3. **Wanted people** give their faces one by one, as in the face engine:
//!    each is searched in time order against their warrant as the response
//!    chain knows it ([`super::wanted_search::search_wanted_face`]).
//! 4. **Response.** Alerts and wanted faces are merged in time order (ties by
//!    site and person) and go through the same [`Response`] chain.
//!
//! The cost is per resident and per site visited, not per face: a quiet
//! face costs one draw of its site, and a resident with many captures (a
//! year) gets their sites as one multinomial draw. Residents are streamed in
//! order, so memory access is sequential and nothing per resident is kept.
//!
//! **Chunks.** Residents are cut into fixed chunks of a block; each chunk
//! draws from its own streams `(seed, rep, STREAM_RESIDENTS, chunk, part)`
//! and returns additive counts plus its few alerts and wanted faces. The
//! chunking depends only on the model, so any number of threads running the
//! chunks gives byte-identical results ([`Plan::run_chunk`] is pure; the
//! driver decides the threads).

mod cells;
mod clock;
mod closing;
mod draw;

use super::capture::WantedFace;
use super::response::{Alert, NOT_WANTED};
use crate::metrics::{CAPTURE_BUCKETS, Exposure, Outcome};
use crate::model::schedule::NO_DEPLOYMENT;
use crate::model::{Block, Model};
use crate::rng::{STREAM_RESIDENTS, SimRng, open01, stream, unit};
use cells::CellLaw;
use clock::SiteClock;
use closing::{Closing, time_order};
use draw::{AlertOdds, DistinctSites, Multinomial, PoissonTable, poisson_inverting_small};
use rand::Rng;
use rand_distr::{Distribution, Gamma};

/// Parts of a chunk's streams.
const PART_PASSES: u64 = 0;
const PART_LOOKALIKE: u64 = 1;
const PART_ACTIVITY: u64 = 2;
const PART_SEARCH: u64 = 3;
const PART_WANTED: u64 = 4;
/// Residents per chunk: small enough to share out over cores, large enough
/// that a chunk's fixed cost (its streams, an 8 kB histogram) is noise.
pub const CHUNK_RESIDENTS: u32 = 1 << 16;

/// Whether the residents engine can run `model`
/// ([`crate::model::residents_can_run`]).
pub fn can_run(model: &Model) -> bool {
    crate::model::residents_can_run(
        model.mode,
        model.pipeline.is_some(),
        !model.deployments.is_empty(),
    )
}

/// Bytes a replication of `model` holds in this engine: per chunk, its
/// counts (an 8 kB histogram and the sites' faces); the alerts and wanted
/// people's faces of the whole run, at their expected numbers plus six
/// standard deviations, half as much again (a chunk's list while it grows
/// and is sorted; the wanted faces gathered and sorted); the plan's Poisson
/// tables; plus a megabyte.
pub fn memory_bytes(model: &Model) -> u64 {
    let chunks: u64 = model
        .blocks
        .iter()
        .map(|b| b.residents.div_ceil(CHUNK_RESIDENTS) as u64)
        .sum();
    let per_chunk = (CAPTURE_BUCKETS + model.sites.len() + 4 * model.groups.len()) as u64 * 8;
    let expected = model.expected();
    let alerts = expected.false_alerts + expected.true_alerts;
    let wanted_faces = expected.wanted_faces_captured;
    let with_noise = |n: f64| n + 6.0 * n.sqrt();
    let held = with_noise(alerts) * std::mem::size_of::<Alert>() as f64
        + with_noise(wanted_faces) * std::mem::size_of::<WantedFace>() as f64;
    chunks * per_chunk + (1.5 * held) as u64 + Plan::new(model).table_bytes() + (1 << 20)
}

/// One block's rates over the run.
#[derive(Debug, Clone)]
struct BlockRates {
    /// Expected captures of the block's passers over the run.
    captures: f64,
    /// The sites it passes, and each one's share of its captures.
    sites: Multinomial,
    /// Members alike who visit each site more than once on average (a
    /// long run): their captures at each site, independent Poisson counts,
    /// tabled by site position — one draw per site instead of one per face.
    per_site: Option<Vec<PoissonTable>>,
    /// Members alike, with few captures each, at sites of one hourly shape:
    /// the joint law of their captures and distinct sites, to draw them by
    /// cells ([`cells`]) rather than one by one.
    cells: Option<CellLaw>,
}

/// A fixed slice of one block's members.
#[derive(Debug, Clone, Copy)]
struct ChunkSpec {
    block: u32,
    first_member: u32,
    members: u32,
}

/// What a replication of `model` needs before drawing anyone: every site's
/// clock, every block's rates, and the chunks.
#[derive(Debug, Clone)]
pub struct Plan<'m> {
    model: &'m Model,
    clocks: Vec<SiteClock>,
    blocks: Vec<BlockRates>,
    chunks: Vec<ChunkSpec>,
}

/// What one chunk drew: additive counts, and its alerts and wanted faces.
#[derive(Debug, Clone)]
pub struct ChunkOutcome {
    /// Faces of people not wanted, per group.
    faces_by_group: Vec<u64>,
    /// People scanned, ≥ 10 times, and trackable, per group (not wanted).
    scanned_by_group: Vec<[u64; 3]>,
    /// Captures per resident (not wanted).
    exposure: Exposure,
    /// Faces without an alert, per site (their hours are drawn at the end).
    quiet_faces_by_site: Vec<u64>,
    /// Alerts on faces of people not wanted.
    alerts: Vec<Alert>,
    /// Faces of wanted people, to be searched in time order.
    wanted: Vec<WantedFace>,
    /// Wanted people's false-match propensity: (wanted index, multiplier).
    wanted_lookalikes: Vec<(u32, f64)>,
}

impl<'m> Plan<'m> {
    /// The plan of `model` (which [`can_run`] must accept).
    pub fn new(model: &'m Model) -> Plan<'m> {
        debug_assert!(can_run(model));
        let clocks: Vec<SiteClock> = model
            .sites
            .iter()
            .map(|site| SiteClock::new(site, model.duration_s))
            .collect();
        let mut per_block: Vec<Vec<(u32, f64)>> = vec![Vec::new(); model.blocks.len()];
        for (s, site) in model.sites.iter().enumerate() {
            let mass = clocks[s].mass();
            for &(block, share) in &site.block_shares {
                if mass * share > 0.0 {
                    per_block[block as usize].push((s as u32, mass * share));
                }
            }
        }
        let mut budget = cells::MAX_WORK;
        let blocks = per_block
            .into_iter()
            .zip(&model.blocks)
            .map(|(sites, block)| {
                let captures: f64 = sites.iter().map(|&(_, m)| m).sum();
                let sites = Multinomial::new(sites);
                let member_mean = captures / block.passers().max(1) as f64;
                let per_site = (model.activity_shape.is_none()
                    && sites.len() as f64 <= member_mean)
                    .then(|| {
                        let p = sites.probabilities();
                        p.iter()
                            .map(|p| PoissonTable::new(member_mean * p))
                            .collect()
                    });
                let cells = (model.activity_shape.is_none()
                    && model.lookalike_spread == 0.0
                    && per_site.is_none()
                    && sites.len() > 0
                    && cells::same_hours(&sites, &clocks))
                .then(|| CellLaw::new(member_mean, sites.probabilities(), &mut budget))
                .flatten();
                BlockRates {
                    captures,
                    sites,
                    per_site,
                    cells,
                }
            })
            .collect();
        let mut chunks = Vec::new();
        for (b, block) in model.blocks.iter().enumerate() {
            let mut first = 0;
            while first < block.residents {
                let members = (block.residents - first).min(CHUNK_RESIDENTS);
                chunks.push(ChunkSpec {
                    block: b as u32,
                    first_member: first,
                    members,
                });
                first += members;
            }
        }
        Plan {
            model,
            clocks,
            blocks,
            chunks,
        }
    }

    /// Bytes of the per-site Poisson tables.
    fn table_bytes(&self) -> u64 {
        self.blocks
            .iter()
            .flat_map(|b| b.per_site.iter().flatten())
            .map(|t| t.bytes())
            .sum()
    }

    /// Chunks in a replication.
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// Members of the chunk who can pass a site (the block's avoiders are
    /// its last members).
    fn passers_in(&self, spec: ChunkSpec) -> u32 {
        let block = &self.model.blocks[spec.block as usize];
        block
            .passers()
            .saturating_sub(spec.first_member)
            .min(spec.members)
    }

    /// The chunk's activity draws, in member order (`None` without spread).
    fn activity(&self, rep: u64, chunk: usize) -> Option<ActivityDraws> {
        let shape = self.model.activity_shape?;
        let gamma = Gamma::new(shape, 1.0 / shape).expect("the model checked the shape");
        let rng = self.stream(rep, chunk, PART_ACTIVITY);
        Some(ActivityDraws { gamma, rng })
    }

    fn stream(&self, rep: u64, chunk: usize, part: u64) -> SimRng {
        stream(
            self.model.seed,
            &[rep, STREAM_RESIDENTS, chunk as u64, part],
        )
    }

    /// Draws chunk `chunk` of replication `rep`.
    pub fn run_chunk(&self, rep: u64, chunk: usize) -> ChunkOutcome {
        let model = self.model;
        let spec = self.chunks[chunk];
        let block = &model.blocks[spec.block as usize];
        let rates = &self.blocks[spec.block as usize];
        let mut out = ChunkOutcome {
            faces_by_group: vec![0; model.groups.len()],
            scanned_by_group: vec![[0; 3]; model.groups.len()],
            exposure: Exposure::default(),
            quiet_faces_by_site: vec![0; model.sites.len()],
            alerts: Vec::new(),
            wanted: Vec::new(),
            wanted_lookalikes: Vec::new(),
        };
        let mut draw = ResidentDraw {
            plan: self,
            block,
            rates,
            passes: self.stream(rep, chunk, PART_PASSES),
            search: self.stream(rep, chunk, PART_SEARCH),
            wanted: self.stream(rep, chunk, PART_WANTED),
            faces_at: Vec::new(),
            quiet_by_position: vec![0; rates.sites.len()],
            out: &mut out,
        };
        let mut lookalikes =
            (model.lookalike_spread > 0.0).then(|| self.stream(rep, chunk, PART_LOOKALIKE));
        let mut activity = self.activity(rep, chunk);
        let passers = self.passers_in(spec);
        let block_passers = block.passers().max(1) as f64;
        // Members alike: the same means for everyone, worked out once.
        let alike_mean = rates.captures / block_passers;
        let total_table = PoissonTable::new(alike_mean);
        let alike_captures = match &rates.per_site {
            Some(tables) => Captures::PerSite(tables),
            None => Captures::Total(&total_table),
        };
        let alike_odds = AlertOdds::new(fpir_of(block, model, 1.0), true);
        // Members alike drawn by cells: only the wanted ones one by one.
        let one_by_one = match &rates.cells {
            Some(_) => passers.min(block.wanted.saturating_sub(spec.first_member)),
            None => passers,
        };
        for i in 0..one_by_one {
            let member = spec.first_member + i;
            let lookalike = lookalikes.as_mut().map_or(1.0, |rng| {
                crate::model::matcher::lookalike_from_code(draw_lookalike_code(
                    model.lookalike_spread,
                    rng,
                ))
            });
            let law = match activity.as_mut() {
                None if lookalike == 1.0 => Law {
                    captures: alike_captures,
                    odds: Odds::Tabled(&alike_odds),
                    mean: alike_mean,
                },
                None => Law {
                    captures: alike_captures,
                    odds: Odds::Fpir(fpir_of(block, model, lookalike)),
                    mean: alike_mean,
                },
                // Their own activity a scales the mean of someone alike: a
                // person's captures are Poisson(a λ), whoever else is in
                // their block (a share of the block's realised total would
                // cancel the spread of a block of one, such as a wanted
                // person's own block).
                Some(a) => {
                    let mean = alike_mean * a.next();
                    Law {
                        captures: Captures::Mean(mean),
                        odds: Odds::Fpir(fpir_of(block, model, lookalike)),
                        mean,
                    }
                }
            };
            if member < block.wanted {
                draw.wanted_member(member, law.mean, lookalike);
            } else {
                draw.member(member, &law);
            }
        }
        if let Some(law) = &rates.cells {
            let first = spec.first_member + one_by_one;
            draw.alike_members(law, first, passers - one_by_one, fpir_of(block, model, 1.0));
        }
        draw.finish();
        out.alerts
            .sort_by_key(|a| time_order(a.time_s, a.site, a.person));
        out.alerts.shrink_to_fit();
        // Avoiders are never captured.
        let avoiders = (spec.members - passers) as u64;
        out.exposure.captures[0] += avoiders;
        out.exposure.distinct_sites[0] += avoiders;
        out
    }

    /// Puts the chunks of replication `rep` together (in chunk order) and
    /// runs the response chain over their alerts and wanted faces.
    pub fn finish(&self, rep: u64, chunks: Vec<ChunkOutcome>) -> Outcome {
        Closing::new(self, rep, chunks).run()
    }

    /// Runs replication `rep` on this thread.
    pub fn run(&self, rep: u64) -> Outcome {
        let chunks = (0..self.chunks()).map(|c| self.run_chunk(rep, c)).collect();
        self.finish(rep, chunks)
    }
}

/// A chunk's activity draws: Gamma(shape, 1/shape), mean 1.
struct ActivityDraws {
    gamma: Gamma<f64>,
    rng: SimRng,
}

impl ActivityDraws {
    fn next(&mut self) -> f64 {
        self.gamma.sample(&mut self.rng)
    }
}

/// A lookalike code drawn as the face engine draws it ([`super::Resident`]).
fn draw_lookalike_code(spread: f64, rng: &mut SimRng) -> i16 {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    let z = (-2.0 * open01(a).ln()).sqrt() * (2.0 * std::f64::consts::PI * unit(b)).cos();
    crate::model::matcher::lookalike_code(spread, z)
}

/// A face's probability of a false alert for a member of `block` with
/// false-match propensity `lookalike`: their FPIR.
fn fpir_of(block: &Block, model: &Model, lookalike: f64) -> f64 {
    model.groups[block.group as usize]
        .search
        .fpir_for(lookalike)
}

/// How a member's faces are drawn: per site or in total from tables
/// worked out once for members alike, or from their own mean.
#[derive(Clone, Copy)]
enum Captures<'a> {
    PerSite(&'a [PoissonTable]),
    Total(&'a PoissonTable),
    Mean(f64),
    /// Already drawn (a member past a cell law's `k_max`).
    Exactly(u64),
}

/// How many of a member's faces alert: from odds tabled once for members
/// alike, or from their own FPIR.
#[derive(Clone, Copy)]
enum Odds<'a> {
    Tabled(&'a AlertOdds),
    Fpir(f64),
}

/// One member's law: their faces, their alerts, and their expected faces.
#[derive(Clone, Copy)]
struct Law<'a> {
    captures: Captures<'a>,
    odds: Odds<'a>,
    mean: f64,
}

/// Draws the members of one chunk, from three streams — as the face engine
/// keeps who passes apart from what their searches yield, so that what-ifs
/// on the matcher or the watchlist see the same faces at the same sites:
///
/// * `passes`: each member's faces and their sites;
/// * `search`: which faces of people not wanted alert, and when;
/// * `wanted`: the search draws and times of wanted people's faces.
struct ResidentDraw<'a, 'm> {
    plan: &'a Plan<'m>,
    block: &'a Block,
    rates: &'a BlockRates,
    passes: SimRng,
    search: SimRng,
    wanted: SimRng,
    /// The current member's faces, by site position (a position may come
    /// more than once).
    faces_at: Vec<(u32, u64)>,
    /// Faces without an alert, by site position.
    quiet_by_position: Vec<u64>,
    out: &'a mut ChunkOutcome,
}

impl ResidentDraw<'_, '_> {
    /// A member not wanted: their faces and each one's site (per site from
    /// tables, or a Poisson total shared out over the sites); how many of
    /// them alert (binomial), which ones, and when; and their exposure.
    fn member(&mut self, member: u32, law: &Law) {
        self.faces_at.clear();
        let mut seen = DistinctSites::default();
        // How many faces, then how many of them alert (from the search
        // stream, so the order of the two draws changes nothing), then where
        // they were: only a member with an alert keeps a list of their faces.
        let captures = match law.captures {
            Captures::PerSite(tables) => {
                let mut total = 0;
                for (position, table) in tables.iter().enumerate() {
                    let n = table.draw(&mut self.passes);
                    if n > 0 {
                        self.faces_at.push((position as u32, n));
                        total += n;
                    }
                }
                total
            }
            Captures::Total(table) => table.draw(&mut self.passes),
            Captures::Mean(mean) => poisson_inverting_small(&mut self.passes, mean),
            Captures::Exactly(n) => n,
        };
        if captures == 0 {
            tally(&mut self.out.exposure, &mut [0; 3], 0, 0, 1);
            return;
        }
        let alerting = match law.odds {
            Odds::Tabled(odds) => odds.alerting(captures, &mut self.search),
            Odds::Fpir(fpir) => AlertOdds::new(fpir, false).alerting(captures, &mut self.search),
        };
        let keep = alerting > 0;
        let (quiet, faces_at) = (&mut self.quiet_by_position, &mut self.faces_at);
        if let Captures::PerSite(_) = law.captures {
            for &(position, n) in faces_at.iter() {
                quiet[position as usize] += n;
                seen.add(position);
            }
        } else {
            self.rates
                .sites
                .split(captures, &mut self.passes, |position, n| {
                    quiet[position as usize] += n;
                    seen.add(position);
                    if keep {
                        faces_at.push((position, n));
                    }
                });
        }
        for left in (captures - alerting + 1..=captures).rev() {
            self.alert(member, left);
        }
        let group = self.block.group as usize;
        self.out.faces_by_group[group] += captures;
        tally(
            &mut self.out.exposure,
            &mut self.out.scanned_by_group[group],
            captures,
            seen.count(),
            1,
        );
    }

    /// Adds the chunk's quiet faces per site position to its outcome.
    fn finish(self) {
        for (position, &n) in self.quiet_by_position.iter().enumerate() {
            let site = self.rates.sites.item(position as u32);
            self.out.quiet_faces_by_site[site as usize] += n;
        }
    }

    /// One alert of member `member`: a face drawn uniformly from the `left`
    /// not yet drawn (`faces_at`), taken off the quiet faces, and given a
    /// time at its site.
    fn alert(&mut self, member: u32, left: u64) {
        let mut index = crate::rng::below(self.search.next_u64(), left);
        let slot = self
            .faces_at
            .iter_mut()
            .find(|(_, n)| {
                let here = index < *n;
                if !here {
                    index -= *n;
                }
                here
            })
            .expect("the faces add up to those left");
        slot.1 -= 1;
        let position = slot.0;
        self.quiet_by_position[position as usize] -= 1;
        let site = self.rates.sites.item(position);
        let time_s = self.plan.clocks[site as usize].time_at(unit(self.search.next_u64()));
        self.push_alert(member, site, time_s);
    }

    /// A false alert on member `member` at `site` and `time_s`.
    fn push_alert(&mut self, member: u32, site: u32, time_s: f64) {
        self.out.alerts.push(Alert {
            time_s,
            person: self.block.first_resident + member,
            wanted_index: NOT_WANTED,
            group: self.block.group,
            site,
            is_true: false,
            face: 0,
            deployment: NO_DEPLOYMENT,
            list: 0,
        });
    }

    /// A wanted member: each face with its site, time and search draws, to
    /// be searched in time order once the chain can say their warrant.
    fn wanted_member(&mut self, member: u32, mean: f64, lookalike: f64) {
        let block = self.block;
        let wanted_index = block.first_wanted + member;
        self.out.wanted_lookalikes.push((wanted_index, lookalike));
        for _ in 0..poisson_inverting_small(&mut self.passes, mean) {
            let site = self
                .rates
                .sites
                .item(self.rates.sites.one(&mut self.passes));
            let rng = &mut self.wanted;
            let (u_genuine, u_impostor) = (open01(rng.next_u64()), open01(rng.next_u64()));
            let time_s = self.plan.clocks[site as usize].time_at(unit(rng.next_u64()));
            self.out.wanted.push(WantedFace {
                time_s,
                person: block.first_resident + member,
                wanted_index,
                group: block.group,
                site,
                deployment: NO_DEPLOYMENT,
                u_genuine,
                u_impostor,
                face: 0,
                sampled: false,
            });
        }
    }
}

/// Adds `people` residents with `captures` faces each at `sites` distinct
/// sites to the exposure histogram and to their group's people scanned,
/// scanned ≥ 10 times and trackable.
fn tally(
    exposure: &mut Exposure,
    scanned: &mut [u64; 3],
    captures: u64,
    sites: usize,
    people: u64,
) {
    exposure.captures[(captures as usize).min(CAPTURE_BUCKETS - 1)] += people;
    exposure.max_captures = exposure.max_captures.max(captures);
    exposure.distinct_sites[sites.min(4)] += people;
    if captures > 0 {
        scanned[0] += people;
        scanned[1] += people * (captures >= 10) as u64;
        scanned[2] += people * (sites >= 3) as u64;
    }
}
