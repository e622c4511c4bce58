//! Members drawn one by one: their faces, sites and alerts, and wanted
//! people's faces; and what every way of drawing a chunk shares
//! ([`ResidentDraw`]).

use super::alerts::AlertSink;
use super::draw::{AlertOdds, DistinctSites, PoissonTable, poisson_inverting_small};
use super::{BlockRates, ChunkOutcome, Plan};
use crate::metrics::{CAPTURE_BUCKETS, Exposure};
use crate::model::{Block, Model};
use crate::rng::{SimRng, open01, unit};
use rand::Rng;
use rand_distr::{Distribution, Gamma};

/// A wanted person's face in the residents engine: when and where. Its
/// search's draws, and those of any alert it raises, come from a stream of
/// its own ([`wanted_face_stream`]), so that they can be read ahead of time
/// (see [`crate::engine::teams`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WantedSeen {
    /// Capture time.
    pub time_s: f64,
    /// Index among wanted people.
    pub wanted_index: u32,
    /// Site index.
    pub site: u32,
}

/// Stream label: one wanted person's face in the residents engine (followed
/// by the wanted index and the capture time's bits).
const STREAM_WANTED_FACE: u64 = 0x5746_4143;

/// The stream of a wanted person's face: its search's two uniforms, then the
/// draws of any alert it raises. Keyed by the person and the capture time
/// (two faces of one person at one time have probability zero).
pub fn wanted_face_stream(seed: u64, rep: u64, face: &WantedSeen) -> SimRng {
    crate::rng::stream(
        seed,
        &[
            rep,
            STREAM_WANTED_FACE,
            face.wanted_index as u64,
            face.time_s.to_bits(),
        ],
    )
}

/// A chunk's activity draws: Gamma(shape, 1/shape), mean 1.
pub(super) struct ActivityDraws {
    pub(super) gamma: Gamma<f64>,
    pub(super) rng: SimRng,
}

impl ActivityDraws {
    pub(super) fn next(&mut self) -> f64 {
        self.gamma.sample(&mut self.rng)
    }
}

/// A lookalike code drawn as the face engine draws it ([`crate::engine::Resident`]).
pub(super) fn draw_lookalike_code(spread: f64, rng: &mut SimRng) -> i16 {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    let z = (-2.0 * open01(a).ln()).sqrt() * (2.0 * std::f64::consts::PI * unit(b)).cos();
    crate::model::lookalike_code(spread, z)
}

/// A face's probability of a false alert for a member of `block` with
/// false-match propensity `lookalike`: their FPIR.
pub(super) fn fpir_of(block: &Block, model: &Model, lookalike: f64) -> f64 {
    model.groups[block.group as usize]
        .search
        .fpir_for(lookalike)
}

/// How a member's faces are drawn: per site or in total from tables
/// worked out once for members alike, or from their own mean.
#[derive(Clone, Copy)]
pub(super) enum Captures<'a> {
    PerSite(&'a [PoissonTable]),
    Total(&'a PoissonTable),
    Mean(f64),
}

/// How many of a member's faces alert: from odds tabled once for members
/// alike, or from their own FPIR.
#[derive(Clone, Copy)]
pub(super) enum Odds<'a> {
    Tabled(&'a AlertOdds),
    Fpir(f64),
}

/// One member's law: their faces, their alerts, and their expected faces.
#[derive(Clone, Copy)]
pub(super) struct Law<'a> {
    pub(super) captures: Captures<'a>,
    pub(super) odds: Odds<'a>,
    pub(super) mean: f64,
}

/// Draws the members of one chunk, from three streams — as the face engine
/// keeps who passes apart from what their searches yield, so that what-ifs
/// on the matcher or the watchlist see the same faces at the same sites:
///
/// * `passes`: each member's faces and their sites;
/// * `search`: which faces of people not wanted alert, and on which day;
/// * `wanted`: the times of wanted people's faces.
pub(super) struct ResidentDraw<'a, 'm> {
    pub(super) plan: &'a Plan<'m>,
    pub(super) block: &'a Block,
    pub(super) rates: &'a BlockRates,
    pub(super) passes: SimRng,
    pub(super) search: SimRng,
    pub(super) wanted: SimRng,
    /// Wanted people's faces, in drawing order.
    pub(super) wanted_drawn: Vec<WantedSeen>,
    /// The current member's faces, by site position (a position may come
    /// more than once).
    pub(super) faces_at: Vec<(u32, u64)>,
    /// Faces without an alert, by site position.
    pub(super) quiet_by_position: Vec<u64>,
    pub(super) alerts: AlertSink<'a>,
    pub(super) out: &'a mut ChunkOutcome,
}

impl ResidentDraw<'_, '_> {
    /// A member not wanted: their faces and each one's site (per site from
    /// tables, or a Poisson total shared out over the sites); how many of
    /// them alert (binomial), which ones, and when; and their exposure.
    pub(super) fn member(&mut self, member: u32, law: &Law) {
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
        };
        if captures == 0 {
            tally(&mut self.out.exposure, &mut [0; 4], 0, 0, 1);
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
        let scanned = &mut self.out.scanned_by_group[group];
        tally(&mut self.out.exposure, scanned, captures, seen.count(), 1);
        scanned[3] += (alerting >= 2) as u64;
    }

    /// Adds the chunk's quiet faces per site position and its alerts to its
    /// outcome; returns the wanted people's faces, in drawing order.
    pub(super) fn finish(self) -> Vec<WantedSeen> {
        for (position, &n) in self.quiet_by_position.iter().enumerate() {
            let site = self.rates.sites.item(position as u32);
            self.out.quiet_faces_by_site[site as usize] += n;
        }
        self.out.alerts = self.alerts.finish();
        self.wanted_drawn
    }

    /// One alert of member `member`: a face drawn uniformly from the `left`
    /// not yet drawn (`faces_at`), taken off the quiet faces, and given a
    /// day at its site.
    pub(super) fn alert(&mut self, member: u32, left: u64) {
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
        self.push_alert(member, self.rates.sites.item(position));
    }

    /// A false alert on member `member` at `site`, on a day drawn from the
    /// site's clock (its time is drawn when its day is handed over).
    #[inline]
    pub(super) fn push_alert(&mut self, member: u32, site: u32) {
        let day = self.plan.clocks[site as usize].day_at(unit(self.search.next_u64()));
        self.alerts
            .push(self.block.first_resident + member, site, day);
    }

    /// A wanted member: each face with its site and time, to be searched in
    /// time order once the chain can say their warrant.
    pub(super) fn wanted_member(&mut self, member: u32, mean: f64, lookalike: f64) {
        let block = self.block;
        let wanted_index = block.first_wanted + member;
        self.out.wanted_lookalikes.push((wanted_index, lookalike));
        for _ in 0..poisson_inverting_small(&mut self.passes, mean) {
            let site = self
                .rates
                .sites
                .item(self.rates.sites.one(&mut self.passes));
            let time_s = self.plan.clocks[site as usize].time_at(unit(self.wanted.next_u64()));
            self.wanted_drawn.push(WantedSeen {
                time_s,
                wanted_index,
                site,
            });
        }
    }
}

/// Adds `people` residents with `captures` faces each at `sites` distinct
/// sites to the exposure histogram and to their group's people scanned,
/// scanned ≥ 10 times and trackable (`scanned[0..3]`; `scanned[3]`, people
/// with two false alerts or more, is the caller's).
pub(super) fn tally(
    exposure: &mut Exposure,
    scanned: &mut [u64; 4],
    captures: u64,
    sites: usize,
    people: u64,
) {
    exposure.captures[(captures as usize).min(CAPTURE_BUCKETS - 1)] += people;
    if people > 0 {
        exposure.max_captures = exposure.max_captures.max(captures);
    }
    exposure.distinct_sites[sites.min(4)] += people;
    if captures > 0 {
        scanned[0] += people;
        scanned[1] += people * (captures >= 10) as u64;
        scanned[2] += people * (sites >= 3) as u64;
    }
}
