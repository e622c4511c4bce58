//! The residents engine's response chain, by units that can run side by
//! side.
//!
//! When both operators and officers are organised by zone
//! (`review.scope = "zone"`, `intervention.scope = "zone"`), each zone's
//! team answers only its own sites' alerts: the zones are independent
//! **units**, each with its own chain ([`chain::Chain`]), its own alerts (a
//! window of days at a time, [`super::alerts`]) and its own wanted faces.
//! Otherwise the whole city is one unit. Units share only wanted people's
//! fates — a person arrested by one unit is in custody for all — through
//! [`shared::Shared`], read only when every arrest that could come first is
//! known. So each unit's events, and the outcome, are the same whatever the
//! threads and however they interleave: the result is the one of handling
//! all events in order of (time, unit).
//!
//! The engine starts no thread: the driver lends them
//! ([`crate::engine::lend::Lend`]), and each
//! worker takes the unit furthest behind that is free, runs it until it must
//! wait for another or has done a stint, and takes the next; a worker that
//! finds nothing it can do sleeps until another has moved a unit.

mod chain;
mod shared;
mod unit;

use crate::model::Model;
use crate::model::Scope;
pub(super) use unit::{Source, run_units};

/// Independent response units of `model`: its zones, when operators and
/// officers are both organised by zone; else one.
pub fn independent_units(model: &Model) -> usize {
    if model.review.teams.scope == Scope::Zone && model.intervention.teams.scope == Scope::Zone {
        model.zones.len().max(1)
    } else {
        1
    }
}
