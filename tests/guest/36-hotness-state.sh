#!/bin/sh
# The hotness state is one byte per slow-tier base page, for slow-tier
# memory only: hotness_bytes (read-only) matches the slow node's size within
# one memory section, dmesg says the same, disabling the daemon frees it and
# enabling it rebuilds it, and the file cannot be written.
. /tests/lib/common.sh
find_slow_node
log_mark
load_module
sleep 0.5
b=$(knob hotness_bytes)
# The state covers the node's online memory blocks (its span, including
# what the kernel reserved there), one byte per 4 KiB page.
bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
blocks=0
for m in /sys/devices/system/node/node$SLOW/memory[0-9]*; do
	[ "$(cat "$m/state")" = online ] && blocks=$((blocks + 1))
done
pages=$((blocks * bs / 4096))
info "node $SLOW: $blocks online blocks of $((bs >> 20)) MiB, $pages pages; hotness_bytes $b"
[ "$pages" -gt 0 ] || fail "node $SLOW has no online memory block"
[ "$b" -ge "$pages" ] || fail "hotness_bytes $b covers fewer than the node's $pages pages"
[ "$b" -le $((pages + pages / 1000 + 4096)) ] ||
	fail "hotness_bytes $b is more than one byte per page of the node"
line=$(log_since_mark | grep 'kmmscand: promoting from lower-tier nodes' | tail -n 1)
info "$line"
echo "$line" | grep -q "hotness state $((b / 1024)) KiB" || fail "dmesg does not report the state's size"
if (echo 1 >"$KNOBS/hotness_bytes") 2>/dev/null; then fail "hotness_bytes accepted a write"; fi
knob_set enabled 0
sleep 0.5
[ "$(knob hotness_bytes)" = 0 ] || fail "disabled, the state still holds $(knob hotness_bytes) bytes"
knob_set enabled 1
sleep 0.5
[ "$(knob hotness_bytes)" = "$b" ] || fail "re-enabled, the state holds $(knob hotness_bytes) bytes, not $b"
unload_module
check_dmesg
