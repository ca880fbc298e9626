#!/bin/sh
# A host with many idle processes: the module loaded first, then 2,000
# processes with 256 KiB each on the slow node, idle (one long sleep).  A
# wake-up examines at most 8 x mms_to_scan processes (the cursor resumes
# at the next), and with 2,000 of them:
#  - the thread uses at most 20% of a CPU over 10 s while nothing is hot
#    (KASAN test kernel under TCG: measured 10%, all of them quiet and not
#    visited, against 22-31% when each idle mm was visited every
#    scan_period_max_ms, and 2% beside 20 idle processes; what remains is
#    the cursor's looks);
#  - at least 90% of them are counted in quiet_mms (measured 2,003 of the
#    2,005 tracked);
#  - a 64 MiB hot process started among them reaches 90% on node 0 within
#    the bound of 20-promote-hot (20 s);
#  - once they all exit, no mm_struct stays referenced (kmemleak clean after
#    rmmod, and tracked_mms falls back).
. /tests/lib/common.sh
find_slow_node
N=${IDLE_PROCS:-2000}
CPU_PCT_MAX=20
limit=$(promote_limit_s)
need_node_mb "$SLOW" 1024
load_module
kpid=$(kthread_pids)
[ -n "$kpid" ] || fail "no kmmscand thread"
ticks() { awk '{ print $14 + $15 }' "/proc/$kpid/stat"; }
# cpu_pct: the thread's CPU over 10 s, in % of one CPU (USER_HZ 100).
cpu_pct() {
	c0=$(ticks)
	sleep 10
	echo $(( ($(ticks) - c0) / 10 ))
}
rm -rf /tmp/idle && mkdir /tmp/idle
spawn() { # spawn NAME N: N idle processes (one memtier, N - 1 forked copies)
	$MEMTIER --procs "$2" --size-kb 256 --node "$SLOW" --pattern once --idle-s 900 --seconds 1 \
		--ready-file /tmp/idle/$1 >/dev/null 2>&1 &
}
placed() { ls /tmp/idle | wc -l; }
wait_placed() {
	i=0
	while [ "$(placed)" -lt "$1" ] && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
	[ "$(placed)" -ge "$1" ] || fail "only $(placed) of $1 idle processes placed their memory in 600 s"
}
spawn a 20
wait_placed 20
pct20=$(cpu_pct)
info "20 idle processes: the thread used ${pct20}% of a CPU over 10 s; tracked_mms $(knob tracked_mms)"
t0=$(uptime_ms)
spawn b $((N - 20))
wait_placed "$N"
info "$N idle processes placed in $(( ($(uptime_ms) - t0) / 1000 )) s"
# Let the pace of the new ones settle (a new mm is visited at once).
sleep 5
pct=$(cpu_pct)
quiet=$(knob quiet_mms)
info "$N idle processes: the thread used ${pct}% of a CPU over 10 s; tracked_mms $(knob tracked_mms), quiet_mms $quiet"
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --seconds "$limit" \
	--until-node 0 --until-pct 90 --report-ms 1000 >/tmp/hot.out 2>&1
rc=$?
cat /tmp/hot.out
tracked=$(knob tracked_mms)
killall memtier 2>/dev/null
i=0
while pidof memtier >/dev/null && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
pidof memtier >/dev/null && fail "idle processes still alive 120 s after SIGTERM"
info "the idle processes exited within $i s"
[ $rc = 0 ] || fail "the hot process did not reach 90% on node 0 within $limit s among $N idle processes"
[ "$pct" -le $CPU_PCT_MAX ] || fail "with $N idle processes the thread used ${pct}% of a CPU (bound ${CPU_PCT_MAX}%)"
[ "$tracked" -ge $((N / 2)) ] || fail "only $tracked address spaces tracked with $N processes running"
[ "$quiet" -ge $((N * 9 / 10)) ] || fail "only $quiet of $N sleeping processes found quiet"
# The exited processes' mms are dropped at the end of the next full pass.
i=0
while [ "$(knob tracked_mms)" -gt 50 ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
info "tracked_mms $(knob tracked_mms) ${i} s after the processes exited"
[ "$(knob tracked_mms)" -le 50 ] || fail "$(knob tracked_mms) address spaces still tracked 30 s after the processes exited"
unload_module
t0=$(uptime_ms)
check_kmemleak "after $N processes came and went"
info "kmemleak: two scans in $(( ($(uptime_ms) - t0) / 1000 )) s"
check_dmesg
