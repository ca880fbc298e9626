// SPDX-License-Identifier: GPL-2.0

//! The kernel layer: every C operation and kernel call the module needs,
//! each wrapped once behind a safe API whose types carry the rule the C
//! side relies on (a held lock, a buffer's lifetime, a reference count,
//! the thread the call must run on, a valid node id).
//!
//! This is the only module with `unsafe` code.  It depends on `kernel` and
//! `policy` only; nothing here calls back up into the daemon: the kernel's
//! callbacks that `sys` installs are generic over traits the crate root
//! implements, but for the page-table walk's (`walk`), which only updates
//! the walk's own state.

mod c;
pub(crate) mod cgroup;
pub(crate) mod migrate;
pub(crate) mod mm;
pub(crate) mod node;
pub(crate) mod sysfs;
pub(crate) mod task;
pub(crate) mod thread;
pub(crate) mod trace;
pub(crate) mod vmstat;
pub(crate) mod walk;
