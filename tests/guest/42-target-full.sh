#!/bin/sh
# Node 0 full and nothing to make room with: a process holds all of node
# 0's free memory but 96 MiB, demotion is off (no swap either), and a
# 128 MiB region on the slow node is kept hot, with default knobs.  The
# module promotes what fits above the high watermark, then counts the rest
# in kmmscand_promote_fail_target_full and asks kswapd for room
# (kmmscand_kswapd_requests); kswapd can free nothing.  Over the next 30 s
# the daemon backs off: the kmmscand thread uses at most CPU_BOUND_CS
# centiseconds of CPU (utime + stime; measured under TCG with KASAN: about
# MEASURED cs) and visits at most VISIT_BOUND address spaces, and no
# process is OOM-killed.
. /tests/lib/common.sh
find_slow_node
need_node_mb "$SLOW" 512
CPU_BOUND_CS=${TARGET_FULL_CPU_CS:-300}
VISIT_BOUND=${TARGET_FULL_VISITS:-200}
dem=$(cat /sys/kernel/mm/numa/demotion_enabled)
echo 0 >/sys/kernel/mm/numa/demotion_enabled
free_mb=$(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo)
fill=$((free_mb - 96))
[ "$fill" -gt 256 ] || fail "node 0 has only $free_mb MiB free"
rm -f /tmp/tf.ready /tmp/tf-hot.ready
$MEMTIER --size-mb "$fill" --node 0 --pattern once --seconds 600 --ready-file /tmp/tf.ready >/tmp/tf-fill.out 2>&1 &
filler=$!
n=0
while [ ! -e /tmp/tf.ready ] && kill -0 $filler 2>/dev/null && [ $n -lt 3000 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /tmp/tf.ready ] || { cat /tmp/tf-fill.out; fail "could not fill node 0 with $fill MiB"; }
info "node 0: $fill MiB held, $(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo) MiB free"
load_module
f0=$(vmstat kmmscand_promote_fail_target_full)
k0=$(vmstat kmmscand_kswapd_requests)
p0=$(vmstat kmmscand_promoted)
$MEMTIER --size-mb 128 --node "$SLOW" --pattern hot --seconds 600 --report-ms 600000 --ready-file /tmp/tf-hot.ready >/tmp/tf-hot.out 2>&1 &
hot=$!
stop_all() { kill $hot $filler 2>/dev/null; wait $hot $filler 2>/dev/null; }
# Wait for the first refusal.
n=0
while [ "$(vmstat kmmscand_promote_fail_target_full)" = "$f0" ]; do
	n=$((n + 1))
	[ $n -le 600 ] || { stop_all; cat /tmp/tf-hot.out; fail "no promotion was refused for lack of room within 60 s"; }
	sleep 0.1
done
info "first refusal after $((n / 10)) s; kmmscand_promoted +$(( $(vmstat kmmscand_promoted) - p0 )) by then"
kpid=$(kthread_pids)
cpu() { awk '{ print $14 + $15 }' /proc/$kpid/stat; }
c0=$(cpu)
s0=$(vmstat kmmscand_mm_scans)
f1=$(vmstat kmmscand_promote_fail_target_full)
k1=$(vmstat kmmscand_kswapd_requests)
sleep 30
c1=$(cpu)
s1=$(vmstat kmmscand_mm_scans)
f2=$(vmstat kmmscand_promote_fail_target_full)
k2=$(vmstat kmmscand_kswapd_requests)
kill -0 $hot 2>/dev/null || { stop_all; cat /tmp/tf-hot.out; fail "the hot workload died"; }
kill -0 $filler 2>/dev/null || { stop_all; cat /tmp/tf-fill.out; fail "the process holding node 0 died"; }
stop_all
unload_module
case $dem in true|1) echo 1 ;; *) echo 0 ;; esac >/sys/kernel/mm/numa/demotion_enabled
info "over 30 s: kmmscand thread CPU $((c1 - c0)) cs (bound $CPU_BOUND_CS), visits $((s1 - s0)) (bound $VISIT_BOUND), target_full +$((f2 - f1)) pages, kswapd requests +$((k2 - k1)); before that: target_full +$((f1 - f0)), requests +$((k1 - k0))"
[ $((k2 - k0)) -gt 0 ] || fail "the module never asked kswapd for room"
[ $((f2 - f1)) -gt 0 ] || fail "promotions stopped being refused: the hot set was no longer found hot, or room appeared"
[ $((c1 - c0)) -le "$CPU_BOUND_CS" ] || fail "the kmmscand thread used $((c1 - c0)) cs of CPU in 30 s on a full target (bound $CPU_BOUND_CS)"
[ $((s1 - s0)) -le "$VISIT_BOUND" ] || fail "the daemon made $((s1 - s0)) visits in 30 s on a full target (bound $VISIT_BOUND): no back-off"
if dmesg | grep -Ei 'invoked oom-killer|Out of memory|oom-kill:'; then
	fail "a process was OOM-killed"
fi
check_dmesg
