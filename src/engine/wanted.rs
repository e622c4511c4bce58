//! Faces of wanted people: set aside at capture, searched in time order.
//!
//! Whether a wanted person's search is mated depends on their warrant at the
//! moment of capture — open, in custody (then the face was never there), or
//! executed (then they are no longer on the watchlist) — and the response
//! chain decides that as it runs. So the capture kernel only draws what the
//! search will need and sets the face aside ([`super::capture::defer_wanted`]); the engine
//! then searches these faces in time order, with the chain run up to each
//! one (without a pipeline), or at the hour's start (with one).

use super::Engine;
use super::capture::{FaceSeen, WantedFace, record_face};
use super::pipeline::{Face, NO_ALERT};
use super::response::{Alert, Response, Warrant};
use super::wanted_search::search_wanted_face;
use crate::events::record::UNSAMPLED;
use crate::events::{Recorder, Subject};
use crate::metrics::{Metric, TimeOfDay};
use crate::model::Mode;
use crate::model::deployment_index;

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
