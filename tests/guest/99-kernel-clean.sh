#!/bin/sh
# After the whole suite (the module loaded and unloaded a dozen times,
# thousands of processes scanned), the kernel is clean: kmemleak finds no
# unreferenced object and the log holds no warning, lockdep report, BUG or
# oops.  Runs last.
. /tests/lib/common.sh
! grep -q '^kmmscand ' /proc/modules || unload_module
check_kmemleak "after the suite"
info "kmemleak: no unreferenced objects"
check_dmesg
info "kernel log: no warning, lockdep report, BUG or oops"
