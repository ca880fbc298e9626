#!/bin/sh
# A recheck promotes a hot page at the visit after its first sighting, not
# a sweep later.  memtier places a 1 GiB region on the slow node and keeps
# its first 16 MiB hot; the module is loaded after the placement with the
# scan size pinned to 64 MiB a visit.  The hot part sits at the region's low
# end, in the sweep's first 64 MiB: its first sighting is the first visit
# that tests slow-tier pages, and the recheck of the regions that visit
# found young comes half of scan_period_min_ms later.  The cold part, young
# from its placement, is read in full by the sweep, 64 MiB a visit: without
# rechecks the second sighting would wait for the next sweep, 16 visits
# on (fewer if a visit between insmod and the knob writes cleared its
# bits: idle tables cost 1/64; kmmscand_recheck_scanned still tells).  So at most 3 visits of the process test slow-tier pages before the
# first migration, kmmscand_recheck_scanned grows by at least half the hot
# part (the recheck tested it), the hot part reaches 90% on node 0 within
# 60 s and the cold part stays (<= 5% moved).
. /tests/lib/common.sh
find_slow_node
need_node_mb "$SLOW" 1200
T=/sys/kernel/tracing
rm -f /tmp/rw.ready
$MEMTIER --size-mb 1024 --hot-mb 16 --node "$SLOW" --pattern hot --seconds 60 \
	--until-node 0 --until-pct 90 --report-ms 1000 --ready-file /tmp/rw.ready >/tmp/rw.out 2>&1 &
pid=$!
wait_ready /tmp/rw.ready $pid /tmp/rw.out
load_module
# Disabled, the thread lets go of every process and of its hotness state:
# what a visit before the knobs were set saw is forgotten.  Lower bound
# first: the size must stay between its bounds at every write.
knob_set enabled 0
knob_set scan_size_min_mb 64
knob_set scan_size_mb 64
knob_set scan_size_max_mb 64
[ "$(knob scan_size_mb)" = 64 ] && [ "$(knob scan_size_max_mb)" = 64 ] ||
	{ kill $pid; fail "scan size not pinned at 64 MiB ($(knob scan_size_min_mb)/$(knob scan_size_mb)/$(knob scan_size_max_mb))"; }
s0=$(vmstat kmmscand_recheck_scanned)
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
echo 1 >$T/events/kmmscand/kmmscand_migrate_batch/enable
knob_set enabled 1
wait $pid
rc=$?
echo 0 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
echo 0 >$T/events/kmmscand/kmmscand_migrate_batch/enable
cp $T/trace /tmp/rw.trace
s1=$(vmstat kmmscand_recheck_scanned)
tail -n 3 /tmp/rw.out
# Visits of the process that tested slow-tier pages before the first
# migration (only this process has memory on the slow node).
set -- $(awk -v p="kmmscand_scan_mm_end: pid=$pid " '
	/kmmscand_migrate_batch:/ { m = 1; exit }
	index($0, p) && match($0, / scanned=[1-9]/) { n++ }
	END { print n + 0, m + 0 }' /tmp/rw.trace)
before=$1 migrated=$2
info "pid $pid: $before visits tested slow-tier pages before the first migration; kmmscand_recheck_scanned +$((s1 - s0))"
grep "kmmscand_scan_mm_end: pid=$pid " /tmp/rw.trace | sed 's/.*\] //' | head -n 8
hot_pages=4096
[ "$migrated" = 1 ] || fail "no migration traced"
[ "$before" -ge 1 ] || fail "no visit tested slow-tier pages before the first migration: the trace is not what this test reads"
[ "$before" -le 3 ] || fail "$before visits tested slow-tier pages before the first migration (the recheck comes at the visit after the first sighting)"
[ $((s1 - s0)) -ge $((hot_pages / 2)) ] || fail "kmmscand_recheck_scanned +$((s1 - s0)), less than half the hot part ($hot_pages pages)"
[ $rc = 0 ] || fail "the hot part did not reach 90% on node 0 within 60 s"
cold_moved_at_most /tmp/rw.out 5
unload_module
check_dmesg
