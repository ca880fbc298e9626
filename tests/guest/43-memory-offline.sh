#!/bin/sh
# Slow-tier memory going away and coming back while the module scans a hot
# region on it.  The rate limit is 0, so the region stays on the slow node
# and is scanned all along (kmmscand_young grows).
#
# hmat: memory blocks of the slow node are offlined one by one (some are
# unmovable, e.g. KASAN's shadow or page tables: blocks are tried from the
# top until two went offline), then onlined again.  After each change the
# module logs "promoting from lower-tier nodes ... hotness state N KiB for
# M MiB" with M one block smaller (larger), hotness_bytes drops (grows) by
# one byte per page of the block plus at most 256 bytes of section
# overhead, and scanning goes on.
#
# cxl: the CXL region is torn down (its memory blocks offlined, the dax
# device unbound from kmem, the region unbound, decommitted and deleted)
# and built again with qemu/guest/cxl-setup.sh.  While it is gone the
# module logs that there is no lower-tier node and holds no hotness state;
# once it is back it logs the new state, hotness_bytes is what it was, and
# a hot region placed on the new node is scanned.
. /tests/lib/common.sh
find_slow_node
N=/sys/devices/system/node/node$SLOW
page_kb=4

# last_line: the module's last topology log line.
last_line() { dmesg | grep 'kmmscand: promoting from lower-tier nodes\|kmmscand: no lower-tier memory node' | tail -n 1; }
line_has() { last_line | grep -q "$1"; }
node_mib() { awk '/MemTotal/ { print int($4 / 1024) }' $N/meminfo; }

load_module
fast_knobs
knob_set hot_threshold 1
knob_set promote_rate_limit_mbps 0
size=$([ "$TOPOLOGY" = cxl ] && echo 8 || echo 256)
rm -f /tmp/mo.ready
$MEMTIER --size-mb $size --node "$SLOW" --pattern hot --seconds 900 --report-ms 900000 --ready-file /tmp/mo.ready >/tmp/mo.out 2>&1 &
hot=$!
cleanup() { kill $hot 2>/dev/null; wait $hot 2>/dev/null; }
wait_for test -e /tmp/mo.ready || wait_for test -e /tmp/mo.ready || { cleanup; cat /tmp/mo.out; fail "could not place $size MiB on node $SLOW"; }
young_grows || { cleanup; fail "the hot region is not scanned"; }
b0=$(knob hotness_bytes)
l0=$(last_line)
info "before: hotness_bytes $b0; $l0"
m0=$(echo "$l0" | sed -n 's/.* for \([0-9]*\) MiB of lower-tier memory.*/\1/p')
[ -n "$m0" ] || { cleanup; fail "no topology log line with the hotness state"; }

if [ "$TOPOLOGY" != cxl ]; then
	block_bytes=$(( $(cat /sys/devices/system/memory/block_size_bytes | sed 's/^/0x/') ))
	block_mib=$((block_bytes >> 20))
	per_block=$((block_bytes / 4096))
	off=
	m=$m0 b=$b0
	for blk in $(ls -d $N/memory[0-9]* | sed 's/.*memory//' | sort -rn); do
		st=$N/memory$blk/state
		[ "$(cat $st)" = online ] || continue
		if ! timeout -s INT 20 sh -c "echo offline > $st" 2>/dev/null; then
			info "memory$blk: cannot be offlined (unmovable pages), next"
			continue
		fi
		off="$off $blk"
		m=$((m - block_mib))
		wait_for hotness_bytes_in $((b - per_block - 256)) $((b - per_block)) ||
			{ cleanup; fail "memory$blk offline: hotness_bytes $(knob hotness_bytes), expected $((b - per_block)) (-256)"; }
		b=$(knob hotness_bytes)
		wait_for line_has " for $m MiB of lower-tier memory" ||
			{ cleanup; fail "memory$blk offline: no log line for $m MiB (last: $(last_line))"; }
		young_grows || { cleanup; fail "scanning stopped after memory$blk went offline"; }
		info "memory$blk offline: hotness_bytes $b; $(last_line | sed 's/.*hotness state/hotness state/')"
		[ "$(echo $off | wc -w)" -lt 2 ] || break
	done
	[ "$(echo $off | wc -w)" = 2 ] || { cleanup; fail "fewer than two blocks of node $SLOW could be offlined"; }
	kill -0 $hot 2>/dev/null || { cat /tmp/mo.out; fail "the hot workload died while its memory was offlined"; }
	for blk in $off; do
		echo online >$N/memory$blk/state || { cleanup; fail "memory$blk did not come back online"; }
		m=$((m + block_mib))
		wait_for hotness_bytes_in $((b + per_block)) $((b + per_block + 256)) ||
			{ cleanup; fail "memory$blk online: hotness_bytes $(knob hotness_bytes), expected $((b + per_block)) (+256)"; }
		b=$(knob hotness_bytes)
		wait_for line_has " for $m MiB of lower-tier memory" ||
			{ cleanup; fail "memory$blk online: no log line for $m MiB (last: $(last_line))"; }
		young_grows || { cleanup; fail "scanning stopped after memory$blk came back"; }
		info "memory$blk online: hotness_bytes $b; $(last_line | sed 's/.*hotness state/hotness state/')"
	done
	[ "$b" = "$b0" ] || { cleanup; fail "hotness_bytes $b after onlining everything, $b0 before"; }
	kill -0 $hot 2>/dev/null || { cat /tmp/mo.out; fail "the hot workload died"; }
	cleanup
else
	# Tear the region down.  Its memory must go offline first (kmem
	# cannot remove online memory); memtier's pages migrate to node 0.
	dax=$(basename "$(ls -d /sys/bus/dax/devices/dax* | head -n 1)")
	cxl=/sys/bus/cxl/devices
	region=$(basename "$(ls -d $cxl/region* | head -n 1)")
	for blk in $N/memory[0-9]*; do
		[ "$(cat $blk/state)" = offline ] || timeout -s INT 60 sh -c "echo offline > $blk/state" ||
			{ cleanup; fail "$(basename $blk) of the CXL node did not go offline"; }
	done
	echo "$dax" >/sys/bus/dax/drivers/kmem/unbind || { cleanup; fail "unbinding $dax from kmem failed"; }
	wait_for line_has "no lower-tier memory node" || { cleanup; fail "no log line saying the slow tier is gone (last: $(last_line))"; }
	wait_for hotness_bytes_in 0 0 || { cleanup; fail "the slow tier is gone, hotness_bytes is still $(knob hotness_bytes)"; }
	kill -0 $hot 2>/dev/null || { cat /tmp/mo.out; fail "the hot workload died when its memory went away"; }
	cleanup
	echo "$region" >/sys/bus/cxl/drivers/cxl_region/unbind || fail "unbinding $region failed"
	echo 0 >$cxl/$region/commit || fail "decommitting $region failed"
	decoder=$(basename "$(ls -d $cxl/decoder*.* | while read -r d; do [ -f $d/delete_region ] && echo $d; done | head -n 1)")
	echo "$region" >$cxl/$decoder/delete_region || fail "deleting $region failed"
	for ep in $cxl/endpoint*/decoder*.0; do echo 0 >$ep/dpa_size; done
	info "region $region torn down: $(last_line)"
	sh /tests/lib/cxl-setup.sh || fail "rebuilding the CXL region failed"
	find_slow_node
	N=/sys/devices/system/node/node$SLOW
	wait_for line_has " for $m0 MiB of lower-tier memory" || fail "no log line for the rebuilt region (last: $(last_line))"
	wait_for hotness_bytes_in "$b0" "$b0" || fail "rebuilt: hotness_bytes $(knob hotness_bytes), $b0 before"
	info "rebuilt: node $SLOW, $(last_line)"
	rm -f /tmp/mo.ready
	$MEMTIER --size-mb $size --node "$SLOW" --pattern hot --seconds 900 --report-ms 900000 --ready-file /tmp/mo.ready >/tmp/mo.out 2>&1 &
	hot=$!
	wait_for test -e /tmp/mo.ready || wait_for test -e /tmp/mo.ready || { cleanup; cat /tmp/mo.out; fail "could not place $size MiB on the rebuilt node"; }
	young_grows || { cleanup; fail "the rebuilt node's memory is not scanned"; }
	cleanup
fi
unload_module
check_dmesg
