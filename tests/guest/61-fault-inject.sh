#!/bin/sh
# Allocation failures injected into the kmmscand thread and into memory
# online (failslab and fail_page_alloc, every allocation of the marked
# tasks failing: probability 100, task-filter, make-it-fail).
#
#   1. The thread, while it promotes a 64 MiB hot region: every destination
#      page it asks for fails.  For 8 s nothing is promoted
#      (kmmscand_promoted +0) and kmmscand_promote_fail_migrate grows (the
#      counters say what failed); the thread keeps scanning
#      (kmmscand_young grows).  Injection off: the region reaches 90% on
#      node 0 within 30 s.
#   2. Memory online, with the thread still failing: a slow-node memory
#      block offlined and onlined again.  The module's memory notifier only
#      flags the change (it allocates nothing, in the onlining task or
#      anywhere); the thread allocates the hotness state for the new memory,
#      and that fails: the module says so in the log, and hotness_bytes
#      stays one block short.  Injection off: hotness_bytes is back to its
#      value before the offline within 10 s, and a new 16 MiB hot region
#      reaches 90% on node 0 within 20 s.
#   Then: no splat, rmmod, and kmemleak finds nothing the module leaked.
. /tests/lib/common.sh
find_slow_node
D=/sys/kernel/debug
[ -d $D/failslab ] && [ -d $D/fail_page_alloc ] ||
	fail "no failslab/fail_page_alloc in debugfs (config.fragment pins CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)"
# inject P: every allocation of a task with make-it-fail set fails with
# probability P% (0: off), whatever its GFP flags and order.
inject() {
	for f in failslab fail_page_alloc; do
		echo 0 >$D/$f/verbose
		echo N >$D/$f/ignore-gfp-wait
		echo -1 >$D/$f/times
		echo 1 >$D/$f/interval
		echo 0 >$D/$f/space
		echo Y >$D/$f/task-filter
		echo "$1" >$D/$f/probability
	done
	echo N >$D/fail_page_alloc/ignore-gfp-highmem
	echo 0 >$D/fail_page_alloc/min-order
}

load_module
fast_knobs
k=$(kthread_pids)
[ -n "$k" ] || fail "no kmmscand thread"
log_mark
rm -f /tmp/fi.ready
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --seconds 600 --report-ms 1000 \
	--ready-file /tmp/fi.ready >/tmp/fi.out 2>&1 &
hot=$!
cleanup() { echo 0 >/proc/$k/make-it-fail 2>/dev/null; inject 0; kill $hot 2>/dev/null; wait $hot 2>/dev/null; }
wait_ready /tmp/fi.ready $hot /tmp/fi.out
# Its state allocated, the process is scanned before anything fails.
young_grows || { cleanup; fail "the hot region is not scanned"; }

# --- 1: the thread ----------------------------------------------------------
inject 100
echo 1 >/proc/$k/make-it-fail
sleep 1
p0=$(vmstat kmmscand_promoted) f0=$(vmstat kmmscand_promote_fail_migrate) y0=$(vmstat kmmscand_young)
sleep 8
p1=$(vmstat kmmscand_promoted) f1=$(vmstat kmmscand_promote_fail_migrate) y1=$(vmstat kmmscand_young)
echo 0 >/proc/$k/make-it-fail
info "injecting for 8 s: promoted +$((p1 - p0)), promote_fail_migrate +$((f1 - f0)), young +$((y1 - y0)); node 0 has $(field node0 /tmp/fi.out) of 16384 pages"
[ $((p1 - p0)) = 0 ] || { cleanup; fail "pages were promoted while every allocation of the thread failed"; }
[ $((f1 - f0)) -gt 0 ] || { cleanup; fail "kmmscand_promote_fail_migrate did not count the failed promotions"; }
[ $((y1 - y0)) -gt 0 ] || { cleanup; fail "the thread stopped scanning while its allocations failed"; }
n=0
while [ "$(field node0 /tmp/fi.out)" -lt $((16384 * 9 / 10)) ]; do
	n=$((n + 1))
	[ $n -le 30 ] || { cleanup; fail "promotion did not resume: $(field node0 /tmp/fi.out) of 16384 pages on node 0 30 s after injection stopped"; }
	sleep 1
done
info "injection off: 90% on node 0 within $n s"

# --- 2: memory online ---------------------------------------------------------
N=/sys/devices/system/node/node$SLOW
b0=$(knob hotness_bytes)
per_block=$(( $(sed 's/^/0x/' /sys/devices/system/memory/block_size_bytes) / 4096 ))
blk=
for b in $(ls -d $N/memory[0-9]* | sed 's/.*memory//' | sort -rn); do
	[ "$(cat $N/memory$b/state)" = online ] || continue
	if timeout -s INT 20 sh -c "echo offline > $N/memory$b/state" 2>/dev/null; then
		blk=$b
		break
	fi
done
[ -n "$blk" ] || { cleanup; fail "no memory block of node $SLOW could be offlined"; }
wait_for hotness_bytes_in $((b0 - per_block - 256)) $((b0 - per_block)) || { cleanup; fail "memory$blk offline: hotness_bytes $(knob hotness_bytes), expected $((b0 - per_block))"; }
bo=$(knob hotness_bytes)
echo 1 >/proc/$k/make-it-fail
echo online >$N/memory$blk/state || { cleanup; fail "memory$blk cannot be onlined again"; }
sleep 3
b1=$(knob hotness_bytes)
warned=$(log_since_mark | grep -c 'kmmscand: hotness state: \(no memory for\|rebuilding failed\)')
echo 0 >/proc/$k/make-it-fail
inject 0
info "memory$blk online, thread failing: hotness_bytes $b1 (before the offline $b0), $warned warnings"
[ "$b1" = "$bo" ] || { cleanup; fail "hotness_bytes $b1 while no allocation could succeed (expected $bo, as with the block offline)"; }
[ "$warned" -ge 1 ] || { cleanup; log_since_mark | grep kmmscand; fail "the module did not log that it could not track the new memory"; }
wait_for hotness_bytes_in "$b0" "$b0" || { cleanup; fail "hotness_bytes $(knob hotness_bytes) 10 s after injection stopped, expected $b0"; }
cleanup
# Scanning and promotion go on: a new hot region (the first one is on node 0
# by now) is promoted as 20-promote-hot's is.
$MEMTIER --size-mb 16 --node "$SLOW" --pattern hot --seconds 20 \
	--until-node 0 --until-pct 90 --report-ms 1000 >/tmp/fi-after.out 2>&1 ||
	{ cat /tmp/fi-after.out; fail "a new hot region did not reach 90% on node 0 within 20 s after injection"; }
info "after injection: $(grep '^memtier: ' /tmp/fi-after.out | tail -n 1)"
unload_module
check_dmesg
check_kmemleak "after allocation failures"
