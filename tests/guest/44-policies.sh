#!/bin/sh
# Which memory is promoted, kind by kind, as docs/kmmscand.rst ("Which
# memory it moves") says.  One placement process per kind puts an 8 MiB
# region on the slow node and keeps it hot (fast pacing, hot_threshold 1);
# all run at once for RUN s and some change their rule at CHANGE s.
#
#   P: promoted: >= 90% of the region on node 0 (by CHANGE s for a first
#      phase, by the end for a second one)
#   S: stays: 100% on the slow node in every report of the phase
#
# kind            before  after CHANGE s       rule
# default         P                            control
# bind-slow       S                            MPOL_BIND allows its nodes
# preferred-0     P                            MPOL_PREFERRED allows its node
# preferred-slow  S
# preferred-many  P                            PREFERRED_MANY(0,slow): its nodes
# interleave      S                            interleaving: nothing
# mbind-change    S       P (mbind DEFAULT)    honoured on the next pass
# mbind-rebind    P       S (mbind BIND(slow) + MPOL_MF_MOVE)
# taskpol-change  S       P (set_mempolicy DEFAULT) task policy, no VMA policy
# thread-bound/a  S                            another thread set_mempolicy(BIND slow)
# thread-bound/b  P                            ... unless a VMA policy allows node 0
# cpuset          S       P (cpuset.mems slow -> 0,slow)  cpuset mems_allowed
# mlock           S                            mlocked VMAs are skipped
# hugetlb         S                            hugetlb VMAs are skipped
# protnone        S                            PROT_NONE VMAs are skipped
# shared          S       P (the child exits)  MAP_SHARED anon: mapped by 2 processes, then 1
# memfd           P                            shmem mapped by one process
# memfd-offset/a  P                            shmem policy read at each offset:
# memfd-offset/b  S                            one VMA, second half bound by the file
# cow             S       P (the child exits)  COW pages mapped by 2 processes, then 1
# ksm             S                            KSM pages are skipped
#
# Also: kmmscand_vma_skipped_policy grows, and the kernel log is clean.
. /tests/lib/common.sh
find_slow_node
RUN=40
CHANGE=15
P=/tests/bin/placement
hp=/sys/devices/system/node/node$SLOW/hugepages/hugepages-2048kB/nr_hugepages
[ -w "$hp" ] || fail "no 2 MiB hugetlb pages (config.fragment pins CONFIG_HUGETLBFS)"
[ -d /sys/kernel/mm/ksm ] || fail "no KSM (config.fragment pins CONFIG_KSM)"

# Four huge pages on the slow node for the hugetlb region.
hp0=$(cat $hp)
echo $((hp0 + 4)) >$hp
[ "$(cat $hp)" -ge $((hp0 + 4)) ] || fail "could not reserve 4 huge pages on node $SLOW"
# KSM, fast.
ksm=/sys/kernel/mm/ksm
echo 4000 >$ksm/pages_to_scan
echo 10 >$ksm/sleep_millisecs
echo 1 >$ksm/run
# A cgroup v2 cpuset that excludes node 0.
cg=/sys/fs/cgroup
[ -f $cg/cgroup.controllers ] || mount -t cgroup2 none $cg || fail "cannot mount cgroup2"
grep -qw cpuset $cg/cgroup.controllers || fail "no cpuset controller in cgroup v2"
echo +cpuset >$cg/cgroup.subtree_control || fail "cannot enable the cpuset controller"
mkdir -p $cg/k44
echo "$SLOW" >$cg/k44/cpuset.mems || fail "cannot set cpuset.mems"
restore() {
	echo 0 >$ksm/run
	echo "$hp0" >$hp
	rmdir $cg/k44 2>/dev/null
}

load_module
fast_knobs
knob_set hot_threshold 1
v0=$(vmstat kmmscand_vma_skipped_policy)
snap() { grep -E '^kmmscand_(candidates|promoted|promote_fail_[a-z_]*) ' /proc/vmstat; }
snap >/tmp/k44-before
KINDS="default bind-slow preferred-0 preferred-slow preferred-many interleave mbind-change mbind-rebind taskpol-change thread-bound cpuset mlock hugetlb protnone shared memfd memfd-offset cow ksm"
pids=
for k in $KINDS; do
	$P --kind $k --node "$SLOW" --mb 8 --seconds $RUN --change-at $CHANGE --cgroup $cg/k44 >/tmp/pl-$k.out 2>&1 &
	pids="$pids $!"
	eval "pid_$(echo $k | tr - _)=$!"
done
# Each process's mappings and their placement near the end of its second
# phase (printed for a kind that fails).
sleep $((RUN - 5))
for k in $KINDS; do
	eval "p=\$pid_$(echo $k | tr - _)"
	cat /proc/$p/numa_maps >/tmp/pl-$k.maps 2>/dev/null
done
rcs=0
for p in $pids; do wait $p || rcs=1; done
v1=$(vmstat kmmscand_vma_skipped_policy)
snap >/tmp/k44-after
unload_module
restore

# check KIND/REGION PHASE1 PHASE2
bad=0
check() {
	out=/tmp/pl-${1%%/*}.out
	r=$(awk -v reg="$1" -v p1="$2" -v p2="$3" -v change=$CHANGE '
		function v(name,   i) { for (i = 1; i <= NF; i++) if ($i ~ "^" name "=") return substr($i, length(name) + 2) + 0; return -1 }
		/ changed t=/ { ct = v("t") }
		$2 == reg && ($3 == "at" || $3 == "start" || $3 == "final") {
			t = v("t"); top = v("top"); slow = v("slow"); tot = v("total")
			# Phase 2 from the report after the "changed" line (the
			# change is made and logged between two reports).
			phase = (ct != "") ? 2 : 1
			if (phase == 1 && ct == "" && p2 != "-" && t >= change) phase = 2
			if ($3 == "final") { ftop = top; fslow = slow; ftot = tot }
			if (phase == 1) { last1 = top; tot1 = tot; n1++ }
			# S: every report of the phase 100% on the slow node; in
			# phase 2, from 1 s after the change (mbind moves synchronously).
			if (phase == 1 && p1 == "S" && slow != tot) s1bad = s1bad " t=" t ":top=" top
			if (phase == 2 && p2 == "S" && t > ct + 1 && slow != tot) s2bad = s2bad " t=" t ":top=" top
		}
		END {
			if (ftot <= 0) { print "no final report"; exit }
			if (p2 == "-") {
				if (p1 == "P" && ftop * 10 < ftot * 9) print "not promoted: " ftop "/" ftot " on node 0 at the end"
				if (p1 == "S" && s1bad != "") print "left the slow node:" s1bad
				exit
			}
			if (ct == "") { print "the change did not happen"; exit }
			if (p1 == "P" && last1 * 10 < tot1 * 9) print "not promoted before the change: " last1 "/" tot1
			if (p1 == "S" && s1bad != "") print "left the slow node before the change:" s1bad
			if (p2 == "P" && ftop * 10 < ftot * 9) print "not promoted after the change: " ftop "/" ftot " at the end"
			if (p2 == "S" && s2bad != "") print "left the slow node after the change:" s2bad
		}' "$out")
	final=$(grep "^placement: $1 final" "$out" | sed 's/^placement: //')
	if [ -n "$r" ]; then
		info "FAILED $1 (expected $2 then $3): $r; $final"
		info "  its reports: $(grep "^placement: $1 \(start\|at\|final\)" "$out" | sed 's/.* t=\([0-9.]*\) top=\([0-9]*\).*/\1:\2/' | tr '\n' ' ')"
		info "  $(grep "^placement: ${1%%/*} changed" "$out")"
		info "  its numa_maps at $((RUN - 5)) s (8 MiB mappings and larger):"
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^N[0-9]+=/) { split(substr($i, 2), a, "="); n += a[2] } if (n >= 2048) print "    " $0; n = 0 }' /tmp/pl-${1%%/*}.maps
		bad=$((bad + 1))
	else
		info "ok $1 ($2${3#-}): $final"
	fi
}
while read -r kr p1 p2; do
	check "$kr" "$p1" "$p2"
done <<'EXPECT'
default/r P -
bind-slow/r S -
preferred-0/r P -
preferred-slow/r S -
preferred-many/r P -
interleave/r S -
mbind-change/r S P
mbind-rebind/r P S
taskpol-change/r S P
thread-bound/a S -
thread-bound/b P -
cpuset/r S P
mlock/r S -
hugetlb/r S -
protnone/r S -
shared/r S P
memfd/r P -
memfd-offset/a P -
memfd-offset/b S -
cow/r S P
ksm/r S -
EXPECT
grep -h 'setup\|ksm:' /tmp/pl-*.out
info "kmmscand_vma_skipped_policy +$((v1 - v0)); $(awk 'NR == FNR { a[$1] = $2; next } { printf "%s +%d ", $1, $2 - a[$1] }' /tmp/k44-before /tmp/k44-after)"
[ $rcs = 0 ] || fail "a placement process failed (setup messages above)"
[ $bad = 0 ] || fail "$bad kinds of memory were not treated as docs/kmmscand.rst says"
[ $((v1 - v0)) -gt 0 ] || fail "kmmscand_vma_skipped_policy did not grow"
check_dmesg
