#!/bin/sh
# Processes promoted side by side.  The module loaded first, then 8
# processes, each with a 32 MiB hot and a 16 MiB cold region on the slow
# node, placed and left untouched, then turning hot at the same moment
# (memtier --start-file: one clock for all).  A visit ends its turn once it
# has promoted policy::pace::TURN_PAGES (4 MiB) and the other due
# processes visit before it goes on, so all eight are promoted at once,
# not one after another: there is a moment when every process has
# between 10% and 90% of its hot set on node 0 (the last process to pass
# 10% does so before the first passes 90%).  Promoted one whole process
# at a time, the last passes 10% about seven processes' promotion after
# the first passed 90%.  Every process reaches 90% within LIMIT s, and
# no more than 5% of the cold memory moves.
#
# scan_period_max_ms is 500 ms here (the smallest the default minimum
# allows) so that the idle processes' next visits, and so the moments
# their hot sets are found, lie within 0.5 s of each other: the test is
# about sharing the promotion, not about finding the hot sets.
. /tests/lib/common.sh
find_slow_node
LIMIT=${SIDE_LIMIT_S:-180}
N=8
load_module
knob_set scan_period_max_ms 500
rm -f /tmp/start /tmp/ready*
i=1
while [ $i -le $N ]; do
	$MEMTIER --size-mb 48 --hot-mb 32 --node "$SLOW" --pattern hot --seconds "$LIMIT" \
		--until-node 0 --until-pct 90 --report-ms 250 --ready-file /tmp/ready$i \
		--start-file /tmp/start >/tmp/side$i.out 2>&1 &
	eval pid$i=$!
	i=$((i + 1))
done
n=0
while [ "$(ls /tmp/ready* 2>/dev/null | wc -l)" -lt $N ] && [ $n -lt 1200 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ "$(ls /tmp/ready* 2>/dev/null | wc -l)" = $N ] || fail "the $N processes were not placed within 120 s"
# Let the scanner see the placed, idle regions (their periods back off).
sleep 3
touch /tmp/start
failed=0 cold=0 cold_total=0
last10=0 first90=999999
i=1
while [ $i -le $N ]; do
	eval wait \$pid$i
	rc=$?
	reached=$(grep '^memtier: reached' /tmp/side$i.out)
	if [ $rc != 0 ] || [ -z "$reached" ]; then
		info "process $i: exit $rc, did not reach 90% in $LIMIT s:"
		tail -n 3 /tmp/side$i.out | sed 's/^/  /'
		failed=$((failed + 1))
		i=$((i + 1))
		continue
	fi
	# Times in ms on the shared clock: the first report with
	# 10% of the hot set on node 0, and the one that reached 90%.
	t10=$(awk '/^memtier: (at|reached) / {
			split($3, t, "[=s]"); split($4, h, "[=/]")
			if (h[2] * 10 >= h[3]) { printf "%d\n", t[2] * 1000; exit }
		}' /tmp/side$i.out)
	t90=$(echo "$reached" | awk '{ split($3, t, "[=s]"); printf "%d\n", t[2] * 1000 }')
	set -- $(echo "$reached" | sed 's/.*cold_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/')
	cold=$((cold + $1)) cold_total=$((cold_total + $2))
	info "process $i: 10% at ${t10} ms, 90% at ${t90} ms"
	[ "$t10" -gt "$last10" ] && last10=$t10
	[ "$t90" -lt "$first90" ] && first90=$t90
	i=$((i + 1))
done
knob_set scan_period_max_ms 2000
[ $failed = 0 ] || fail "$failed of $N processes did not reach 90% on node 0 within $LIMIT s"
info "the last process passed 10% at ${last10} ms, the first passed 90% at ${first90} ms; cold moved $cold of $cold_total pages"
[ "$last10" -lt "$first90" ] ||
	fail "the last process passed 10% (${last10} ms) only after the first passed 90% (${first90} ms): processes were promoted one after another"
[ $((cold * 100)) -le $((cold_total * 5)) ] || fail "more than 5% of the cold memory moved"
unload_module
check_dmesg
