//! Text in a chart without font metrics: a conservative width estimate, and
//! wrapping to a width, so that no label runs outside the picture however
//! long a key or value is.

/// Estimated advance of one character, in ems. Helvetica's and Arial's
/// widest common glyphs (digits, most capitals) are 0.56–0.67 em and DejaVu
/// Sans' digits 0.64 em; bold text is counted 10 % wider.
const EM_PER_CHAR: f64 = 0.62;

/// Estimated width of `s` at `font_size` px.
pub(super) fn width(s: &str, font_size: f64, bold: bool) -> f64 {
    let w = s.chars().count() as f64 * EM_PER_CHAR * font_size;
    if bold { w * 1.1 } else { w }
}

/// `s` as lines at most `max_width` px wide: broken at spaces, and a word
/// wider than a line (a long key) after a `.`, `_`, `,`, `=`, `/` or `-`
/// in it, or anywhere as a last resort. Never loses a character.
pub(super) fn wrap(s: &str, font_size: f64, bold: bool, max_width: f64) -> Vec<String> {
    let per_char = width("x", font_size, bold);
    // At least one character a line; an unbounded width is one line.
    let max_chars = (max_width / per_char).floor().clamp(1.0, usize::MAX as f64) as usize;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let joined = line.chars().count() + 1 + word.chars().count();
        if line.is_empty() && word.chars().count() <= max_chars {
            line = word.to_string();
        } else if joined <= max_chars {
            line.push(' ');
            line.push_str(word);
        } else {
            // A word that does not fit starts a line; one longer than a
            // line is cut, its pieces on lines of their own.
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut pieces = split_word(word, max_chars);
            line = pieces.pop().unwrap_or_default();
            lines.extend(pieces);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A word cut into pieces of at most `max_chars`, each ending, where it can,
/// just after a punctuation mark.
fn split_word(word: &str, max_chars: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest: Vec<char> = word.chars().collect();
    while rest.len() > max_chars {
        let cut = rest[..max_chars]
            .iter()
            .rposition(|c| ".,_=/-;".contains(*c))
            .map_or(max_chars, |i| i + 1);
        pieces.push(rest.drain(..cut).collect());
    }
    pieces.push(rest.into_iter().collect());
    pieces
}

/// Escapes text for XML.
pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character_within_the_width() {
        let key = "population.groups[2].fnmr_multiplier_with_a_very_long_name";
        let lines = wrap(&format!("by {key} and more"), 12.0, false, 120.0);
        assert!(lines.len() > 2, "{lines:?}");
        for l in &lines {
            assert!(width(l, 12.0, false) <= 120.0, "{l:?}");
        }
        // Nothing lost, and no space put inside the key.
        assert!(lines.concat().contains(key), "{lines:?}");
        assert_eq!(wrap("short", 12.0, true, 500.0), ["short"]);
        assert_eq!(wrap("", 12.0, false, 500.0), [""]);
        assert_eq!(wrap("a b", 12.0, false, f64::INFINITY), ["a b"]);
    }
}
