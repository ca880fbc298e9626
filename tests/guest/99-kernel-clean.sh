#!/bin/sh
# After the whole suite (the module loaded and unloaded a dozen times,
# thousands of processes scanned), the kernel is clean: kmemleak finds no
# unreferenced object and the log holds no warning, lockdep report, BUG or
# oops.  Runs last.
. /tests/lib/common.sh
f=/sys/kernel/debug/kmemleak
[ -e $f ] || fail "kernel built without kmemleak (config.fragment pins CONFIG_DEBUG_KMEMLEAK)"
! grep -q '^kmmscand ' /proc/modules || unload_module
# kmemleak only reports objects older than 5 s, and needs two scans to be
# sure an object is unreferenced.
sleep 5
echo scan >$f
echo scan >$f
leaks=$(grep -c '^unreferenced object' $f)
if [ "$leaks" != 0 ]; then
	head -n 60 $f
	fail "kmemleak reports $leaks unreferenced objects"
fi
info "kmemleak: no unreferenced objects"
check_dmesg
info "kernel log: no warning, lockdep report, BUG or oops"
