//! The end of a replication in the residents engine: the chunks' counts
//! summed, the quiet faces' hours drawn, and the alerts and wanted people's
//! faces handed to the response units ([`super::teams`]), which take them in
//! time order a window of days at a time.

use super::draw::{DistinctSites, Multinomial};
use super::member::tally;
use super::teams::{Source, run_units};
use super::{ChunkOutcome, Plan};
use crate::engine::lend::Lend;
use crate::engine::response::debug_assert_identities;
use crate::metrics::{GroupMetric, HOURS_OF_DAY, Metric, Outcome};
use crate::rng::{STREAM_RESIDENTS, SimRng, stream};
use std::collections::HashMap;

/// The end of a replication: the chunks summed, the quiet faces' hours
/// drawn, and the alerts and wanted faces run through the response units.
pub(super) struct Closing<'p, 'm> {
    plan: &'p Plan<'m>,
    rep: u64,
    chunks: Vec<ChunkOutcome>,
}

impl<'p, 'm> Closing<'p, 'm> {
    pub(super) fn new(plan: &'p Plan<'m>, rep: u64, chunks: Vec<ChunkOutcome>) -> Self {
        Closing { plan, rep, chunks }
    }

    /// Runs the response on the workers `lend` lends, and counts.
    pub(super) fn run(self, lend: &dyn Lend) -> Outcome {
        let model = self.plan.model;
        let mut closing_rng = stream(model.seed, &[self.rep, STREAM_RESIDENTS, u64::MAX]);
        let mut faces_by_hour = self.hours_of_quiet_faces(&mut closing_rng);
        // Per wanted person: resident number, group and multiplier.
        let mut wanted = vec![(0, 0, 1.0); model.wanted as usize];
        for block in &model.blocks {
            for member in 0..block.wanted {
                wanted[(block.first_wanted + member) as usize] =
                    (block.first_resident + member, block.group, 1.0);
            }
        }
        for &(index, lookalike) in self.chunks.iter().flat_map(|c| &c.wanted_lookalikes) {
            wanted[index as usize].2 = lookalike;
        }
        let source = Source {
            plan: self.plan,
            chunks: &self.chunks,
            rep: self.rep,
            wanted: &wanted,
            warrants: crate::engine::warrants::Warrants::draw(model, self.rep),
        };
        let (units, arrests) = run_units(&source, lend);
        let mut outcome = Outcome {
            groups: vec![Default::default(); model.groups.len()],
            ..Default::default()
        };
        let mut flags = vec![0u8; model.wanted as usize];
        let mut wrongful: HashMap<u32, u32> = HashMap::new();
        let mut false_of_wanted: HashMap<u32, u32> = HashMap::new();
        let mut wanted_seen = vec![(0u64, DistinctSites::default()); model.wanted as usize];
        let mut wanted_faces_open = 0;
        let mut wanted_faces_by_group = vec![0u64; model.groups.len()];
        for unit in &units {
            let t = unit.tally();
            outcome.counts += &t.outcome.counts;
            for (a, b) in outcome.groups.iter_mut().zip(&t.outcome.groups) {
                *a += b;
            }
            outcome.latency.add(&t.outcome.latency);
            let (tod, theirs) = (&mut outcome.time_of_day, &t.outcome.time_of_day);
            for h in 0..HOURS_OF_DAY {
                tod.true_alerts[h] += theirs.true_alerts[h];
                tod.false_alerts[h] += theirs.false_alerts[h];
            }
            for (a, b) in flags.iter_mut().zip(&t.wanted_flags) {
                *a |= b;
            }
            for (&person, &n) in &t.wrongful {
                *wrongful.entry(person).or_default() += n;
            }
            for (&person, &n) in &t.false_of_wanted {
                *false_of_wanted.entry(person).or_default() += n;
            }
            let seen = &unit.seen;
            for (total, &n) in faces_by_hour.iter_mut().zip(&seen.faces_by_hour) {
                *total += n;
            }
            wanted_faces_open += seen.wanted_faces_open;
            for (a, b) in wanted_faces_by_group
                .iter_mut()
                .zip(&seen.wanted_faces_by_group)
            {
                *a += b;
            }
            for (a, b) in wanted_seen.iter_mut().zip(&seen.wanted_seen) {
                a.0 += b.0;
                a.1.merge(&b.1);
            }
        }
        let c = &mut outcome.counts;
        c[Metric::WantedAlerted] = flags.iter().filter(|&&f| f & 1 != 0).count() as u64;
        c[Metric::WantedStopped] = flags.iter().filter(|&&f| f & 2 != 0).count() as u64;
        c[Metric::WantedArrested] = arrests.iter().filter(|a| a.is_some()).count() as u64;
        // Repeat victims, per group (the maps' order does not matter: counts).
        for (people, metric) in [
            (&wrongful, GroupMetric::RepeatWrongfulStops),
            (&false_of_wanted, GroupMetric::RepeatFalseAlerts),
        ] {
            for (&person, &n) in people {
                outcome.groups[model.group_of(person)][metric] += (n >= 2) as u64;
            }
        }
        let counted = Counted {
            faces_by_hour,
            wanted_faces_open,
            wanted_faces_by_group,
            wanted_seen,
        };
        self.count(&mut outcome, &counted);
        debug_assert_identities(&outcome.counts);
        outcome
    }

    /// Each site's quiet faces over the hours of the clock: given their
    /// number, their times are independent draws from the site's clock, so
    /// the hours are one multinomial draw.
    fn hours_of_quiet_faces(&self, rng: &mut SimRng) -> [u64; HOURS_OF_DAY] {
        let mut by_hour = [0; HOURS_OF_DAY];
        for s in 0..self.plan.model.sites.len() {
            let faces: u64 = self.chunks.iter().map(|c| c.quiet_faces_by_site[s]).sum();
            let hours: Vec<(u32, f64)> = self.plan.clocks[s]
                .hour_mass
                .iter()
                .enumerate()
                .map(|(h, &m)| (h as u32, m))
                .collect();
            let hours = Multinomial::new(hours);
            hours.split(faces, rng, |h, n| by_hour[hours.item(h) as usize] += n);
        }
        by_hour
    }

    /// The outcome's counts, exposure and time of day.
    fn count(&self, outcome: &mut Outcome, counted: &Counted) {
        let model = self.plan.model;
        let groups = model.groups.len();
        let mut scanned = vec![[0u64; 4]; groups];
        let mut faces = counted.wanted_faces_by_group.clone();
        for chunk in &self.chunks {
            outcome.exposure.add(&chunk.exposure);
            for g in 0..groups {
                faces[g] += chunk.faces_by_group[g];
                for (total, part) in scanned[g].iter_mut().zip(chunk.scanned_by_group[g]) {
                    *total += part;
                }
            }
        }
        let mut wanted_scanned = 0;
        for block in &model.blocks {
            for w in block.first_wanted..block.first_wanted + block.wanted {
                let (captures, sites) = &counted.wanted_seen[w as usize];
                let g = &mut scanned[block.group as usize];
                let before = g[0];
                tally(&mut outcome.exposure, g, *captures, sites.count(), 1);
                wanted_scanned += g[0] - before;
            }
        }
        let total: u64 = faces.iter().sum();
        let c = &mut outcome.counts;
        c[Metric::FacesCaptured] = total;
        c[Metric::Searches] = total;
        c[Metric::WantedPresent] = model.wanted as u64;
        c[Metric::WantedFacesCaptured] = counted.wanted_faces_open;
        c[Metric::WantedFacesAlerted] = c[Metric::TrueAlerts];
        c[Metric::WantedScanned] = wanted_scanned;
        c[Metric::PeopleScanned] = scanned.iter().map(|s| s[0]).sum();
        for g in 0..groups {
            let group = &mut outcome.groups[g];
            group[GroupMetric::FacesCaptured] = faces[g];
            group[GroupMetric::PeopleScanned] = scanned[g][0];
            group[GroupMetric::ScannedTenTimes] = scanned[g][1];
            group[GroupMetric::Trackable] = scanned[g][2];
            group[GroupMetric::RepeatFalseAlerts] += scanned[g][3];
        }
        outcome.time_of_day.faces = counted.faces_by_hour;
    }
}

/// What the units counted of faces and wanted people, merged.
struct Counted {
    faces_by_hour: [u64; HOURS_OF_DAY],
    wanted_faces_open: u64,
    wanted_faces_by_group: Vec<u64>,
    wanted_seen: Vec<(u64, DistinctSites)>,
}
