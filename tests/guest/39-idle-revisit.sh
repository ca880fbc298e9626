#!/bin/sh
# Two processes with 64 MiB each on the slow node, their memory idle after
# placement, the module loaded after; after 8 s (their first sweeps), their
# visits over 20 s are counted from the scan_mm_end tracepoint:
#  - one wakes up every 100 ms (it runs, touching nothing of its region):
#    visited every scan_period_max_ms (2 s by default), between 7 and 13
#    visits.  Its page tables are skipped as idle, unread, so the scan
#    cannot tell it has no slow-tier memory; the longer back-off (4x, the
#    old rule gave 2 or 3 visits) is for an mm the scan read entirely and
#    found in DRAM; more than 13 means an idle mm is scanned faster than
#    its maximum period.
#  - the other sleeps through: quiet (no thread ran since its last sweep
#    began), not visited at all (at most 1 visit; before quiet processes
#    were skipped it had as many as the first), and counted in quiet_mms.
. /tests/lib/common.sh
find_slow_node
T=/sys/kernel/tracing
rm -f /tmp/idle.ready /tmp/wake.ready
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --idle-s 120 --seconds 1 \
	--ready-file /tmp/idle.ready >/tmp/idle.out &
idle=$!
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --idle-s 120 --idle-wake-ms 100 --seconds 1 \
	--ready-file /tmp/wake.ready >/tmp/wake.out &
wake=$!
n=0
while { [ ! -e /tmp/idle.ready ] || [ ! -e /tmp/wake.ready ]; } && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ -e /tmp/idle.ready ] && [ -e /tmp/wake.ready ] ||
	{ kill $idle $wake; cat /tmp/idle.out /tmp/wake.out; fail "could not place 2 x 64 MiB on node $SLOW"; }
load_module
[ "$(knob scan_period_max_ms)" = 2000 ] || fail "scan_period_max_ms is $(knob scan_period_max_ms), not the default 2000"
sleep 8
s0=$(vmstat kmmscand_ptables_skipped)
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
sleep 20
echo 0 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
cp $T/trace /tmp/idle.trace
quiet=$(knob quiet_mms)
kill $idle $wake; wait $idle $wake 2>/dev/null
v_wake=$(trace_visits $wake /tmp/idle.trace | wc -l)
v_idle=$(trace_visits $idle /tmp/idle.trace | wc -l)
skipped=$(($(vmstat kmmscand_ptables_skipped) - s0))
info "pid $wake (wakes every 100 ms): $v_wake visits in 20 s; pid $idle (sleeps): $v_idle; kmmscand_ptables_skipped +$skipped; quiet_mms $quiet"
[ "$skipped" -gt 0 ] || fail "no page table was skipped as idle: the case this test is about did not happen"
[ "$v_wake" -ge 7 ] || fail "$v_wake visits in 20 s: the idle mm of a running process waited longer than scan_period_max_ms"
[ "$v_wake" -le 13 ] || fail "$v_wake visits in 20 s: the idle mm was scanned more often than every scan_period_max_ms"
[ "$v_idle" -le 1 ] || fail "$v_idle visits in 20 s of a process that did not run: it is not skipped as quiet"
[ "$quiet" -ge 1 ] || fail "quiet_mms is $quiet with a sleeping process tracked"
unload_module
check_dmesg
