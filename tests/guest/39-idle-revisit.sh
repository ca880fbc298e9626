#!/bin/sh
# An idle process with memory on the slow node is visited every
# scan_period_max_ms (2 s by default), not four times that: its page
# tables are skipped as idle, unread, so the scan cannot tell it has no
# slow-tier memory (the longer back-off is for an mm the scan read entirely
# and found in DRAM).  memtier places 64 MiB on the slow node and idles;
# after 8 s (its first sweeps), its visits over 20 s are counted from the
# scan_mm_end tracepoint: between 7 and 13 (2 s apart; the old rule gave
# 2 or 3; more than 13 means an idle mm is scanned faster than its
# maximum period).
. /tests/lib/common.sh
find_slow_node
T=/sys/kernel/tracing
rm -f /tmp/idle.ready
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --idle-s 120 --seconds 1 \
	--ready-file /tmp/idle.ready >/tmp/idle.out &
pid=$!
n=0
while [ ! -e /tmp/idle.ready ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /tmp/idle.ready ] || { kill $pid; cat /tmp/idle.out; fail "could not place 64 MiB on node $SLOW"; }
load_module
[ "$(knob scan_period_max_ms)" = 2000 ] || fail "scan_period_max_ms is $(knob scan_period_max_ms), not the default 2000"
sleep 8
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
sleep 20
echo 0 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
cp $T/trace /tmp/idle.trace
kill $pid; wait $pid 2>/dev/null
visits=$(trace_visits $pid /tmp/idle.trace | wc -l)
skipped=$(vmstat kmmscand_ptables_skipped)
info "idle pid $pid: $visits visits in 20 s (kmmscand_ptables_skipped $skipped)"
[ "$skipped" -gt 0 ] || fail "no page table was skipped as idle: the case this test is about did not happen"
[ "$visits" -ge 7 ] || fail "$visits visits in 20 s: the idle mm waited longer than scan_period_max_ms"
[ "$visits" -le 13 ] || fail "$visits visits in 20 s: the idle mm was scanned more often than every scan_period_max_ms"
unload_module
check_dmesg
