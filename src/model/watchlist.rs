//! The watchlist every face is searched against, and the wanted people on
//! it who live in the city.

use super::limits::MAX_WATCHLIST;
use super::population::{Population, apportion, check_shares};
use super::uncertain::Draws;
use crate::error::{KeyPath, ValidationError};
use crate::spec::WatchlistSection;

/// A validated watchlist.
#[derive(Debug, Clone, PartialEq)]
pub struct Watchlist {
    /// Entries every face is searched against.
    pub size: u64,
    /// Wanted residents in each group of the population, in its order.
    pub group_wanted: Vec<u64>,
    /// With `wanted_prevalence`, the fraction of a person that the whole
    /// people in `group_wanted` leave out (0.4 of 3.4), present in a
    /// replication with that probability; 0 otherwise.
    pub wanted_fraction: f64,
    /// Whether this model's draw made the fractional person present.
    pub extra_present: bool,
    /// Arrivals on and removals from the list over the run, if the
    /// scenario has any.
    pub turnover: Option<Turnover>,
}

/// How the list's wanted people change over a run: some added
/// (`new_wanted_per_day`), and each removed without an arrest after an
/// exponential time (`time_on_list`). The wanted people are the slots
/// [`Watchlist::group_wanted`] counts: `arrivals` of them, chosen at random
/// in each replication, are added at uniform times in the run; the others
/// are on the list at its start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turnover {
    /// Wanted people added during the run: rate × days, rounded.
    pub arrivals: u32,
    /// Mean time on the list before removal, seconds (infinite: never).
    pub mean_on_list_s: f64,
}

impl Turnover {
    /// ∫ p_open(t) dt over `[start_s, end_s)`, where p_open(t) is the
    /// chance that one of `wanted` slots is on the list at t, of a run of
    /// `duration_s`, ignoring arrests: a slot is on it from the start with
    /// chance (wanted − arrivals)/wanted, and then stays for an
    /// exponential time of mean T (probability e^(−t/T) at t); otherwise it
    /// is added at a uniform time in the run, and on the list at t with
    /// probability (1/D) ∫₀ᵗ e^(−(t−a)/T) da = (T/D)(1 − e^(−t/T)) (t/D
    /// without removal).
    pub fn open_integral(&self, wanted: u32, duration_s: f64, start_s: f64, end_s: f64) -> f64 {
        if wanted == 0 || end_s <= start_s {
            return 0.0;
        }
        let arrived = f64::from(self.arrivals) / f64::from(wanted);
        let initial = 1.0 - arrived;
        let length = end_s - start_s;
        let t = self.mean_on_list_s;
        if t.is_infinite() {
            return initial * length
                + arrived * (end_s * end_s - start_s * start_s) / (2.0 * duration_s);
        }
        // ∫ e^(−u/T) du over the stretch, without cancellation.
        let decayed = t * (-start_s / t).exp() * -(-length / t).exp_m1();
        initial * decayed + arrived * t / duration_s * (length - decayed)
    }
}

impl Watchlist {
    /// Validates `[watchlist]` against the population its wanted people live in.
    pub fn build(
        section: &WatchlistSection,
        population: &Population,
        duration_s: f64,
        draws: &mut dyn Draws,
    ) -> Result<Watchlist, ValidationError> {
        let path = KeyPath::keys(&["watchlist"]);
        if !(1..=MAX_WATCHLIST).contains(&section.size) {
            return Err(ValidationError::new(
                path.key("size"),
                format!(
                    "expected from 1 to {MAX_WATCHLIST} entries, got {}",
                    section.size
                ),
            ));
        }
        let (mean, key) = wanted_present(section, population.residents, &path)?;
        // A prevalence carries its fraction: 3.4 people are 3, and a fourth
        // in 40 % of replications, so the mean is 3.4 exactly.
        let whole = mean.floor();
        let wanted_fraction = mean - whole;
        let extra = wanted_fraction > 0.0 && draws.extra_wanted(&path.key(key), wanted_fraction);
        let turnover = turnover(section, duration_s, &path)?;
        let arrivals = turnover.map_or(0, |t| u64::from(t.arrivals));
        let wanted = whole as u64 + extra as u64 + arrivals;
        if wanted > population.residents {
            return Err(ValidationError::new(
                path.key("new_wanted_per_day"),
                format!(
                    "the {arrivals} wanted people added over the run and the {} on the list at \
                     its start are more than the {} residents",
                    whole as u64 + extra as u64,
                    population.residents
                ),
            ));
        }
        let mix = group_mix(section, population, &path.key("group_mix"))?;
        let group_wanted = apportion(wanted, &mix);
        let groups = &population.groups;
        for (group, (&wanted, &residents)) in groups
            .iter()
            .zip(group_wanted.iter().zip(&population.group_residents))
        {
            if wanted > residents {
                return Err(ValidationError::new(
                    path.key("group_mix"),
                    format!(
                        "{wanted} wanted people fall in group \"{}\", which has only {residents} \
                         residents",
                        group.name
                    ),
                ));
            }
        }
        Ok(Watchlist {
            size: section.size,
            group_wanted,
            wanted_fraction,
            extra_present: extra,
            turnover,
        })
    }

    /// Wanted people in all groups.
    pub fn wanted(&self) -> u64 {
        self.group_wanted.iter().sum()
    }
}

/// The wanted people who live in the city, on average, and the key that
/// gave them: `wanted_present`, or `wanted_prevalence` × residents (not
/// rounded: see [`Watchlist::wanted_fraction`]), at most the watchlist's
/// size and the residents.
fn wanted_present(
    section: &WatchlistSection,
    residents: u64,
    path: &KeyPath,
) -> Result<(f64, &'static str), ValidationError> {
    let most = section.size.min(residents);
    let mean = match (section.wanted_present, section.wanted_prevalence) {
        (None, Some(rate)) if rate.is_finite() && (0.0..=1.0).contains(&rate) => Some((
            rate * residents as f64,
            "wanted_prevalence",
            format!(" ({rate} × {residents} residents)"),
        )),
        // Anything else as a deployment's list reads it (errors included).
        (present, prevalence) => wanted_given(present, prevalence, residents, path)?
            .map(|(wanted, key, how)| (wanted as f64, key, how)),
    };
    let (wanted, key, how) = mean.unwrap_or((0.0, "wanted_present", String::new()));
    if wanted > most as f64 {
        return Err(ValidationError::new(
            path.key(key),
            format!(
                "expected at most the watchlist size and the residents ({most}), got {}{how}",
                crate::format::fmt_num(wanted, if wanted.fract() == 0.0 { 0 } else { 2 })
            ),
        ));
    }
    Ok((wanted, key))
}

/// `wanted_present`, or `wanted_prevalence` × `residents` rounded to the
/// nearest whole person (halves away from zero), under `path` (a
/// deployment's list or one of its lists, which hold some of the city's
/// wanted people — whole people; the city's own count carries its
/// fraction, see [`Watchlist::wanted_fraction`]): the count,
/// the key that gave it and how it was worked out. `None` if neither is
/// given; an error if both are, or the rate is not in [0, 1].
pub(super) fn wanted_given(
    present: Option<u64>,
    prevalence: Option<f64>,
    residents: u64,
    path: &KeyPath,
) -> Result<Option<(u64, &'static str, String)>, ValidationError> {
    match (present, prevalence) {
        (Some(_), Some(_)) => Err(ValidationError::new(
            path.key("wanted_prevalence"),
            "give either wanted_present (a number of people) or wanted_prevalence \
             (wanted people per resident), not both",
        )),
        (Some(wanted), None) => Ok(Some((wanted, "wanted_present", String::new()))),
        (None, Some(rate)) if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) => {
            Err(ValidationError::new(
                path.key("wanted_prevalence"),
                format!("expected wanted people per resident in [0, 1], got {rate}"),
            ))
        }
        (None, Some(rate)) => Ok(Some((
            (rate * residents as f64).round() as u64,
            "wanted_prevalence",
            format!(" ({rate} × {residents} residents)"),
        ))),
        (None, None) => Ok(None),
    }
}

/// The list's turnover, if `new_wanted_per_day` or `time_on_list` is
/// given: arrivals are rate × days of the run, rounded to whole people.
fn turnover(
    section: &WatchlistSection,
    duration_s: f64,
    path: &KeyPath,
) -> Result<Option<Turnover>, ValidationError> {
    if section.new_wanted_per_day.is_none() && section.time_on_list.is_none() {
        return Ok(None);
    }
    let rate = section.new_wanted_per_day.unwrap_or(0.0);
    let arrivals = rate * duration_s / 86_400.0;
    if !(rate.is_finite() && rate >= 0.0 && arrivals.round() <= f64::from(u32::MAX / 2)) {
        return Err(ValidationError::new(
            path.key("new_wanted_per_day"),
            format!("expected wanted people added per day, a number ≥ 0, got {rate}"),
        ));
    }
    let mean_on_list_s = match &section.time_on_list {
        None => f64::INFINITY,
        Some(time) if time.seconds > 0.0 && time.seconds.is_finite() => time.seconds,
        Some(time) => {
            return Err(ValidationError::new(
                path.key("time_on_list"),
                format!(
                    "expected the mean time a wanted person stays on the list, longer than \
                     0, such as \"180d\", got \"{}\"",
                    time.text
                ),
            ));
        }
    };
    Ok(Some(Turnover {
        arrivals: arrivals.round() as u32,
        mean_on_list_s,
    }))
}

/// The share of the wanted people in each group: `group_mix`, found at
/// `path`, or the population's own shares.
fn group_mix(
    section: &WatchlistSection,
    population: &Population,
    path: &KeyPath,
) -> Result<Vec<f64>, ValidationError> {
    let groups = &population.groups;
    let Some(mix) = &section.group_mix else {
        return Ok(groups.iter().map(|group| group.share).collect());
    };
    if let Some(unknown) = mix
        .keys()
        .find(|name| !groups.iter().any(|group| &&group.name == name))
    {
        return Err(ValidationError::new(
            path.key(unknown),
            format!("\"{unknown}\" is not a group of the population"),
        ));
    }
    check_shares(
        mix.iter().map(|(name, &share)| (path.key(name), share)),
        path,
    )?;
    Ok(groups
        .iter()
        .map(|group| mix.get(&group.name).copied().unwrap_or(0.0))
        .collect())
}
