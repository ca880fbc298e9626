#!/bin/sh
# The thread is freezable: it does not carry PF_NOFREEZE (kthreads do until
# they call set_freezable()), a system suspend (the PM core's freezer test:
# freeze every task, wait, thaw) succeeds while it scans a hot region, and
# the thread works again afterwards.
. /tests/lib/common.sh
find_slow_node
# config.fragment pins CONFIG_PM_DEBUG and CONFIG_SUSPEND: their absence is a failure.
[ -w /sys/power/pm_test ] || fail "no /sys/power/pm_test: kernel without CONFIG_PM_DEBUG"
grep -qw freeze /sys/power/state || fail "suspend-to-idle not available ($(cat /sys/power/state))"
load_module
kpid=$(kthread_pids)
flags=$(awk '{ print $9 }' /proc/$kpid/stat)
info "kmmscand thread $kpid flags $(printf '%#x' "$flags")"
[ $((flags & 0x8000)) = 0 ] || fail "the kmmscand thread has PF_NOFREEZE: it is not freezable"
# Only look at what the kernel logs from here on.
log_start=$(dmesg | wc -l)
new_log() { dmesg | tail -n +$((log_start + 1)); }
$MEMTIER --size-mb 32 --node "$SLOW" --pattern hot --seconds 30 --report-ms 30000 >/dev/null &
pid=$!
sleep 1
echo 3000 >/sys/power/pm_freeze_timeout
echo 1 >/sys/module/suspend/parameters/pm_test_delay 2>/dev/null
echo freezer >/sys/power/pm_test
if ! echo freeze >/sys/power/state; then
	echo none >/sys/power/pm_test
	kill $pid
	new_log | tail -n 20
	fail "suspend (freezer test) failed"
fi
echo none >/sys/power/pm_test
if new_log | grep -E 'refused to freeze|Freezing of tasks failed|Freezing.*aborted'; then
	kill $pid
	fail "a task refused to freeze"
fi
new_log | grep -q 'Freezing remaining freezable tasks' || fail "the freezer did not run (no log)"
# The thread must visit an address space again after the thaw (a wake-up
# alone, every scan_sleep_ms, proves nothing): an mm is due at the latest
# 4 x scan_period_max_ms after its last visit (one with no slow-tier
# memory left, once the hot set has moved), plus 3 s for a visit in
# progress.
bound=$(( 4 * $(knob scan_period_max_ms) / 1000 + 3 ))
w0=$(vmstat kmmscand_mm_scans)
waited=0
w1=$w0
while [ "$w1" -le "$w0" ] && [ $waited -lt $bound ]; do
	sleep 1
	waited=$((waited + 1))
	w1=$(vmstat kmmscand_mm_scans)
done
kill $pid
wait $pid 2>/dev/null
info "froze and thawed; kmmscand_mm_scans $w0 -> $w1 within $waited s after (bound $bound s)"
[ "$w1" -gt "$w0" ] || fail "no address space was visited within $bound s after thaw"
unload_module
check_dmesg
