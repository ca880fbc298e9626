#!/bin/sh
# The hotness state is one byte per slow-tier base page, for slow-tier
# memory only: hotness_bytes (read-only) matches the slow node's size within
# one memory section, dmesg says the same, disabling the daemon frees it and
# enabling it rebuilds it, and the file cannot be written.
. /tests/lib/common.sh
find_slow_node
load_module
sleep 0.5
b=$(knob hotness_bytes)
total_kb=$(awk '/MemTotal/ { print $4 }' /sys/devices/system/node/node$SLOW/meminfo)
pages=$((total_kb / 4))
section_pages=32768
info "node $SLOW: $pages pages; hotness_bytes $b"
[ "$b" -ge "$pages" ] || fail "hotness_bytes $b covers fewer than the node's $pages pages"
[ "$b" -le $(( (pages + section_pages) * 101 / 100 + 4096 )) ] ||
	fail "hotness_bytes $b is more than one byte per page of the node (plus one section)"
line=$(dmesg | grep 'kmmscand: promoting from lower-tier nodes' | tail -n 1)
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
