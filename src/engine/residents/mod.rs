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
//!    independently of everything else: the alerting faces are a thinning
//!    of the faces. Only alerting faces need a time: a day is drawn at once,
//!    by inversion of their site's rate over the run, and the time within
//!    the day when the response takes the day's alerts ([`alerts`]).
//! 3. **Wanted people** give their faces one by one, as in the face engine:
//!    each is searched in time order against their warrant as the response
//!    chain knows it ([`super::wanted_search::search_wanted_face`]).
//! 4. **Response.** Alerts and wanted faces go through the response chain
//!    in time order — one chain for the city, or one per zone when both
//!    operators and officers are organised by zone, run side by side
//!    ([`teams`]).
//!
//! **Ways of drawing a block's members**, chosen per block by what they
//! cost, all the same law: one by one (a member's faces from a table, their
//! sites as one multinomial draw, their alerts as one comparison); by
//! **sweep** ([`sweep`]) — cells of (captures, distinct sites) moved class of
//! sites by class, for members alike but for activity and lookalike
//! propensity, whatever the sites' hourly shapes; or in **bulk**
//! ([`bulk`]) — totals alone, for members so often seen over a long run that
//! every one shows all the sites. The cost of the last two is per chunk and
//! per alert, not per member.
//!
//! **Chunks.** Residents are cut into fixed chunks of a block; each chunk
//! draws from its own streams `(seed, rep, STREAM_RESIDENTS, chunk, part)`
//! and returns additive counts plus its alerts (eight bytes each) and
//! wanted faces. The chunking depends only on the model, so any number of
//! threads running the chunks gives byte-identical results
//! ([`Plan::run_chunk`] is pure; the driver decides the threads).

mod alerts;
mod bulk;
mod clock;
mod closing;
mod draw;
mod lookalike;
mod member;
mod sweep;
mod sweep_draw;
pub mod teams;
mod wanted_faces;

pub use alerts::{AlertBuckets, Routing};
pub use member::{WantedSeen, wanted_face_stream};

use crate::engine::lend::{Lend, OneThread};
use crate::metrics::{CAPTURE_BUCKETS, Exposure, Outcome};
use crate::model::DAY_S;
use crate::model::Model;
use crate::rng::{STREAM_RESIDENTS, SimRng, stream};
use bulk::BulkLaw;
use clock::SiteClock;
use closing::Closing;
use draw::{AlertOdds, Multinomial, PoissonTable};
use lookalike::CodeLaw;
use member::{ActivityDraws, Captures, Law, Odds, ResidentDraw, draw_lookalike_code, fpir_of};
use rand_distr::Gamma;
use sweep::SweepLaw;
use wanted_faces::WantedFaces;

/// Parts of a chunk's streams.
const PART_PASSES: u64 = 0;
const PART_LOOKALIKE: u64 = 1;
const PART_ACTIVITY: u64 = 2;
const PART_SEARCH: u64 = 3;
const PART_WANTED: u64 = 4;
/// Residents per chunk: small enough to share out over cores, large enough
/// that a chunk's fixed cost (its streams, an 8 kB histogram, its cells) is
/// noise.
pub const CHUNK_RESIDENTS: u32 = 1 << 16;
/// The most table entries the sweep laws of all a model's blocks may take
/// together (a few hundred megabytes at most, and about a second).
const SWEEP_WORK: f64 = 2e8;

/// Whether the residents engine can run `model`
/// ([`crate::model::residents_can_run`]).
pub fn can_run(model: &Model) -> bool {
    crate::model::residents_can_run(
        model.mode,
        model.pipeline.is_some(),
        !model.deployments.is_empty(),
    )
}

/// The alerts a replication of `model` is expected to hold, with six
/// standard deviations to spare, and the bytes they take (eight each once
/// drawn, and a window's worth spelled out): the false alerts on people not
/// wanted (wanted people's alerts come from their faces, held apart).
pub fn alerts_held(model: &Model) -> (f64, u64) {
    let routing = Routing::new(model);
    let n = model.expected().false_alerts;
    let alerts = n + 6.0 * n.sqrt();
    let per_window = alerts * routing.window_days as f64 * DAY_S / model.duration_s.max(1.0);
    let bytes =
        alerts * alerts::BYTES_HELD as f64 + per_window.min(alerts) * alerts::BYTES_SPELLED as f64;
    (alerts, bytes as u64)
}

/// What a replication of `model` holds in this engine, in its largest
/// parts ([`memory_bytes`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryNeed {
    /// Alerts held, six standard deviations above their expected number.
    pub alerts: f64,
    /// Wanted people's faces held (searched, or in custody), likewise.
    pub wanted_faces: f64,
    /// Bytes in all.
    pub bytes: u64,
}

/// Bytes a replication of `model` holds in this engine: per chunk, its
/// counts (an 8 kB histogram and the sites' faces) and its bucket index;
/// every alert of the run at eight bytes once drawn (sixteen while its
/// chunk draws, and a window's worth spelled out for the response); every
/// wanted person's face at sixteen bytes (room made for them at once, and
/// bucketed in place), and a window's worth spelled out; each count at its
/// expected number plus six standard deviations; the plan's tables; plus a
/// megabyte.
pub fn memory_bytes(model: &Model) -> u64 {
    memory_need(model).bytes
}

/// [`memory_bytes`], with the alerts and wanted faces it counts.
pub fn memory_need(model: &Model) -> MemoryNeed {
    let plan = Plan::new(model);
    let routing = &plan.routing;
    let chunks = plan.chunks.len() as u64;
    let buckets = routing.units as u64 * routing.windows() as u64;
    let per_chunk =
        (CAPTURE_BUCKETS + model.sites.len() + 4 * model.groups.len()) as u64 * 8 + buckets * 8;
    let with_noise = |n: f64| n + 6.0 * n.sqrt();
    let (alerts, alert_bytes) = alerts_held(model);
    let wanted_faces = with_noise(plan.wanted_faces());
    let held = alert_bytes as f64 + wanted_faces * wanted_faces::BYTES_HELD as f64;
    // Chunks' alerts while they draw, on up to a few dozen threads at once.
    let drawing =
        (alerts / chunks.max(1) as f64) * alerts::BYTES_DRAWING as f64 * chunks.min(32) as f64;
    // A window's wanted faces spelled out (twenty-four bytes, and half as
    // many again to sort them).
    let per_window = wanted_faces * routing.window_days as f64 * DAY_S / model.duration_s.max(1.0);
    let spelled = per_window.min(wanted_faces) * 36.0;
    let bytes =
        chunks * per_chunk + (held + drawing + spelled) as u64 + plan.table_bytes() + (1 << 20);
    MemoryNeed {
        alerts,
        wanted_faces,
        bytes,
    }
}

/// How a block's members are drawn.
#[derive(Debug, Clone)]
enum Way {
    /// One by one, each member's faces from one table (or per site, for
    /// members alike who visit each site more than once on average).
    OneByOne(Option<Vec<PoissonTable>>),
    /// Cells moved class of sites by class.
    Sweep(Box<SweepLaw>),
    /// Totals alone.
    Bulk(Box<BulkLaw>),
}

/// One block's rates over the run, and how its members are drawn.
#[derive(Debug, Clone)]
struct BlockRates {
    /// Expected captures of the block's passers over the run.
    captures: f64,
    /// The sites it passes, and each one's share of its captures.
    sites: Multinomial,
    way: Way,
}

/// A fixed slice of one block's members.
#[derive(Debug, Clone, Copy)]
struct ChunkSpec {
    block: u32,
    first_member: u32,
    members: u32,
}

/// What a replication of `model` needs before drawing anyone: every site's
/// clock, every block's rates, the chunks, and where alerts go.
#[derive(Debug, Clone)]
pub struct Plan<'m> {
    model: &'m Model,
    clocks: Vec<SiteClock>,
    blocks: Vec<BlockRates>,
    chunks: Vec<ChunkSpec>,
    routing: Routing,
    /// With lookalikes, the law of members' codes (for sweeps and bulk).
    codes: Option<CodeLaw>,
}

/// What one chunk drew: additive counts, and its alerts and wanted faces.
#[derive(Debug, Clone)]
pub struct ChunkOutcome {
    /// Faces of people not wanted, per group.
    faces_by_group: Vec<u64>,
    /// People scanned, ≥ 10 times, trackable, and with two false alerts or
    /// more, per group (not wanted).
    scanned_by_group: Vec<[u64; 4]>,
    /// Captures per resident (not wanted).
    exposure: Exposure,
    /// Faces without an alert, per site (their hours are drawn at the end).
    quiet_faces_by_site: Vec<u64>,
    /// Alerts on faces of people not wanted, by response unit and window.
    alerts: AlertBuckets,
    /// Faces of wanted people, to be searched in time order.
    wanted: WantedFaces,
    /// Wanted people's false-match propensity: (wanted index, multiplier).
    wanted_lookalikes: Vec<(u32, f64)>,
}

impl ChunkOutcome {
    /// Alerts the chunk holds.
    pub fn alerts(&self) -> usize {
        self.alerts.len()
    }

    /// Bytes its alerts hold.
    pub fn alert_bytes(&self) -> usize {
        self.alerts.bytes()
    }
}

/// Which ways of drawing a block's members a plan may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ways {
    /// The cheapest that applies to each block: what runs use.
    Cheapest,
    /// Every member one by one: the reference law that sweeps and bulk
    /// draws must match (tests compare them).
    OneByOne,
}

impl<'m> Plan<'m> {
    /// The plan of `model` (which [`can_run`] must accept).
    pub fn new(model: &'m Model) -> Plan<'m> {
        Plan::with_ways(model, Ways::Cheapest)
    }

    /// The plan of `model`, drawing members only the `ways` allow.
    pub fn with_ways(model: &'m Model, ways: Ways) -> Plan<'m> {
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
        let codes = (model.lookalike_spread > 0.0).then(|| CodeLaw::new(model.lookalike_spread));
        let mut work = SWEEP_WORK;
        let blocks = per_block
            .into_iter()
            .zip(&model.blocks)
            .map(|(sites, block)| {
                let captures: f64 = sites.iter().map(|&(_, m)| m).sum();
                let sites = Multinomial::new(sites);
                let way = way(
                    model,
                    block,
                    captures,
                    &sites,
                    &clocks,
                    codes.as_ref(),
                    // One by one only: no work for cells.
                    (ways == Ways::Cheapest).then_some(&mut work),
                );
                BlockRates {
                    captures,
                    sites,
                    way,
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
            routing: Routing::new(model),
            codes,
        }
    }

    /// Bytes of the blocks' tables.
    fn table_bytes(&self) -> u64 {
        self.blocks
            .iter()
            .map(|b| match &b.way {
                Way::OneByOne(tables) => tables.iter().flatten().map(|t| t.bytes()).sum(),
                Way::Sweep(law) => law.bytes(),
                Way::Bulk(law) => law.bytes(),
            })
            .sum()
    }

    /// Wanted people's faces a replication is expected to draw.
    fn wanted_faces(&self) -> f64 {
        let mut total = 0.0;
        for spec in &self.chunks {
            let block = &self.model.blocks[spec.block as usize];
            let wanted = block
                .wanted
                .saturating_sub(spec.first_member)
                .min(spec.members);
            let mean = self.blocks[spec.block as usize].captures / block.passers().max(1) as f64;
            total += wanted as f64 * mean;
        }
        total
    }

    /// Chunks in a replication.
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// How many blocks are drawn each way: one by one, by sweep, in bulk.
    pub fn ways(&self) -> [usize; 3] {
        let mut ways = [0; 3];
        for b in &self.blocks {
            ways[match b.way {
                Way::OneByOne(_) => 0,
                Way::Sweep(_) => 1,
                Way::Bulk(_) => 2,
            }] += 1;
        }
        ways
    }

    /// The block of chunk `chunk`.
    pub(crate) fn chunk_block(&self, chunk: usize) -> usize {
        self.chunks[chunk].block as usize
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
            scanned_by_group: vec![[0; 4]; model.groups.len()],
            exposure: Exposure::default(),
            quiet_faces_by_site: vec![0; model.sites.len()],
            alerts: AlertBuckets::default(),
            wanted: WantedFaces::default(),
            wanted_lookalikes: Vec::new(),
        };
        let mut draw = ResidentDraw {
            plan: self,
            block,
            rates,
            passes: self.stream(rep, chunk, PART_PASSES),
            search: self.stream(rep, chunk, PART_SEARCH),
            wanted: self.stream(rep, chunk, PART_WANTED),
            wanted_drawn: Vec::new(),
            faces_at: Vec::new(),
            quiet_by_position: vec![0; rates.sites.len()],
            alerts: alerts::AlertSink::new(&self.routing),
            out: &mut out,
        };
        let passers = self.passers_in(spec);
        // Wanted people are the block's first members: always one by one.
        let one_by_one = match rates.way {
            Way::OneByOne(_) => passers,
            _ => passers.min(block.wanted.saturating_sub(spec.first_member)),
        };
        self.one_by_one(&mut draw, rep, chunk, spec, one_by_one);
        let (first, rest) = (spec.first_member + one_by_one, passers - one_by_one);
        match &rates.way {
            Way::OneByOne(_) => {}
            Way::Sweep(law) => draw.sweep_members(law, first, rest, self.codes.as_ref()),
            Way::Bulk(law) => draw.bulk_members(law, first, rest, self.codes.as_ref()),
        }
        let wanted = draw.finish();
        out.wanted = WantedFaces::new(wanted, &self.routing);
        // Avoiders are never captured.
        let avoiders = (spec.members - passers) as u64;
        out.exposure.captures[0] += avoiders;
        out.exposure.distinct_sites[0] += avoiders;
        out
    }

    /// The chunk's first `count` passers, one by one (wanted or not).
    fn one_by_one(
        &self,
        draw: &mut ResidentDraw,
        rep: u64,
        chunk: usize,
        spec: ChunkSpec,
        count: u32,
    ) {
        let model = self.model;
        let block = &model.blocks[spec.block as usize];
        let rates = &self.blocks[spec.block as usize];
        let mut lookalikes =
            (model.lookalike_spread > 0.0).then(|| self.stream(rep, chunk, PART_LOOKALIKE));
        let mut activity = self.activity(rep, chunk);
        // Members alike: the same means for everyone, worked out once.
        let alike_mean = rates.captures / block.passers().max(1) as f64;
        let total_table = PoissonTable::new(alike_mean);
        let alike_captures = match &rates.way {
            Way::OneByOne(Some(tables)) => Captures::PerSite(tables),
            _ => Captures::Total(&total_table),
        };
        let alike_odds = AlertOdds::new(fpir_of(block, model, 1.0), true);
        // Wanted people's faces are held to the end: room for them at once,
        // rather than twice their room while a vector doubles.
        let wanted = count.min(block.wanted.saturating_sub(spec.first_member)) as f64;
        let spread = model.activity_shape.map_or(0.0, |a| alike_mean / a);
        let sd = (wanted * alike_mean * (1.0 + spread)).sqrt();
        draw.wanted_drawn
            .reserve((wanted * alike_mean + 6.0 * sd).ceil() as usize);
        for i in 0..count {
            let member = spec.first_member + i;
            let lookalike = lookalikes.as_mut().map_or(1.0, |rng| {
                crate::model::lookalike_from_code(draw_lookalike_code(model.lookalike_spread, rng))
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
    }

    /// Puts the chunks of replication `rep` together (in chunk order) and
    /// runs the response chain over their alerts and wanted faces, on this
    /// thread.
    pub fn finish(&self, rep: u64, chunks: Vec<ChunkOutcome>) -> Outcome {
        self.finish_on(rep, chunks, &OneThread)
    }

    /// [`Plan::finish`] on the workers `lend` lends (response units run
    /// side by side): the same outcome.
    pub fn finish_on(&self, rep: u64, chunks: Vec<ChunkOutcome>, lend: &dyn Lend) -> Outcome {
        Closing::new(self, rep, chunks).run(lend)
    }

    /// Runs replication `rep` on this thread.
    pub fn run(&self, rep: u64) -> Outcome {
        let chunks = (0..self.chunks()).map(|c| self.run_chunk(rep, c)).collect();
        self.finish(rep, chunks)
    }
}

/// How the members of `block` are drawn: in bulk where every member shows
/// all its sites, by sweep where its cells cost less than its members
/// (within what is left of the model's `work`), else one by one (always,
/// without `work`: [`Ways::OneByOne`]).
fn way(
    model: &Model,
    block: &crate::model::Block,
    captures: f64,
    sites: &Multinomial,
    clocks: &[SiteClock],
    codes: Option<&CodeLaw>,
    work: Option<&mut f64>,
) -> Way {
    let passers = block.passers();
    let mean = captures / passers.max(1) as f64;
    let others = passers.saturating_sub(block.wanted);
    let fpir = fpir_of(block, model, 1.0);
    let shape = model.activity_shape;
    let per_site = || {
        (shape.is_none() && sites.len() as f64 <= mean).then(|| {
            let p = sites.probabilities();
            p.iter().map(|p| PoissonTable::new(mean * p)).collect()
        })
    };
    // Cells pay only for enough members to share them.
    let Some(work) = work.filter(|_| others >= 2_000 && sites.len() > 0) else {
        return Way::OneByOne(per_site());
    };
    if let Some(law) = BulkLaw::new(mean, sites.probabilities(), shape, fpir, codes, passers) {
        return Way::Bulk(Box::new(law));
    }
    let shape_of = |position: u32| {
        let clock = &clocks[sites.item(position) as usize];
        let mass = clock.mass();
        // Shapes alike to 12 digits share a class.
        clock
            .hour_mass
            .map(|m| (m / mass).to_bits() & !((1 << 12) - 1))
    };
    let chunk = others.min(CHUNK_RESIDENTS) as f64;
    let mut budget = *work;
    if let Some(law) = SweepLaw::new(
        mean,
        sites.probabilities(),
        &shape_of,
        shape,
        fpir,
        codes,
        &mut budget,
    ) && law.expected_draws(chunk) < 0.6 * chunk
    {
        *work = budget;
        return Way::Sweep(Box::new(law));
    }
    Way::OneByOne(per_site())
}
