#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: load kmmscand in the guest and watch it promote a hot region
# from the slow node, next to a cold one that stays, then unload it.
. /tests/lib/common.sh
find_slow_node
echo "== nodes and tiers"
for n in /sys/devices/system/node/node[0-9]*; do
	id=${n##*node}
	printf 'node %s: tier %s, cpus [%s], %s\n' "$id" "$(tier_of "$id")" "$(cat $n/cpulist)" \
		"$(awk '/MemTotal/ { print $4 " " $5 }' $n/meminfo)"
done
echo "== insmod kmmscand"
insmod $KO || exit 1
for k in $KNOBS/*; do printf '%s=%s ' "$(basename $k)" "$(cat $k)"; done; echo
echo 1 > /sys/kernel/tracing/events/kmmscand/enable 2>/dev/null
echo "== a 32 MiB region touched once (stays) and a 64 MiB hot region (moves), both on node $SLOW"
$MEMTIER --size-mb 32 --node "$SLOW" --pattern once --seconds 12 --report-ms 4000 | sed 's/^memtier:/  cold:/' &
$MEMTIER --size-mb 64 --node "$SLOW" --pattern hot --seconds 12 --report-ms 1000 | sed 's/^memtier:/  hot: /'
wait
echo "== /proc/vmstat"
grep -E '^(kmmscand_|pgpromote_success|pgmigrate_success)' /proc/vmstat | sed 's/^/  /'
echo "== a few trace events"
grep -m 3 kmmscand_scan_mm_end /sys/kernel/tracing/trace | sed 's/^ */  /'
grep -m 3 kmmscand_migrate_batch /sys/kernel/tracing/trace | sed 's/^ */  /'
echo 0 > /sys/kernel/tracing/events/kmmscand/enable 2>/dev/null
echo "== rmmod kmmscand"
rmmod kmmscand && echo "  unloaded"
