//! The search of a wanted person's face, which both engines share: the face
//! engine's time-ordered pass ([`super::wanted`]) and the residents
//! engine's response chain call it, so that a wanted face's search — mated
//! while the warrant is open, non-mated after, against one list or several
//! — reads the same in each.

use super::capture::WantedFace;
use super::response::{Alert, NOT_WANTED, Warrant};
use crate::model::deployment_index;
use crate::model::{Deployment, MatedOutcome, Model};
use crate::rng::open01;

/// The search of a wanted person's face, not in custody, given their
/// `warrant` at capture and their false-match propensity `lookalike`:
/// whether it was mated (the warrant still open), and the alert it raised.
/// Shared by both engines, so a wanted face's search reads the same in each.
pub(super) fn search_wanted_face(
    model: &Model,
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
    model: &Model,
    deployment: &Deployment,
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
