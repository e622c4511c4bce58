//! `--set key.path=value`: change any scenario value from the command line.
//!
//! The path uses dots between keys and either `[n]`, `.n` or a `name` to pick
//! an element of an array of tables: `sites[0].capture_share`,
//! `sites.0.capture_share` and `sites.station.capture_share` are the same key
//! when the first site is named `station`. The value is typed as TOML would
//! type it (`0.62`, `1000`, `"24h"`, `[1, 2]`); a value that is not valid TOML
//! is taken as a string, so `--set simulation.duration=12h` works unquoted.
//!
//! A key given without its table gets its full path as a hint
//! (`threshold=0.6` → `matcher.threshold`), and a value given to a whole
//! table the key it most likely meant (`watchlist=20000` →
//! `watchlist.size`), from the keys the bundled scenarios and matcher
//! profiles write ([`Override::known_keys`], which completions offer too).

use crate::error::{InputError, KeyPath};
use std::str::FromStr;
use std::sync::OnceLock;

/// The longest key path `--set` accepts, in bytes.
pub const MAX_KEY_BYTES: usize = 4096;
/// The most keys and indices a `--set` path may have.
pub const MAX_KEY_SEGMENTS: usize = 64;

/// One `key.path=value` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The flag it was given with: `--set`, or `--vary` for a sweep's grid
    /// values. Errors name it.
    pub flag: &'static str,
    /// As given on the command line.
    pub raw: String,
    /// Parsed path (array elements chosen by name are resolved when applied).
    pub path: Vec<String>,
    /// The value.
    pub value: toml::Value,
}

impl FromStr for Override {
    type Err = InputError;

    /// Parses a `--set` override.
    fn from_str(raw: &str) -> Result<Self, InputError> {
        Override::parse("--set", raw)
    }
}

impl Override {
    /// Parses `key.path=value`, given with `flag`.
    pub fn parse(flag: &'static str, raw: &str) -> Result<Self, InputError> {
        let bad = |msg: &str| InputError::whole(format!("{flag} {}", abbreviate(raw)), msg);
        let (key, value) = raw
            .split_once('=')
            .ok_or_else(|| bad("expected key.path=value, e.g. matcher.threshold=0.62"))?;
        // Scenario keys are a few levels deep; a bound keeps hostile paths
        // from exhausting the stack when the nested tables are built.
        if key.len() > MAX_KEY_BYTES {
            return Err(bad(&format!(
                "expected a key path of at most {MAX_KEY_BYTES} bytes, got {}",
                key.len()
            )));
        }
        let mut path = Vec::new();
        for part in key.trim().split('.') {
            // `sites[2]` → `sites`, `2`
            let (name, rest) = part.split_once('[').unwrap_or((part, ""));
            if name.is_empty() {
                return Err(bad("empty key in the path"));
            }
            path.push(name.to_string());
            for bracket in rest.split('[').filter(|bracket| !bracket.is_empty()) {
                let index = bracket
                    .strip_suffix(']')
                    .filter(|index| index.parse::<usize>().is_ok())
                    .ok_or_else(|| bad("an array index must look like [0]"))?;
                path.push(index.to_string());
            }
        }
        if path.len() > MAX_KEY_SEGMENTS {
            return Err(bad(&format!(
                "expected a key path of at most {MAX_KEY_SEGMENTS} keys, got {}",
                path.len()
            )));
        }
        Ok(Override {
            flag,
            raw: raw.to_string(),
            path,
            value: parse_value(value.trim()),
        })
    }

    /// The flag and its argument, as errors name them: `--set key=value`.
    pub fn label(&self) -> String {
        format!("{} {}", self.flag, self.raw)
    }

    /// Every key path the bundled scenarios and matcher profiles write,
    /// as `--set` takes it (an array of tables' elements as `[0]`), in the
    /// order written, the default scenario's first: the keys a user is
    /// most likely to set.
    pub fn known_keys() -> impl Iterator<Item = &'static str> {
        known().iter().map(|k| k.path.as_str())
    }

    /// Why a one-key path is misplaced, with the key it most likely meant:
    /// a value given to a table (`watchlist=20000`), or a key that is not
    /// at the top but is a leaf somewhere (`threshold=0.6`). `None` when
    /// the path is fine, or when nothing better than the deserializer's
    /// own "unknown key" can be said.
    fn misplaced(&self, table: &toml::Table) -> Option<String> {
        let [key] = self.path.as_slice() else {
            return None;
        };
        let under = |k: &KnownKey| k.path.starts_with(&format!("{key}."));
        let is_table = table.get(key).is_some_and(toml::Value::is_table)
            || (table.get(key).is_none() && known().iter().any(under));
        // (An array in a table's place is the deserializer's to refuse.)
        if is_table && !self.value.is_table() && !self.value.is_array() {
            let kind = Kind::of(&self.value);
            let got = match &self.value {
                toml::Value::Integer(_) => "a whole number",
                toml::Value::Float(_) => "a number",
                toml::Value::String(_) => "a string",
                toml::Value::Boolean(_) => "a boolean",
                _ => "a value",
            };
            let children: Vec<&str> = known()
                .iter()
                .filter(|k| under(k) && !k.path[key.len() + 1..].contains(['.', '[']))
                .filter(|k| k.kind != Kind::Table)
                .map(|k| k.path.as_str())
                .collect();
            // Numbers only: a number given to a table means its first
            // number (the list's size, the matcher's threshold); a string
            // could be any of a table's names, durations or choices.
            let meant = known().iter().find(|k| {
                children.contains(&k.path.as_str()) && kind == Kind::Number && k.kind == kind
            });
            return Some(match meant {
                Some(k) => format!(
                    "expected a table, got {got}: `{key}` is a table of settings, not one \
                     value (did you mean `{}`?)",
                    k.path
                ),
                None => format!(
                    "expected a table, got {got}: `{key}` is a table of settings, not one \
                     value; set one of its keys, e.g. {}",
                    children
                        .iter()
                        .take(5)
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        let top =
            |k: &KnownKey| k.path == *key || under(k) || k.path.starts_with(&format!("{key}["));
        if table.contains_key(key) || known().iter().any(top) {
            return None;
        }
        let path = leaf_path(key)?;
        Some(format!(
            "unknown key `{key}` at the top of the scenario (did you mean `{path}`?); a key \
             is given with the tables above it: --set {path}={}",
            self.raw.split_once('=').map_or("", |(_, v)| v.trim())
        ))
    }
}

/// The kind of a value, as far as a hint needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Table,
    Other,
}

impl Kind {
    fn of(value: &toml::Value) -> Kind {
        match value {
            toml::Value::Integer(_) | toml::Value::Float(_) => Kind::Number,
            toml::Value::Table(_) => Kind::Table,
            _ => Kind::Other,
        }
    }
}

/// A key path a bundled file writes, and the kind of its value.
#[derive(Debug)]
struct KnownKey {
    path: String,
    kind: Kind,
}

/// The bundled scenarios' and matcher profiles' key paths ([`Override::known_keys`]).
fn known() -> &'static [KnownKey] {
    static KNOWN: OnceLock<Vec<KnownKey>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let scenarios = super::bundled::BUNDLED.iter().map(|(_, text)| ("", *text));
        let profiles = super::profiles::PROFILES
            .iter()
            .map(|(_, text)| ("matcher.", *text));
        let mut keys: Vec<KnownKey> = Vec::new();
        for (prefix, text) in scenarios.chain(profiles) {
            let Some(annotated) = super::comments::annotate(text) else {
                continue;
            };
            for entry in annotated.entries {
                let path = first_elements(&format!("{prefix}{}", entry.key));
                let kind = match &entry.value {
                    None => Kind::Table,
                    Some(v) => Kind::of(&parse_value(v)),
                };
                if !keys.iter().any(|k| k.path == path) {
                    keys.push(KnownKey { path, kind });
                }
            }
        }
        keys
    })
}

/// `sites[3].name` → `sites[0].name`: one path for every element.
fn first_elements(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[0");
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// The full path of a leaf given without its tables: the one known path,
/// outside arrays of tables, whose last key is `word` — or failing that,
/// the one whose last key is the [`crate::error::closest`] to it. `None`
/// when there is none, or several (`name`).
fn leaf_path(word: &str) -> Option<&'static str> {
    let leaves: Vec<(&str, &'static str)> = known()
        .iter()
        .filter(|k| k.kind != Kind::Table && !k.path.contains('['))
        .filter_map(|k| Some((k.path.rsplit_once('.')?.1, k.path.as_str())))
        .collect();
    let named = |name: &str| -> Vec<&'static str> {
        leaves
            .iter()
            .filter(|(l, _)| *l == name)
            .map(|(_, p)| *p)
            .collect()
    };
    let mut paths = named(word);
    if paths.is_empty() {
        paths = named(crate::error::closest(word, leaves.iter().map(|(l, _)| *l))?);
    }
    match paths.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The `--set`s to name in an error about the key at `path`, given each
/// one's label and the key path it owns ([`Override::apply`]): the last
/// that wrote the key or a table above it; otherwise, for an error about a
/// table or array as a whole (the sites' total faces, say), every one that
/// wrote inside it, in order, since their values are part of what is
/// refused. `None` when the file alone is at fault.
pub fn blamed(owned: &[(String, KeyPath)], path: &KeyPath) -> Option<String> {
    let starts = |longer: &KeyPath, shorter: &KeyPath| longer.0.starts_with(&shorter.0);
    if let Some((label, _)) = owned.iter().rev().find(|(_, set)| starts(path, set)) {
        return Some(label.clone());
    }
    if path.0.is_empty() {
        return None;
    }
    let inside: Vec<&str> = owned
        .iter()
        .filter(|(_, set)| starts(set, path))
        .map(|(label, _)| label.as_str())
        .collect();
    (!inside.is_empty()).then(|| inside.join(", "))
}

/// `text` cut to its first 80 characters, for error messages.
fn abbreviate(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn parse_value(text: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {text}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

impl Override {
    /// Writes the value into `table`, creating missing tables on the way (a
    /// key that the schema does not know is caught when the result is
    /// deserialized), and returns the key path it owns: the path it resolved
    /// to, cut after the first table it had to create (so an error about an
    /// unknown key it created is blamed on it, not on the file). An index
    /// past the end of an array, or a name that no element has, is an error
    /// here.
    pub fn apply(&self, table: &mut toml::Table) -> Result<KeyPath, InputError> {
        if let Some(message) = self.misplaced(table) {
            return Err(InputError {
                source_name: self.label(),
                key_path: Some(self.path[0].clone()),
                line_col: None,
                message,
            });
        }
        let mut resolved = KeyPath::default();
        let mut created = None;
        set_in_table(
            table,
            &self.path,
            self.value.clone(),
            &mut resolved,
            &mut created,
        )
        .map_err(|message| InputError {
            source_name: self.label(),
            key_path: Some(
                self.raw
                    .split_once('=')
                    .map_or(&*self.raw, |(key, _)| key)
                    .trim()
                    .to_string(),
            ),
            line_col: None,
            message,
        })?;
        if let Some(depth) = created {
            resolved.0.truncate(depth);
        }
        Ok(resolved)
    }
}

fn set_in_table(
    table: &mut toml::Table,
    path: &[String],
    value: toml::Value,
    resolved: &mut KeyPath,
    created: &mut Option<usize>,
) -> Result<(), String> {
    let (first, rest) = path.split_first().expect("paths are never empty");
    *resolved = resolved.key(first);
    if rest.is_empty() {
        table.insert(first.clone(), value);
        return Ok(());
    }
    let child = table.entry(first.clone()).or_insert_with(|| {
        created.get_or_insert(resolved.0.len());
        toml::Value::Table(toml::Table::new())
    });
    set_in_value(child, rest, value, resolved, created)
}

fn set_in_value(
    target: &mut toml::Value,
    path: &[String],
    value: toml::Value,
    resolved: &mut KeyPath,
    created: &mut Option<usize>,
) -> Result<(), String> {
    match target {
        toml::Value::Table(table) => set_in_table(table, path, value, resolved, created),
        toml::Value::Array(items) => {
            let segment = &path[0];
            let named = |item: &toml::Value| {
                item.get("name").and_then(|name| name.as_str()) == Some(segment.as_str())
            };
            let position = segment
                .parse::<usize>()
                .ok()
                .or_else(|| items.iter().position(named));
            let index = position
                .filter(|&index| index < items.len())
                .ok_or_else(|| {
                    let names = items
                        .iter()
                        .filter_map(|item| item.get("name").and_then(|name| name.as_str()));
                    format!(
                        "`{segment}` is neither an index below {} nor the name of an element of `{resolved}`{}",
                        items.len(),
                        crate::error::did_you_mean(segment, names)
                    )
                })?;
            *resolved = resolved.index(index);
            if path.len() == 1 {
                items[index] = value;
                Ok(())
            } else {
                set_in_value(&mut items[index], &path[1..], value, resolved, created)
            }
        }
        _ => Err(format!("`{resolved}` is a value, not a table")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn values_are_typed_like_toml() {
        let set: Override = "matcher.threshold=0.62".parse().unwrap();
        assert_eq!(set.value, toml::Value::Float(0.62));
        let set: Override = "watchlist.size=1000".parse().unwrap();
        assert_eq!(set.value, toml::Value::Integer(1000));
        let set: Override = "simulation.duration=12h".parse().unwrap();
        assert_eq!(set.value, toml::Value::String("12h".into()));
    }

    #[test]
    fn sets_by_index_or_name_and_rejects_missing_elements() {
        let mut scenario = table("[[sites]]\nname = \"a\"\n[[sites]]\nname = \"b\"\n");
        "sites[1].cameras=3"
            .parse::<Override>()
            .unwrap()
            .apply(&mut scenario)
            .unwrap();
        "sites.a.cameras=5"
            .parse::<Override>()
            .unwrap()
            .apply(&mut scenario)
            .unwrap();
        assert_eq!(scenario["sites"][1]["cameras"].as_integer(), Some(3));
        assert_eq!(scenario["sites"][0]["cameras"].as_integer(), Some(5));
        // A path through tables it creates is owned from the first of them.
        let owned = "sites.a.x.y=1"
            .parse::<Override>()
            .unwrap()
            .apply(&mut scenario)
            .unwrap();
        assert_eq!(owned, KeyPath::keys(&["sites"]).index(0).key("x"));
        let bad: Override = "sites.zz.cameras=1".parse().unwrap();
        assert!(bad.apply(&mut scenario).is_err());
        // The table survives a failed override.
        assert_eq!(scenario["sites"][0]["cameras"].as_integer(), Some(5));
    }

    #[test]
    fn a_key_without_its_table_gets_its_full_path() {
        let hint = |raw: &str| {
            let mut t = table("[watchlist]\nsize = 5\n");
            raw.parse::<Override>()
                .unwrap()
                .apply(&mut t)
                .unwrap_err()
                .message
        };
        assert!(hint("threshold=0.6").contains("did you mean `matcher.threshold`?"));
        assert!(hint("threshold=0.6").contains("--set matcher.threshold=0.6"));
        assert!(hint("residents=1000").contains("did you mean `population.residents`?"));
        assert!(hint("watchlist=20000").contains("did you mean `watchlist.size`?"));
        assert!(hint("review=3").contains("did you mean `review.operators`?"));
        // A string says which keys the table has, rather than guess.
        let simulation = hint("simulation=12h");
        assert!(simulation.contains("`simulation.duration`"), "{simulation}");
        assert!(!simulation.contains("did you mean"), "{simulation}");
        // Near misses of a leaf, too; but nothing for a stranger, or for a
        // leaf of many tables.
        assert!(hint("treshold=0.6").contains("`matcher.threshold`"));
        let mut t = table("");
        assert!(hint("name=\"x\"").contains("`simulation.name`"));
        for fine in [
            "nonsense=1",
            "mean=3",
            "matcher.threshold=0.6",
            "deployments_file=\"a.csv\"",
        ] {
            let set: Override = fine.parse().unwrap();
            assert!(set.misplaced(&t).is_none(), "{fine}");
        }
        assert!(
            "watchlist.size=3"
                .parse::<Override>()
                .unwrap()
                .apply(&mut t)
                .is_ok()
        );
        assert!(Override::known_keys().any(|k| k == "sites[0].footfall_per_hour"));
        assert_eq!(first_elements("a[12].b[3]"), "a[0].b[0]");
    }

    #[test]
    fn errors_name_the_sets_that_wrote_the_key_or_inside_it() {
        let sites = KeyPath::keys(&["sites"]);
        let owned = vec![
            ("--set a=1".to_string(), KeyPath::keys(&["a"])),
            ("--set sites.0.x=1".to_string(), sites.index(0).key("x")),
            ("--set sites.1.x=2".to_string(), sites.index(1).key("x")),
        ];
        // The key itself, or a table above it.
        assert_eq!(
            blamed(&owned, &sites.index(1).key("x")).as_deref(),
            Some("--set sites.1.x=2")
        );
        assert_eq!(
            blamed(&owned, &KeyPath::keys(&["a", "b"])).as_deref(),
            Some("--set a=1")
        );
        // A whole the sets wrote inside.
        assert_eq!(
            blamed(&owned, &sites).as_deref(),
            Some("--set sites.0.x=1, --set sites.1.x=2")
        );
        assert_eq!(blamed(&owned, &sites.index(2)), None);
        assert_eq!(blamed(&owned, &KeyPath::default()), None);
    }
}
