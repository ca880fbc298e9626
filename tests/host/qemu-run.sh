#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the guest runner itself (KTAP): a --cmd's output and exit status
# come back to the host, --add puts files in the guest, --out saves the
# guest's second serial port, and --timeout kills a hung guest with a
# message.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
run=$top/qemu/run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; shift; printf '# %s\n' "$@"; }

echo "TAP version 13"
echo "1..4"

echo "payload-$$" >"$tmp/payload.txt"
out=$("$run" --add "$tmp/payload.txt" --out "$tmp/ttyS1" \
	--cmd 'echo guest-says-hello; cat /extra/payload.txt; stty -F /dev/ttyS1 raw; echo second-port >/dev/ttyS1; exit 7' \
	--timeout 120 2>&1)
rc=$?
clean=$(tr -d '\r' <<<"$out")
if [ $rc = 7 ] && grep -q '^guest-says-hello' <<<"$clean"; then
	ok "cmd output and exit status reach the host"
else
	not_ok "cmd output and exit status reach the host" "exit $rc, expected 7" "$(tail -n 5 <<<"$out")"
fi
if grep -q "^payload-$$" <<<"$clean"; then
	ok "add copies a file into the guest under /extra"
else
	not_ok "add copies a file into the guest under /extra" "$(tail -n 5 <<<"$out")"
fi
if [ "$(tr -d '\r' <"$tmp/ttyS1" 2>/dev/null)" = second-port ]; then
	ok "out saves the guest's /dev/ttyS1 in a file"
else
	not_ok "out saves the guest's /dev/ttyS1 in a file" "got: $(head -c 200 "$tmp/ttyS1" 2>&1)"
fi

start=$(date +%s)
# A private lock: the bound is on the guest, not on waiting for others.
out=$(KMMSCAND_GUEST_LOCK=$tmp/lock "$run" --cmd 'sleep 1000' --timeout 12 2>&1)
rc=$?
took=$(( $(date +%s) - start ))
if [ $rc = 124 ] && grep -q 'timed out' <<<"$out" && [ $took -lt 40 ]; then
	ok "timeout kills a hung guest with a message"
else
	not_ok "timeout kills a hung guest with a message" "exit $rc after ${took}s" "$(tail -n 3 <<<"$out")"
fi
echo "# runner: $((n - failed)) passed, $failed failed"
[ $failed = 0 ]
