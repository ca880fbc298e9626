#!/bin/sh
# cgroup_scope and cgroup_toptier_max_mb, module loaded first, each
# workload in its own memory cgroup with a hot region on the slow node:
#  1. bad input: a path that does not exist, a cgroup whose memory
#     controller is off, junk: EINVAL, the value unchanged, a warning each;
#  2. "only /k62a": A's region reaches 90% on node 0, B's (as hot, side by
#     side) stays below 1%; cgroup_stats counts A's promotions (at least
#     what moved, at most its region) and young pages, and names nobody
#     else; B's memory.stat pgpromote_success stays 0;
#  3. "never /k62a": the other way round; A's line counts it skipped, with
#     no visit and no promotion;
#  4. "all /k62c" with cgroup_toptier_max_mb 8: C's top-tier memory
#     (memory.numa_stat) ends within one 512-page batch of 8 MiB and above
#     it minus a batch, its region's pages on node 0 likewise, and the
#     refused hot pages are counted capped;
#  5. the named cgroup removed while its process is being promoted (moved
#     out, rmdir): cgroup_stats says removed, one warning, promotion of the
#     process stops (its region ends far below 90% with a rate limit of
#     16 MiB/s); a new cgroup at the same path is not selected until the
#     knob is written again, then it is;
# then rmmod, kmemleak and the kernel log are clean.
. /tests/lib/common.sh
find_slow_node
memcg_root
GROUPS="k62a k62b k62c k62d k62e/sub k62e"
cleanup() { for g in $GROUPS; do rmdir $cg/$g 2>/dev/null; done; }
cleanup
for g in k62a k62b k62c k62d k62e k62e/sub; do mkdir $cg/$g || fail "cannot create cgroup $g"; done
stat_of() { awk '$1 == "pgpromote_success" { print $2 }' $cg/$1/memory.stat; }
# line_of PATH: PATH's line in cgroup_stats; val PATH KEY: one counter.
line_of() { awk -v p="$1" '$1 == p' $KNOBS/cgroup_stats; }
val() { line_of "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# in_cgroup G OUT ARGS: memtier ARGS in cgroup G, output in OUT.
in_cgroup() {
	_g=$1 _o=$2
	shift 2
	sh -c 'echo $$ >'"$cg/$_g/cgroup.procs"' && exec "$@"' sh $MEMTIER "$@" >"$_o" 2>&1
}
# node0_of OUT: the region's pages on node 0 in memtier's last placement
# report (which lists only the nodes that hold pages).
node0_of() {
	_v=$(grep -E '^memtier: (at|reached|held|final) ' "$1" | tail -n 1 | sed -n 's/.* node0=\([0-9]*\).*/\1/p')
	echo "${_v:-0}"
}

load_module
fast_knobs
log_mark

# --- 1. bad input ---------------------------------------------------------
[ "$(knob cgroup_scope)" = all ] || fail "cgroup_scope reads '$(knob cgroup_scope)' after load, documented default: all"
[ -z "$(cat $KNOBS/cgroup_stats)" ] || fail "cgroup_stats is not empty with nothing named"
refused() {
	if err=$( (echo "$1" >$KNOBS/cgroup_scope) 2>&1); then fail "cgroup_scope accepted '$1'"; fi
	case $err in *"Invalid argument"*) ;; *) fail "cgroup_scope, '$1': expected EINVAL, got: $err" ;; esac
	[ "$(knob cgroup_scope)" = all ] || fail "the refused write '$1' changed cgroup_scope to '$(knob cgroup_scope)'"
}
refused "only /k62-none"
refused "only /k62e/sub"
refused "only k62a"
refused "only /k62a,/k62a"
refused "only"
refused "some /k62a"
log_since_mark >/tmp/k62-log
grep -q 'cgroup_scope: write rejected: /k62-none: no such cgroup' /tmp/k62-log || fail "no warning naming the missing cgroup: $(cat /tmp/k62-log)"
grep -q 'cgroup_scope: write rejected: /k62e/sub: the memory controller is not enabled' /tmp/k62-log ||
	fail "no warning that /k62e/sub has no memory controller: $(cat /tmp/k62-log)"
[ "$(grep -c 'cgroup_scope: write rejected' /tmp/k62-log)" = 6 ] || fail "expected 6 warnings for 6 refused writes: $(cat /tmp/k62-log)"
info "1. refused with EINVAL and a warning each: a missing cgroup, one without the memory controller, junk"

# --- 2. only /k62a ----------------------------------------------------------
knob_set cgroup_scope "only /k62a"
[ "$(knob cgroup_scope)" = "only /k62a" ] || fail "cgroup_scope reads '$(knob cgroup_scope)'"
[ "$(wc -l <$KNOBS/cgroup_stats)" = 1 ] && [ "$(val /k62a promoted)" = 0 ] && line_of /k62a | grep -q ' live ' ||
	fail "cgroup_stats after naming /k62a: '$(cat $KNOBS/cgroup_stats)'"
rm -f /tmp/k62-go
in_cgroup k62a /tmp/k62-a.out --size-mb 32 --node "$SLOW" --pattern hot --seconds 40 \
	--start-file /tmp/k62-go --until-node 0 --until-pct 90 --hold-s 5 --report-ms 1000 &
pa=$!
in_cgroup k62b /tmp/k62-b.out --size-mb 32 --node "$SLOW" --pattern hot --seconds 45 \
	--start-file /tmp/k62-go --until-node 0 --until-pct 90 --report-ms 1000 &
pb=$!
touch /tmp/k62-go
wait $pa; ra=$?
kill $pb 2>/dev/null; wait $pb 2>/dev/null
ma=$(node0_of /tmp/k62-a.out) mb=$(node0_of /tmp/k62-b.out)
pa_=$(val /k62a promoted) ya=$(val /k62a young) va=$(val /k62a visits)
info "2. only /k62a: A $ma of 8192 pages on node 0, B $mb of 8192; cgroup_stats: $(cat $KNOBS/cgroup_stats); k62b pgpromote_success $(stat_of k62b)"
[ $ra = 0 ] || fail "A's region (selected) did not reach 90% on node 0 within 40 s: $(tail -n 2 /tmp/k62-a.out)"
[ "$mb" -le 81 ] || fail "B's region (not selected) has $mb pages on node 0, more than 1%"
[ "$(stat_of k62b)" = 0 ] || fail "k62b's memory.stat counts $(stat_of k62b) promotions"
[ "$pa_" -ge "$ma" ] && [ "$pa_" -le 8192 ] || fail "cgroup_stats counts $pa_ promoted for /k62a, expected $ma..8192"
[ "$ya" -ge "$pa_" ] || fail "cgroup_stats counts fewer young pages ($ya) than promoted ($pa_) for /k62a"
[ "$va" -ge 2 ] || fail "cgroup_stats counts $va visits for /k62a"
[ "$(val /k62a skipped)" = 0 ] || fail "/k62a counted skipped though selected"

# --- 3. never /k62a ---------------------------------------------------------
knob_set cgroup_scope "never /k62a"
rm -f /tmp/k62-go
in_cgroup k62a /tmp/k62-a2.out --size-mb 16 --node "$SLOW" --pattern hot --seconds 45 \
	--start-file /tmp/k62-go --report-ms 1000 &
pa=$!
in_cgroup k62b /tmp/k62-b2.out --size-mb 16 --node "$SLOW" --pattern hot --seconds 40 \
	--start-file /tmp/k62-go --until-node 0 --until-pct 90 --hold-s 3 --report-ms 1000 &
pb=$!
touch /tmp/k62-go
wait $pb; rb=$?
kill $pa 2>/dev/null; wait $pa 2>/dev/null
ma=$(node0_of /tmp/k62-a2.out) mb=$(node0_of /tmp/k62-b2.out)
info "3. never /k62a: A $ma of 4096 pages on node 0, B $mb of 4096; cgroup_stats: $(cat $KNOBS/cgroup_stats)"
[ $rb = 0 ] || fail "B's region (not excluded) did not reach 90% on node 0 within 40 s"
[ "$ma" -le 40 ] || fail "A's region (excluded) has $ma pages on node 0, more than 1%"
[ "$(val /k62a skipped)" -ge 1 ] || fail "cgroup_stats does not count /k62a's process skipped"
[ "$(val /k62a visits)" = 0 ] && [ "$(val /k62a promoted)" = 0 ] || fail "/k62a was visited or promoted for while excluded"

# --- 4. the top-tier cap ----------------------------------------------------
knob_set cgroup_toptier_max_mb 8
knob_set cgroup_scope "all /k62c"
in_cgroup k62c /tmp/k62-c.out --size-mb 32 --node "$SLOW" --pattern hot --seconds 15 --report-ms 1000 &
pc=$!
# The cap is reached, then held: sample C's top tier while it runs.
top_kb() { awk '$1 == "anon" || $1 == "file" { for (i = 2; i <= NF; i++) if ($i ~ /^N0=/) { sub(/^N0=/, "", $i); s += $i } } END { print int(s / 1024) }' $cg/k62c/memory.numa_stat; }
max_kb=0
while kill -0 $pc 2>/dev/null; do
	kb=$(top_kb)
	[ "$kb" -gt $max_kb ] && max_kb=$kb
	sleep 0.5
done
wait $pc
mc=$(node0_of /tmp/k62-c.out) capped=$(val /k62c capped) pc_=$(val /k62c promoted)
info "4. cap 8 MiB: k62c's top tier peaked at $max_kb KiB, its region has $mc pages on node 0; promoted $pc_, capped $capped"
# 8 MiB = 2048 pages; one batch = 512 pages = 2 MiB.
[ $max_kb -le $((10 * 1024)) ] || fail "k62c's top-tier memory reached $max_kb KiB: above the 8 MiB cap plus one 2 MiB batch"
[ "$mc" -le 2560 ] || fail "C's region has $mc pages on node 0, above the cap (2048) plus a batch (512)"
[ "$mc" -ge 1536 ] || fail "C's region has $mc pages on node 0: the cap (2048 pages) was not used up to a batch"
[ "$capped" -ge 1 ] || fail "no hot page of /k62c counted capped"
[ "$pc_" -le 2560 ] || fail "cgroup_stats counts $pc_ promoted for /k62c, above the cap plus a batch"
knob_set cgroup_toptier_max_mb 0

# --- 5. the named cgroup removed while being promoted ---------------------
knob_set cgroup_scope "only /k62d"
knob_set promote_rate_limit_mbps 16
log_mark
in_cgroup k62d /tmp/k62-d.out --size-mb 128 --node "$SLOW" --pattern hot --seconds 12 --report-ms 1000 &
pd=$!
promoting() { [ "$(val /k62d promoted)" -gt 0 ]; }
wait_for promoting || wait_for promoting || fail "no promotion for /k62d within 20 s: $(cat $KNOBS/cgroup_stats)"
# Move the workload (memtier, exec'd by the sh in_cgroup started) out,
# then remove the cgroup while the thread promotes for it.
for p in $(cat $cg/k62d/cgroup.procs); do
	echo $p >$cg/cgroup.procs || fail "cannot move pid $p out of k62d"
done
rmdir $cg/k62d || fail "cannot remove k62d"
at=$(val /k62d promoted)
removed() { line_of /k62d | grep -q ' removed '; }
wait_for removed || fail "cgroup_stats does not say /k62d was removed: $(cat $KNOBS/cgroup_stats)"
wait $pd
md=$(node0_of /tmp/k62-d.out) after=$(val /k62d promoted)
info "5. /k62d removed after $at pages promoted; $after counted at the end, its region has $md of 32768 pages on node 0"
[ "$md" -le 24576 ] || fail "promotion went on after the named cgroup was removed: $md of 32768 pages on node 0"
[ "$after" -le $((at + 8192)) ] || fail "$((after - at)) pages counted for /k62d after it was removed"
[ "$(log_since_mark | grep -c 'cgroup /k62d was removed')" = 1 ] || fail "expected one warning for the removal: $(log_since_mark)"
knob_set promote_rate_limit_mbps 65536
# A new cgroup at the path is another cgroup: not selected until named.
mkdir $cg/k62d || fail "cannot create k62d again"
in_cgroup k62d /tmp/k62-e.out --size-mb 16 --node "$SLOW" --pattern hot --seconds 40 \
	--until-node 0 --until-pct 90 --report-ms 1000 &
pe=$!
sleep 4
me=$(node0_of /tmp/k62-e.out)
[ "$me" -le 40 ] || fail "a new cgroup at the removed path was promoted for ($me pages) before being named"
knob_set cgroup_scope "only /k62d"
wait $pe; re=$?
line_of /k62d | grep -q ' live ' || fail "after the write, /k62d is not live: $(cat $KNOBS/cgroup_stats)"
info "   the new k62d: $me pages on node 0 after 4 s unnamed; named again: $(node0_of /tmp/k62-e.out) of 4096"
[ $re = 0 ] || fail "the new k62d, named again, did not reach 90% on node 0"

unload_module
cleanup
check_kmemleak "after the cgroup scope test"
check_dmesg
