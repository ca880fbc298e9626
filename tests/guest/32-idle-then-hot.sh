#!/bin/sh
# A process that allocates its memory, idles, then turns hot: the module is
# loaded first and sees the allocation burst (every new page is young) and
# then nothing for 10 s.  Nothing moves while it idles, and once it turns
# hot its 64 MiB hot region reaches 90% on node 0 within LIMIT s of that
# (the RFC's "found, then none: period x8" rule would look 4 s later).
. /tests/lib/common.sh
find_slow_node
LIMIT=${IDLE_HOT_LIMIT_S:-12}
load_module
p0=$(vmstat kmmscand_promoted)
$MEMTIER --size-mb 128 --hot-mb 64 --node "$SLOW" --idle-s 10 --pattern hot --seconds "$LIMIT" \
	--until-node 0 --until-pct 90 --report-ms 500 >/tmp/idle.out
rc=$?
cat /tmp/idle.out
[ $rc != 2 ] || fail "could not place the region on node $SLOW"
idled=$(grep '^memtier: idled' /tmp/idle.out | sed 's/.*hot_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/')
set -- $idled
[ -n "$2" ] || fail "memtier printed no 'idled' line"
[ $(($1 * 100)) -le $(($2 * 5)) ] || fail "$1 of $2 pages moved while the process was idle"
[ $rc = 0 ] || fail "the region did not reach 90% on node 0 within $LIMIT s of turning hot"
t=$(grep '^memtier: reached' /tmp/idle.out | sed 's/.* t=\([0-9.]*\)s.*/\1/')
info "idle 10 s: $1 pages moved; hot: 90% on node 0 after ${t} s (bound $LIMIT s)"
unload_module
p1=$(vmstat kmmscand_promoted)
[ $((p1 - p0)) -le $((128 * 256)) ] || fail "kmmscand_promoted grew by $((p1 - p0)), more than the region's $((128 * 256)) pages"
check_dmesg
