#!/bin/sh
# A hot set that moves to memory its process had left idle is found by a
# probe of the page tables the last sweep skipped as idle, before the
# process's next sweep (policy::probe).  The module is loaded first; then
# tierload runs 8 processes, each with two 16 MiB windows and 16 MiB cold
# on the slow node, window A hot until 30 s, then window B.  Once the A
# windows are promoted (their processes watched), the shift: a probe finds
# a process's B window when it comes before that process's next sweep, and
# walks its 8 page tables.  A wake-up either sweeps a process or probes it;
# scan_period_min_ms is raised to 2 s so that the first wake-up after the
# shift is a sweep about 1 time in 12 (a wake-up every 100-170 ms under
# TCG; at the default 500 ms, one in 3: 3 of the 8 windows were found by
# probes in a trial run), and a probe found the new window 11 times in 12.
# Asserted, from the status files read just before the shift and at the
# end: the probes woke at least 3 windows' worth of tables (24; none
# without probes, and fewer only if sweeps found 6 of the 8 windows first:
# about 1 run in 100,000 at 1 in 12), and at most twice the 64 tables of
# the B windows (a probe walks a table at most once until a sweep finds it
# idle again, and B stays busy);
# every A window was at 90% on node 0 before the shift (else the case did
# not happen) and every B window by the end; cold moved <= 5%.
. /tests/lib/common.sh
find_slow_node
need_node_mb "$SLOW" 500
procs=8
# Whether tierload printed a sample at or after $1 s.
sample_at() {
	awk -v at="$1" '/^tierload: S / { for (i = 1; i <= NF; i++) if ($i ~ /^t=/ && substr($i, 3) + 0 >= at) f = 1 }
		END { exit !f }' /tmp/ps.out
}
window=$((16 * 256))
load_module
knob_set scan_period_max_ms 4000
knob_set scan_period_min_ms 2000
rm -f /tmp/ps.ready
/tests/bin/tierload --pattern shift --procs $procs --hot-mb 16 --cold-mb 16 --node "$SLOW" \
	--shift-at 30 --seconds 60 --sample-ms 1000 --ready-file /tmp/ps.ready >/tmp/ps.out 2>&1 &
pid=$!
wait_ready /tmp/ps.ready $pid /tmp/ps.out
# The last sample before the shift (t >= 28 s): the counters then.
n=0
until sample_at 28 || [ $n -ge 1200 ]; do
	sleep 0.1
	n=$((n + 1))
done
p0=$(knob probes) w0=$(knob probe_tables_woken)
before=$(grep '^tierload: S ' /tmp/ps.out | grep 'shifted=0' | awk '{ print $3 }' | sort -u | wc -l)
a_low=$(awk '/^tierload: S / && /shifted=0/ { split($0, f, " "); for (i in f) { if (f[i] ~ /^p=/) p = f[i]; if (f[i] ~ /^a=/) a = f[i] } last[p] = a }
	END { for (p in last) { split(substr(last[p], 3), x, "/"); if (x[1] * 10 < x[2] * 9) print p, last[p] } }' /tmp/ps.out)
wait $pid
rc=$?
p1=$(knob probes) w1=$(knob probe_tables_woken)
awk '/^tierload: S / { for (i = 1; i <= NF; i++) if ($i ~ /^t=/) t = substr($i, 3) + 0; if (t >= 29 && t < 34) print }' /tmp/ps.out | head -n 16
info "before the shift: $p0 probes, $w0 tables woken; at the end: $p1 probes, $w1 tables woken"
[ $rc = 0 ] || { tail -n 20 /tmp/ps.out; fail "tierload exited with $rc"; }
[ "$before" -eq $procs ] || fail "samples before the shift from $before of $procs processes: the case did not happen"
grep -q 'shifted=1' /tmp/ps.out || fail "no sample after the shift"
[ -z "$a_low" ] || fail "window A below 90% on node 0 just before the shift (the case this test is about did not happen): $a_low"
[ $((p1 - p0)) -ge 1 ] || fail "no probe after the shift"
woken=$((w1 - w0))
[ $woken -ge 24 ] || fail "$woken page tables woken by probes after the shift, fewer than 3 windows' worth (24): the sweeps found the new windows first"
[ $woken -le $((2 * procs * 8)) ] || fail "$woken page tables woken by probes after the shift, more than twice the B windows' $((procs * 8)): probes walk busy tables again and again"
b_low=$(awk '/^tierload: S / { split($0, f, " "); for (i in f) { if (f[i] ~ /^p=/) p = f[i]; if (f[i] ~ /^b=/) b = f[i]; if (f[i] ~ /^cold=/) c = f[i] } last[p] = b; cold[p] = c }
	END { for (p in last) { split(substr(last[p], 3), x, "/"); if (x[1] * 10 < x[2] * 9) print p, last[p] } }' /tmp/ps.out)
[ -z "$b_low" ] || fail "window B below 90% on node 0 at the end: $b_low"
cold_high=$(awk '/^tierload: S / { split($0, f, " "); for (i in f) { if (f[i] ~ /^p=/) p = f[i]; if (f[i] ~ /^cold=/) c = f[i] } cold[p] = c }
	END { for (p in cold) { split(substr(cold[p], 6), x, "/"); if (x[1] * 20 > x[2]) print p, cold[p] } }' /tmp/ps.out)
[ -z "$cold_high" ] || fail "more than 5% of the cold part moved to node 0: $cold_high"
unload_module
check_dmesg
