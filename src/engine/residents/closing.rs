//! The end of a replication in the residents engine: the chunks' counts
//! summed, the quiet faces' hours drawn, and the alerts and wanted people's
//! faces handed to the response chain in time order.

use super::draw::{DistinctSites, Multinomial};
use super::{ChunkOutcome, Plan, tally};
use crate::engine::response::{Alert, Response, Warrant};
use crate::engine::wanted::{WantedFace, search_wanted_face};
use crate::metrics::{GroupMetric, HOURS_OF_DAY, Metric, Outcome};
use crate::rng::{STREAM_RESIDENTS, STREAM_RESPONSE, SimRng, stream};

/// The order alerts and wanted faces are handled in: time, then site and
/// person for ties (times are never negative, so their bits sort as they
/// do).
pub(super) fn time_order(time_s: f64, site: u32, person: u32) -> (u64, u32, u32) {
    debug_assert!(time_s >= 0.0);
    (time_s.to_bits(), site, person)
}

/// A list's next alert in [`MergedAlerts`]: its order, list and position,
/// least first.
type NextAlert = std::cmp::Reverse<((u64, u32, u32), usize, usize)>;

/// The chunks' alerts, each chunk's in [`time_order`], merged: ties between
/// chunks go in chunk order, as a stable sort of them all would put them.
struct MergedAlerts {
    lists: Vec<Vec<Alert>>,
    /// Each list's next alert.
    next: std::collections::BinaryHeap<NextAlert>,
}

impl MergedAlerts {
    fn new(lists: impl Iterator<Item = Vec<Alert>>) -> Self {
        let lists: Vec<Vec<Alert>> = lists.collect();
        let next = lists
            .iter()
            .enumerate()
            .filter_map(|(l, list)| {
                let a = list.first()?;
                Some(std::cmp::Reverse((
                    time_order(a.time_s, a.site, a.person),
                    l,
                    0,
                )))
            })
            .collect();
        MergedAlerts { lists, next }
    }
}

impl Iterator for MergedAlerts {
    type Item = Alert;

    fn next(&mut self) -> Option<Alert> {
        let std::cmp::Reverse((_, l, i)) = self.next.pop()?;
        if let Some(a) = self.lists[l].get(i + 1) {
            let order = time_order(a.time_s, a.site, a.person);
            self.next.push(std::cmp::Reverse((order, l, i + 1)));
        }
        Some(self.lists[l][i])
    }
}

/// The end of a replication: the chunks summed, the quiet faces' hours
/// drawn, and the alerts and wanted faces run through the response chain.
pub(super) struct Closing<'p, 'm> {
    plan: &'p Plan<'m>,
    rep: u64,
    chunks: Vec<ChunkOutcome>,
    /// Per wanted person: faces searched (not in custody) and their sites.
    wanted_seen: Vec<(u64, DistinctSites)>,
    wanted_lookalike: Vec<f64>,
    /// Faces of wanted people searched (not in custody), per group.
    wanted_faces_by_group: Vec<u64>,
    faces_by_hour: [u64; HOURS_OF_DAY],
    wanted_faces_open: u64,
}

impl<'p, 'm> Closing<'p, 'm> {
    pub(super) fn new(plan: &'p Plan<'m>, rep: u64, chunks: Vec<ChunkOutcome>) -> Self {
        let model = plan.model;
        let mut wanted_lookalike = vec![1.0; model.wanted as usize];
        for &(index, lookalike) in chunks.iter().flat_map(|c| &c.wanted_lookalikes) {
            wanted_lookalike[index as usize] = lookalike;
        }
        Closing {
            plan,
            rep,
            chunks,
            wanted_seen: vec![(0, DistinctSites::default()); model.wanted as usize],
            wanted_lookalike,
            wanted_faces_by_group: vec![0; model.groups.len()],
            faces_by_hour: [0; HOURS_OF_DAY],
            wanted_faces_open: 0,
        }
    }

    pub(super) fn run(mut self) -> Outcome {
        let model = self.plan.model;
        let mut closing_rng = stream(model.seed, &[self.rep, STREAM_RESIDENTS, u64::MAX]);
        self.hours_of_quiet_faces(&mut closing_rng);
        // Each chunk's alerts are in order already: merged as they are
        // handed over, never gathered into one list (a long run's alerts are
        // most of its memory).
        let alerts = MergedAlerts::new(
            self.chunks
                .iter_mut()
                .map(|c| std::mem::take(&mut c.alerts)),
        );
        let mut wanted: Vec<WantedFace> =
            Vec::with_capacity(self.chunks.iter().map(|c| c.wanted.len()).sum());
        for chunk in &mut self.chunks {
            wanted.append(&mut chunk.wanted);
        }
        wanted.sort_by_key(|w| time_order(w.time_s, w.site, w.person));
        let mut response = Response::new(model, stream(model.seed, &[self.rep, STREAM_RESPONSE]))
            .with_warrants(self.rep);
        let mut next_wanted = wanted.iter().peekable();
        for alert in alerts {
            self.faces_by_hour[crate::metrics::TimeOfDay::hour_of(alert.time_s)] += 1;
            while let Some(face) = next_wanted.next_if(|w| w.time_s < alert.time_s) {
                self.search_wanted(face, &mut response);
            }
            response.run_until(alert.time_s);
            response.raise(alert, alert.time_s);
        }
        for face in next_wanted {
            self.search_wanted(face, &mut response);
        }
        let (mut outcome, _) = response.finish();
        self.count(&mut outcome);
        outcome
    }

    /// Each site's quiet faces over the hours of the clock: given their
    /// number, their times are independent draws from the site's clock, so
    /// the hours are one multinomial draw.
    fn hours_of_quiet_faces(&mut self, rng: &mut SimRng) {
        let sites = self.plan.model.sites.len();
        for s in 0..sites {
            let faces: u64 = self.chunks.iter().map(|c| c.quiet_faces_by_site[s]).sum();
            let hours: Vec<(u32, f64)> = self.plan.clocks[s]
                .hour_mass
                .iter()
                .enumerate()
                .map(|(h, &m)| (h as u32, m))
                .collect();
            let by_hour = &mut self.faces_by_hour;
            let hours = Multinomial::new(hours);
            hours.split(faces, rng, |h, n| by_hour[hours.item(h) as usize] += n);
        }
    }

    /// Searches a wanted person's face at its capture time, with the chain
    /// run up to it; in custody, the face was never there.
    fn search_wanted(&mut self, face: &WantedFace, response: &mut Response) {
        response.run_until(face.time_s);
        let warrant = response.warrant_at(face.wanted_index, face.time_s);
        if warrant == Warrant::InCustody {
            return;
        }
        let lookalike = self.wanted_lookalike[face.wanted_index as usize];
        let (still_wanted, alert) = search_wanted_face(self.plan.model, face, warrant, lookalike);
        self.wanted_faces_open += still_wanted as u64;
        self.wanted_faces_by_group[face.group as usize] += 1;
        self.faces_by_hour[crate::metrics::TimeOfDay::hour_of(face.time_s)] += 1;
        let seen = &mut self.wanted_seen[face.wanted_index as usize];
        seen.0 += 1;
        seen.1.add(face.site);
        if let Some(alert) = alert {
            response.raise(alert, alert.time_s);
        }
    }

    /// The outcome's counts, exposure and time of day.
    fn count(&self, outcome: &mut Outcome) {
        let model = self.plan.model;
        let groups = model.groups.len();
        let mut scanned = vec![[0u64; 3]; groups];
        let mut faces = self.wanted_faces_by_group.clone();
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
                let (captures, sites) = &self.wanted_seen[w as usize];
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
        c[Metric::WantedFacesCaptured] = self.wanted_faces_open;
        c[Metric::WantedFacesAlerted] = c[Metric::TrueAlerts];
        c[Metric::WantedScanned] = wanted_scanned;
        c[Metric::PeopleScanned] = scanned.iter().map(|s| s[0]).sum();
        for g in 0..groups {
            let group = &mut outcome.groups[g];
            group[GroupMetric::FacesCaptured] = faces[g];
            group[GroupMetric::PeopleScanned] = scanned[g][0];
            group[GroupMetric::ScannedTenTimes] = scanned[g][1];
            group[GroupMetric::Trackable] = scanned[g][2];
        }
        outcome.time_of_day.faces = self.faces_by_hour;
    }
}
