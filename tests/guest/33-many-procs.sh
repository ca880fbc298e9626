#!/bin/sh
# Many processes, small hot sets: the module loaded first, then 8 processes,
# each with its own 24 MiB hot region and 24 MiB cold region on the slow
# node.  Every process's hot region reaches 90% on node 0 within LIMIT s,
# and no more than 5% of the cold memory moves.  The bound is not a speed
# claim: under TCG with KASAN the eight busy processes leave the nice-0
# thread about 2/9 of the two vCPUs, and the slowest process reached 90%
# after 30-56 s in local full-suite runs; one CI run had 7 of 8 short of
# it at 60 s (all moving, 4096 of 6144 pages each).
. /tests/lib/common.sh
find_slow_node
LIMIT=${MANY_LIMIT_S:-120}
N=8
load_module
p0=$(vmstat kmmscand_promoted)
i=1
while [ $i -le $N ]; do
	$MEMTIER --size-mb 48 --hot-mb 24 --node "$SLOW" --pattern hot --seconds "$LIMIT" \
		--until-node 0 --until-pct 90 --report-ms 1000 >/tmp/proc$i.out 2>&1 &
	eval pid$i=$!
	i=$((i + 1))
done
failed=0 slowest=0 cold=0 cold_total=0
i=1
while [ $i -le $N ]; do
	eval wait \$pid$i
	rc=$?
	line=$(grep '^memtier: reached' /tmp/proc$i.out)
	if [ $rc != 0 ] || [ -z "$line" ]; then
		info "process $i: exit $rc, did not reach 90% in $LIMIT s:"
		tail -n 3 /tmp/proc$i.out | sed 's/^/  /'
		failed=$((failed + 1))
	else
		t=$(echo "$line" | sed 's/.* t=\([0-9]*\).*/\1/')
		[ "$t" -gt "$slowest" ] && slowest=$t
		set -- $(echo "$line" | sed 's/.*cold_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/')
		cold=$((cold + $1)) cold_total=$((cold_total + $2))
		info "process $i: $(echo "$line" | cut -d' ' -f3-4)"
	fi
	i=$((i + 1))
done
[ $failed = 0 ] || fail "$failed of $N processes did not reach 90% on node 0 within $LIMIT s"
info "all $N processes at 90% on node 0; the slowest after ~${slowest} s (bound $LIMIT s); cold moved $cold of $cold_total pages"
[ $((cold * 100)) -le $((cold_total * 5)) ] || fail "more than 5% of the cold memory moved"
unload_module
p1=$(vmstat kmmscand_promoted)
[ $((p1 - p0)) -le $((N * 48 * 256)) ] || fail "kmmscand_promoted grew by $((p1 - p0)), more than the $N regions' $((N * 48 * 256)) pages"
check_dmesg
