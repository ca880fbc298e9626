#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs every tests/guest/*.sh (or those matching one of the space-separated
# globs in $TESTS_GLOB; a glob with a leading ! excludes) and prints
# KTAP, like the kselftest runner: one "ok N name" line per test program,
# its output as "# " diagnostics.  Exit codes follow kselftest: 0 pass,
# 4 skip, anything else fail.  Exits 1 if any test failed.
cd /tests/guest || exit 1
: "${TESTS_GLOB:=*}"
set -- $(ls | grep '\.sh$' | sort)
tests=
for t in "$@"; do
	want=0
	for g in $TESTS_GLOB; do
		case "$g" in
		!*) case "$t" in ${g#!}) want=0; break ;; esac ;;
		*) case "$t" in $g) want=1 ;; esac ;;
		esac
	done
	[ $want = 1 ] && tests="$tests $t"
done
n=0
for t in $tests; do n=$((n + 1)); done

echo "TAP version 13"
if [ $n = 0 ]; then
	# A selection that matches nothing is a mistake, not a pass.
	echo "1..1"
	echo "# no test matches '$TESTS_GLOB'"
	echo "not ok 1 selection"
	exit 1
fi
echo "1..$n"
echo "# topology: ${TOPOLOGY:-hmat}, kernel $(uname -r)"
i=0
failed=0
for t in $tests; do
	i=$((i + 1))
	name=${t%.sh}
	start=$(cut -d' ' -f1 /proc/uptime)
	sh "./$t" >/tmp/test.out 2>&1
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	sed 's/^/# /' /tmp/test.out
	echo "# $name: $(awk "BEGIN{printf \"%.1f\", $end - $start}") s"
	case $rc in
	0) echo "ok $i $name" ;;
	4) echo "ok $i $name # SKIP $(grep '^SKIP: ' /tmp/test.out | tail -n 1 | cut -c7-)" ;;
	*) echo "not ok $i $name"; failed=$((failed + 1)) ;;
	esac
	# A test that failed may have left the module loaded: start clean.
	if grep -q '^kmmscand ' /proc/modules; then
		rmmod kmmscand 2>/dev/null
	fi
done
[ $failed = 0 ]
