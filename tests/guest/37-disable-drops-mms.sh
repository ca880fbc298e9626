#!/bin/sh
# Disabling the daemon lets go of every address space at once: the per-mm
# states, each holding an mm_count reference, are dropped (tracked_mms
# reads 0 within a second) instead of waiting for a pass that never comes;
# enabling it again finds the processes again.
. /tests/lib/common.sh
find_slow_node
load_module
fast_knobs
rm -f /tmp/dd.ready
$MEMTIER --size-mb 8 --node "$SLOW" --pattern hot --seconds 8 --ready-file /tmp/dd.ready >/dev/null &
pid=$!
sleep 1.5
n=$(knob tracked_mms)
info "tracking $n address spaces while enabled"
[ "$n" -ge 1 ] || fail "the daemon tracks no address space while a process runs"
knob_set enabled 0
sleep 1
[ "$(knob tracked_mms)" = 0 ] || fail "disabled, the daemon still tracks $(knob tracked_mms) address spaces"
knob_set enabled 1
sleep 1.5
[ "$(knob tracked_mms)" -ge 1 ] || fail "re-enabled, the daemon does not find the process again"
kill $pid; wait $pid 2>/dev/null
unload_module
check_dmesg
