//! The matcher at one draw of a fit's parameters: the reference group's
//! impostor tail, each group's shifted tail, homophily, and detection.

use crate::stats::normal_upper_tail;

/// The matcher at one draw of the parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Tail {
    /// Anchor threshold.
    pub anchor: f64,
    /// Q⁻¹(FMR(T₀)) of the reference group.
    pub z_impostor: f64,
    /// Impostor sd.
    pub impostor_sd: f64,
    /// Q⁻¹(TPIR(T₀)).
    pub z_genuine: f64,
    /// Genuine sd.
    pub genuine_sd: f64,
    /// Each group's impostor shift, in score units (the reference's 0).
    pub shifts: Vec<f64>,
    /// How many times as likely a false match is between two people of
    /// one group as between two of different groups (1: no homophily).
    pub homophily: f64,
}

impl Tail {
    /// Group `group`'s per-comparison false-match rate at `threshold`: its
    /// impostor scores sit `shift` above the reference group's.
    pub fn fmr(&self, group: usize, threshold: f64) -> f64 {
        normal_upper_tail(
            self.z_impostor + (threshold - self.anchor - self.shifts[group]) / self.impostor_sd,
        )
    }

    /// How many times a group's false matches are multiplied by a list of
    /// which a share `share` is of its own group, against the balanced
    /// reference set the tail was measured with (each of the groups an
    /// equal share): (share·H + 1 − share) / (H/G + 1 − 1/G).
    pub fn homophily_factor(&self, share: f64) -> f64 {
        let g = self.shifts.len() as f64;
        let h = self.homophily;
        (share * h + 1.0 - share) / (h / g + 1.0 - 1.0 / g)
    }

    /// FPIR of a member of `group` searching `entries` at `threshold`, with
    /// the homophily `factor` of the list's composition.
    pub fn fpir(&self, group: usize, entries: f64, threshold: f64, factor: f64) -> f64 {
        -(entries * factor * (-self.fmr(group, threshold)).ln_1p()).exp_m1()
    }

    /// Each group's false alerts per passer of the mix `passers`, searching
    /// `entries` of a list whose composition is `list` (shares in group
    /// order; `None`: balanced, the reference set's).
    pub fn weights(
        &self,
        passers: &[f64],
        list: Option<&[f64]>,
        entries: f64,
        threshold: f64,
    ) -> Vec<f64> {
        passers
            .iter()
            .enumerate()
            .map(|(g, &share)| {
                let factor = list.map_or(1.0, |list| self.homophily_factor(list[g]));
                share * self.fpir(g, entries, threshold, factor)
            })
            .collect()
    }

    /// FPIR of the mix `passers` (see [`Tail::weights`]).
    pub fn mixture_fpir(
        &self,
        passers: &[f64],
        list: Option<&[f64]>,
        entries: f64,
        threshold: f64,
    ) -> f64 {
        self.weights(passers, list, entries, threshold).iter().sum()
    }

    /// Detection rate per walk past at `threshold`.
    pub fn tpir(&self, threshold: f64) -> f64 {
        normal_upper_tail(self.z_genuine + (threshold - self.anchor) / self.genuine_sd)
    }

    /// The reference group's impostor scores' normal: mean and sd.
    pub fn impostor(&self) -> (f64, f64) {
        (
            self.anchor - self.impostor_sd * self.z_impostor,
            self.impostor_sd,
        )
    }

    /// The genuine scores' normal: mean and sd.
    pub fn genuine(&self) -> (f64, f64) {
        (
            self.anchor - self.genuine_sd * self.z_genuine,
            self.genuine_sd,
        )
    }
}
