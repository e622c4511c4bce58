//! The capture kernel: one site's faces of one block, over one active
//! interval, drawn, counted and searched. This is the hot loop of the
//! simulator, and the only code that runs once per face.
//!
//! A face of a person not wanted is searched here, non-mated ([`search`]:
//! one 64-bit comparison against the person's FPIR); a face of a wanted
//! person is set aside to be searched in time order ([`defer_wanted`],
//! [`super::wanted`]).

use super::Resident;
use super::activity::Activity;
use super::pipeline::{Face, NO_ALERT};
use super::response::{Alert, NOT_WANTED, search_outcome};
use crate::events::record::{HeldFace, UNSAMPLED};
use crate::events::{Event, FaceDetail, Kind, Recorder, Subject};
use crate::model::deployment_index;
use crate::model::{Block, Model};
use crate::rng::{SimRng, below, bernoulli_threshold, open01, unit};
use rand::Rng;
use rand_distr::{Distribution, Poisson};

/// A site's random streams: who passes (counts and residents), and what
/// their searches yield. A non-mated search uses exactly one word of
/// `search` and a mated one exactly three, whatever the outcome, so the
/// faces and the searches' uniforms are the same under any matcher.
pub(super) struct SiteStreams {
    pub(super) arrivals: SimRng,
    pub(super) search: SimRng,
    /// Capture times of faces without an alert (pipeline only).
    pub(super) times: SimRng,
}

/// Where captured faces are recorded: per-resident counts, the hour's
/// alerts, (with a pipeline) the hour's faces, wanted people's faces to be
/// searched later, and (with events) events.
pub(super) struct Collected<'a> {
    pub(super) alerts: &'a mut Vec<Alert>,
    pub(super) faces: &'a mut Vec<Face>,
    pub(super) wanted: &'a mut Vec<WantedFace>,
    pub(super) recorder: Option<&'a mut Recorder>,
}

/// Who can pass: every resident's record and, with activity spread, who
/// within a block is likelier to.
pub(super) struct People<'a> {
    pub(super) residents: &'a mut [Resident],
    pub(super) activity: Option<&'a Activity>,
}

/// An active stretch of one site's cameras within one hour.
#[derive(Debug, Clone, Copy)]
pub(super) struct Interval {
    pub(super) site: u32,
    pub(super) start_s: f64,
    pub(super) len_s: f64,
    /// The deployment it is part of (or `NO_DEPLOYMENT`): whose watchlist
    /// and threshold its searches use.
    pub(super) deployment: u32,
}

/// Residents drawn ahead of their search, for prefetching. Measured on
/// bench-city (16-byte records, 10 M residents): 8 → 24 M faces/s, 16 → 35 M,
/// 64 → 30 M, 128 → 26 M; further ahead, prefetched lines are evicted before
/// use. Results do not depend on it (draws and searches use separate streams).
const BATCH: usize = 16;

/// Asks the CPU to start loading `value`'s cache line.
#[inline(always)]
fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint and never faults; the pointer comes
    // from a valid reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            value as *const T as *const i8,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A Poisson(`mean`) count by rand_distr's sampler at every mean; zero for
/// a non-positive mean. The face engine draws each (site, block, interval)
/// count with it, a few per hour, so its cost does not matter; what does is
/// that every face engine report was drawn with it, so swapping it for the
/// residents engine's faster [`super::residents`] sampler
/// (`poisson_inverting_small`) would change them all.
pub(super) fn poisson_rand_distr(rng: &mut SimRng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |d| d.sample(rng) as u64)
}

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
/// searched in time order ([`super::Engine::search_wanted`]).
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

/// Captures `n` faces of `block`'s members during `interval` — each member
/// alike, or weighted by their `activity` —, searches each one, and collects the alerts — with `PIPELINE`, every face with its capture time,
/// and with `EVENTS`, the sampled faces' events. This is the hot loop of the
/// simulator.
#[inline]
pub(super) fn capture_block<const PIPELINE: bool, const EVENTS: bool>(
    model: &Model,
    block: &Block,
    n: u64,
    interval: Interval,
    rngs: &mut SiteStreams,
    people: People,
    out: &mut Collected,
) {
    let People {
        residents,
        activity,
    } = people;
    if n == 0 || block.passers() == 0 {
        return;
    }
    let first = block.first_resident as usize;
    let members = &mut residents[first..first + block.residents as usize];
    // Avoiders are the block's last members: draw among the others.
    let size = block.passers() as u64;
    let site = interval.site as u16 + 1;
    // Residents are drawn a batch ahead and their records prefetched, so the
    // cache misses of a batch overlap instead of queueing one by one: a
    // city's records do not fit in cache, and this doubles speed.
    let mut picked = [0u32; BATCH];
    let mut left = n;
    while left > 0 {
        let batch = &mut picked[..left.min(BATCH as u64) as usize];
        left -= batch.len() as u64;
        match activity {
            None => {
                for slot in batch.iter_mut() {
                    *slot = below(rngs.arrivals.next_u64(), size) as u32;
                    prefetch(&members[*slot as usize]);
                }
            }
            // Weighted by activity: the alias entries are fetched a batch
            // ahead too, then the residents they pick.
            Some(activity) => {
                let mut words = [0u64; BATCH];
                let words = &mut words[..batch.len()];
                for word in words.iter_mut() {
                    *word = rngs.arrivals.next_u64();
                    prefetch(activity.entry(block, size, *word));
                }
                for (slot, &word) in batch.iter_mut().zip(words.iter()) {
                    *slot = activity.pick(block, size, word);
                    prefetch(&members[*slot as usize]);
                }
            }
        }
        for &member in batch.iter() {
            if member < block.wanted {
                defer_wanted::<EVENTS>(block, member, interval, rngs, out);
                continue;
            }
            let resident = &mut members[member as usize];
            resident.seen_at(site);
            let lookalike = resident.lookalike();
            search_face::<PIPELINE, EVENTS>(model, block, member, lookalike, interval, rngs, out);
        }
    }
}

/// The next face's number and whether its events are sampled (events only).
#[inline(always)]
pub(super) fn next_face<const EVENTS: bool>(out: &mut Collected) -> (u64, bool) {
    match out.recorder.as_deref_mut() {
        Some(recorder) if EVENTS => recorder.next_face(),
        _ => (0, false),
    }
}

/// Searches one face of a person not wanted — member `member` of `block`,
/// already counted on their record — and collects what it leaves: its alert, with `PIPELINE` its
/// place in the pipeline, with `EVENTS` its events. Shared by footfall's hot
/// loop and batch mode.
#[inline(always)]
pub(super) fn search_face<const PIPELINE: bool, const EVENTS: bool>(
    model: &Model,
    block: &Block,
    member: u32,
    lookalike: f64,
    interval: Interval,
    rngs: &mut SiteStreams,
    out: &mut Collected,
) {
    let (face, sampled) = next_face::<EVENTS>(out);
    let alerted = search(
        model,
        block,
        member,
        lookalike,
        interval,
        &mut rngs.search,
        out.alerts,
    );
    if EVENTS && alerted {
        out.alerts.last_mut().expect("alerted").face = face;
    }
    let alert = alerted.then(|| out.alerts.len() - 1);
    // With a pipeline every face needs its capture time; without one
    // only alerts (and recorded events) do.
    let capture_s = match alert {
        Some(i) => out.alerts[i].time_s,
        None if PIPELINE => interval.start_s + interval.len_s * unit(rngs.times.next_u64()),
        None => f64::NAN,
    };
    let mut tag = UNSAMPLED;
    if EVENTS && sampled {
        let recorder = out.recorder.as_deref_mut().expect("EVENTS has a recorder");
        let capture_s = if capture_s.is_nan() {
            interval.start_s + interval.len_s * recorder.face_uniform(face)
        } else {
            capture_s
        };
        tag = record_face(
            recorder,
            &FaceSeen {
                subject: Subject {
                    face,
                    person: block.first_resident + member,
                    group: block.group,
                    site: interval.site,
                },
                wanted: false,
                capture_s,
                alert: alert.map(|i| out.alerts[i]),
                pipeline: PIPELINE,
            },
        );
    }
    if PIPELINE {
        out.faces.push(Face {
            capture_s,
            ready_s: 0.0,
            site: interval.site,
            alert: alert.map_or(NO_ALERT, |i| i as u32),
            mated: false,
            key: 0,
            tag,
        });
    }
}

/// A captured face, as [`record_face`] needs it.
pub(super) struct FaceSeen {
    /// The face, its person, group and site.
    pub(super) subject: Subject,
    /// Whether the search is mated (the person is wanted at capture).
    pub(super) wanted: bool,
    /// The capture time.
    pub(super) capture_s: f64,
    /// The alert it raised, if any.
    pub(super) alert: Option<Alert>,
    /// Whether the face goes through a recognition pipeline (its search is
    /// then decided later), or is searched at capture.
    pub(super) pipeline: bool,
}

/// Records a sampled face's capture — and, searched at capture, its search
/// in the same record. With a pipeline, returns the tag under which the
/// recorder holds the face for its search or drop event (or `UNSAMPLED`).
#[inline]
pub(super) fn record_face(recorder: &mut Recorder, seen: &FaceSeen) -> u32 {
    let capture_line = recorder.wants(Kind::Capture);
    let searched = (!seen.pipeline && recorder.wants(Kind::Search))
        .then(|| search_outcome(seen.alert.as_ref()));
    if capture_line || searched.is_some() {
        let capture = FaceDetail::Capture {
            capture_line,
            searched,
        };
        recorder.push(Event::of_face(
            seen.capture_s,
            seen.subject,
            seen.wanted,
            capture,
        ));
    }
    if seen.pipeline && (recorder.wants(Kind::Search) || recorder.wants(Kind::Drop)) {
        recorder.hold(HeldFace {
            subject: seen.subject,
            wanted: seen.wanted,
        })
    } else {
        UNSAMPLED
    }
}

/// Searches the face of member `member` of `block`, not wanted, whose
/// false-match propensity is `lookalike` (1 for most), against the
/// watchlist, and collects an alert if it raises one (returning whether it
/// did). A non-mated search uses exactly one word of `rng`, whatever the
/// outcome.
#[inline(always)]
fn search(
    model: &Model,
    block: &Block,
    member: u32,
    lookalike: f64,
    interval: Interval,
    rng: &mut SimRng,
    alerts: &mut Vec<Alert>,
) -> bool {
    let group = &model.groups_at(interval.deployment)[block.group as usize];
    // Bernoulli(FPIR) on 64 bits; given an alert, bits / threshold is
    // uniform on [0, 1) and independent of everything else, so it also
    // places the alert in time.
    let bits = rng.next_u64();
    let threshold = if lookalike == 1.0 {
        group.search.false_alert_bits
    } else {
        // FPIR = 1 − F(T)^(m·L·N) for a person with propensity L.
        bernoulli_threshold(group.search.fpir_for(lookalike))
    };
    let alerted = bits < threshold;
    if alerted {
        let mut when = bits as f64 / threshold as f64;
        let mut list = 0;
        // Several lists: which raised it, from the same uniform.
        if let Some(d) = deployment_index(interval.deployment)
            && !model.deployments[d].lists.is_empty()
        {
            (list, when) = model.deployments[d].attribute(block.group as usize, lookalike, when);
        }
        alerts.push(Alert {
            time_s: interval.start_s + interval.len_s * when,
            person: block.first_resident + member,
            wanted_index: NOT_WANTED,
            group: block.group,
            site: interval.site,
            is_true: false,
            face: 0,
            deployment: interval.deployment,
            list,
        });
    }
    alerted
}
