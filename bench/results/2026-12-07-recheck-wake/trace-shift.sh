#!/bin/sh
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
for t in /tests/bin/tierload /extra/tierload; do [ -x $t ] && L=$t; done
for ko in /extra/AD.ko /lib/kmmscand/kmmscand.ko; do
  echo "=== $ko"
  insmod $ko
  echo 0 > $T/tracing_on; echo 4096 > $T/buffer_size_kb; echo > $T/trace
  echo 1 > $T/events/kmmscand/kmmscand_scan_mm_end/enable
  echo 1 > $T/events/kmmscand/kmmscand_migrate_batch/enable
  echo 1 > $T/tracing_on
  $L --node 1 --top 0 --seconds 22 --ready-file /tmp/r --placed-min-pct 0 --pattern shift --hot-mb 64 --cold-mb 128 --shift-at 20 --sample-ms 250 > /tmp/out 2>&1
  echo 0 > $T/tracing_on
  grep -v '^#' /tmp/out | awk '$0 ~ /^S/ || NR < 5' | tail -12
  grep -E 'scan_mm_end|migrate_batch' $T/trace | awk '{ $1=""; $2=""; $3=""; print }' | tail -40
  rmmod kmmscand
done
