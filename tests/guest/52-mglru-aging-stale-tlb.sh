#!/bin/sh
# MGLRU's aging walk clears the Accessed bits of a hot set's PTEs and of
# the PMDs above them without flushing the TLB.  While the CPU keeps the
# translations cached it sets none of them again, so a scanner that skips
# page tables whose PMD is not young, and flushes only what it found
# young, skips that set for ever.  kmmscand flushes every range it tested
# or skipped, so the next access sets the bits again and the next sweep
# sees them.
#
# A 64 KiB hot set (16 pages: QEMU's TLB, 256 entries for user mode until
# a flush resizes it, keeps all their translations) runs pinned to CPU 1,
# where nothing else switches the address space and so flushes its TLB.
# MGLRU ages the slow node once through its debugfs command (without
# force_scan, so that it clears the PMDs' bits too): its walk clears the
# set's Accessed bits without a flush.  Then the module is loaded: >= 90%
# of the region must reach node 0 within the bound of 20-promote-hot.
# With the module that flushed only what it found young, 10 of the 16
# pages moved (those the CPU happened to walk again) and the other 6 sat
# on the slow node for the whole 20 s.
#
# The set's last pages may sit in CPU 1's per-CPU LRU-add batch, which
# nothing on that CPU drains while the pinned program runs: isolation fails
# for them until the module drains all CPUs' batches (lru_add_drain_all(),
# once per wake-up after a failure; policy::batch::LruDrain).  Without the
# drain, after 51-mglru-dram-full in the same guest, 13 of the 16 pages
# moved and the other 3 were found hot again and again but never isolated.
. /tests/lib/common.sh
find_slow_node
kb=64
limit=$(promote_limit_s)
DBG=/sys/kernel/debug
grep -q " $DBG debugfs" /proc/mounts || mount -t debugfs none $DBG || fail "cannot mount debugfs"
[ -w $DBG/lru_gen ] || fail "$DBG/lru_gen missing: the kernel lacks CONFIG_LRU_GEN or CONFIG_DEBUG_FS"
mglru_on
trap mglru_off EXIT
rm -f /tmp/mg.ready /tmp/mg.go
taskset -c 1 $MEMTIER --size-kb "$kb" --node "$SLOW" --pattern hot --seconds "$limit" \
	--until-node 0 --until-pct 90 --report-ms 1000 \
	--ready-file /tmp/mg.ready --go-file /tmp/mg.go >/tmp/mg.out 2>&1 &
pid=$!
i=0
while [ ! -e /tmp/mg.ready ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/mg.ready ] || { cat /tmp/mg.out; fail "memtier did not place its region"; }
# The set is accessed for a second: its translations are cached on CPU 1.
sleep 1
# Age the slow node's LRU once, in the memory cgroup of the hot set (its
# id as $DBG/lru_gen lists it; 0 on a kernel without memory cgroups): any
# sequence number up to the current one, anonymous memory, no force_scan.
# (/proc/PID/cgroup is empty until cgroup2 is mounted: then every task is
# in the root cgroup)
cgpath=$(sed -n 's/^0:://p' /proc/$pid/cgroup)
cgpath=${cgpath:-/}
memcg=$(awk -v p="$cgpath" '$1 == "memcg" && $3 == p { print $2; exit }' $DBG/lru_gen)
echo "+ ${memcg:-0} $SLOW 0 max 0" >$DBG/lru_gen || fail "the MGLRU aging command failed (memcg ${memcg:-0}, cgroup '$cgpath')"
info "MGLRU aged node $SLOW: $(awk -v n="$SLOW" '$1 == "node" { p = ($2 == n) } p && NF == 4 { g = $0 } END { print "newest generation:" g }' $DBG/lru_gen)"
load_module
p0=$(vmstat kmmscand_promoted)
touch /tmp/mg.go
wait $pid
rc=$?
cat /tmp/mg.out
unload_module
p1=$(vmstat kmmscand_promoted)
info "kmmscand_promoted +$((p1 - p0)); $(for c in ptables_skipped mm_scans young rechecks candidates isolated promote_fail_target_full promote_fail_isolate promote_fail_migrate kswapd_requests; do printf '%s %s ' $c "$(vmstat kmmscand_$c)"; done)"
info "node 0: $(grep -E 'MemFree|Active\(file\)|Inactive\(file\)|AnonPages' /sys/devices/system/node/node0/meminfo | awk '{ printf "%s %s kB; ", $3, $4 }')demotion_enabled $(cat /sys/kernel/mm/numa/demotion_enabled)"
[ $rc = 0 ] || fail "the hot region did not reach 90% on node 0 within $limit s after MGLRU aged it (its page tables skipped unflushed?)"
[ $((p1 - p0)) -le $((kb / 4)) ] || fail "kmmscand_promoted grew by $((p1 - p0)), more than the region's $((kb / 4)) pages"
check_dmesg
