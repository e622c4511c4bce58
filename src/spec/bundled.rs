//! Scenarios compiled into the binary, so `survsim run met-essex-2019` and
//! `survsim validate` work from anywhere. The files live in `scenarios/`.

/// Name and TOML text of every bundled scenario.
pub const BUNDLED: &[(&str, &str)] = &[
    ("default", include_str!("../../scenarios/default.toml")),
    (
        "bench-city",
        include_str!("../../scenarios/bench-city.toml"),
    ),
    (
        "base-rate-100k",
        include_str!("../../scenarios/base-rate-100k.toml"),
    ),
    (
        "schneier-1-in-10m",
        include_str!("../../scenarios/schneier-1-in-10m.toml"),
    ),
    (
        "uk-1-in-300000",
        include_str!("../../scenarios/uk-1-in-300000.toml"),
    ),
    (
        "met-essex-2019",
        include_str!("../../scenarios/met-essex-2019.toml"),
    ),
    (
        "swp-champions-league-2017",
        include_str!("../../scenarios/swp-champions-league-2017.toml"),
    ),
    (
        "npl-2023-thresholds",
        include_str!("../../scenarios/npl-2023-thresholds.toml"),
    ),
    (
        "aclu-rekognition-2018",
        include_str!("../../scenarios/aclu-rekognition-2018.toml"),
    ),
    (
        "london-borough-day",
        include_str!("../../scenarios/london-borough-day.toml"),
    ),
    (
        "neoface-300fps-stadium",
        include_str!("../../scenarios/neoface-300fps-stadium.toml"),
    ),
    (
        "met-2024-25-deployments",
        include_str!("../../scenarios/met-2024-25-deployments.toml"),
    ),
    (
        "uk-national-year",
        include_str!("../../scenarios/uk-national-year.toml"),
    ),
];

/// Files bundled scenarios name (their deployment schedules), by name.
pub const COMPANIONS: &[(&str, &str)] = &[(
    "met-2024-25-deployments.csv",
    include_str!("../../scenarios/met-2024-25-deployments.csv"),
)];

/// The text of a file a bundled scenario names.
pub fn companion(name: &str) -> Option<&'static str> {
    COMPANIONS
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| *text)
}

/// The text of a bundled scenario.
pub fn get(name: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(bundled, _)| *bundled == name)
        .map(|(_, text)| *text)
}

/// The names of all bundled scenarios.
pub fn names() -> Vec<&'static str> {
    BUNDLED.iter().map(|(name, _)| *name).collect()
}

/// Every bundled scenario's name and one-line description (its
/// `simulation.description`), for `survsim scenarios`.
pub fn descriptions() -> Vec<(&'static str, String)> {
    BUNDLED
        .iter()
        .map(|(name, text)| {
            let description = toml::from_str::<toml::Table>(text)
                .ok()
                .and_then(|table| {
                    table
                        .get("simulation")?
                        .get("description")?
                        .as_str()
                        .map(|text| text.lines().next().unwrap_or_default().to_string())
                })
                .unwrap_or_default();
            (*name, description)
        })
        .collect()
}

#[cfg(test)]
mod citations {
    /// A bundled file's text reaches users (`check`, the HTML report's
    /// assumptions): its sources read as citations, never as notes or
    /// paths a reader cannot follow.
    #[test]
    fn bundled_texts_cite_no_internal_notes_or_paths() {
        let texts = super::BUNDLED
            .iter()
            .chain(crate::spec::profiles::PROFILES.iter());
        for (name, text) in texts {
            for bad in [
                "shared/",
                "survsim issue",
                "/work/",
                "../",
                "not yet checked",
            ] {
                assert!(!text.contains(bad), "{name} says {bad:?}");
            }
        }
    }
}
