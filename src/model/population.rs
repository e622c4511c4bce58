//! Residents, demographic groups and the wanted people among them.
//!
//! Residents are numbered 0..R and stored group by group, so a resident's
//! group is implied by their number. Within a group residents are
//! exchangeable, so the group's wanted people are simply its first `wanted`
//! members: "is this face wanted?" is one comparison, with no per-person flag.

use crate::error::{KeyPath, ValidationError};
use crate::model::matcher::GroupSearch;

/// The most residents a scenario may have (4 bytes of state each).
pub const MAX_RESIDENTS: u64 = 1_000_000_000;

/// A validated demographic group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Name.
    pub name: String,
    /// Share of residents, as given.
    pub share: f64,
    /// First resident number of the group.
    pub first_resident: u32,
    /// Residents in the group.
    pub residents: u32,
    /// Wanted (watchlisted) residents: numbers first_resident..first_resident + wanted.
    pub wanted: u32,
    /// Index of this group's first wanted person among all wanted people.
    pub first_wanted: u32,
    /// Relative activity, as given.
    pub activity: f64,
    /// Share of all captured faces that belong to this group's members.
    pub face_share: f64,
    /// False-match multiplier.
    pub fmr_multiplier: f64,
    /// False-non-match multiplier.
    pub fnmr_multiplier: f64,
    /// Search probabilities at the model's threshold and watchlist size.
    pub search: GroupSearch,
}

/// Splits `total` into integer parts proportional to `shares` (largest
/// remainder, ties to the earlier part), so the parts sum exactly to `total`.
pub fn apportion(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|s| {
            if sum > 0.0 {
                total as f64 * s / sum
            } else {
                0.0
            }
        })
        .collect();
    let mut parts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let assigned: u64 = parts.iter().sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(total.saturating_sub(assigned) as usize) {
        parts[i] += 1;
    }
    parts
}

/// Checks that `shares` are each in [0, 1] and sum to 1 (within 1e-6).
pub fn check_shares(
    shares: impl Iterator<Item = (KeyPath, f64)>,
    whole: &KeyPath,
) -> Result<(), ValidationError> {
    let mut sum = 0.0;
    for (path, s) in shares {
        if !s.is_finite() || !(0.0..=1.0).contains(&s) {
            return Err(ValidationError::new(
                path,
                format!("expected a share in [0, 1], got {s}"),
            ));
        }
        sum += s;
    }
    if (sum - 1.0).abs() > 1e-6 {
        return Err(ValidationError::new(
            whole.clone(),
            format!("shares must sum to 1, but they sum to {sum}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_sums_exactly() {
        assert_eq!(apportion(10, &[0.5, 0.25, 0.25]), vec![5, 3, 2]);
        assert_eq!(apportion(7, &[1.0 / 3.0; 3]).iter().sum::<u64>(), 7);
        assert_eq!(apportion(0, &[0.5, 0.5]), vec![0, 0]);
    }
}
