//! The W3C `tracestate` header, read as Trace Context Level 2 says: the
//! header's lines are one list, in order; empty members are skipped;
//! OWS around members is not part of them; a list with an invalid member,
//! or with more than 32 members, is discarded whole.
//!
//! What is kept is the list's text as received (members joined with
//! commas), so it can be passed on verbatim: OpenTelemetry's `TraceState`
//! follows an older key grammar and cannot hold every key Level 2 allows.

use opentelemetry::trace::TraceState;

/// List members a `tracestate` may have.
const MAX_MEMBERS: usize = 32;
/// The longest key (Level 2: 256 characters, vendor part included).
const MAX_KEY: usize = 256;
/// The longest value.
const MAX_VALUE: usize = 256;

/// A received `tracestate`: its members as text, and as much of it as
/// OpenTelemetry's `TraceState` can hold (for spans that carry it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Received {
    /// The valid members, joined with `,` in the order received.
    pub(crate) text: String,
    pub(crate) state: TraceState,
}

/// Parses the `tracestate` header lines; `None` when there is nothing
/// valid to keep (no members, or the list is invalid and discarded).
pub(crate) fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<Received> {
    let mut members: Vec<(&str, &str)> = Vec::new();
    for line in lines {
        for member in line.split(',') {
            let member = member.trim_matches([' ', '\t']);
            if member.is_empty() {
                continue;
            }
            let (key, value) = member.split_once('=')?;
            if !valid_key(key) || !valid_value(value) {
                return None;
            }
            members.push((key, value));
            if members.len() > MAX_MEMBERS {
                return None;
            }
        }
    }
    if members.is_empty() {
        return None;
    }
    let text = members
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",");
    // Keys OpenTelemetry's grammar refuses leave the span's own state
    // empty; the text still travels on.
    let state = TraceState::from_key_value(members.iter().copied()).unwrap_or_default();
    Some(Received { text, state })
}

/// Level 2's key: a lowercase letter or digit, then lowercase letters,
/// digits and `_ - * / @`, 256 characters at most.
fn valid_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    bytes.len() <= MAX_KEY
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && bytes.iter().all(|&b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'_' | b'-' | b'*' | b'/' | b'@')
        })
}

/// A value: printable ASCII but `,` and `=`, not ending in a space, and
/// not empty.
fn valid_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_VALUE
        && bytes.last() != Some(&b' ')
        && bytes
            .iter()
            .all(|&b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[&str]) -> Option<String> {
        parse(lines.iter().copied()).map(|received| received.text)
    }

    #[test]
    fn lines_are_one_list_and_ows_and_empty_members_are_dropped() {
        assert_eq!(
            text(&["foo=1 \t , \t bar=2", "", "baz=3"]).as_deref(),
            Some("foo=1,bar=2,baz=3")
        );
        assert_eq!(text(&["", "foo=1"]).as_deref(), Some("foo=1"));
        assert_eq!(text(&[""]), None);
    }

    #[test]
    fn one_invalid_member_discards_the_list() {
        for bad in [
            "foo =1",
            "FOO=1",
            "foo.bar=1",
            "@foo=1,bar=2",
            "foo=bar=baz",
            "foo=,bar=3",
        ] {
            assert_eq!(text(&[bad]), None, "{bad}");
        }
    }

    #[test]
    fn level_2_keys_with_vendors_and_long_keys_are_kept() {
        let long = "z".repeat(256);
        let vendor_long = format!("{}@{}", "t".repeat(241), "v".repeat(14));
        for key in [
            "foo@",
            "foo@@bar",
            "foo@bar@baz",
            "t@vvvvvvvvvvvvvvv",
            &long,
            &vendor_long,
        ] {
            let line = format!("{key}=1,bar=2");
            assert_eq!(text(&[&line]), Some(line.clone()), "{key}");
        }
        assert_eq!(text(&[&format!("{}=1", "z".repeat(257))]), None);
    }

    #[test]
    fn more_than_32_members_are_discarded() {
        let members = |n: usize| {
            (1..=n)
                .map(|i| format!("k{i}={i}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert!(text(&[&members(32)]).is_some());
        assert_eq!(text(&[&members(33)]), None);
    }

    #[test]
    fn keys_opentelemetry_refuses_travel_as_text() {
        let received = parse(["foo@@bar=1"]).unwrap();
        assert_eq!(received.text, "foo@@bar=1");
        assert_eq!(received.state, TraceState::NONE);
        let plain = parse(["foo=1,bar=2"]).unwrap();
        assert_eq!(plain.state.header(), "foo=1,bar=2");
    }
}
