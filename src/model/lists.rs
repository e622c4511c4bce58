//! Several watchlists at one deployment: each face is searched against
//! every list, and an alert counts once, with the first list in the
//! deployment's order that raised it (see [`super::deployments`]).

use super::deployments::{Context, Deployment, List, MAX_LISTS, Memo, matcher_for};
use super::watchlist::wanted_given;
use crate::error::{KeyPath, ValidationError, Warning};
use crate::spec::{DeploymentSection, ListSection};

impl Deployment {
    /// Of a non-mated alert at this deployment (several lists), raised by a
    /// member of `group` with false-match propensity `lookalike`, whose
    /// alert uniform is `u` (on [0, 1), given the alert): the list that
    /// raised it — the first that alerts, P(j) ∝ Π_{i<j}(1 − pᵢ)·pⱼ — and
    /// `u` rescaled within that list's share, uniform on [0, 1) again.
    pub fn attribute(&self, group: usize, lookalike: f64, u: f64) -> (u8, f64) {
        let mut pass = 1.0;
        let shares: Vec<f64> = self
            .lists
            .iter()
            .map(|list| {
                let search = &list.groups[group].search;
                let p = if lookalike == 1.0 {
                    search.fpir
                } else {
                    search.fpir_for(lookalike)
                };
                let share = pass * p;
                pass *= 1.0 - p;
                share
            })
            .collect();
        let total: f64 = shares.iter().sum();
        let mut at = u * total;
        for (j, &share) in shares.iter().enumerate() {
            if at < share || j + 1 == shares.len() {
                return (j as u8, (at / share).clamp(0.0, 1.0 - f64::EPSILON));
            }
            at -= share;
        }
        (0, u)
    }

    /// With several lists, the expected alerts of block `block`'s members
    /// of group `group`, `passers` of them, each captured `per_person` times
    /// here on average: (true, false) per list, in order — rates averaged
    /// over lookalikes, the first list to alert raising it — and the faces
    /// of wanted people on its lists.
    pub fn expected_lists(
        &self,
        block: usize,
        group: usize,
        passers: f64,
        per_person: f64,
    ) -> (Vec<[f64; 2]>, f64) {
        let fpir: Vec<f64> = self
            .lists
            .iter()
            .map(|l| l.groups[group].averaged.fpir)
            .collect();
        // P(no list before j alerts), for a non-mated search: running
        // products, multiplied in list order (the same products a fresh
        // product per pair gave, in a pass rather than cubic in the lists).
        let pass_before: Vec<f64> = fpir
            .iter()
            .scan(1.0, |pass, p| {
                let before = *pass;
                *pass *= 1.0 - p;
                Some(before)
            })
            .collect();
        let mut per_list = vec![[0.0; 2]; self.lists.len()];
        let on_lists: u32 = self.lists.iter().map(|l| l.block_wanted[block]).sum();
        // Everyone not on a list alerts with the lists' combined FPIR
        // (averaged over lookalikes exactly), raised by the first to alert.
        let non_mated = (passers - on_lists as f64) * per_person;
        let first: Vec<f64> = (0..fpir.len()).map(|j| pass_before[j] * fpir[j]).collect();
        let any: f64 = first.iter().sum();
        for (list, share) in per_list.iter_mut().zip(&first) {
            if any > 0.0 {
                list[1] += non_mated * self.groups[group].averaged.fpir * share / any;
            }
        }
        // Wanted people, mated against their own list `own`.
        let mut wanted_faces = 0.0;
        for (own, list) in self.lists.iter().enumerate() {
            let mated = list.block_wanted[block] as f64 * per_person;
            wanted_faces += mated;
            let rates = &list.groups[group].averaged;
            let reach = pass_before[own];
            per_list[own][0] += mated * reach * rates.tpir;
            per_list[own][1] += mated * reach * rates.misidentification;
            let missed = 1.0 - rates.tpir - rates.misidentification;
            // P(no list after `own` and before j alerts), running.
            let mut pass_between = 1.0;
            for (j, other) in per_list.iter_mut().enumerate() {
                other[1] += match j.cmp(&own) {
                    std::cmp::Ordering::Less => mated * pass_before[j] * fpir[j],
                    std::cmp::Ordering::Equal => 0.0,
                    std::cmp::Ordering::Greater => {
                        let term = mated * reach * missed * pass_between * fpir[j];
                        pass_between *= 1.0 - fpir[j];
                        term
                    }
                };
            }
        }
        (per_list, wanted_faces)
    }

    /// With several lists, the chance that a face of member `member` (by
    /// rank among the block's wanted) raises a true alert here: its own
    /// list's TPIR, once no list before it has alerted. `None` if the
    /// member is on none of the lists.
    pub fn detection_of(&self, block: usize, group: usize, member: u32) -> Option<f64> {
        let own = self.list_of(block, member)?;
        let reach: f64 = self.lists[..own]
            .iter()
            .map(|l| 1.0 - l.groups[group].averaged.fpir)
            .product();
        Some(reach * self.lists[own].groups[group].averaged.tpir)
    }

    /// With several lists, the list holding member `member` (by rank among
    /// the block's wanted members) of block `block`, if any.
    pub fn list_of(&self, block: usize, member: u32) -> Option<usize> {
        self.lists.iter().position(|list| {
            let first = list.block_first[block];
            member >= first && member < first + list.block_wanted[block]
        })
    }
}

impl List {
    /// The lists of a deployment's `[[deployments.watchlists]]`, in order,
    /// each holding the next stretch of the city's wanted people.
    pub(super) fn several(
        context: &Context,
        section: &DeploymentSection,
        sections: &[ListSection],
        path: &KeyPath,
        memo: &mut Memo,
    ) -> Result<(Vec<List>, Vec<Warning>), ValidationError> {
        let at = path.key("watchlists");
        if section.watchlist.is_some() || section.matcher.is_some() {
            return Err(ValidationError::new(
                at,
                "each of a deployment's watchlists gives its own size, threshold and wanted \
                 people: drop the deployment's watchlist and matcher keys",
            ));
        }
        if sections.is_empty() || sections.len() > MAX_LISTS {
            return Err(ValidationError::new(
                at,
                format!(
                    "expected from 1 to {MAX_LISTS} watchlists, got {}",
                    sections.len()
                ),
            ));
        }
        let city_wanted: u64 = context.group_wanted.iter().sum();
        let mut lists = Vec::with_capacity(sections.len());
        let mut warnings = Vec::new();
        let mut before = vec![0u32; context.blocks.len()];
        let mut taken = 0u64;
        for (j, list) in sections.iter().enumerate() {
            let here = at.index(j);
            if sections[..j]
                .iter()
                .any(|earlier| earlier.name == list.name)
            {
                return Err(ValidationError::new(
                    here.key("name"),
                    format!("watchlist name \"{}\" is used twice", list.name),
                ));
            }
            let (matcher, warned) = matcher_for(
                context,
                (list.size, here.key("size")),
                (list.threshold, here.key("threshold")),
            )?;
            let wanted = list_wanted(context, list, &here)?;
            if taken + wanted > city_wanted {
                return Err(ValidationError::new(
                    here.key("wanted_present"),
                    format!(
                        "the deployment's lists hold {} wanted people, more than the city's \
                         {city_wanted} (watchlist.wanted_present): each wanted person is on at \
                         most one of them",
                        taken + wanted
                    ),
                ));
            }
            taken += wanted;
            let upto = memo.first(context.blocks, taken);
            let block_wanted: Vec<u32> = upto.iter().zip(&before).map(|(u, b)| u - b).collect();
            let groups = memo.groups(context, &block_wanted, &matcher);
            warnings.extend(warned);
            lists.push(List {
                name: list.name.clone(),
                matcher,
                groups,
                block_first: std::mem::replace(&mut before, upto),
                block_wanted,
                wanted: wanted as u32,
            });
        }
        Ok((lists, warnings))
    }
}

/// A list's wanted people: `wanted_present`, or `wanted_prevalence` ×
/// residents (default none), at most its size.
fn list_wanted(
    context: &Context,
    list: &ListSection,
    path: &KeyPath,
) -> Result<u64, ValidationError> {
    let residents = context.population.residents;
    let given = wanted_given(list.wanted_present, list.wanted_prevalence, residents, path)?;
    let Some((wanted, key, how)) = given else {
        return Ok(0);
    };
    if wanted > list.size {
        return Err(ValidationError::new(
            path.key(key),
            format!(
                "expected at most the list's size ({}), got {wanted}{how}",
                list.size
            ),
        ));
    }
    Ok(wanted)
}
