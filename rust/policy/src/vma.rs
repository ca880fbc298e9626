// SPDX-License-Identifier: GPL-2.0

//! Which VMAs the walk looks at.
//!
//! Skipped: hugetlb (its pages are not on the LRU and have their own
//! placement), raw PFN, mixed and I/O mappings (no struct page to move),
//! mlocked VMAs (unevictable; moving them would defeat mlock's latency
//! promise), `VM_DROPPABLE` memory, `PROT_NONE` VMAs (their Accessed bits
//! say nothing), and VMAs `vma_migratable()` refuses.

/// The `vm_flags` bits the decision depends on, as the kernel defines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmFlagBits {
    /// `VM_HUGETLB`.
    pub hugetlb: u64,
    /// `VM_PFNMAP`.
    pub pfnmap: u64,
    /// `VM_MIXEDMAP`.
    pub mixedmap: u64,
    /// `VM_IO`.
    pub io: u64,
    /// `VM_LOCKED`.
    pub locked: u64,
    /// `VM_DROPPABLE` (0 where the kernel has none).
    pub droppable: u64,
}

/// What the kernel says of one VMA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmaFacts {
    /// `vma->vm_flags`.
    pub flags: u64,
    /// `vma_is_accessible()`: not `PROT_NONE`.
    pub accessible: bool,
    /// `vma_migratable()`.
    pub migratable: bool,
}

/// Whether the walk may look at a VMA.
pub fn scannable(v: &VmaFacts, bits: &VmFlagBits) -> bool {
    let skip = bits.hugetlb | bits.pfnmap | bits.mixedmap | bits.io | bits.locked | bits.droppable;
    v.flags & skip == 0 && v.accessible && v.migratable
}

#[cfg(test)]
mod tests {
    use super::*;

    const BITS: VmFlagBits = VmFlagBits {
        hugetlb: 1 << 22,
        pfnmap: 1 << 10,
        mixedmap: 1 << 28,
        io: 1 << 14,
        locked: 1 << 13,
        droppable: 1 << 40,
    };

    fn facts(flags: u64) -> VmaFacts {
        VmaFacts {
            flags,
            accessible: true,
            migratable: true,
        }
    }

    #[test]
    fn plain_anonymous_memory_is_scanned() {
        assert!(scannable(&facts(0b111), &BITS));
    }

    #[test]
    fn each_excluding_flag_skips_the_vma() {
        for f in [
            BITS.hugetlb,
            BITS.pfnmap,
            BITS.mixedmap,
            BITS.io,
            BITS.locked,
            BITS.droppable,
        ] {
            assert!(!scannable(&facts(f | 0b11), &BITS), "flag {f:#x}");
        }
    }

    #[test]
    fn prot_none_and_unmigratable_vmas_are_skipped() {
        assert!(!scannable(
            &VmaFacts {
                accessible: false,
                ..facts(0)
            },
            &BITS
        ));
        assert!(!scannable(
            &VmaFacts {
                migratable: false,
                ..facts(0)
            },
            &BITS
        ));
    }
}
