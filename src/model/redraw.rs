//! Another draw of a model's uncertain inputs, for its expectations alone.
//!
//! `survsim check` estimates what each uncertain input contributes to the
//! spread of one run's false alerts from hundreds of draws (see
//! `report::uncertainty`). A draw changes only the population's groups, the
//! matcher and what each deployment searches with; the sites, the blocks and
//! the schedule draw nothing. Building each drawn model whole made every draw
//! cost a pass over every site — 20,000 sites took minutes. [`Redraw`] keeps
//! those parts of the nominal model, and the faces they give each block
//! ([`Exposure`]), and rebuilds the rest per draw, in the order
//! [`Model::build_with`] reads the draws: its expectations are that build's,
//! bit for bit.

use super::calibrate::ResolvedMatcher;
use super::deployments::{self, Deployment, Memo};
use super::expected::{Expected, Exposure};
use super::population::{Population, Searches};
use super::uncertain::Draws;
use super::watchlist::Watchlist;
use super::{EngineKind, Model, check_residents_work};
use crate::error::ValidationError;
use crate::spec::ScenarioFile;

/// A nominal model's draw-independent parts, ready for other draws.
#[derive(Debug, Clone)]
pub struct Redraw {
    /// The nominal model without its sites, deployments and warnings,
    /// which a draw's expectations do not read again.
    base: Model,
    /// The deployments, validated: a draw changes only what they search
    /// with ([`Deployment::redrawn`]).
    deployments: Vec<Deployment>,
    /// What the sites give each block.
    exposure: Exposure,
}

impl Redraw {
    /// The parts of `model` that no draw changes.
    pub fn new(model: &Model) -> Redraw {
        Redraw {
            exposure: Exposure::of(model),
            deployments: model.deployments.clone(),
            base: Model {
                sites: Vec::new(),
                deployments: Vec::new(),
                warnings: Vec::new(),
                calibration: Vec::new(),
                ..model.clone()
            },
        }
    }

    /// The expectations of `Model::build_with(file, draws)`, where `file` is
    /// the file the nominal model was built from; its errors are that
    /// build's too.
    pub fn expected(
        &self,
        file: &ScenarioFile,
        draws: &mut dyn Draws,
    ) -> Result<Expected, ValidationError> {
        self.expected_of(file, draws, true)
    }

    /// Of those expectations, the false alerts and one run's variance of
    /// them: all that `check`'s variance shares read (the wanted people
    /// alerted, dear in a long schedule, are left out).
    pub fn false_alert_moments(
        &self,
        file: &ScenarioFile,
        draws: &mut dyn Draws,
    ) -> Result<(f64, f64), ValidationError> {
        let expected = self.expected_of(file, draws, false)?;
        Ok((expected.false_alerts, expected.false_alerts_variance))
    }

    fn expected_of(
        &self,
        file: &ScenarioFile,
        draws: &mut dyn Draws,
        alerted: bool,
    ) -> Result<Expected, ValidationError> {
        // The draws, in the build's order: the groups, then the matcher.
        let population = Population::build(
            &file.population,
            &file.zones,
            &file.mobility,
            file.sites.len(),
            draws,
        )?;
        // The blocks are the nominal model's: a fractional wanted person
        // (present or not per replication) is left out, as nominal draws
        // leave it (a sliver of one person's faces in the false alerts).
        let watchlist = Watchlist::build(&file.watchlist, &population, draws)?;
        let matcher = ResolvedMatcher::build(&file.matcher, watchlist.size, draws)?;
        let mut population = population;
        super::group_effects::apply(&mut population, &matcher, &file.watchlist, draws)?;
        let average_mated = draws.averages_mated_rates();
        let mut searches = Searches::default();
        let groups = population.groups_in(
            &watchlist.group_wanted,
            &matcher.matcher,
            average_mated,
            &mut searches,
        );
        let context = deployments::Context {
            file,
            population: &population,
            blocks: &self.base.blocks,
            matcher: &matcher,
            group_wanted: &watchlist.group_wanted,
            average_mated,
        };
        let mut memo = Memo::new(&mut searches);
        let deployments = self
            .deployments
            .iter()
            .map(|deployment| deployment.redrawn(&context, &mut memo))
            .collect();
        let model = Model {
            groups,
            matcher: matcher.matcher,
            deployments,
            ..self.base.clone()
        };
        let expected = model.expected_with(&self.exposure, alerted);
        if model.engine == EngineKind::Residents {
            check_residents_work(&expected)?;
        }
        Ok(expected)
    }
}
