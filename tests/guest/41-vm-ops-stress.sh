#!/bin/sh
# Address-space changes under an aggressive scanner (scan_sleep_ms 1,
# periods 10-50 ms, hot_threshold 1): mmstress runs for 30 s with 8 regions
# of 4 MiB placed on the slow node, two threads touching them (and
# checking every value), two threads munmap-ing, mremap(MAYMOVE)-ing,
# mprotect-ing (PROT_NONE and back; one 4 KiB page, splitting the THP),
# MADV_DONTNEED-ing, MADV_COLLAPSE-ing and mbind(MPOL_MF_MOVE)-ing them
# back to the slow node, a fork/exec/exit storm and a thread storm whose
# threads set task mempolicies.  Passes when mmstress exits 0 (every value
# read was right, every operation ran), the daemon scanned and promoted
# during the run, THPs were split and collapsed, and the kernel log holds
# no detector report.
. /tests/lib/common.sh
find_slow_node
SECS=30
load_module
aggressive_knobs
s0=$(vmstat kmmscand_mm_scans)
p0=$(vmstat kmmscand_promoted)
b0=$(vmstat kmmscand_mm_busy)
split0=$(vmstat thp_split_pmd)
col0=$(vmstat thp_collapse_alloc)
/tests/bin/mmstress --node "$SLOW" --seconds $SECS >/tmp/mms.out 2>&1
rc=$?
cat /tmp/mms.out
s1=$(vmstat kmmscand_mm_scans)
p1=$(vmstat kmmscand_promoted)
b1=$(vmstat kmmscand_mm_busy)
split1=$(vmstat thp_split_pmd)
col1=$(vmstat thp_collapse_alloc)
unload_module
info "during the run: kmmscand_mm_scans +$((s1 - s0)), kmmscand_mm_busy +$((b1 - b0)), kmmscand_promoted +$((p1 - p0)), thp_split_pmd +$((split1 - split0)), thp_collapse_alloc +$((col1 - col0))"
[ $rc = 0 ] || fail "mmstress exited $rc"
[ $((s1 - s0)) -ge 100 ] || fail "the daemon hardly scanned during the run"
[ $((p1 - p0)) -gt 0 ] || fail "nothing was promoted during the run"
[ $((split1 - split0)) -gt 0 ] || fail "no THP was split"
[ $((col1 - col0)) -gt 0 ] || fail "no THP was collapsed"
check_dmesg
