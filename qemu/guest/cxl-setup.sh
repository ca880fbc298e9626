#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Turn QEMU's CXL Type-3 volatile device into a NUMA node, with sysfs only
# (no ndctl/cxl-cli in the guest):
#   root decoder (cap_ram) -> create_ram_region -> endpoint decoder in ram
#   mode with the device's capacity -> region geometry, target, commit ->
#   bind cxl_region -> the dax device goes to kmem -> memory blocks online
#   (memhp_default_state=online_movable does that) -> a new, lower-tier node.
set -e
say() { echo "cxl-setup: $*"; }
fail() { echo "cxl-setup: error: $*" >&2; exit 1; }
cxl=/sys/bus/cxl/devices

# The CXL core probes asynchronously: wait for the endpoint decoder.
i=0
while [ -z "$(ls -d $cxl/endpoint*/decoder*.0 2>/dev/null)" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "no CXL endpoint decoder after 10 s (is the device there? $(ls $cxl 2>/dev/null | tr '\n' ' '))"
	sleep 0.1
done

root=
for d in $cxl/decoder*.*; do
	[ -f "$d/cap_ram" ] && [ "$(cat "$d/cap_ram")" = 1 ] && { root=$d; break; }
done
[ -n "$root" ] || fail "no root decoder with cap_ram=1"
ep=$(ls -d $cxl/endpoint*/decoder*.0 | head -n 1)
epname=$(basename "$ep")
memdev=$(ls -d $cxl/mem* | head -n 1)
size=$(cat "$memdev/ram/size")
[ "$((size))" -gt 0 ] || fail "$memdev has no volatile capacity"

region=$(cat "$root/create_ram_region")
echo "$region" >"$root/create_ram_region"
r=$cxl/$region
echo ram >"$ep/mode"
echo "$size" >"$ep/dpa_size"
echo 1 >"$r/interleave_ways"
echo 256 >"$r/interleave_granularity"
echo "$size" >"$r/size"
echo "$epname" >"$r/target0"
echo 1 >"$r/commit"
echo "$region" >/sys/bus/cxl/drivers/cxl_region/bind
say "$region committed: $(basename "$root") -> $epname, size $size"

# The region's dax device: make it system RAM through kmem.
i=0
while [ -z "$(ls -d /sys/bus/dax/devices/dax* 2>/dev/null)" ]; do
	i=$((i + 1))
	[ $i -le 50 ] || fail "no dax device for $region"
	sleep 0.1
done
dax=$(basename "$(ls -d /sys/bus/dax/devices/dax* | head -n 1)")
drv=$(basename "$(readlink /sys/bus/dax/devices/$dax/driver 2>/dev/null)" 2>/dev/null || true)
if [ "$drv" != kmem ]; then
	[ -n "$drv" ] && echo "$dax" >"/sys/bus/dax/drivers/$drv/unbind"
	echo "$dax" >/sys/bus/dax/drivers/kmem/new_id 2>/dev/null || true
	[ -e /sys/bus/dax/devices/$dax/driver ] || echo "$dax" >/sys/bus/dax/drivers/kmem/bind
fi
node=$(cat /sys/bus/dax/devices/$dax/target_node)

# Online any block kmem left offline (normally none: memhp_default_state
# onlines them while kmem probes).  A block read as offline may be onlined
# by that probe before our write, which then fails with EINVAL: so a write
# may fail, and what counts is that every block ends up online (within 5 s).
i=0
while :; do
	off=
	for b in /sys/devices/system/node/node$node/memory*; do
		[ "$(cat "$b/state")" = online ] && continue
		off="$off $(basename "$b")"
		echo online_movable >"$b/state" 2>/dev/null || true
	done
	[ -n "$off" ] || break
	i=$((i + 1))
	[ $i -le 50 ] || fail "node $node: blocks not online after 5 s:$off"
	sleep 0.1
done
say "$dax is node $node: $(grep MemTotal /sys/devices/system/node/node$node/meminfo | tr -s ' ')"
