// SPDX-License-Identifier: GPL-2.0

//! Which processes kmmscand promotes for, by memory cgroup
//! (`/sys/kernel/mm/kmmscand/cgroup_scope`), and the cap on a named
//! cgroup's top-tier memory (`cgroup_toptier_max_mb`).
//!
//! The knob reads `MODE` or `MODE PATH[,PATH...]`:
//!
//! - `all`: every process (the default); the paths, if any, are only
//!   counted (`cgroup_stats`) and capped;
//! - `only PATHS`: the processes whose memory cgroup is one of the paths
//!   or below one of them; the others are not scanned at all;
//! - `never PATHS`: every process except those.
//!
//! A path is a cgroup v2 path from the root of the cgroup hierarchy, as
//! `/proc/PID/cgroup` shows it: it starts with `/`, has no empty, `.` or
//! `..` component, no `,`, whitespace or control character (the list and
//! line separators), and is UTF-8.  The root `/` names every process.  This module
//! checks the text; the module looks the paths up (a path that does not
//! exist is refused with `-EINVAL`).

/// The scope mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every process; named cgroups are counted and capped.
    All,
    /// Only the processes in the named cgroups.
    Only,
    /// Every process except those in the named cgroups.
    Never,
}

impl Mode {
    /// The word sysfs shows and accepts.
    pub const fn name(self) -> &'static str {
        match self {
            Mode::All => "all",
            Mode::Only => "only",
            Mode::Never => "never",
        }
    }
}

/// Most cgroups one write may name.
pub const MAX_CGROUPS: usize = 8;

/// Longest path accepted, in bytes (`PATH_MAX` would allow more; a cgroup
/// path longer than this is not a name an operator types).
pub const MAX_PATH: usize = 255;

/// Why a `cgroup_scope` write is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeError {
    /// The first word is not `all`, `only` or `never`.
    Mode,
    /// `only` or `never` without a path.
    NoPath,
    /// A path does not start with `/`, or has an empty, `.` or `..`
    /// component, a whitespace or control character, or is too long.
    BadPath,
    /// More than [`MAX_CGROUPS`] paths.
    TooMany,
    /// A path named twice.
    Duplicate,
}

impl ScopeError {
    /// A short human-readable reason, for the kernel log.
    pub const fn reason(self) -> &'static str {
        match self {
            ScopeError::Mode => "must start with all, only or never",
            ScopeError::NoPath => "only and never need at least one cgroup path",
            ScopeError::BadPath => {
                "a cgroup path starts with /, has no empty, . or .. component, no comma or whitespace, is UTF-8 and at most 255 bytes"
            }
            ScopeError::TooMany => "at most 8 cgroup paths",
            ScopeError::Duplicate => "a cgroup path is named twice",
        }
    }
}

/// A parsed write: the mode and the paths (slices of the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeText<'a> {
    /// The mode.
    pub mode: Mode,
    /// The paths, in the order written; `nr` of them are set.
    pub paths: [&'a [u8]; MAX_CGROUPS],
    /// How many paths were written.
    pub nr: usize,
}

impl<'a> ScopeText<'a> {
    /// The paths written.
    pub fn paths(&self) -> &[&'a [u8]] {
        &self.paths[..self.nr]
    }
}

/// Whether `path` is an acceptable cgroup path.
fn valid_path(path: &[u8]) -> bool {
    if path.len() > MAX_PATH || path.first() != Some(&b'/') || core::str::from_utf8(path).is_err() {
        return false;
    }
    if path == b"/" {
        return true;
    }
    if path
        .iter()
        .any(|&b| b == b',' || b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return false;
    }
    path[1..]
        .split(|&b| b == b'/')
        .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// Parses a write to `cgroup_scope`: one line, an optional trailing
/// newline, exactly one space between the mode and the list.
pub fn parse(input: &[u8]) -> Result<ScopeText<'_>, ScopeError> {
    let line = match input.split_last() {
        Some((b'\n', rest)) => rest,
        _ => input,
    };
    let (word, rest) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (&line[..i], Some(&line[i + 1..])),
        None => (line, None),
    };
    let mode = match word {
        b"all" => Mode::All,
        b"only" => Mode::Only,
        b"never" => Mode::Never,
        _ => return Err(ScopeError::Mode),
    };
    let mut out = ScopeText {
        mode,
        paths: [&[]; MAX_CGROUPS],
        nr: 0,
    };
    if let Some(list) = rest {
        for path in list.split(|&b| b == b',') {
            if !valid_path(path) {
                return Err(ScopeError::BadPath);
            }
            if out.paths().contains(&path) {
                return Err(ScopeError::Duplicate);
            }
            if out.nr == MAX_CGROUPS {
                return Err(ScopeError::TooMany);
            }
            out.paths[out.nr] = path;
            out.nr += 1;
        }
    }
    if mode != Mode::All && out.nr == 0 {
        return Err(ScopeError::NoPath);
    }
    Ok(out)
}

/// Whether a process is promoted for under `mode`, given whether its memory
/// cgroup is (below) one of the named cgroups.
pub fn admits(mode: Mode, named: bool) -> bool {
    match mode {
        Mode::All => true,
        Mode::Only => named,
        Mode::Never => !named,
    }
}

/// Pages a named cgroup may still gain by promotion: what its top-tier
/// memory (`toptier_pages`) leaves below the cap of `cap_mb` MiB
/// (`cgroup_toptier_max_mb`; 0 = no cap, `None`).  `page_shift` is the
/// base page size's log2.
pub fn cap_allowance(cap_mb: u32, toptier_pages: u64, page_shift: u32) -> Option<u64> {
    if cap_mb == 0 {
        return None;
    }
    let cap_pages = u64::from(cap_mb) << (20 - page_shift.min(20));
    Some(cap_pages.saturating_sub(toptier_pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths<'a>(t: &ScopeText<'a>) -> std::vec::Vec<&'a [u8]> {
        t.paths().to_vec()
    }

    #[test]
    fn modes_and_lists_parse() {
        let t = parse(b"all\n").unwrap();
        assert_eq!((t.mode, t.nr), (Mode::All, 0));
        let t = parse(b"only /a,/b/c\n").unwrap();
        assert_eq!(t.mode, Mode::Only);
        assert_eq!(paths(&t), [&b"/a"[..], b"/b/c"]);
        let t = parse(b"never /").unwrap();
        assert_eq!((t.mode, paths(&t)), (Mode::Never, std::vec![&b"/"[..]]));
        let t = parse(b"all /x").unwrap();
        assert_eq!((t.mode, t.nr), (Mode::All, 1));
    }

    #[test]
    fn junk_is_refused_with_the_reason() {
        for (input, e) in [
            (&b""[..], ScopeError::Mode),
            (b"\n", ScopeError::Mode),
            (b" ", ScopeError::Mode),
            (b"-0", ScopeError::Mode),
            (b"1", ScopeError::Mode),
            (b"ALL", ScopeError::Mode),
            (b" all", ScopeError::Mode),
            (b"only", ScopeError::NoPath),
            (b"never\n", ScopeError::NoPath),
            (b"all ", ScopeError::BadPath),
            (b"only  /a", ScopeError::BadPath),
            (b"only /a ", ScopeError::BadPath),
            (b"only a", ScopeError::BadPath),
            (b"only /a,", ScopeError::BadPath),
            (b"only /a,,/b", ScopeError::BadPath),
            (b"only //a", ScopeError::BadPath),
            (b"only /a/", ScopeError::BadPath),
            (b"only /a/../b", ScopeError::BadPath),
            (b"only /./a", ScopeError::BadPath),
            (b"only /a\tb", ScopeError::BadPath),
            (b"only /a\n\n", ScopeError::BadPath),
            (b"only /a\0", ScopeError::BadPath),
            (b"only /a\xff", ScopeError::BadPath),
            (b"only /a,/a", ScopeError::Duplicate),
            (b"only /1,/2,/3,/4,/5,/6,/7,/8,/9", ScopeError::TooMany),
        ] {
            assert_eq!(parse(input), Err(e), "{:?}", core::str::from_utf8(input));
        }
        let long = std::format!("only /{}", "x".repeat(MAX_PATH));
        assert_eq!(parse(long.as_bytes()), Err(ScopeError::BadPath));
        let longest = std::format!("only /{}", "x".repeat(MAX_PATH - 1));
        assert!(parse(longest.as_bytes()).is_ok());
        assert!(parse(b"only /1,/2,/3,/4,/5,/6,/7,/8").is_ok());
    }

    #[test]
    fn only_and_never_are_opposites_all_admits_everyone() {
        for named in [false, true] {
            assert!(admits(Mode::All, named));
            assert_eq!(admits(Mode::Only, named), named);
            assert_eq!(admits(Mode::Never, named), !named);
        }
    }

    #[test]
    fn the_cap_leaves_what_is_below_it() {
        assert_eq!(cap_allowance(0, 123, 12), None);
        // 4 MiB = 1024 pages of 4 KiB.
        assert_eq!(cap_allowance(4, 0, 12), Some(1024));
        assert_eq!(cap_allowance(4, 1000, 12), Some(24));
        assert_eq!(cap_allowance(4, 1024, 12), Some(0));
        assert_eq!(cap_allowance(4, 5000, 12), Some(0));
        // The largest cap does not overflow.
        assert_eq!(
            cap_allowance(u32::MAX, 0, 12),
            Some(u64::from(u32::MAX) << 8)
        );
    }
}
