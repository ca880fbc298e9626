// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/mm/kmmscand/`: the directory, its files and the callbacks
//! sysfs calls for them.
//!
//! Each file is a `kobj_attribute` whose `show`/`store` are the
//! monomorphized [`show`]/[`store`] below; they find the file's index and
//! the [`Files`] that answer for the directory from the attribute itself
//! (it is the first field of a [`File`]) and hand them a checked buffer.

use core::ptr::NonNull;

use kernel::{
    bindings,
    c_str,
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

/// What the directory's files read and write, by index in the list given
/// to [`AttrDir::create`].  Called in process context, concurrently from
/// any number of tasks.
pub(crate) trait Files: Sync {
    /// Writes file `index`'s contents into `out` (a zeroed page) and
    /// returns their length.
    fn show(&self, index: usize, out: &mut [u8]) -> Result<usize>;
    /// Applies a write of `input` to file `index`.
    fn store(&self, index: usize, input: &[u8]) -> Result;
}

/// A file: the attribute sysfs knows, followed by what the callbacks need.
#[repr(C)]
struct File<F> {
    attr: bindings::kobj_attribute,
    index: usize,
    files: *const F,
}

/// The directory and its files.  Dropping it removes them, waiting for
/// reads and writes in progress.
///
/// # Invariants
///
/// `kobj` is the directory, made by `kobject_create_and_add()` with
/// `group` created in it, not removed yet.  `group` lists the attributes
/// of `table` (`list`, NULL-terminated); neither buffer is resized or
/// written while the directory exists, so the pointers sysfs holds into
/// them stay valid.  Every `File::files` points to the `F` given to
/// `create`, which outlives the value.
pub(crate) struct AttrDir<F> {
    kobj: NonNull<bindings::kobject>,
    group: KBox<bindings::attribute_group>,
    _list: KVec<*mut bindings::attribute>,
    _table: KVec<File<F>>,
}

// SAFETY: The pointers are only used to remove the directory, which any
// task may do; the tables are not touched after creation.
unsafe impl<F: Files> Send for AttrDir<F> {}
// SAFETY: No `&self` method uses the pointers.
unsafe impl<F: Files> Sync for AttrDir<F> {}

impl<F: Files> AttrDir<F> {
    /// Creates `/sys/kernel/mm/kmmscand` with `attrs`, answered by `files`.
    ///
    /// # Safety
    ///
    /// `files` must stay valid until the returned value is dropped.
    pub(crate) unsafe fn create(files: &F, attrs: &[Attr]) -> Result<AttrDir<F>> {
        let mut table = KVec::with_capacity(attrs.len(), GFP_KERNEL)?;
        for (index, a) in attrs.iter().enumerate() {
            let mut attr = bindings::kobj_attribute::default();
            attr.attr.name = a.name.as_char_ptr();
            attr.attr.mode = if a.writable { 0o644 } else { 0o444 };
            // sysfs_attr_init(): an attribute not in static storage needs a
            // static lock class key (one for all of them, as a loop over
            // sysfs_attr_init() in C gives).
            #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
            {
                attr.attr.key = kernel::sync::static_lock_class!().as_ptr();
            }
            attr.show = Some(show::<F>);
            if a.writable {
                attr.store = Some(store::<F>);
            }
            table.push(
                File {
                    attr,
                    index,
                    files: core::ptr::from_ref(files),
                },
                GFP_KERNEL,
            )?;
        }
        let mut list = KVec::with_capacity(attrs.len() + 1, GFP_KERNEL)?;
        for f in table.iter_mut() {
            list.push(&raw mut f.attr.attr, GFP_KERNEL)?;
        }
        list.push(core::ptr::null_mut(), GFP_KERNEL)?;
        let mut group = KBox::new(bindings::attribute_group::default(), GFP_KERNEL)?;
        group.__bindgen_anon_2.attrs = list.as_mut_ptr();

        // SAFETY: The name is a static string; `mm_kobj` is the kernel's
        // /sys/kernel/mm kobject, set up at boot and never freed.
        let kobj = unsafe {
            bindings::kobject_create_and_add(c_str!("kmmscand").as_char_ptr(), bindings::mm_kobj)
        };
        let kobj = NonNull::new(kobj).ok_or(ENOMEM)?;
        // SAFETY: `kobj` is live; `group` and the attributes it lists are
        // heap buffers moved into the returned value unchanged, and remain
        // valid until `sysfs_remove_group()` in `drop`.
        let err = unsafe { bindings::sysfs_create_group(kobj.as_ptr(), &*group) };
        if err != 0 {
            // SAFETY: Drops the reference `kobject_create_and_add()` returned.
            unsafe { bindings::kobject_put(kobj.as_ptr()) };
            return Err(Error::from_errno(err));
        }
        // INVARIANT: The directory and its group exist; the buffers move in
        // and are not changed again; `files` outlives the value (safety
        // requirements).
        Ok(AttrDir {
            kobj,
            group,
            _list: list,
            _table: table,
        })
    }
}

impl<F> Drop for AttrDir<F> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants the directory and its group exist;
        // removing the group waits for callbacks in progress, and the last
        // reference on the directory goes; the buffers are freed after.
        unsafe {
            bindings::sysfs_remove_group(self.kobj.as_ptr(), &*self.group);
            bindings::kobject_put(self.kobj.as_ptr());
        }
    }
}

/// The `show` of every file.
///
/// # Safety
///
/// Called by sysfs for an attribute of an [`AttrDir<F>`], with `buf` the
/// `PAGE_SIZE` buffer it owns for the call.
unsafe extern "C" fn show<F: Files>(
    _kobj: *mut bindings::kobject,
    attr: *mut bindings::kobj_attribute,
    buf: *mut c_char,
) -> isize {
    // SAFETY: `attr` is the first field of a `File<F>` (`#[repr(C)]`) in the
    // table of a live `AttrDir<F>` (safety requirements and its invariants).
    let file = unsafe { &*attr.cast::<File<F>>() };
    // SAFETY: `files` outlives the directory (`AttrDir` invariants), whose
    // removal waits for this callback.
    let files = unsafe { &*file.files };
    let buf = buf.cast::<u8>();
    // SAFETY: `buf` is valid for writes of `PAGE_SIZE` bytes for the call
    // (safety requirements).
    unsafe { core::ptr::write_bytes(buf, 0, kernel::page::PAGE_SIZE) };
    // SAFETY: `buf` is valid for reads and writes of `PAGE_SIZE` bytes for
    // the call, initialized just above, and used by nothing else while `out`
    // lives.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    match files.show(file.index, out) {
        Ok(len) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// The `store` of every writable file.
///
/// # Safety
///
/// As for [`show`]; `buf` holds `len` readable bytes.
unsafe extern "C" fn store<F: Files>(
    _kobj: *mut bindings::kobject,
    attr: *mut bindings::kobj_attribute,
    buf: *const c_char,
    len: usize,
) -> isize {
    // SAFETY: As in `show`.
    let file = unsafe { &*attr.cast::<File<F>>() };
    // SAFETY: As in `show`.
    let files = unsafe { &*file.files };
    // SAFETY: `buf` holds `len` readable bytes for the call (safety
    // requirements).
    let input = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
    match files.store(file.index, input) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// Logs `msg` as a rate-limited warning (why a write was refused).
pub(crate) fn warn_ratelimited(msg: &CStr) {
    // SAFETY: `msg` is a NUL-terminated string valid for the call.
    unsafe { c::kmmscand_warn_ratelimited(msg.as_char_ptr()) }
}
