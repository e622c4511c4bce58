//! The model's ground floor: the limits a scenario is held to, how faces
//! arrive ([`Mode`]), which engine runs it ([`EngineKind`]) and when the
//! residents engine can ([`residents_can_run`]). Every other file of the
//! model may read it; it reads only the clock.

use super::clock::DAY_S;
use crate::spec;

/// The most faces one replication of the face engine may be expected to
/// capture; a bigger scenario is refused rather than left to run for hours
/// (the residents engine's cost does not grow with the faces, so it has no
/// such limit).
pub const MAX_EXPECTED_FACES: f64 = 2e10;
/// The longest simulated duration.
pub const MAX_DURATION_S: f64 = 366.0 * DAY_S;
/// The largest watchlist.
pub const MAX_WATCHLIST: u64 = 10_000_000_000;
/// The most operators or officers.
pub const MAX_STAFF: u32 = 1_000_000;
/// The most camera sites: the engine remembers a resident's sites as 16-bit
/// ids (index + 1, with 0 for an empty slot).
pub const MAX_SITES: usize = u16::MAX as usize - 1;
/// The most (site, zone, group) combinations a scenario may have: each
/// takes 16 bytes in the sites' block shares (10⁷: 160 MB).
pub const MAX_SITE_BLOCKS: u64 = 10_000_000;

/// Which engine draws a model's runs (see [`crate::engine`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// Face by face, in time order: needed by a pipeline, batch mode and
    /// capture events.
    Faces,
    /// Per resident: the same distribution, at a cost that does not grow
    /// with the faces.
    Residents,
}

impl EngineKind {
    /// `"faces"` or `"residents"`, as in the scenario file.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Faces => "faces",
            EngineKind::Residents => "residents",
        }
    }
}

/// How faces arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Passers at camera sites, at their footfall.
    Footfall,
    /// Every resident searched once, spread over the duration.
    Batch,
}

impl From<spec::Mode> for Mode {
    fn from(mode: spec::Mode) -> Mode {
        match mode {
            spec::Mode::Footfall => Mode::Footfall,
            spec::Mode::Batch => Mode::Batch,
        }
    }
}

/// The most faces one replication of the residents engine may be expected
/// to capture: its counts are 64-bit, and its per-member Poisson draws
/// hold below 1.8 · 10¹⁹.
pub const MAX_EXPECTED_FACES_PER_RESIDENTS: f64 = 1e18;

/// Whether the residents engine can run a scenario: footfall mode without
/// a pipeline (a pipeline queues faces in order, so it needs them one by
/// one) or a deployment schedule (whose sites run on dates, not every day).
/// Batch mode searches each resident once, which the face engine already
/// does per resident.
pub fn residents_can_run(mode: Mode, pipeline: bool, schedule: bool) -> bool {
    mode == Mode::Footfall && !pipeline && !schedule
}

/// What sets how many alerts and searches of wanted people a run handles,
/// for a refusal to name: footfall and duration set the faces, the list's
/// size and threshold the false alerts per face, and its wanted people
/// their searches.
pub const WORK_INPUTS: &str = "lower the sites' footfall_per_hour or simulation.duration, or the \
     alerts per face: watchlist.size and matcher.threshold set false alerts, \
     watchlist.wanted_present (or wanted_prevalence) and new_wanted_per_day the searches of \
     wanted people; `survsim check` gives its expectations in closed form without simulating";
