#!/bin/sh
# THPs are promoted at any non-zero rate limit.  At 1 MiB/s a second's
# worth of tokens is 256 pages, less than one 512-page THP: a bucket capped
# at one second never held a THP's worth, and every THP was refused as
# rate-limited for ever.  The bucket holds at least one THP: a hot 64 MiB
# THP region (32 THPs, far more than 1 MiB/s moves in the run) on the slow node gets THPs promoted whole at 1 MiB/s, and no
# faster than the limit: over the run, promoted pages <= 256 per second +
# one THP.
. /tests/lib/common.sh
find_slow_node
grep -q '\[always\]\|\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled ||
	fail "THP disabled ($(cat /sys/kernel/mm/transparent_hugepage/enabled 2>&1))"
load_module
knob_set promote_rate_limit_mbps 1
t0=$(vmstat kmmscand_promoted_thp)
p0=$(vmstat kmmscand_promoted)
s0=$(uptime_ms)
$MEMTIER --size-mb 64 --node "$SLOW" --thp --pattern hot --seconds 24 --report-ms 4000 >/tmp/thpr.out
rc=$?
unload_module
s1=$(uptime_ms)
t1=$(vmstat kmmscand_promoted_thp)
p1=$(vmstat kmmscand_promoted)
cat /tmp/thpr.out
start_kb=$(grep '^memtier: start' /tmp/thpr.out | sed -n 's/.* thp_kb=\([0-9]*\).*/\1/p')
[ "${start_kb:-0}" -ge $((60 * 1024)) ] || fail "the kernel did not back the region with THPs on node $SLOW ($start_kb kB)"
ms=$((s1 - s0))
info "1 MiB/s for $ms ms: kmmscand_promoted_thp +$((t1 - t0)), kmmscand_promoted +$((p1 - p0)) (limit $((256 * ms / 1000 + 512)) pages)"
[ $((t1 - t0)) -ge 2 ] || fail "$((t1 - t0)) THPs promoted at 1 MiB/s in $ms ms"
[ $((p1 - p0)) -le $((256 * ms / 1000 + 512)) ] || fail "promoted $((p1 - p0)) pages in $ms ms: faster than 1 MiB/s"
check_dmesg
