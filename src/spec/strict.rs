//! Tables must be tables: a deserializer for parsed TOML that refuses an
//! array (or any other value) where the schema expects a table.
//!
//! serde's derived structs also accept a sequence and read its elements by
//! position, and `toml::Value` hands arrays to them as sequences, so
//! `review = []` or `watchlist = [7]` would be read as a `[review]` or
//! `[watchlist]` table with defaults or fields taken in order. [`Strict`]
//! behaves like `toml::Value`'s own deserializer except that a struct or map
//! is only ever read from a table: one mechanism for every table of the
//! schema, present and future, with no list of table keys to keep in step.
//! Likewise a string is only ever read from a string, not from a TOML
//! date-time.

use serde::de::{self, IntoDeserializer, Visitor};
use toml::Value;

type Error = toml::de::Error;

/// A parsed TOML value to deserialize, reading structs and maps only from tables.
pub struct Strict(pub Value);

/// The kind of a TOML value, with its article, for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "a whole number",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

impl Strict {
    fn table<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Table(_) => self.deserialize_any_value(visitor),
            other => Err(de::Error::custom(format!(
                "expected a table, got {}",
                kind(&other)
            ))),
        }
    }

    fn deserialize_any_value<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Boolean(boolean) => visitor.visit_bool(boolean),
            Value::Integer(number) => visitor.visit_i64(number),
            Value::Float(number) => visitor.visit_f64(number),
            Value::String(text) => visitor.visit_string(text),
            Value::Datetime(time) => visitor.visit_string(time.to_string()),
            Value::Array(items) => {
                let len = items.len();
                let mut seq = Seq(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                if seq.0.len() == 0 {
                    Ok(value)
                } else {
                    Err(de::Error::invalid_length(len, &"fewer elements in array"))
                }
            }
            Value::Table(table) => {
                let len = table.len();
                let mut map = Map {
                    entries: table.into_iter(),
                    value: None,
                };
                let value = visitor.visit_map(&mut map)?;
                if map.entries.len() == 0 {
                    Ok(value)
                } else {
                    Err(de::Error::invalid_length(len, &"fewer elements in table"))
                }
            }
        }
    }
}

impl<'de> de::Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any_value(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.table(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.table(visitor)
    }

    // No key of the schema is a date-time: dates and clock times are
    // strings. Read as text, `name = 1979-05-27T07:32:00Z` would be taken
    // for a name.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            // "a string" reads "a string in quotes" once errors are put in
            // the user's words (`parse::humane_serde_message`).
            Value::Datetime(_) => Err(de::Error::custom("expected a string, got a date-time")),
            other => Strict(other).deserialize_any_value(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    // A key that is present is `Some`; absent keys never reach here.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    // The schema's externally tagged enums are all unit variants named by a
    // string; anything else is refused by the enum's own visitor.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(variant.into_deserializer()),
            Value::Datetime(_) => Err(de::Error::custom("expected a string, got a date-time")),
            other => Strict(other).deserialize_any_value(visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool u8 u16 u32 u64 u128 i8 i16 i32 i64 i128 f32 f64 char unit
        seq bytes byte_buf unit_struct tuple_struct tuple ignored_any identifier
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> de::SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Strict(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Map {
    entries: <toml::Table as IntoIterator>::IntoIter,
    value: Option<Value>,
}

impl<'de> de::MapAccess<'de> for Map {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Strict(Value::String(key))).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("value is missing"))?;
        seed.deserialize(Strict(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ReviewSection, WatchlistSection};
    use serde::Deserialize;

    fn value(text: &str) -> Value {
        toml::from_str::<toml::Table>(&format!("v = {text}")).unwrap()["v"].clone()
    }

    #[test]
    fn structs_and_maps_are_read_only_from_tables() {
        for text in ["[]", "[7]", "[1, \"30s\", 0.9, 0.1]", "7", "\"x\""] {
            let err = ReviewSection::deserialize(Strict(value(text))).unwrap_err();
            assert!(
                err.message().starts_with("expected a table, got "),
                "{text}: {err}"
            );
        }
        let err = WatchlistSection::deserialize(Strict(value("[7]"))).unwrap_err();
        assert_eq!(err.message(), "expected a table, got an array");
        let err = std::collections::BTreeMap::<String, f64>::deserialize(Strict(value("[]")))
            .unwrap_err();
        assert_eq!(err.message(), "expected a table, got an array");
        // A date-time is not a string (nor a name of an enum's variant).
        let err = String::deserialize(Strict(value("1979-05-27T07:32:00Z"))).unwrap_err();
        assert_eq!(err.message(), "expected a string, got a date-time");
        let ok = WatchlistSection::deserialize(Strict(value("{ size = 7 }"))).unwrap();
        assert_eq!(ok.size, 7);
        // Arrays are still arrays, and fixed-length ones are checked.
        let numbers = Vec::<f64>::deserialize(Strict(value("[1, 2.5]"))).unwrap();
        assert_eq!(numbers, [1.0, 2.5]);
        assert!(<[f64; 2]>::deserialize(Strict(value("[1, 2, 3]"))).is_err());
    }
}
