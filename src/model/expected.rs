//! Closed-form expectations for one replication, which a run is compared
//! with.

use super::{Mode, Model};

/// Closed-form expectations for one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// Usable faces captured.
    pub faces_captured: f64,
    /// Distinct residents captured at least once.
    pub people_scanned: f64,
    /// Alerts on the right identity, were no one ever arrested. Arrests
    /// execute warrants (custody, then non-mated searches), which only
    /// removes true alerts, so with arrests possible this is an upper bound
    /// ([`Expected::true_alerts_is_upper_bound`]).
    pub true_alerts: f64,
    /// Whether arrests can happen, making `true_alerts` an upper bound.
    pub true_alerts_is_upper_bound: bool,
    /// Wanted people with at least one true alert: exact with arrests too,
    /// since a person's first true alert comes before their arrest.
    pub wanted_alerted: f64,
    /// Alerts on a wrong identity (non-mated, and misidentified mated
    /// searches), were no one ever arrested.
    pub false_alerts: f64,
    /// Per group, in model order.
    pub groups: Vec<ExpectedGroup>,
}

/// Closed-form expectations for one group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExpectedGroup {
    /// Faces of this group's members.
    pub faces_captured: f64,
    /// Distinct members captured at least once.
    pub people_scanned: f64,
    /// True alerts (an upper bound with arrests, as [`Expected::true_alerts`]).
    pub true_alerts: f64,
    /// Wanted members with at least one true alert.
    pub wanted_alerted: f64,
    /// False alerts.
    pub false_alerts: f64,
    /// Visits to covered sites that avoiders did not make.
    pub avoided_visits: f64,
    /// Members with two or more false alerts, without lookalikes.
    pub repeat_false_alert_people: f64,
}

impl Model {
    /// Closed-form expectations for one replication. With footfall, captures
    /// are Poisson, and each search's outcome is an independent thinning of
    /// them, so every count below is Poisson with this mean: its standard
    /// error is √mean. In batch mode every resident is searched once, so the
    /// face counts are exact and the alert counts binomial.
    pub fn expected(&self) -> Expected {
        // Expected faces per block: each site's captures split by its block
        // shares (footfall), or every resident once (batch).
        let mut block_faces = vec![0.0; self.blocks.len()];
        let mut avoided = vec![0.0; self.groups.len()];
        match self.mode {
            Mode::Footfall => {
                for site in &self.sites {
                    let captures = site.expected_captures(self.duration_s);
                    for &(block, share) in &site.block_shares {
                        block_faces[block as usize] += captures * share;
                    }
                    for (group, visits) in avoided.iter_mut().enumerate() {
                        *visits += captures * site.avoided_share_by_group[group];
                    }
                }
            }
            Mode::Batch => {
                for (faces, block) in block_faces.iter_mut().zip(&self.blocks) {
                    *faces = block.residents as f64;
                }
            }
        }
        let mut groups: Vec<ExpectedGroup> = avoided
            .iter()
            .map(|&visits| ExpectedGroup {
                avoided_visits: visits,
                ..Default::default()
            })
            .collect();
        for (block, &faces) in self.blocks.iter().zip(&block_faces) {
            let group = &self.groups[block.group as usize];
            let expected = &mut groups[block.group as usize];
            let passers = match self.mode {
                Mode::Footfall => block.passers(),
                Mode::Batch => block.residents,
            } as f64;
            expected.faces_captured += faces;
            if passers == 0.0 {
                continue;
            }
            // Each passer's captures are Poisson(faces / passers); in batch
            // mode every resident is searched exactly once.
            let per_person = faces / passers;
            let mated = faces * block.wanted as f64 / passers;
            let non_mated = faces - mated;
            expected.people_scanned += match self.mode {
                Mode::Footfall => passers * -(-per_person).exp_m1(),
                Mode::Batch => passers,
            };
            // Rates averaged over lookalike multipliers (see LookalikeMean):
            // a person's captures and their multiplier are independent.
            let rates = &group.averaged;
            expected.true_alerts += mated * rates.tpir;
            // A wanted passer's mated searches before any arrest are
            // Poisson(per_person), each a true alert with TPIR (exact
            // without lookalikes; with them, TPIR is their average).
            expected.wanted_alerted += block.wanted as f64
                * match self.mode {
                    Mode::Footfall => -(-per_person * rates.tpir).exp_m1(),
                    Mode::Batch => rates.tpir,
                };
            expected.false_alerts += non_mated * rates.fpir + mated * rates.misidentification;
            // Residents with two or more false alerts, were everyone in the
            // group alike (no lookalikes): Poisson(per_person × FPIR) each.
            let mean = per_person * group.search.fpir;
            expected.repeat_false_alert_people +=
                (passers - block.wanted as f64) * (1.0 - (-mean).exp() * (1.0 + mean));
        }
        let total = |count: fn(&ExpectedGroup) -> f64| -> f64 { groups.iter().map(count).sum() };
        Expected {
            faces_captured: total(|group| group.faces_captured),
            people_scanned: total(|group| group.people_scanned),
            true_alerts: total(|group| group.true_alerts),
            true_alerts_is_upper_bound: self.wanted > 0
                && self.intervention.officers > 0
                && self.intervention.p_arrest_correct > 0.0
                && self.review.p_confirm_true > 0.0,
            wanted_alerted: total(|group| group.wanted_alerted),
            false_alerts: total(|group| group.false_alerts),
            groups,
        }
    }
}
