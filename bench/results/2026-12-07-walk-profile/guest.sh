#!/bin/sh
# diagnosis: one hot set on the slow node, module loaded first
insmod /lib/kmmscand/kmmscand.ko
sleep 1
grep -E ' (t|T) ' /proc/kallsyms > /tmp/ksyms
/tests/bin/memtier --size-mb 512 --node 1 --pattern hot --seconds 25 --report-ms 5000 | tail -3
grep -E '^kmmscand_(slowtier_scanned|young|mm_busy|ptables|promoted |vma_scans)' /proc/vmstat
rmmod kmmscand
grep -c . /tmp/ksyms
cat /tmp/ksyms > /dev/ttyS1
