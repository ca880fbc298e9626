#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` in the guest (started by scripts/run-demo): place a region on
# the slow node, half of it hot (touched all the time) and half touched
# once; load kmmscand a few seconds into a live `tierstat -w` so the hot
# half is seen moving to DRAM; then print a summary and unload it.
#
# Environment: TOPOLOGY (hmat, hmat3, cxl), WATCH_S (seconds of live view,
# default 30), TERM_COLS/TERM_LINES (the host terminal's size: a serial
# console has none), RECORD_OUT=1 (write the tierstat samples, gzipped, to
# /dev/ttyS1, which scripts/run-demo saves as build/run/tierstat.jsonl).
. /tests/lib/common.sh
find_slow_node
WATCH_S=${WATCH_S:-30}
DELAY_S=4
if [ "$TOPOLOGY" = cxl ]; then
	# Emulated CXL memory is MMIO under TCG: slow to touch.
	size=32 hot=16
else
	size=256 hot=128
fi
cold=$((size - hot))

echo "== make run: $hot MiB hot + $cold MiB touched once, both placed on node $SLOW (slow tier);"
echo "   kmmscand is loaded ${DELAY_S} s into the live view below and moves the hot part to node 0 (DRAM)."
rm -f /tmp/ready /tmp/go /tmp/memtier.out /tmp/tierstat.jsonl
$MEMTIER --size-mb $size --hot-mb $hot --node "$SLOW" --pattern hot \
	--seconds $((WATCH_S + 60)) --report-ms 250 \
	--ready-file /tmp/ready --go-file /tmp/go >/tmp/memtier.out 2>&1 &
mpid=$!
i=0
while [ ! -e /tmp/ready ]; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $mpid 2>/dev/null; then
		cat /tmp/memtier.out
		fail "memtier did not place its region on node $SLOW"
	fi
	sleep 0.1
done

p0=$(vmstat kmmscand_promoted)
g0=$(vmstat pgpromote_success)
(
	sleep $DELAY_S
	insmod "$KO" 2>/tmp/insmod.err || cat /tmp/insmod.err >&2
	echo "$(cut -d' ' -f1 /proc/uptime)" >/tmp/loaded
	touch /tmp/go
) &
COLUMNS=${TERM_COLS:-} LINES=${TERM_LINES:-} \
	tierstat -w 1 -d "$WATCH_S" -p $mpid --record /tmp/tierstat.jsonl ||
	echo "tierstat failed (status $?)"
# memtier outlives the view (its last report is the "after"); stop it.
kill $mpid 2>/dev/null
wait $mpid 2>/dev/null
[ -d "$KNOBS" ] || fail "insmod failed: $(cat /tmp/insmod.err)"

# --- summary -----------------------------------------------------------
# memtier's lines: "memtier: <tag> t=1.25s hot_on_node0=A/B cold_on_node0=C/D ..."
part() { # part TAG hot|cold: "A B" of the report with TAG
	grep "^memtier: $1 " /tmp/memtier.out | tail -n 1 |
		sed -n "s/.* $2_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/p"
}
pct() { set -- $1; [ "${2:-0}" -gt 0 ] && echo $(($1 * 100 / $2)) || echo "?"; }
hot0=$(part go hot) hot1=$(part at hot)
cold0=$(part go cold) cold1=$(part at cold)
reached=$(awk '/^memtier: at / {
	t = ""; a = b = 0
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^t=/) { t = substr($i, 3); sub(/s$/, "", t) }
		if ($i ~ /^hot_on_node0=/) { split(substr($i, 14), x, "/"); a = x[1]; b = x[2] }
	}
	if (b > 0 && a * 100 >= b * 90) { print t; exit }
}' /tmp/memtier.out)
cpu=-
for pid in $(kthread_pids 2>/dev/null); do
	cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' /proc/$pid/stat)
done
rmmod kmmscand
p1=$(vmstat kmmscand_promoted)
g1=$(vmstat pgpromote_success)
echo
echo "== summary ($TOPOLOGY topology, slow node $SLOW)"
echo "  hot set ($hot MiB) on DRAM:   before $(pct "$hot0")%, after $(pct "$hot1")% (${hot1%% *} of ${hot1##* } pages)"
echo "  cold set ($cold MiB) on DRAM: before $(pct "$cold0")%, after $(pct "$cold1")% (touched once: it should stay)"
if [ -n "$p0" ] && [ -n "$p1" ]; then
	echo "  promoted: $((p1 - p0)) pages ($(((p1 - p0) * 4 / 1024)) MiB) by kmmscand; pgpromote_success +$((g1 - g0))"
else
	echo "  promoted: this kernel has no kmmscand_promoted counter"
fi
if [ -n "$reached" ]; then
	echo "  time: the hot set was 90% on DRAM ${reached} s after insmod"
else
	echo "  time: the hot set did not reach 90% on DRAM within the view (about $((WATCH_S - DELAY_S)) s)"
fi
echo "  kmmscand thread CPU time: ${cpu} s, loaded for about $((WATCH_S - DELAY_S)) s"
if [ "${RECORD_OUT:-0}" = 1 ]; then
	# Compressed, at the fastest standard rate: QEMU paces a UART at its
	# baud rate (9600 by default), and poweroff does not wait for it.
	stty -F /dev/ttyS1 raw 115200 2>/dev/null
	gzip -c /tmp/tierstat.jsonl >/dev/ttyS1
	sleep 1
fi
[ -n "$reached" ]
