#!/bin/sh
# Processes that fork, exec, exit and munmap while the daemon scans them as
# fast as it can cause no kernel warning and leak nothing: after the churn,
# and again after rmmod, the number of allocated mm_structs is back to what
# it was (the daemon holds an mm_count reference per tracked mm and must
# drop it once the process is gone).
. /tests/lib/common.sh
find_slow_node
mm_structs() { awk '$1 == "mm_struct" { print $2 }' /proc/slabinfo; }
[ -n "$(mm_structs)" ] || skip "no mm_struct line in /proc/slabinfo"
base=$(mm_structs)
load_module
knob_set scan_sleep_ms 1
knob_set scan_period_min_ms 10
knob_set scan_period_max_ms 50
scans0=$(vmstat kmmscand_mm_scans)
passes0=$(vmstat kmmscand_full_passes)
# Two churners at once, each forking a child per round.
$MEMTIER --pattern churn --size-mb 2 --node "$SLOW" --seconds 6 >/tmp/c1.out &
$MEMTIER --pattern churn --size-mb 2 --node "$SLOW" --seconds 6 >/tmp/c2.out
r2=$?
wait $!
r1=$?
cat /tmp/c1.out /tmp/c2.out
[ $r1 = 0 ] && [ $r2 = 0 ] || fail "a churn process failed"
scans=$(( $(vmstat kmmscand_mm_scans) - scans0 ))
info "the daemon scanned $scans address spaces during the churn"
[ "$scans" -gt 100 ] || fail "the daemon hardly scanned during the churn"
# Let two full passes complete so exited processes are forgotten.
p=$(vmstat kmmscand_full_passes)
i=0
while [ $(( $(vmstat kmmscand_full_passes) - p )) -lt 2 ]; do
	i=$((i + 1)); [ $i -le 100 ] || fail "no full pass completed in 10 s"
	sleep 0.1
done
loaded=$(mm_structs)
unload_module
after=$(mm_structs)
info "mm_struct objects: $base before, $loaded after the churn (module loaded), $after after rmmod"
# Slab counts are approximate (per-CPU slabs): allow a slab's worth.
[ "$loaded" -le $((base + 40)) ] || fail "mm_structs pile up while loaded: the daemon keeps exited mms"
[ "$after" -le $((base + 40)) ] || fail "mm_structs leaked after rmmod"
check_dmesg
