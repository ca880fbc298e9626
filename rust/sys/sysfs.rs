// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/mm/kmmscand/`: the directory and its files.
//!
//! The shim's attribute table routes every read and write to the crate
//! root's `kmmscand_rs_attr_show`/`kmmscand_rs_attr_store` with the file's
//! index in the list given to [`AttrDir::create`].

use core::ptr::NonNull;

use kernel::{
    bindings,
    error::from_err_ptr,
    prelude::*, //
};

use super::c;

/// One file of the directory.
#[derive(Clone, Copy)]
pub(crate) struct Attr {
    /// File name.
    pub(crate) name: &'static CStr,
    /// Whether root may write it (mode 0644; otherwise 0444).
    pub(crate) writable: bool,
}

/// The directory and its files.  Dropping it removes them, waiting for
/// reads and writes in progress.
///
/// # Invariants
///
/// `kobj` is the directory `kmmscand_sysfs_create` made, not removed yet;
/// `names` holds the pointers the attribute table uses (to `'static`
/// strings) and lives as long as the table.
pub(crate) struct AttrDir {
    kobj: NonNull<bindings::kobject>,
    /// The attribute names, which the directory's files point to: kept
    /// until it is removed.
    _names: KVec<*const c_char>,
}

// SAFETY: The kobject pointer is only used to remove the directory, which
// any task may do; `names` points to immutable `'static` strings.
unsafe impl Send for AttrDir {}
// SAFETY: No `&self` method uses the pointers.
unsafe impl Sync for AttrDir {}

impl AttrDir {
    /// Creates `/sys/kernel/mm/kmmscand` with `attrs`.
    ///
    /// # Safety
    ///
    /// `ctx` must be valid for what `kmmscand_rs_attr_show`/`_store` do with
    /// it until the returned value is dropped, and no other `AttrDir` may
    /// exist meanwhile (the shim's attribute table is static).  The module
    /// creates one, in `init`.
    pub(crate) unsafe fn create(ctx: *mut c_void, attrs: &[Attr]) -> Result<AttrDir> {
        let mut names = KVec::with_capacity(attrs.len(), GFP_KERNEL)?;
        let mut modes = KVec::with_capacity(attrs.len(), GFP_KERNEL)?;
        for a in attrs {
            names.push(a.name.as_char_ptr(), GFP_KERNEL)?;
            modes.push(if a.writable { 0o644u16 } else { 0o444 }, GFP_KERNEL)?;
        }
        // SAFETY: `names`/`modes` hold `attrs.len()` entries of `'static` NUL-terminated names, and `names` moves into
        // the returned value, which outlives the table; `ctx` stays valid until then (safety requirements).
        let kobj = unsafe {
            c::kmmscand_sysfs_create(ctx, names.as_ptr(), modes.as_ptr(), attrs.len() as c_uint)
        };
        let kobj = NonNull::new(from_err_ptr(kobj)?).ok_or(ENOMEM)?;
        // INVARIANT: The directory exists and `names` is kept with it.
        Ok(AttrDir {
            kobj,
            _names: names,
        })
    }
}

impl Drop for AttrDir {
    fn drop(&mut self) {
        // SAFETY: By the type invariants the directory exists; removing it
        // waits for callbacks in progress, after which `names` may go.
        unsafe { c::kmmscand_sysfs_remove(self.kobj.as_ptr()) };
    }
}

/// Logs `msg` as a rate-limited warning (why a write was refused).
pub(crate) fn warn_ratelimited(msg: &CStr) {
    // SAFETY: `msg` is a NUL-terminated string valid for the call.
    unsafe { c::kmmscand_warn_ratelimited(msg.as_char_ptr()) }
}
