// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/mm/kmmscand/`: the knobs and the read-only status files.
//!
//! The knobs, their ranges and their rules are in `policy::knobs`; this
//! file turns a sysfs read or write into a call there.  A refused write
//! returns `-EINVAL`, leaves every value unchanged and logs one
//! rate-limited warning saying why.  An accepted write wakes the thread so
//! the new value applies at once.

#![deny(unsafe_code)]

use core::fmt::Write;

use kernel::{
    prelude::*,
    str::{
        CString,
        Formatter, //
    },
};

use crate::daemon::Shared;
use crate::policy::knobs::{
    Knob,
    Rejection, //
};
use crate::sys::{
    node::TopologyReader,
    sysfs::{
        warn_ratelimited,
        Attr, //
    },
    thread,
};

/// A read-only file of the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// `hotness_bytes`: memory the per-page hotness state uses (bytes).
    HotnessBytes,
    /// `tracked_mms`: address spaces the daemon keeps state for.
    TrackedMms,
    /// `quiet_mms`: of those, the ones the last full pass found quiet.
    QuietMms,
}

impl Status {
    const ALL: [Status; 3] = [Status::HotnessBytes, Status::TrackedMms, Status::QuietMms];

    fn c_name(self) -> &'static CStr {
        match self {
            Status::HotnessBytes => c"hotness_bytes",
            Status::TrackedMms => c"tracked_mms",
            Status::QuietMms => c"quiet_mms",
        }
    }
}

/// The files, knobs first (in `Knob::ALL` order), then the status files.
pub(crate) fn attrs() -> [Attr; Knob::ALL.len() + Status::ALL.len()] {
    let mut out = [Attr {
        name: c"",
        writable: false,
    }; Knob::ALL.len() + Status::ALL.len()];
    for (o, k) in out.iter_mut().zip(Knob::ALL) {
        *o = Attr {
            name: k.c_name(),
            writable: true,
        };
    }
    for (o, s) in out[Knob::ALL.len()..].iter_mut().zip(Status::ALL) {
        *o = Attr {
            name: s.c_name(),
            writable: false,
        };
    }
    out
}

/// What the file with index `index` is.
enum File {
    Knob(Knob),
    Status(Status),
}

fn file(index: usize) -> Option<File> {
    match Knob::from_index(index) {
        Some(k) => Some(File::Knob(k)),
        None => Status::ALL
            .get(index.checked_sub(Knob::ALL.len())?)
            .copied()
            .map(File::Status),
    }
}

/// Formats the value of file `index` into `out`; returns the length.
pub(crate) fn show(shared: &Shared, index: usize, out: &mut [u8]) -> Result<usize> {
    let value = match file(index).ok_or(EINVAL)? {
        File::Knob(k) => shared.tunables().get(k),
        File::Status(Status::HotnessBytes) => {
            i64::try_from(shared.hotness_bytes()).unwrap_or(i64::MAX)
        }
        File::Status(Status::TrackedMms) => i64::try_from(shared.tracked_mms()).unwrap_or(i64::MAX),
        File::Status(Status::QuietMms) => i64::try_from(shared.quiet_mms()).unwrap_or(i64::MAX),
    };
    let mut f = Formatter::new(out);
    writeln!(f, "{value}").map_err(|_| EINVAL)?;
    Ok(f.bytes_written())
}

/// Applies a write of `input` to file `index`.
pub(crate) fn store(shared: &Shared, index: usize, input: &[u8]) -> Result {
    let Some(File::Knob(knob)) = file(index) else {
        return Err(EPERM);
    };
    // The one place the top tier is read (allocates its scratch buffer).
    let toptier = TopologyReader::new()?.toptier();
    match shared.update_tunables(|t| t.with(knob, input, toptier)) {
        Ok(()) => {
            thread::wake();
            Ok(())
        }
        Err(rejection) => {
            warn_rejected(knob, rejection);
            Err(EINVAL)
        }
    }
}

/// Logs why a write to `knob` was refused.
fn warn_rejected(knob: Knob, rejection: Rejection) {
    let name = knob.name();
    let msg = match rejection {
        Rejection::Parse(e) => {
            CString::try_from_fmt(fmt!("{name}: write rejected: {}", e.reason()))
        }
        Rejection::OutOfRange { min, max } => CString::try_from_fmt(fmt!(
            "{name}: write rejected: out of range, must be {min}..{max}"
        )),
        Rejection::Inconsistent(why) => {
            CString::try_from_fmt(fmt!("{name}: write rejected: {why}"))
        }
    };
    if let Ok(msg) = msg {
        warn_ratelimited(&msg);
    }
}
