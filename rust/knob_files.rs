// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/mm/kmmscand/`: the knobs and the read-only status files.
//!
//! The knobs, their ranges and their rules are in `policy::knobs` (and
//! `policy::scope` for `cgroup_scope`); this
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

use crate::cgroup_scope::{
    Scope,
    ScopeRejection, //
};
use crate::daemon::Shared;
use crate::policy::knobs::{
    Knob,
    Rejection, //
};
use crate::sys::{
    node,
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
    /// `cgroup_stats`: a line of counters per cgroup `cgroup_scope` names.
    CgroupStats,
    /// `pingpong_pages`: pages found hot on the slow tier after kmmscand
    /// had promoted them (ping-pong), since load.
    PingpongPages,
    /// `room_holds`: times room-making was held (ping-pong, or requests
    /// that brought no room).
    RoomHolds,
    /// `room_hold_ms`: how much longer it is held.
    RoomHoldMs,
    /// `probes`: probes of watched address spaces, since load.
    Probes,
    /// `probe_tables_woken`: page tables the probes found accessed.
    ProbeTablesWoken,
}

impl Status {
    const ALL: [Status; 9] = [
        Status::HotnessBytes,
        Status::TrackedMms,
        Status::QuietMms,
        Status::CgroupStats,
        Status::PingpongPages,
        Status::RoomHolds,
        Status::RoomHoldMs,
        Status::Probes,
        Status::ProbeTablesWoken,
    ];

    fn c_name(self) -> &'static CStr {
        match self {
            Status::HotnessBytes => c"hotness_bytes",
            Status::TrackedMms => c"tracked_mms",
            Status::QuietMms => c"quiet_mms",
            Status::CgroupStats => c"cgroup_stats",
            Status::PingpongPages => c"pingpong_pages",
            Status::RoomHolds => c"room_holds",
            Status::RoomHoldMs => c"room_hold_ms",
            Status::Probes => c"probes",
            Status::ProbeTablesWoken => c"probe_tables_woken",
        }
    }
}

/// Index of `cgroup_scope`, the one knob that is not a number: after the
/// numeric knobs, before the status files.
const SCOPE_INDEX: usize = Knob::ALL.len();

/// Number of files.
const NR_FILES: usize = Knob::ALL.len() + 1 + Status::ALL.len();

/// The files, numeric knobs first (in `Knob::ALL` order), then
/// `cgroup_scope`, then the status files.
pub(crate) fn attrs() -> [Attr; NR_FILES] {
    let mut out = [Attr {
        name: c"",
        writable: false,
    }; NR_FILES];
    for (o, k) in out.iter_mut().zip(Knob::ALL) {
        *o = Attr {
            name: k.c_name(),
            writable: true,
        };
    }
    out[SCOPE_INDEX] = Attr {
        name: c"cgroup_scope",
        writable: true,
    };
    for (o, s) in out[SCOPE_INDEX + 1..].iter_mut().zip(Status::ALL) {
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
    Scope,
    Status(Status),
}

fn file(index: usize) -> Option<File> {
    match Knob::from_index(index) {
        Some(k) => Some(File::Knob(k)),
        None if index == SCOPE_INDEX => Some(File::Scope),
        None => Status::ALL
            .get(index.checked_sub(SCOPE_INDEX + 1)?)
            .copied()
            .map(File::Status),
    }
}

/// Formats the value of file `index` into `out`; returns the length.
pub(crate) fn show(shared: &Shared, index: usize, out: &mut [u8]) -> Result<usize> {
    let mut f = Formatter::new(out);
    let value = match file(index).ok_or(EINVAL)? {
        File::Scope => {
            shared.scope().show(&mut f).map_err(|_| EINVAL)?;
            return Ok(f.bytes_written());
        }
        File::Status(Status::CgroupStats) => {
            shared.scope().show_stats(&mut f).map_err(|_| EINVAL)?;
            return Ok(f.bytes_written());
        }
        File::Knob(k) => shared.tunables().get(k),
        File::Status(Status::HotnessBytes) => {
            i64::try_from(shared.hotness_bytes()).unwrap_or(i64::MAX)
        }
        File::Status(Status::TrackedMms) => i64::try_from(shared.tracked_mms()).unwrap_or(i64::MAX),
        File::Status(Status::QuietMms) => i64::try_from(shared.quiet_mms()).unwrap_or(i64::MAX),
        File::Status(Status::PingpongPages) => {
            i64::try_from(shared.pingpong_pages()).unwrap_or(i64::MAX)
        }
        File::Status(Status::RoomHolds) => i64::try_from(shared.room_holds()).unwrap_or(i64::MAX),
        File::Status(Status::RoomHoldMs) => {
            i64::try_from(shared.room_hold_ms()).unwrap_or(i64::MAX)
        }
        File::Status(Status::Probes) => i64::try_from(shared.probes()).unwrap_or(i64::MAX),
        File::Status(Status::ProbeTablesWoken) => {
            i64::try_from(shared.probe_tables_woken()).unwrap_or(i64::MAX)
        }
    };
    writeln!(f, "{value}").map_err(|_| EINVAL)?;
    Ok(f.bytes_written())
}

/// Applies a write of `input` to file `index`.
pub(crate) fn store(shared: &Shared, index: usize, input: &[u8]) -> Result {
    let knob = match file(index) {
        Some(File::Knob(knob)) => knob,
        Some(File::Scope) => return store_scope(shared, input),
        _ => return Err(EPERM),
    };
    let toptier = node::toptier_nodes();
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

/// Applies a write to `cgroup_scope`: every path looked up, or nothing
/// changes.
fn store_scope(shared: &Shared, input: &[u8]) -> Result {
    match Scope::parse(input) {
        Ok(scope) => {
            shared.replace_scope(scope);
            thread::wake();
            Ok(())
        }
        Err(rejection) => {
            let msg = match &rejection {
                ScopeRejection::Text(e) => {
                    CString::try_from_fmt(fmt!("cgroup_scope: write rejected: {}", e.reason()))
                }
                ScopeRejection::Lookup(path, e) => {
                    let path = core::str::from_utf8(path).unwrap_or("?");
                    let why = match *e {
                        e if e == ENOENT => "no such cgroup (a cgroup v2 path from the root)",
                        e if e.to_errno() == -(kernel::bindings::EOPNOTSUPP as i32) => {
                            "the memory controller is not enabled for it (cgroup.subtree_control of its parent)"
                        }
                        e if e == ENODEV => "memory cgroups are disabled",
                        _ => "lookup failed",
                    };
                    CString::try_from_fmt(fmt!(
                        "cgroup_scope: write rejected: {path}: {why} ({e:?})"
                    ))
                }
            };
            if let Ok(msg) = msg {
                warn_ratelimited(&msg);
            }
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
