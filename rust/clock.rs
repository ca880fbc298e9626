// SPDX-License-Identifier: GPL-2.0

//! The daemon's clock: milliseconds since the module was loaded, from the
//! monotonic clock.

#![deny(unsafe_code)]

use kernel::time::{
    Instant,
    Monotonic, //
};

/// Milliseconds since a start instant (a copy reads the same time).
#[derive(Clone, Copy)]
pub(crate) struct Clock {
    start: Instant<Monotonic>,
}

impl Clock {
    /// A clock that reads 0 now.
    pub(crate) fn new() -> Self {
        Clock {
            start: Instant::now(),
        }
    }

    /// Milliseconds since [`Clock::new`].
    pub(crate) fn now_ms(&self) -> u64 {
        let ms = (Instant::<Monotonic>::now() - self.start).as_millis();
        u64::try_from(ms).unwrap_or(0)
    }
}
