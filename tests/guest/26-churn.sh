#!/bin/sh
# Processes that fork, exec, exit and munmap while the daemon scans them as
# fast as it can cause no kernel warning and leak nothing: after the churn
# the daemon tracks no more address spaces than there are live processes
# (it holds an mm_count reference per tracked mm and must drop it once the
# process is gone).  A reference kept after rmmod would leave an
# unreferenced mm_struct, which 99-kernel-clean's kmemleak scan reports.
# (Slab counts cannot tell: KASAN's quarantine holds freed objects.)
. /tests/lib/common.sh
find_slow_node
# User processes alive (kernel threads have no maps).
live_procs() {
	n=0
	for m in /proc/[0-9]*/maps; do
		[ -n "$(head -c 1 "$m" 2>/dev/null)" ] && n=$((n + 1))
	done
	echo $n
}
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
tracked=$(knob tracked_mms)
live=$(live_procs)
info "after the churn: the daemon tracks $tracked address spaces, $live user processes are alive"
# A few more: the test's own short-lived commands come and go between the
# daemon's pass and the count.  A leak would show as hundreds.
[ "$tracked" -le $((live + 4)) ] || fail "the daemon still tracks $tracked address spaces for $live live processes: it keeps exited mms"
unload_module
check_dmesg
