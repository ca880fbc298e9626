#!/bin/sh
# 20 insmod/rmmod cycles while hot workloads run on the slow node: a 64 MiB
# hot region (promoted during the first cycles) and mmstress, whose
# mbind(MPOL_MF_MOVE) keeps moving pages back to the slow node, so that
# promotions are in flight when rmmod comes.  Each cycle loads the module
# with fast pacing, waits until it has visited address spaces (and holds
# it 0-800 ms more), and unloads it: every load brings up exactly one
# kmmscand thread and the sysfs directory, every unload removes both and
# the module.  Over the cycles pages are promoted.  At the end the
# workloads succeeded, kmemleak (two scans) finds no unreferenced object
# (an mm reference kept across rmmod leaves the mm_struct unreferenced once
# its process exits, and kmemleak reports it; the mm_struct slab's object
# count is not exact on this kernel: shrunk and read three times in a row
# with no process starting or exiting, it gave 4, 3, 3) and the kernel log
# is clean.  Bounds measured under TCG with KASAN: a cycle takes 3-8 s; the
# first visit comes within 10 s of insmod.
. /tests/lib/common.sh
find_slow_node
CYCLES=20
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --seconds 3600 --report-ms 3600000 >/tmp/rl-hot.out 2>&1 &
hot=$!
/tests/bin/mmstress --node "$SLOW" --seconds 3600 --slots 4 --touchers 1 --mutators 1 --no-storms >/tmp/rl-stress.out 2>&1 &
stress=$!
stop_workloads() { kill $hot $stress 2>/dev/null; wait $hot $stress 2>/dev/null; }
sleep 1
p0=$(vmstat kmmscand_promoted)
t0=$(uptime_ms)
i=1
while [ $i -le $CYCLES ]; do
	s0=$(vmstat kmmscand_mm_scans)
	c0=$(uptime_ms)
	if ! insmod "$KO"; then stop_workloads; fail "cycle $i: insmod failed"; fi
	c1=$(uptime_ms)
	pids=$(kthread_pids)
	[ "$(echo $pids | wc -w)" = 1 ] || { stop_workloads; fail "cycle $i: expected one kmmscand thread, found '$pids'"; }
	[ -f "$KNOBS/enabled" ] || { stop_workloads; fail "cycle $i: $KNOBS/enabled missing after insmod"; }
	echo 1 >$KNOBS/hot_threshold
	echo 10 >$KNOBS/scan_sleep_ms
	echo 10 >$KNOBS/scan_period_min_ms
	echo 100 >$KNOBS/scan_period_max_ms
	n=0
	while [ "$(vmstat kmmscand_mm_scans)" -le "$s0" ]; do
		n=$((n + 1))
		[ $n -le 100 ] || { stop_workloads; fail "cycle $i: the daemon visited no address space within 10 s"; }
		sleep 0.1
	done
	c2=$(uptime_ms)
	hold=$(( (i % 5) * 200 ))
	[ $hold = 0 ] || sleep "0.$((hold / 100))"
	c3=$(uptime_ms)
	if ! rmmod kmmscand; then stop_workloads; fail "cycle $i: rmmod failed"; fi
	c4=$(uptime_ms)
	info "cycle $i: insmod $((c1 - c0)) ms, first visit $((c2 - c1)) ms, held $((c3 - c2)) ms, rmmod $((c4 - c3)) ms"
	[ ! -e "$KNOBS" ] || { stop_workloads; fail "cycle $i: $KNOBS still exists after rmmod"; }
	[ -z "$(kthread_pids)" ] || { stop_workloads; fail "cycle $i: a kmmscand thread survived rmmod"; }
	! grep -q '^kmmscand ' /proc/modules || { stop_workloads; fail "cycle $i: module still listed after rmmod"; }
	i=$((i + 1))
done
t1=$(uptime_ms)
p1=$(vmstat kmmscand_promoted)
kill -0 $hot 2>/dev/null || { stop_workloads; cat /tmp/rl-hot.out; fail "the hot workload died"; }
kill -0 $stress 2>/dev/null || { stop_workloads; cat /tmp/rl-stress.out; fail "mmstress died"; }
stop_workloads
info "$CYCLES cycles in $(( (t1 - t0) / 1000 )) s; kmmscand_promoted +$((p1 - p0))"
[ $((p1 - p0)) -gt 0 ] || fail "nothing was promoted over the cycles: the workload was not hot on the slow node"
grep -q 'FAIL' /tmp/rl-stress.out && { cat /tmp/rl-stress.out; fail "mmstress found a wrong value"; }
check_kmemleak "after $CYCLES load cycles"
check_dmesg
