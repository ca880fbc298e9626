#!/bin/sh
# A process whose hot set was just promoted is an application at work
# whose hot set may move: its idle sweeps back off only as far as the cost
# of re-reading its used page tables allows (policy::pace, "closely
# watched"), so memory of it that turns hot later is seen within
# scan_period_min_ms, not scan_period_max_ms.  memtier places 192 MiB on
# the slow node, 64 MiB of it hot, the rest touched once; once the hot part
# is promoted and its sweeps find nothing young, its visits over 10 s are
# counted from the scan_mm_end tracepoint: 14 to 24 (every 0.5 s, the
# default scan_period_min_ms; before, 5 or 6: every 2 s).  A process
# beside it with 64 MiB idle on the slow node, never promoted from, keeps
# the 2 s maximum: 3 to 7 visits.  It wakes up every 100 ms (it runs,
# touching nothing of its region): a process that sleeps through is quiet
# and not visited at all (39-idle-revisit).
. /tests/lib/common.sh
find_slow_node
T=/sys/kernel/tracing
hot_pages=$((64 * 256))
rm -f /tmp/w.ready /tmp/i.ready
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --idle-s 120 --idle-wake-ms 100 --seconds 1 \
	--ready-file /tmp/i.ready >/tmp/i.out &
idle=$!
$MEMTIER --size-mb 192 --hot-mb 64 --node "$SLOW" --pattern hot --seconds 120 \
	--report-ms 1000 --ready-file /tmp/w.ready >/tmp/w.out &
pid=$!
n=0
while { [ ! -e /tmp/w.ready ] || [ ! -e /tmp/i.ready ]; } && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /tmp/w.ready ] && [ -e /tmp/i.ready ] || { kill $pid $idle; cat /tmp/w.out /tmp/i.out; fail "could not place the regions on node $SLOW"; }
load_module
# The hot part promoted (its 90%), within 20-promote-hot's bound.
limit=$(promote_limit_s)
n=0
while [ "$(vmstat kmmscand_promoted)" -lt $((hot_pages * 9 / 10)) ] && [ $n -lt $((limit * 10)) ]; do
	sleep 0.1
	n=$((n + 1))
done
promoted=$(vmstat kmmscand_promoted)
[ "$promoted" -ge $((hot_pages * 9 / 10)) ] || { kill $pid $idle; fail "only $promoted of $hot_pages hot pages promoted in $limit s"; }
# The rest of the hot part, then sweeps that find nothing young.
sleep 4
y0=$(vmstat kmmscand_young)
echo >$T/trace
echo 1 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
sleep 10
echo 0 >$T/events/kmmscand/kmmscand_scan_mm_end/enable
y1=$(vmstat kmmscand_young)
cp $T/trace /tmp/w.trace
kill $pid $idle
wait $pid 2>/dev/null
wait $idle 2>/dev/null
visits=$(trace_visits $pid /tmp/w.trace | wc -l)
idle_visits=$(trace_visits $idle /tmp/w.trace | wc -l)
info "promoted pid $pid: $visits visits in 10 s; idle pid $idle: $idle_visits; young pages meanwhile: $((y1 - y0))"
tail -n 2 /tmp/w.out
grep 'kmmscand_scan_mm_end: .* young=[1-9]' /tmp/w.trace | sed 's/.*\] //' | head -n 5
[ $((y1 - y0)) -lt 64 ] || fail "$((y1 - y0)) young pages while counting: the sweeps were not idle, the case this test is about did not happen"
[ "$visits" -ge 14 ] || fail "$visits visits in 10 s: the promoted-from mm backed off beyond scan_period_min_ms"
[ "$visits" -le 24 ] || fail "$visits visits in 10 s: the promoted-from mm was visited more often than every scan_period_min_ms"
[ "$idle_visits" -ge 3 ] || fail "$idle_visits visits of the idle mm in 10 s: it waited longer than scan_period_max_ms"
[ "$idle_visits" -le 7 ] || fail "$idle_visits visits of the idle mm in 10 s: watching spread to a process never promoted from"
unload_module
check_dmesg
