#!/bin/sh
# Loaded first, as users run it: the module runs before the workload
# starts.  memtier places 64 MiB hot + 448 MiB cold on the slow node under
# MPOL_BIND (which the scan must leave alone), lifts it with
# mbind(MPOL_DEFAULT) (a write hold of its mmap lock) and keeps the hot part
# hot.  The hot part must reach 90% on node 0 within 6 visits of the
# process that test slow-tier pages (one may come while the cold part is
# still placed; then the first sighting, the recheck of its regions at the
# next visit, and those while memtier's next report is due: 5 seen in a
# run), kmmscand_mm_early must grow (the
# mbind() brought a visit forward instead of waiting out a back-off of up
# to 8 s), kmmscand_rechecks and kmmscand_recheck_scanned too, and the cold
# part, young once from its placement, stays (<= 5% moved).
. /tests/lib/common.sh
find_slow_node
need_node_mb "$SLOW" 768
T=/sys/kernel/tracing
load_module
e0=$(vmstat kmmscand_mm_early)
r0=$(vmstat kmmscand_rechecks)
s0=$(vmstat kmmscand_recheck_scanned)
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
$MEMTIER --size-mb 512 --hot-mb 64 --node "$SLOW" --pattern hot --seconds 60 \
	--until-node 0 --until-pct 90 --report-ms 250 >/tmp/lf.out &
pid=$!
wait $pid
rc=$?
echo 0 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
cp $T/trace /tmp/lf.trace
cat /tmp/lf.out
e1=$(vmstat kmmscand_mm_early)
r1=$(vmstat kmmscand_rechecks)
s1=$(vmstat kmmscand_recheck_scanned)
visits=$(trace_visits $pid /tmp/lf.trace | awk '$1 > 0' | wc -l)
all=$(trace_visits $pid /tmp/lf.trace | wc -l)
info "pid $pid: $all visits, $visits of them testing slow-tier pages, until 90%; kmmscand_mm_early +$((e1 - e0)), kmmscand_rechecks +$((r1 - r0)), kmmscand_recheck_scanned +$((s1 - s0))"
grep "kmmscand_scan_mm_end: pid=$pid .* scanned=[1-9]" /tmp/lf.trace | sed 's/.*\] //' | head -n 12
[ $rc = 0 ] || fail "the hot part did not reach 90% on node 0 within 60 s"
[ "$all" -ge 2 ] || fail "fewer than 2 visits of the workload traced: the trace is not what this test reads"
[ "$visits" -ge 2 ] || fail "only $visits visits tested slow-tier pages: two sightings need two"
[ "$visits" -le 6 ] || fail "$visits visits of the workload tested slow-tier pages before its hot part reached 90%"
[ $((e1 - e0)) -ge 1 ] || fail "kmmscand_mm_early did not grow: the mbind() did not bring a visit forward"
[ $((r1 - r0)) -ge 1 ] || fail "kmmscand_rechecks did not grow"
[ $((s1 - s0)) -ge 1 ] || fail "kmmscand_recheck_scanned did not grow: no recheck tested a page"
cold=$(grep '^memtier: reached' /tmp/lf.out | sed -n 's/.* cold_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/p')
set -- $cold
[ -n "$2" ] || fail "no cold placement in memtier's last report"
info "cold part on node 0: $1 of $2 pages"
[ $(($1 * 100)) -le $(($2 * 5)) ] || fail "$1 of $2 cold pages moved (more than 5%)"
unload_module
check_dmesg
