//! Matcher profiles compiled into the binary: each a `[matcher]` section in
//! its own file under `scenarios/profiles/`, with its sources in comments. A
//! scenario's own `[matcher]` keys override its profile's.

use super::MatcherSection;
use crate::error::{KeyPath, ValidationError};

/// The profile used when a scenario's `[matcher]` names no profile and
/// gives no score distribution or operating point.
pub const DEFAULT_PROFILE: &str = "neoface-v4-npl2023";

/// Bundled profiles: name and TOML text.
pub const PROFILES: &[(&str, &str)] = &[
    (
        "neoface-v4-npl2023",
        include_str!("../../scenarios/profiles/neoface-v4-npl2023.toml"),
    ),
    (
        "neoface-v4-fitted",
        include_str!("../../scenarios/profiles/neoface-v4-fitted.toml"),
    ),
    (
        "neoface-early",
        include_str!("../../scenarios/profiles/neoface-early.toml"),
    ),
    (
        "rekognition-2018",
        include_str!("../../scenarios/profiles/rekognition-2018.toml"),
    ),
    (
        "generic-99.9",
        include_str!("../../scenarios/profiles/generic-99.9.toml"),
    ),
];

/// The `[matcher]` section of the profile `name`, named at `path`. A profile
/// states what its rates are per, and names no other profile.
pub fn load(name: &str, path: &KeyPath) -> Result<MatcherSection, ValidationError> {
    let text = PROFILES
        .iter()
        .find(|(profile, _)| *profile == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| {
            let names: Vec<&str> = PROFILES.iter().map(|(profile, _)| *profile).collect();
            ValidationError::new(
                path.clone(),
                format!(
                    "no profile named \"{name}\"{}; bundled profiles: {}",
                    crate::error::did_you_mean(name, names.iter().copied()),
                    names.join(", ")
                ),
            )
        })?;
    let profile: MatcherSection = toml::from_str(text).map_err(|error| {
        ValidationError::new(
            path.clone(),
            format!("profile \"{name}\" is invalid: {error}"),
        )
    })?;
    if profile.profile.is_some() {
        return Err(ValidationError::new(
            path.clone(),
            format!("profile \"{name}\" may not name another profile"),
        ));
    }
    if profile.rates_per.is_none() {
        return Err(ValidationError::new(
            path.clone(),
            format!(
                "profile \"{name}\" must state what its rates are per: \
                 rates_per = \"walk_past\" or \"searched_face\""
            ),
        ));
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_profile_loads_and_states_what_its_rates_are_per() {
        let path = KeyPath::keys(&["matcher", "profile"]);
        for (name, _) in PROFILES {
            let profile = load(name, &path).unwrap();
            assert!(profile.rates_per.is_some(), "{name}");
        }
        assert!(load("no-such-profile", &path).is_err());
    }
}
