// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/mm/kmmscand/`: showing and storing the knobs.
//!
//! The knobs, their ranges and their rules are in `policy::knobs`; this
//! file turns a sysfs read or write into a call there.  A refused write
//! returns `-EINVAL`, leaves every value unchanged and logs one rate-limited
//! warning saying why.  An accepted write wakes the thread so the new value
//! applies at once.

use core::fmt::Write;

use kernel::{
    prelude::*,
    str::CString,
};

use crate::daemon::Shared;
use crate::ffi;
use crate::policy::knobs::{
    Knob,
    Rejection, //
};

/// The knob file names, in `Knob::ALL` order.
pub(crate) fn names() -> [&'static CStr; Knob::ALL.len()] {
    Knob::ALL.map(Knob::c_name)
}

/// Writes formatted text into a byte buffer, failing when it is full.
struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(core::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Formats the value of knob `index` into `out`; returns the length.
pub(crate) fn show(shared: &Shared, index: usize, out: &mut [u8]) -> Result<usize> {
    let knob = Knob::from_index(index).ok_or(EINVAL)?;
    let value = shared.tunables().get(knob);
    let mut w = BufWriter { buf: out, len: 0 };
    writeln!(w, "{value}").map_err(|_| EINVAL)?;
    Ok(w.len)
}

/// Applies a write of `input` to knob `index`.
pub(crate) fn store(shared: &Shared, index: usize, input: &[u8]) -> Result {
    let knob = Knob::from_index(index).ok_or(EINVAL)?;
    let toptier = ffi::toptier_nodes();
    match shared.update_tunables(|t| t.with(knob, input, toptier)) {
        Ok(()) => {
            ffi::wake_thread();
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
        Rejection::Parse(e) => CString::try_from_fmt(fmt!("{name}: write rejected: {}", e.reason())),
        Rejection::OutOfRange { min, max } => CString::try_from_fmt(fmt!(
            "{name}: write rejected: out of range, must be {min}..{max}"
        )),
        Rejection::Inconsistent(why) => {
            CString::try_from_fmt(fmt!("{name}: write rejected: {why}"))
        }
    };
    if let Ok(msg) = msg {
        ffi::warn_ratelimited(&msg);
    }
}
