//! Faces of wanted people: set aside at capture, searched in time order.
//!
//! Whether a wanted person's search is mated depends on their warrant at the
//! moment of capture — open, in custody (then the face was never there), or
//! executed (then they are no longer on the watchlist) — and the response
//! chain decides that as it runs. So the capture kernel only draws what the
//! search will need and sets the face aside ([`defer_wanted`]); the engine
//! then searches these faces in time order, with the chain run up to each
//! one (without a pipeline), or at the hour's start (with one).

use super::Engine;
use super::capture::{Collected, FaceSeen, Interval, SiteStreams, next_face, record_face};
use super::pipeline::{Face, NO_ALERT};
use super::response::{Alert, NOT_WANTED, Response, Warrant};
use crate::events::record::UNSAMPLED;
use crate::events::{Recorder, Subject};
use crate::metrics::{Metric, TimeOfDay};
use crate::model::deployments::deployment_index;
use crate::model::{Block, MatedOutcome, Mode};
use crate::rng::{open01, unit};
use rand::Rng;

/// A wanted person's face, captured but not yet searched: whether its search
/// is mated depends on whether their warrant is still open at capture,
/// which the response chain decides. Its random draws are made at capture,
/// from the site's search stream, like every other face's.
#[derive(Debug, Clone, Copy)]
pub(super) struct WantedFace {
    pub(super) time_s: f64,
    pub(super) person: u32,
    pub(super) wanted_index: u32,
    pub(super) group: u32,
    pub(super) site: u32,
    /// The deployment it was captured at (or `NO_DEPLOYMENT`).
    pub(super) deployment: u32,
    pub(super) u_genuine: f64,
    pub(super) u_impostor: f64,
    /// The face's number (events only), and whether its events are sampled.
    pub(super) face: u64,
    pub(super) sampled: bool,
}

/// Draws what a wanted person's search will need — three words of the search
/// stream, as every mated search always used — and sets the face aside to be
/// searched in time order ([`Engine::search_wanted`]).
#[inline(never)]
pub(super) fn defer_wanted<const EVENTS: bool>(
    block: &Block,
    member: u32,
    interval: Interval,
    rngs: &mut SiteStreams,
    out: &mut Collected,
) {
    let (face, sampled) = next_face::<EVENTS>(out);
    let rng = &mut rngs.search;
    let (u_genuine, u_impostor) = (open01(rng.next_u64()), open01(rng.next_u64()));
    let when = unit(rng.next_u64());
    out.wanted.push(WantedFace {
        time_s: interval.start_s + interval.len_s * when,
        person: block.first_resident + member,
        wanted_index: block.first_wanted + member,
        group: block.group,
        site: interval.site,
        deployment: interval.deployment,
        u_genuine,
        u_impostor,
        face,
        sampled,
    });
}

impl<'m> Engine<'m> {
    /// Without a pipeline: searches a wanted person's face at its capture
    /// time, with the chain run up to it, and raises its alert at once.
    pub(super) fn search_wanted_now(&mut self, face: &WantedFace, response: &mut Response<'m>) {
        response.run_until(face.time_s);
        let warrant = response.warrant_at(face.wanted_index, face.time_s);
        let mut alerts = Vec::new();
        let recorder = response.recorder.as_mut();
        if let Some(alert) = self.search_wanted::<false>(face, warrant, &mut alerts, recorder) {
            response.raise(alert, alert.time_s);
        }
    }

    /// With a pipeline, searches are decided only after the pipeline's delay,
    /// so the hour's wanted faces are searched against their warrants as the
    /// chain knows them at the hour's start: an arrest takes effect on the
    /// captures of the next hour (and a person arrested twice is arrested
    /// once, see [`super::response`]). Their faces then join the hour's faces.
    pub(super) fn search_wanted_at_hour_start<const PIPELINE: bool>(
        &mut self,
        response: &mut Response<'m>,
    ) {
        let wanted = std::mem::take(&mut self.hour_wanted);
        for face in &wanted {
            let warrant = response.warrant_at(face.wanted_index, face.time_s);
            let mut alerts = std::mem::take(&mut self.hour_alerts);
            let recorder = response.recorder.as_mut();
            self.search_wanted::<PIPELINE>(face, warrant, &mut alerts, recorder);
            self.hour_alerts = alerts;
        }
        self.hour_wanted = wanted;
    }

    /// Searches a wanted person's face given their warrant: in custody, the
    /// face was never there (it is taken off the count); with the warrant
    /// executed, the search is non-mated; otherwise mated. Counts the
    /// capture on their record, records its events, and returns the alert it
    /// raised (also pushed onto `alerts`, and with `PIPELINE` the face onto
    /// the hour's faces).
    fn search_wanted<const PIPELINE: bool>(
        &mut self,
        face: &WantedFace,
        warrant: Warrant,
        alerts: &mut Vec<Alert>,
        recorder: Option<&mut Recorder>,
    ) -> Option<Alert> {
        let model = self.model;
        if warrant == Warrant::InCustody {
            self.faces_by_group[face.group as usize] -= 1;
            if let Some(d) = deployment_index(face.deployment) {
                self.faces_by_deployment[d][Metric::FacesCaptured] -= 1;
            }
            if model.mode == Mode::Footfall {
                // Saturating: a capture time rounded onto the hour's end
                // would name the next hour.
                let hour = &mut self.faces_by_hour[TimeOfDay::hour_of(face.time_s)];
                *hour = hour.saturating_sub(1);
            }
            return None;
        }
        let resident = &mut self.residents[face.person as usize];
        match model.mode {
            Mode::Footfall => resident.seen_at(face.site as u16 + 1),
            Mode::Batch => resident.captures += 1,
        }
        let lookalike = resident.lookalike();
        let (still_wanted, alert) = search_wanted_face(model, face, warrant, lookalike);
        self.wanted_faces += still_wanted as u64;
        if let Some(d) = deployment_index(face.deployment) {
            self.faces_by_deployment[d][Metric::WantedFacesCaptured] += still_wanted as u64;
        }
        if let Some(a) = alert {
            alerts.push(a);
        }
        let mut tag = UNSAMPLED;
        if let Some(recorder) = recorder.filter(|_| face.sampled) {
            tag = record_face(
                recorder,
                &FaceSeen {
                    subject: Subject {
                        face: face.face,
                        person: face.person,
                        group: face.group,
                        site: face.site,
                    },
                    wanted: still_wanted,
                    capture_s: face.time_s,
                    alert,
                    pipeline: PIPELINE,
                },
            );
        }
        if PIPELINE {
            self.hour_faces.push(Face {
                capture_s: face.time_s,
                ready_s: 0.0,
                site: face.site,
                alert: if alert.is_some() {
                    (alerts.len() - 1) as u32
                } else {
                    NO_ALERT
                },
                mated: still_wanted,
                key: 0,
                tag,
            });
        }
        alert
    }
}

/// The search of a wanted person's face, not in custody, given their
/// `warrant` at capture and their false-match propensity `lookalike`:
/// whether it was mated (the warrant still open), and the alert it raised.
/// Shared by both engines, so a wanted face's search reads the same in each.
pub(super) fn search_wanted_face(
    model: &crate::model::Model,
    face: &WantedFace,
    warrant: Warrant,
    lookalike: f64,
) -> (bool, Option<Alert>) {
    debug_assert!(warrant != Warrant::InCustody);
    let group = &model.groups_at(face.deployment)[face.group as usize];
    let still_wanted = warrant == Warrant::Open;
    let several = deployment_index(face.deployment)
        .map(|d| &model.deployments[d])
        .filter(|d| !d.lists.is_empty());
    let mut list = 0;
    let (alerted, is_true) = if let Some(deployment) = several {
        match search_lists(model, deployment, face, still_wanted, lookalike) {
            Some((raised_by, is_true)) => {
                list = raised_by;
                (true, is_true)
            }
            None => (false, false),
        }
    } else if still_wanted {
        match model.matcher_at(face.deployment).mated_search(
            &group.search,
            lookalike,
            face.u_genuine,
            face.u_impostor,
        ) {
            MatedOutcome::NoAlert => (false, false),
            MatedOutcome::TrueAlert => (true, true),
            MatedOutcome::Misidentified => (true, false),
        }
    } else {
        // No longer on the watchlist: a non-mated search, alerting with
        // their FPIR (the impostor draw decides it, as in a mated search).
        (face.u_impostor <= group.search.fpir_for(lookalike), false)
    };
    let alert = alerted.then_some(Alert {
        time_s: face.time_s,
        person: face.person,
        wanted_index: if still_wanted {
            face.wanted_index
        } else {
            NOT_WANTED
        },
        group: face.group,
        site: face.site,
        is_true,
        face: face.face,
        deployment: face.deployment,
        list,
    });
    (still_wanted, alert)
}

/// A wanted person's face at a deployment with several lists: searched
/// against each, in order; the first that alerts raises the alert (its
/// index, and whether it is true). While their warrant is open the search
/// is mated against the list they are on — with the face's own genuine and
/// impostor draws — and non-mated against the others (afterwards against
/// all), each with a uniform of its own derived from the face's impostor
/// draw by a hash, so the face's stream use stays three words.
fn search_lists(
    model: &crate::model::Model,
    deployment: &crate::model::Deployment,
    face: &WantedFace,
    still_wanted: bool,
    lookalike: f64,
) -> Option<(u8, bool)> {
    let block = model
        .blocks
        .partition_point(|b| b.first_resident + b.residents <= face.person);
    let member = face.person - model.blocks[block].first_resident;
    let own = still_wanted
        .then(|| deployment.list_of(block, member))
        .flatten();
    let g = face.group as usize;
    for (j, list) in deployment.lists.iter().enumerate() {
        let search = &list.groups[g].search;
        if own == Some(j) {
            match list
                .matcher
                .mated_search(search, lookalike, face.u_genuine, face.u_impostor)
            {
                MatedOutcome::NoAlert => continue,
                MatedOutcome::TrueAlert => return Some((j as u8, true)),
                MatedOutcome::Misidentified => return Some((j as u8, false)),
            }
        }
        let u = open01(mix(face.u_impostor.to_bits() ^ (j as u64 + 1)));
        if u <= search.fpir_for(lookalike) {
            return Some((j as u8, false));
        }
    }
    None
}

/// SplitMix64's finaliser: a well-mixed 64-bit word from another.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
