#!/bin/sh
# A system suspend while the thread promotes a 1 GiB hot set: one wake-up
# can visit a process whose visit promotes hundreds of MiB, so the thread
# has a freeze point between visits and between migration batches.  The
# PM core's freezer test (freeze every task, wait, thaw) must succeed with
# a 2 s freeze timeout (the kernel's default is 20 s) while promotion is
# in progress, and promotion must go on after the thaw until >= 90% of the
# set is on node 0 within 200 s of the start (alone: 50-85 s; in the suite
# 75-114 s, and once 76% at 128 s, the earlier bound).
. /tests/lib/common.sh
find_slow_node
need_node_mb "$SLOW" 1200
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test: kernel without CONFIG_PM_DEBUG"
grep -qw freeze /sys/power/state || fail "suspend-to-idle not available ($(cat /sys/power/state))"
rm -f /tmp/fz.ready
{ echo "node 0 MemFree $(awk '/MemFree/ { print $4 }' /sys/devices/system/node/node0/meminfo) kB"; big_procs; } >/tmp/fz.procs
$MEMTIER --size-mb 1024 --node "$SLOW" --pattern hot --seconds 200 \
	--until-node 0 --until-pct 90 --report-ms 5000 --ready-file /tmp/fz.ready >/tmp/fz.out 2>&1 &
pid=$!
wait_ready /tmp/fz.ready $pid /tmp/fz.out
load_module
sample_start /tmp/fz.samples
# Wait until 64 MiB have moved: promotion is under way.
p0=$(vmstat kmmscand_promoted)
i=0
while [ $(($(vmstat kmmscand_promoted) - p0)) -lt 16384 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
p1=$(vmstat kmmscand_promoted)
[ $((p1 - p0)) -ge 16384 ] || { kill $pid; fail "promotion did not start within 60 s (kmmscand_promoted +$((p1 - p0)))"; }
log_start=$(dmesg | wc -l)
new_log() { dmesg | tail -n +$((log_start + 1)); }
echo 2000 >/sys/power/pm_freeze_timeout
echo 1 >/sys/module/suspend/parameters/pm_test_delay 2>/dev/null
echo freezer >/sys/power/pm_test
froze=1
echo freeze >/sys/power/state || froze=0
echo none >/sys/power/pm_test
echo 20000 >/sys/power/pm_freeze_timeout
p2=$(vmstat kmmscand_promoted)
info "kmmscand_promoted +$((p1 - p0)) before the freeze, +$((p2 - p0)) after the thaw"
if [ $froze = 0 ] || new_log | grep -E 'refused to freeze|Freezing of tasks failed|Freezing.*aborted'; then
	new_log | grep -E 'kmmscand|Freezing|refused' | tail -n 10
	kill $pid
	wait $pid 2>/dev/null
	fail "the freeze failed within 2 s while kmmscand was promoting"
fi
new_log | grep -q 'Freezing remaining freezable tasks' || { kill $pid; fail "the freezer did not run (no log)"; }
wait $pid
rc=$?
cat /tmp/fz.out
p3=$(vmstat kmmscand_promoted)
info "kmmscand_promoted +$((p3 - p2)) after the thaw"
sample_stop
# Printed pass or fail: a slow start or a stall shows in the CI log.
sed -e 's/^/sample: /' -e 's/promote_fail_[a-z_]*=0 //g' /tmp/fz.samples
sed 's/^/before the test: /' /tmp/fz.procs
[ $rc = 0 ] || fail "the hot set did not reach 90% on node 0 after the thaw"
[ $((p3 - p2)) -gt 0 ] || fail "nothing was promoted after the thaw"
unload_module
check_dmesg
