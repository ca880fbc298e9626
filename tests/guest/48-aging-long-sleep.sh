#!/bin/sh
# The hotness clock is aged in time whatever scan_sleep_ms is.  Its 4-bit
# clock of 1 s buckets wraps every 16 s, so records must be aged at least
# every 4 s; aging used to run only after a wake-up's visits, and with
# scan_sleep_ms 17000 a sighting 17 s old read as 1 s old: a page touched
# now and then, found young once per wake-up, was promoted.
# Phase 1: scan_sleep_ms 17000, a 16 MiB region on the slow node touched
# every 3 s: over three wake-ups nothing is promoted and no candidate is
# found.  Phase 2: scan_sleep_ms 100, the same region touched continuously
# (a second memtier): it reaches 90% on node 0, so a dead daemon cannot
# pass phase 1.
. /tests/lib/common.sh
find_slow_node
load_module
knob_set scan_sleep_ms 17000
c0=$(vmstat kmmscand_candidates)
p0=$(vmstat kmmscand_promoted)
w0=$(vmstat kmmscand_wakeups)
$MEMTIER --size-mb 16 --node "$SLOW" --pattern hot --every-ms 3000 --seconds 54 \
	--report-ms 6000 >/tmp/age.out
c1=$(vmstat kmmscand_candidates)
p1=$(vmstat kmmscand_promoted)
w1=$(vmstat kmmscand_wakeups)
cat /tmp/age.out
info "scan_sleep_ms 17000: $((w1 - w0)) wake-ups, kmmscand_candidates +$((c1 - c0)), kmmscand_promoted +$((p1 - p0))"
[ $((w1 - w0)) -ge 3 ] || fail "only $((w1 - w0)) wake-ups in 54 s: the daemon did not run the three times this test needs"
[ $((w1 - w0)) -le 5 ] || fail "$((w1 - w0)) wake-ups in 54 s with scan_sleep_ms 17000 (aging must not count as one)"
[ $((c1 - c0)) = 0 ] || fail "a page seen young once per 17 s wake-up was taken as hot ($((c1 - c0)) candidate pages): stale records were read as fresh"
node0=$(field node0 /tmp/age.out)
[ "${node0:-0}" -le 0 ] || fail "$node0 pages of the region moved to node 0"
knob_set scan_sleep_ms 100
$MEMTIER --size-mb 16 --node "$SLOW" --pattern hot --seconds 60 \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/age2.out ||
	{ cat /tmp/age2.out; fail "with scan_sleep_ms 100 the hot region did not reach 90% on node 0"; }
unload_module
check_dmesg
