#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the same workload under four promotion mechanisms, one
# after the other in one guest, so that the numbers compare as ratios:
#
#   none      no promotion (numa_balancing=0)
#   numab2    NUMA balancing memory tiering (numa_balancing=2), defaults
#   damon     DAMON paddr with a migrate_hot scheme to node 0
#   kmmscand  this module, default knobs
#
# Workload: a region of SIZE MiB placed on the slow node; its first HOT MiB
# are touched continuously (one write per page per round), the rest was
# touched once.  The mechanism is turned on once the workload runs, and
# the clock starts then.  Reported per mechanism: when 90% of the hot part had
# reached node 0, how much of the cold part moved (wasted promotion), the
# application's system time (hint faults and migration done in its
# context), the CPU time of the mechanism's own thread and the pages
# migrated in total.
#
# Times come from an emulated machine (QEMU TCG): compare the rows, do not
# read the absolute values as hardware numbers.  The application's own
# progress (page touches per second) is not reported: under TCG it depends
# on QEMU's software TLB, which is resized only when the guest flushes it,
# so it measures the emulator rather than the mechanism.
. /tests/lib/common.sh
find_slow_node
SIZE=${BENCH_SIZE_MB:-192}
HOT=${BENCH_HOT_MB:-64}
SECS=${BENCH_SECONDS:-30}
DAMON=/sys/kernel/mm/damon/admin/kdamonds

# cpu_s PID: user+system CPU seconds of a task (USER_HZ = 100).
cpu_s() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

damon_on() {
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	ids=$(ls -d /sys/devices/system/node/node$SLOW/memory[0-9]* | sed 's/.*memory//' | sort -n)
	first=$(echo "$ids" | head -n 1)
	last=$(echo "$ids" | tail -n 1)
	echo 1 >$DAMON/nr_kdamonds
	k=$DAMON/0
	echo 1 >$k/contexts/nr_contexts
	c=$k/contexts/0
	echo paddr >$c/operations
	echo 1 >$c/targets/nr_targets
	echo 1 >$c/targets/0/regions/nr_regions
	echo $((first * bs)) >$c/targets/0/regions/0/start
	echo $(((last + 1) * bs)) >$c/targets/0/regions/0/end
	echo 1 >$c/schemes/nr_schemes
	s=$c/schemes/0
	echo migrate_hot >$s/action
	echo 0 >$s/target_nid
	# Any region accessed in at least 2 of the 20 samples per aggregation,
	# of any size and age (the sysfs defaults of every max are 0).
	echo 2 >$s/access_pattern/nr_accesses/min
	echo 4294967295 >$s/access_pattern/nr_accesses/max
	echo 18446744073709551615 >$s/access_pattern/sz/max
	echo 4294967295 >$s/access_pattern/age/max
	echo on >$k/state
	DAEMON_PID=$(cat $k/pid)
}

damon_off() {
	echo off >$DAMON/0/state
	echo 0 >$DAMON/nr_kdamonds
}

row() {
	printf '%-9s %10s %12s %9s %9s %10s\n' "$@"
}

run_case() {
	name=$1
	out=/tmp/bench-$name.out
	rm -f /tmp/bench.ready /tmp/bench.go
	DAEMON_PID=
	# The workload is placed and running before the mechanism is turned
	# on; its clock starts when the mechanism is on.
	$MEMTIER --size-mb "$SIZE" --hot-mb "$HOT" --node "$SLOW" --pattern hot \
		--seconds "$SECS" --report-ms 250 --until-node 0 --until-pct 101 \
		--ready-file /tmp/bench.ready --go-file /tmp/bench.go >$out &
	app=$!
	while [ ! -e /tmp/bench.ready ] && kill -0 $app 2>/dev/null; do
		sleep 0.1
	done
	migrated_before=$(vmstat pgmigrate_success)
	case $name in
	numab2) echo 2 >/proc/sys/kernel/numa_balancing ;;
	damon) damon_on ;;
	kmmscand) insmod $KO; DAEMON_PID=$(kthread_pids) ;;
	esac
	touch /tmp/bench.go
	wait $app
	daemon_cpu=-
	[ -n "$DAEMON_PID" ] && daemon_cpu=$(cpu_s "$DAEMON_PID")
	case $name in
	numab2) echo 0 >/proc/sys/kernel/numa_balancing ;;
	damon) damon_off ;;
	kmmscand) rmmod kmmscand ;;
	esac
	moved=$(( $(vmstat pgmigrate_success) - migrated_before ))
	sys=$(sed -n 's/^memtier: system time since the clock started \(.*\)s$/\1/p' $out)
	hot_total=$(grep '^memtier: start' $out | sed 's/.*hot_on_node0=[0-9]*\/\([0-9]*\).*/\1/')
	hot_total=${hot_total:-0}
	t90=$(grep '^memtier: at' $out | awk -v need=$((hot_total * 9 / 10)) '
		{ for (i = 1; i <= NF; i++) {
			if ($i ~ /^t=/) { t = substr($i, 3); sub("s", "", t) }
			if ($i ~ /^hot_on_node0=/) { split(substr($i, 14), a, "/"); if (a[1] >= need) { print t; exit } }
		} }')
	final=$(grep '^memtier: final' $out)
	cold=-
	if [ -n "$final" ]; then
		cold=$(echo "$final" | sed 's/.*cold_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/' |
			awk '$2 > 0 { printf "%.1f%%", 100 * $1 / $2 }')
	else
		echo "# $name: memtier printed no final line:"
		sed 's/^/#   /' $out
	fi
	row "$name" "${t90:->${SECS}}" "${cold:--}" "${sys:--}" "$daemon_cpu" "$moved"
}

echo "== $SIZE MiB on node $SLOW, first $HOT MiB hot, ${SECS} s per mechanism ($TOPOLOGY)"
row mechanism "hot->90%" "cold moved" "app sys" "thread" "pages"
row "" "(s)" "(to node 0)" "(s)" "cpu (s)" "migrated"
for m in none numab2 damon kmmscand; do
	run_case $m
done
check_dmesg
