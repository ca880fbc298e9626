// SPDX-License-Identifier: GPL-2.0

//! Strict parsing of integers written to sysfs.
//!
//! Accepted: ASCII decimal digits, a leading `-` for signed values, and one
//! optional trailing newline (what `echo` adds).  Anything else (spaces,
//! `+`, hex, an empty string, a value that does not fit) is rejected: a knob
//! write is either exactly understood or refused.

/// Why a written value is not an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but an optional newline was written.
    Empty,
    /// A character other than a decimal digit (or a leading `-`).
    NotDecimal,
    /// The value does not fit in 64 bits.
    Overflow,
}

impl ParseError {
    /// A short human-readable reason, for the kernel log.
    pub const fn reason(self) -> &'static str {
        match self {
            ParseError::Empty => "empty value",
            ParseError::NotDecimal => "not a decimal integer",
            ParseError::Overflow => "value too large",
        }
    }
}

/// Strips exactly one trailing newline, if there is one.
fn strip_newline(input: &[u8]) -> &[u8] {
    match input.split_last() {
        Some((b'\n', rest)) => rest,
        _ => input,
    }
}

/// Parses the magnitude: decimal digits only, at least one.
fn parse_digits(digits: &[u8]) -> Result<u64, ParseError> {
    if digits.is_empty() {
        return Err(ParseError::NotDecimal);
    }
    let mut value: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(ParseError::NotDecimal);
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(c - b'0')))
            .ok_or(ParseError::Overflow)?;
    }
    Ok(value)
}

/// Parses a signed decimal integer written to a sysfs file.
///
/// # Examples
///
/// ```
/// use kmmscand_policy::parse::{parse_i64, ParseError};
/// assert_eq!(parse_i64(b"-1\n"), Ok(-1));
/// assert_eq!(parse_i64(b" 1"), Err(ParseError::NotDecimal));
/// ```
pub fn parse_i64(input: &[u8]) -> Result<i64, ParseError> {
    let s = strip_newline(input);
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    match s.split_first() {
        Some((b'-', digits)) => {
            let magnitude = parse_digits(digits)?;
            // "-0" is not how anyone writes zero: refuse it like any other
            // odd spelling.
            if magnitude == 0 {
                return Err(ParseError::NotDecimal);
            }
            if magnitude > i64::MAX as u64 + 1 {
                return Err(ParseError::Overflow);
            }
            Ok((magnitude as i64).wrapping_neg())
        }
        _ => {
            let magnitude = parse_digits(s)?;
            i64::try_from(magnitude).map_err(|_| ParseError::Overflow)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_and_newline_terminated_decimal() {
        assert_eq!(parse_i64(b"0"), Ok(0));
        assert_eq!(parse_i64(b"42\n"), Ok(42));
        assert_eq!(parse_i64(b"007"), Ok(7));
        assert_eq!(parse_i64(b"-1\n"), Ok(-1));
    }

    #[test]
    fn rejects_empty_input() {
        assert_eq!(parse_i64(b""), Err(ParseError::Empty));
        assert_eq!(parse_i64(b"\n"), Err(ParseError::Empty));
    }

    #[test]
    fn rejects_junk_spaces_signs_and_hex() {
        for junk in [
            &b"abc"[..],
            b"1a",
            b" 1",
            b"1 ",
            b"+1",
            b"0x10",
            b"-",
            b"--1",
            b"1\n\n",
            b"1.5",
            b"1\0",
            b"-0",
            b"-00\n",
            b"\t1",
            b"1\r\n",
        ] {
            assert_eq!(parse_i64(junk), Err(ParseError::NotDecimal), "{:?}", junk);
        }
    }

    #[test]
    fn rejects_overflow_but_accepts_the_extremes() {
        assert_eq!(parse_i64(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775808"), Err(ParseError::Overflow));
        assert_eq!(
            parse_i64(b"-9223372036854775809"),
            Err(ParseError::Overflow)
        );
        assert_eq!(
            parse_i64(b"99999999999999999999999"),
            Err(ParseError::Overflow)
        );
    }
}
