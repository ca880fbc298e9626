#!/bin/sh
# Loaded first, as users run it: the module runs before the workload
# starts.  memtier places 64 MiB hot + 448 MiB cold on the slow node under
# MPOL_BIND (which the scan must leave alone), keeps it bound 8 s more
# (--bound-s: the process runs, the scan passes the region over and backs
# off, with scan_period_max_ms at 8000 up to 8 s), lifts it with
# mbind(MPOL_DEFAULT) (a write hold of its mmap lock) and keeps the hot part
# hot.  Its promotion must begin within 6 visits of the process that test
# slow-tier pages, the one that migrates first included (one may come while
# the cold part is still placed; then the first sighting, the recheck of its
# regions at the next visit: 5 seen in a run), and the hot part reach 90%
# on node 0 within 60 s (in visits that each promote 4 MiB, turns: see
# docs/kmmscand.rst), kmmscand_mm_early must grow (the
# mbind() brought a visit forward instead of waiting out the back-off; a CI
# run without --bound-s had none to bring forward, mm_early +0, while the
# hot part reached 90% 2.3 s after its placement: whether one was needed
# turned on where the mbind fell in a back-off still short),
# kmmscand_rechecks too (first sightings were noted and walked again at
# the next visit), and the cold part, young once from its
# placement, stays (<= 5% moved).  Whether a recheck finds slow-tier pages
# to test here depends on timing: when a visit saw the hot part young from
# its placement, the sweep that sees it in use is its second sighting and
# promotes it, and the rechecks walk only the cold part, whose idle page
# tables are skipped (kmmscand_recheck_scanned +0, seen in a CI run).
# 59-recheck-promotes tests what a recheck tests.
. /tests/lib/common.sh
find_slow_node
need_node_mb "$SLOW" 768
T=/sys/kernel/tracing
load_module
knob_set scan_period_max_ms 8000
e0=$(vmstat kmmscand_mm_early)
r0=$(vmstat kmmscand_rechecks)
s0=$(vmstat kmmscand_recheck_scanned)
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
echo 1 >$T/events/kmmscand/kmmscand_migrate_batch/enable
$MEMTIER --size-mb 512 --hot-mb 64 --node "$SLOW" --bound-s 8 --pattern hot --seconds 60 \
	--until-node 0 --until-pct 90 --report-ms 250 >/tmp/lf.out &
pid=$!
wait $pid
rc=$?
echo 0 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
echo 0 >$T/events/kmmscand/kmmscand_migrate_batch/enable
cp $T/trace /tmp/lf.trace
cat /tmp/lf.out
e1=$(vmstat kmmscand_mm_early)
r1=$(vmstat kmmscand_rechecks)
s1=$(vmstat kmmscand_recheck_scanned)
# Visits that tested slow-tier pages before the first migration (only this
# process has memory on the slow node), and the one that migrated.
before=$(awk -v p="kmmscand_scan_mm_end: pid=$pid " '
	/kmmscand_migrate_batch:/ { exit }
	index($0, p) && match($0, / scanned=[1-9]/) { n++ }
	END { print n + 0 }' /tmp/lf.trace)
visits=$((before + 1))
all=$(trace_visits $pid /tmp/lf.trace | wc -l)
info "pid $pid: $all visits until 90%; $visits testing slow-tier pages until the first migration included; kmmscand_mm_early +$((e1 - e0)), kmmscand_rechecks +$((r1 - r0)), kmmscand_recheck_scanned +$((s1 - s0))"
grep "kmmscand_scan_mm_end: pid=$pid .* scanned=[1-9]" /tmp/lf.trace | sed 's/.*\] //' | head -n 12
[ $rc = 0 ] || fail "the hot part did not reach 90% on node 0 within 60 s"
[ "$all" -ge 2 ] || fail "fewer than 2 visits of the workload traced: the trace is not what this test reads"
[ "$visits" -ge 2 ] || fail "only $visits visits tested slow-tier pages: two sightings need two"
grep -q kmmscand_migrate_batch: /tmp/lf.trace || fail "no migration traced: the trace is not what this test reads"
[ "$visits" -le 6 ] || fail "$visits visits of the workload tested slow-tier pages until its first migration"
[ $((e1 - e0)) -ge 1 ] || fail "kmmscand_mm_early did not grow: the mbind() did not bring a visit forward"
[ $((r1 - r0)) -ge 1 ] || fail "kmmscand_rechecks did not grow"
cold_moved_at_most /tmp/lf.out 5
unload_module
check_dmesg
