#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of `make bench` (tools/bench/run boots the guest with this
# directory under /extra/bench, tierload and, with --base-module,
# kmmscand-base.ko under /extra):
#
#   sh /extra/bench/guest.sh [--quick] [--mechs "M..."] [--starts "S..."]
#                            [--runs N] [--damon-tuner consist|temporal]
#                            WORKLOAD...
#
# For each workload (tests/bench/workloads), each start mode, each rep 1..N
# (--runs, default 1) and each mechanism, in that order, one run: the
# mechanisms are interleaved (rep 1 of each, then rep 2 of each, ...), so
# that a slow drift of the emulator's speed hits every mechanism alike.
# none runs in rep 1 only: it moves nothing by construction (its placement
# stays where the workload put it), and the others' extra CPU is taken
# against that one run.
#
#   mechanisms  none      numa_balancing=0
#               numab2    numa_balancing=2 (NUMA balancing memory tiering),
#                         its defaults
#               damon     DAMON, the kernel's memory-tiering setup
#                         (samples/damon/mtier.c) through sysfs: see damon_on
#               damon-tuned
#                         the same with its demotion goal (free memory on
#                         node 0) at twice node 0's promotion watermark
#                         rather than the sample's 0.5%, which kswapd never
#                         lets free memory fall to: see damon_free_goal_bp
#               damon-apply0
#                         damon with its schemes applied at every
#                         aggregation (apply_interval_us 0, DAMON's sysfs
#                         default) instead of mtier.c's 1 s, which the
#                         intervals goal keeps re-arming below 16.7 ms
#                         sampling, so that the scheme never applies
#                         (README, "DAMON loaded after the workload")
#               kmmscand  insmod kmmscand.ko, default knobs
#               dram      no mechanism, the region placed on node 0 instead
#                         of the slow node (tierload --place-node 0): the
#                         measured oracle, whose operation rate is what the
#                         hot set in DRAM from the start is worth in this
#                         boot (on the CXL topology, where the slow tier is
#                         slow; on hmat the control: equal to none, as TCG
#                         emulates no latency)
#               kmmscand-base
#                         insmod /extra/kmmscand-base.ko, a base build of
#                         the module to compare kmmscand with in the same
#                         boot (its module is kmmscand too: the same
#                         thread, counters and rmmod)
#   starts      on-first  the mechanism is on, then the workload starts (its
#                         clock starts once its memory is placed)
#               on-later  the workload is placed and running, then the
#                         mechanism is turned on and the clock starts
#
# A workload's setup (tests/bench/workloads: -, or a comma list of fill,
# squeeze, idle2000 and mglru) is done before the mechanism and the
# workload start and undone after the run: fill (node 0 filled with cold
# memory, demotion on), squeeze (node 0 cut down to SQUEEZE_FREE_MB free
# with hugetlb pages, which neither reclaim nor demotion takes, demotion
# on), mglru (MGLRU on, /sys/kernel/mm/lru_gen/enabled; every other run has
# it off); idle2000 is started once before the workload's first run and
# stopped after its last: 2,000 sleeping processes with 256 KiB each on the
# slow node (memtier, forked copies).
#
# Everything the host needs is printed between "BENCH run ..." and
# "BENCH end ..." lines (both with rep=K, K from 1): tierload's own lines
# (placement samples, operations, system time) and "BENCH v NAME BEFORE
# AFTER" counter readings taken when the mechanism was turned on and at the
# end of the run.  The host (tools/bench/report.py) computes every figure
# from them.
. /tests/lib/common.sh

here=$(cd "$(dirname "$0")" && pwd)
TIERLOAD=
for t in /tests/bin/tierload /extra/tierload "$here/../tierload"; do
	[ -x "$t" ] && { TIERLOAD=$t; break; }
done
DAMON=/sys/kernel/mm/damon/admin/kdamonds
LRU_GEN_CTL=/sys/kernel/mm/lru_gen/enabled
FILL_LEAVE_MB=${FILL_LEAVE_MB:-16}
SQUEEZE_FREE_MB=${SQUEEZE_FREE_MB:-384}
IDLE_PROCS=${IDLE_PROCS:-2000}
HUGEPAGES=/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
BASE_KO=/extra/kmmscand-base.ko
variant=full
DAMON_TUNER=temporal
DAMON_APPLY_US=1000000
DAMON_TRACE=0
KMMSCAND_TRACE=0
mechs="none numab2 damon kmmscand"
starts="on-first on-later"
runs=1

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) variant=quick ;;
	--mechs) mechs=$2; shift ;;
	--starts) starts=$2; shift ;;
	--runs) runs=$2; shift ;;
	--damon-tuner) DAMON_TUNER=$2; shift ;;
	--damon-apply-us) DAMON_APPLY_US=$2; shift ;;
	--damon-trace) DAMON_TRACE=1 ;;
	--kmmscand-trace) KMMSCAND_TRACE=1 ;;
	-*) echo "guest.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
case $runs in
''|*[!0-9]*|0) echo "guest.sh: --runs $runs: a positive number" >&2; exit 2 ;;
esac

say() { echo "BENCH $*"; }

# --- counters -----------------------------------------------------------

# The /proc/vmstat items the report uses (absent ones are simply missing).
VMSTAT_RE='^(pgmigrate_success|pgmigrate_fail|pgpromote_success|pgpromote_candidate|pgdemote_kswapd|pgdemote_direct|pgdemote_khugepaged|numa_pte_updates|numa_hint_faults|numa_pages_migrated|thp_migration_success|thp_migration_split|pgsteal_kswapd|kmmscand_[a-z_]*) '

# cpu_ticks PID: utime+stime of a task in USER_HZ ticks (empty if gone).
cpu_ticks() {
	[ -n "$1" ] || return 0
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# alive PID: whether the process runs (a zombie does not).
alive() { [ -r "/proc/$1/stat" ] && awk '{ exit $3 == "Z" }' "/proc/$1/stat" 2>/dev/null; }

# pid_of COMM: pids of the tasks called COMM.
pid_of() {
	for s in /proc/[0-9]*/stat; do
		read -r pid comm rest <"$s" 2>/dev/null || continue
		[ "$comm" = "($1)" ] && echo "$pid"
	done
}

KSWAPD_PIDS=

# snapshot FILE: counters now, "name value" per line (the time first).
snapshot() {
	{
		awk '{ printf "uptime_ms %d\n", $1 * 1000 }' /proc/uptime
		grep -E "$VMSTAT_RE" /proc/vmstat
		t=0
		for p in $KSWAPD_PIDS; do t=$((t + $(cpu_ticks "$p"))); done
		echo "kswapd_ticks $t"
		t=0
		for p in $MECH_PIDS; do t=$((t + $(cpu_ticks "$p"))); done
		echo "mech_ticks $t"
		awk '/MemFree/ { print "node0_free_kb " $4 }' /sys/devices/system/node/node0/meminfo
		# MGLRU's state (0x0007 read as 7: fully on; 0: off).
		v=$(lru_gen_num) && echo "lru_gen_enabled $v"
	} >"$1"
}

# --- mechanisms ---------------------------------------------------------

# node_range NODE: "start end" physical address range of NODE's memory
# blocks.
node_range() {
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	ids=$(ls -d /sys/devices/system/node/node"$1"/memory[0-9]* | sed 's/.*memory//' | sort -n)
	first=$(echo "$ids" | head -n 1)
	last=$(echo "$ids" | tail -n 1)
	echo "$((first * bs)) $((last * bs + bs))"
}

# damon_ctx K ROLE: kdamond K as the promotion (ROLE=promote: hot pages of
# the slow node to node 0) or the demotion (ROLE=demote: cold pages of
# node 0 to the slow node) half of samples/damon/mtier.c, written through
# sysfs with the same values.
damon_ctx() {
	k=$DAMON/$1
	echo 1 >"$k/contexts/nr_contexts"
	c=$k/contexts/0
	echo paddr >"$c/operations"
	a=$c/monitoring_attrs
	echo 5000 >"$a/intervals/sample_us"
	echo 100000 >"$a/intervals/aggr_us"
	echo 60000000 >"$a/intervals/update_us"
	# Sampling and aggregation intervals auto-tuned for a 4% observed
	# access ratio, sampling kept within [5 ms, 10 s].
	echo 400 >"$a/intervals/intervals_goal/access_bp"
	echo 3 >"$a/intervals/intervals_goal/aggrs"
	echo 5000 >"$a/intervals/intervals_goal/min_sample_us"
	echo 10000000 >"$a/intervals/intervals_goal/max_sample_us"
	echo 10 >"$a/nr_regions/min"
	echo 1000 >"$a/nr_regions/max"
	if [ "$2" = promote ]; then
		set -- $(node_range "$SLOW") migrate_hot 0 1 4294967295 node_mem_used_bp 9970 Y
	else
		set -- $(node_range 0) migrate_cold "$SLOW" 0 0 node_mem_free_bp "$DAMON_FREE_BP" N
	fi
	echo 1 >"$c/targets/nr_targets"
	echo 1 >"$c/targets/0/regions/nr_regions"
	echo "$1" >"$c/targets/0/regions/0/start"
	echo "$2" >"$c/targets/0/regions/0/end"
	echo 1 >"$c/schemes/nr_schemes"
	s=$c/schemes/0
	echo "$3" >"$s/action"
	echo "$4" >"$s/target_nid"
	echo "$DAMON_RUN_APPLY_US" >"$s/apply_interval_us"
	echo 4096 >"$s/access_pattern/sz/min"
	echo 18446744073709551615 >"$s/access_pattern/sz/max"
	echo "$5" >"$s/access_pattern/nr_accesses/min"
	echo "$6" >"$s/access_pattern/nr_accesses/max"
	echo 0 >"$s/access_pattern/age/min"
	echo 4294967295 >"$s/access_pattern/age/max"
	# At most 200 MiB per second, hotter and older regions first, the
	# effective quota auto-tuned for node 0 at 99.7% used (promotion) or
	# 0.5% free (demotion).
	q=$s/quotas
	echo 0 >"$q/ms"
	echo $((200 << 20)) >"$q/bytes"
	echo 1000 >"$q/reset_interval_ms"
	echo 0 >"$q/weights/sz_permil"
	echo 100 >"$q/weights/nr_accesses_permil"
	echo 100 >"$q/weights/age_permil"
	# The goal tuner: temporal (the full quota while the goal is unmet)
	# unless --damon-tuner names another.  The sample keeps the kernel's
	# default, consist, whose feedback loop starts the quota near zero and
	# needs ~30 s to reach a useful rate: longer than most runs here.
	echo "$DAMON_TUNER" >"$q/goal_tuner"
	echo 1 >"$q/goals/nr_goals"
	echo "$7" >"$q/goals/0/target_metric"
	echo "$8" >"$q/goals/0/target_value"
	echo 0 >"$q/goals/0/nid"
	# Promotion: only pages found young (Accessed) are migrated;
	# demotion: young pages are not.
	echo 1 >"$s/ops_filters/nr_filters"
	echo young >"$s/ops_filters/0/type"
	echo Y >"$s/ops_filters/0/matching"
	echo "$9" >"$s/ops_filters/0/allow"
}

# damon_free_goal_bp NODE: twice NODE's promotion watermark (the sum of
# its zones' "promo" marks in /proc/zoneinfo), in basis points of its
# managed pages, as node_mem_free_bp counts them (si_meminfo_node()).
# kswapd keeps free memory above the low watermark, so a goal below it
# (the sample's 50, 0.5%) is always met and the demotion scheme never
# applies; one above the promotion watermark leaves DAMON room to demote
# cold memory that reclaim would leave in place.
damon_free_goal_bp() {
	awk -v n="$1," '/^Node/ { on = ($2 == n) }
		on && $1 == "promo" { p += $2 }
		on && $1 == "managed" { m += $2 }
		END { if (p > 0 && m > 0) printf "%d\n", (2 * p * 10000 + m - 1) / m }' /proc/zoneinfo
}

# --damon-trace: two of DAMON's tracepoints recorded during each DAMON
# run and counted per kdamond by damon_stats: damos_stat_after_apply_interval
# (once each time its scheme was due and applied to the regions) and
# damon_monitor_intervals_tune (each time the intervals goal changed the
# sampling interval).
TRACE=/sys/kernel/tracing

# trace_start KB EVENT...: an empty trace buffer of KB KiB per CPU, the
# events named (SYSTEM/EVENT under events/) on, tracing on.
trace_start() {
	[ -d $TRACE/events ] || mount -t tracefs nodev $TRACE
	echo 0 >$TRACE/tracing_on
	echo "$1" >$TRACE/buffer_size_kb
	echo >$TRACE/trace
	shift
	for e in "$@"; do
		echo 1 >"$TRACE/events/$e/enable"
	done
	echo 1 >$TRACE/tracing_on
}

damon_trace_on() {
	trace_start 4096 damon/damos_stat_after_apply_interval damon/damon_monitor_intervals_tune
}

# damon_trace_counts K: the two counts for kdamond K, as "BENCH v" lines.
damon_trace_counts() {
	pid=$(cat "$DAMON/$1/pid")
	awk -v p="-$pid " -v k="$1" 'index($0, p) && /damos_stat_after_apply_interval:/ { a++ }
		index($0, p) && /damon_monitor_intervals_tune:/ { t++ }
		END { printf "damon%s_applies %d\ndamon%s_tunes %d\n", k, a, k, t }' $TRACE/trace
}

# --kmmscand-trace: kmmscand's kmmscand_migrate_batch tracepoint recorded
# during each kmmscand run; kmmscand_trace_stats sums its batches and the
# time they took (isolation and migration) for the "BENCH v" lines.
kmmscand_trace_on() {
	trace_start 8192 kmmscand/kmmscand_migrate_batch
}

kmmscand_trace_stats() {
	echo 0 >$TRACE/tracing_on
	awk '/kmmscand_migrate_batch:/ { n++; for (i = 1; i <= NF; i++) if ($i ~ /^us=/) us += substr($i, 4) }
		END { printf "kmmscand_batches %d\nkmmscand_migrate_us %d\n", n, us }' $TRACE/trace
	lost=$(cat $TRACE/per_cpu/cpu*/stats | awk '/^overrun:/ { s += $2 } END { print s + 0 }')
	echo "kmmscand_trace_lost $lost"
	echo 0 >$TRACE/events/kmmscand/kmmscand_migrate_batch/enable
}

# damon_on FREE_BP: both kdamonds, the demotion goal FREE_BP.
damon_on() {
	DAMON_FREE_BP=$1
	echo 2 >"$DAMON/nr_kdamonds"
	damon_ctx 0 promote
	damon_ctx 1 demote
	[ "$DAMON_TRACE" = 1 ] && damon_trace_on
	echo on >"$DAMON/0/state"
	echo on >"$DAMON/1/state"
	MECH_PIDS="$(cat "$DAMON/0/pid") $(cat "$DAMON/1/pid")"
}

# damon_stats: the schemes' tried and applied regions and bytes, the
# intervals as the intervals goal tuned them by the end, and the demotion
# goal, for the "BENCH v" lines.  nr_tried counts the regions whose access
# pattern matched when the scheme applied (for promotion: an access in the
# region's moving count), while its quota lasted, before its young filter;
# sz_ops_filter_passed what the young filter let through; nr_applied the
# regions the action then moved something of.
damon_stats() {
	echo "damon_free_goal_bp $DAMON_FREE_BP"
	for k in 0 1; do
		echo update_schemes_stats >"$DAMON/$k/state" 2>/dev/null
		s=$DAMON/$k/contexts/0/schemes/0/stats
		for f in nr_tried sz_tried sz_ops_filter_passed nr_applied sz_applied qt_exceeds; do
			echo "damon${k}_$f $(cat "$s/$f" 2>/dev/null)"
		done
		echo update_tuned_intervals >"$DAMON/$k/state" 2>/dev/null
		i=$DAMON/$k/contexts/0/monitoring_attrs/intervals
		echo "damon${k}_sample_us $(cat "$i/sample_us" 2>/dev/null)"
		echo "damon${k}_aggr_us $(cat "$i/aggr_us" 2>/dev/null)"
		[ "$DAMON_TRACE" = 1 ] && damon_trace_counts $k
	done
	if [ "$DAMON_TRACE" = 1 ]; then
		echo 0 >$TRACE/tracing_on
		echo 0 >$TRACE/events/damon/enable
	fi
	return 0
}

damon_off() {
	for k in 0 1; do
		echo off >"$DAMON/$k/state" 2>/dev/null
	done
	echo 0 >"$DAMON/nr_kdamonds"
}

mech_on() {
	MECH_PIDS=
	DAMON_RUN_APPLY_US=$DAMON_APPLY_US
	case $1 in
	none|dram) ;;
	numab2) echo 2 >/proc/sys/kernel/numa_balancing ;;
	damon) damon_on 50 ;;
	damon-apply0)
		DAMON_RUN_APPLY_US=0
		damon_on 50
		;;
	damon-tuned)
		bp=$(damon_free_goal_bp 0)
		[ -n "$bp" ] || { say "error no promo watermark for node 0 in /proc/zoneinfo"; return 1; }
		damon_on "$bp"
		;;
	kmmscand|kmmscand-base)
		ko=$KO
		[ "$1" = kmmscand-base ] && ko=$BASE_KO
		insmod "$ko" || { say "error insmod $ko failed"; return 1; }
		[ "$KMMSCAND_TRACE" = 1 ] && kmmscand_trace_on
		MECH_PIDS=$(kthread_pids)
		[ -n "$MECH_PIDS" ] || say "error no kmmscand thread after insmod"
		;;
	esac
	return 0
}

mech_off() {
	case $1 in
	none|dram) ;;
	numab2) echo 0 >/proc/sys/kernel/numa_balancing ;;
	damon|damon-tuned|damon-apply0) damon_off ;;
	kmmscand|kmmscand-base) rmmod kmmscand ;;
	esac
	MECH_PIDS=
}

# all_off: no mechanism on, MGLRU off, whatever an earlier run left.
all_off() {
	echo 0 >/proc/sys/kernel/numa_balancing
	[ "$(cat "$DAMON/nr_kdamonds" 2>/dev/null || echo 0)" = 0 ] || damon_off
	grep -q '^kmmscand ' /proc/modules && rmmod kmmscand
	echo 0 >/sys/kernel/mm/numa/demotion_enabled
	mglru_off
	MECH_PIDS=
}

# --- MGLRU --------------------------------------------------------------

# lru_gen: MGLRU's state as the kernel shows it (0x0007: fully on), empty
# without CONFIG_LRU_GEN.
lru_gen() { cat "$LRU_GEN_CTL" 2>/dev/null; }

# lru_gen_num: the same as a decimal number (7: fully on, 0: off); fails
# without CONFIG_LRU_GEN or on an unexpected value.
lru_gen_num() {
	v=$(lru_gen)
	case $v in
	0x[0-9a-fA-F]*) echo $(($v)) ;;
	*) return 1 ;;
	esac
}

# mglru_on: MGLRU on with all its capabilities (the core, its page-table
# walk, the clearing of non-leaf PMD Accessed bits), or an error: a run
# never goes on without it.
mglru_on() {
	[ -e "$LRU_GEN_CTL" ] || { say "error MGLRU: no $LRU_GEN_CTL (a kernel without CONFIG_LRU_GEN)"; return 1; }
	echo y >"$LRU_GEN_CTL" || { say "error MGLRU: writing y to $LRU_GEN_CTL failed"; return 1; }
	lg=$(lru_gen_num) && [ $((lg & 7)) = 7 ] ||
		{ say "error MGLRU: $LRU_GEN_CTL reads '$(lru_gen)' after writing y, not 0x0007"; return 1; }
	say "mglru enabled=$(lru_gen)"
}

# mglru_off: MGLRU off (nothing to do without CONFIG_LRU_GEN).
mglru_off() {
	[ -e "$LRU_GEN_CTL" ] && [ "$(lru_gen_num)" != 0 ] && echo n >"$LRU_GEN_CTL"
	return 0
}

# has_setup ITEM: whether the run's setup list ($setup) names ITEM.
has_setup() {
	case ",$setup," in *,"$1",*) return 0 ;; esac
	return 1
}

# --- DRAM full ----------------------------------------------------------

# fill_mb: node 0's free memory less its zones' high watermarks and
# FILL_LEAVE_MB, in MiB.
fill_mb() {
	free_kb=$(awk '/MemFree/ { print $4 }' /sys/devices/system/node/node0/meminfo)
	high=$(awk '/^Node/ { n = ($2 == "0,") } n && $1 == "high" { s += $2 } END { print s + 0 }' /proc/zoneinfo)
	echo $(( (free_kb - high * 4) / 1024 - FILL_LEAVE_MB ))
}

FILL_PID=
# filler_start: the filler (fill_mb MiB of cold memory on node 0) running
# and in place; mb is its size.
filler_start() {
	rm -f /tmp/fill.ready
	mb=$(fill_mb)
	$TIERLOAD --fill-mb "$mb" --node 0 --top "$SLOW" --ready-file /tmp/fill.ready >/tmp/fill.out 2>&1 &
	FILL_PID=$!
	while [ ! -e /tmp/fill.ready ] && alive $FILL_PID; do
		sleep 0.2
	done
	[ -e /tmp/fill.ready ] || { say "error filler failed: $(cat /tmp/fill.out)"; return 1; }
}

fill_start() {
	filler_start || return 1
	echo 1 >/sys/kernel/mm/numa/demotion_enabled
	say "fill mb=$mb node0_free_kb=$(awk '/MemFree/ { print $4 }' /sys/devices/system/node/node0/meminfo)" \
		"$(awk '/^Node/ { n = ($2 == "0,"); z = $4 } n && $1 ~ /^(min|low|high|promo)$/ { printf "%s_%s=%s ", z, $1, $2 }' /proc/zoneinfo)"
}

fill_stop() {
	echo 0 >/sys/kernel/mm/numa/demotion_enabled
	[ -n "$FILL_PID" ] && kill "$FILL_PID" 2>/dev/null && wait "$FILL_PID" 2>/dev/null
	FILL_PID=
}

# --- Host backing -------------------------------------------------------

# QEMU gives the guest's RAM host pages on first touch, so in a boot's
# first run a mechanism copying into node 0 also paid the host's page
# faults (hot1g: 7.6 s of kmmscand's CPU in the first run of a boot against
# 4.2-4.5 s in its later ones, bench/results/2026-12-07-walk-rust), and
# whichever mechanism ran first in a boot carried that.  Before the first
# run, node 0's free memory is written once (the filler, then freed).
warm_node0() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	filler_start || { fill_stop; return 1; }
	fill_stop
	say "warm node0_mb=$mb s=$(awk -v a="$t0" '{ printf "%.1f", $1 - a }' /proc/uptime)"
}

# --- DRAM overcommitted -------------------------------------------------

# squeeze_start: node 0 cut down to about SQUEEZE_FREE_MB free with 2 MiB
# hugetlb pages, demotion on: a hot set of 1.5 x that is larger than the
# DRAM it can have.
squeeze_start() {
	[ -w "$HUGEPAGES" ] || { say "error no hugetlb pages on node 0 ($HUGEPAGES)"; return 1; }
	free_mb=$(awk '/MemFree/ { print int($4 / 1024) }' /sys/devices/system/node/node0/meminfo)
	echo $(( (free_mb - SQUEEZE_FREE_MB) / 2 )) >"$HUGEPAGES"
	echo 1 >/sys/kernel/mm/numa/demotion_enabled
	say "squeeze hugepages=$(cat "$HUGEPAGES") node0_free_kb=$(awk '/MemFree/ { print $4 }' /sys/devices/system/node/node0/meminfo)"
}

squeeze_stop() {
	echo 0 >/sys/kernel/mm/numa/demotion_enabled
	echo 0 >"$HUGEPAGES"
}

# --- idle processes -----------------------------------------------------

IDLE_PID=
idle_start() {
	rm -rf /tmp/idle && mkdir /tmp/idle
	/tests/bin/memtier --procs "$IDLE_PROCS" --size-kb 256 --node "$SLOW" --pattern once \
		--idle-s 100000 --seconds 1 --ready-file /tmp/idle/ready >/dev/null 2>&1 &
	IDLE_PID=$!
	i=0
	while [ "$(ls /tmp/idle | wc -l)" -lt "$IDLE_PROCS" ] && [ $i -lt 600 ]; do
		sleep 1
		i=$((i + 1))
	done
	say "idle procs=$(ls /tmp/idle | wc -l) placed_s=$i"
	[ "$(ls /tmp/idle | wc -l)" -ge "$IDLE_PROCS" ] || { say "error only $(ls /tmp/idle | wc -l) of $IDLE_PROCS idle processes placed"; return 1; }
}

idle_stop() {
	killall memtier 2>/dev/null
	i=0
	while pidof memtier >/dev/null && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
	IDLE_PID=
}

# --- one run ------------------------------------------------------------

# run_abort: end a run that could not set up or start its mechanism.
run_abort() {
	all_off
	has_setup fill && fill_stop
	has_setup squeeze && squeeze_stop
	say "end workload=$wl mechanism=$mech start=$start rep=$rep status=2"
}

# run WORKLOAD SECONDS SETUP MECH START REP ARGS...
run() {
	wl=$1 secs=$2 setup=$3 mech=$4 start=$5 rep=$6
	shift 6
	out=/tmp/run.out
	rm -f /tmp/run.ready /tmp/run.go "$out" /tmp/v.before /tmp/v.after
	say "run workload=$wl mechanism=$mech start=$start rep=$rep seconds=$secs setup=$setup args=$*"
	all_off
	# MGLRU is off unless the setup asks for it, then on before the filler,
	# the mechanism and the workload start; off again after the run.
	if has_setup mglru; then
		mglru_on || { run_abort; return 1; }
	elif [ -e "$LRU_GEN_CTL" ] && [ "$(lru_gen_num)" != 0 ]; then
		say "error MGLRU still on ($(lru_gen)) after writing n to $LRU_GEN_CTL"
		run_abort
		return 1
	fi
	case "$*" in *--thp*) echo 1 >/proc/sys/vm/compact_memory ;; esac
	if has_setup fill; then
		fill_start || { run_abort; return 1; }
	fi
	if has_setup squeeze; then
		squeeze_start || { run_abort; return 1; }
	fi
	common="--node $SLOW --top 0 --seconds $secs --ready-file /tmp/run.ready"
	[ "$mech" = dram ] && common="$common --place-node 0"
	# An application (redis.sh) takes tierload's options and prints its lines.
	load=$TIERLOAD
	case " $* " in *" --app "*) load="sh $here/redis.sh" ;; esac
	if [ "$start" = on-first ]; then
		snapshot /tmp/v.before
		mech_on "$mech" || { run_abort; return 1; }
		# The mechanism may move pages while the region is written (DAMON
		# does, despite the MPOL_BIND it is placed under): accepted, the
		# B line says how much was still on the slow node.
		# shellcheck disable=SC2086
		$load $common --placed-min-pct 0 "$@" >"$out" 2>&1 &
		app=$!
	else
		# shellcheck disable=SC2086
		$load $common --go-file /tmp/run.go "$@" >"$out" 2>&1 &
		app=$!
		while [ ! -e /tmp/run.ready ] && alive $app; do
			sleep 0.1
		done
		snapshot /tmp/v.before
		mech_on "$mech" || { kill -9 $app; wait $app; run_abort; return 1; }
		touch /tmp/run.go
	fi
	# The run ends by itself after SECONDS; a guard against a stuck one.
	(sleep $((secs + 300)); echo "BENCH error the workload did not end: killed"; kill -9 $app) &
	guard=$!
	wait $app
	rc=$?
	kill $guard 2>/dev/null
	snapshot /tmp/v.after
	case $mech in damon|damon-tuned|damon-apply0) damon_stats >>/tmp/v.after ;; esac
	case $mech in kmmscand|kmmscand-base)
		[ "$KMMSCAND_TRACE" = 1 ] && kmmscand_trace_stats >>/tmp/v.after ;;
	esac
	mech_off "$mech"
	has_setup fill && fill_stop
	has_setup squeeze && squeeze_stop
	has_setup mglru && mglru_off
	cat "$out"
	# "BENCH v NAME BEFORE AFTER", names from either reading.
	awk 'FNR == NR { b[$1] = $2; next } { print "BENCH v", $1, ($1 in b ? b[$1] : "-"), $2 }' \
		/tmp/v.before /tmp/v.after
	say "end workload=$wl mechanism=$mech start=$start rep=$rep status=$rc"
}

# rotated LIST N: the words of LIST, starting at its (N mod count)th.
# Rep r runs its mechanisms in the order rotated by r - 1, so that none
# runs last (or after the same other one) in every rep: a boot
# changes as it runs (free memory, the host's backing of it), and with a
# fixed order one mechanism met that change in every rep (kmmscand, last,
# moved THPs at 8 a second in all three reps of the 2026-12-05 thp run,
# and at 32 or more in boots where it ran alone).
rotated() {
	echo "$1" | awk -v k="$2" '{ for (i = 0; i < NF; i++) printf "%s ", $((i + k) % NF + 1); print "" }'
}

# --- main ---------------------------------------------------------------

find_slow_node
KSWAPD_PIDS=$(pid_of kswapd0)
[ -n "$TIERLOAD" ] || { say "error no tierload binary"; exit 2; }
table=$here/workloads
say "boot kernel=$(uname -r) topology=$TOPOLOGY slow_node=$SLOW variant=$variant user_hz=100 page_size=4096 damon_tuner=$DAMON_TUNER damon_apply_us=$DAMON_APPLY_US damon_trace=$DAMON_TRACE kmmscand_trace=$KMMSCAND_TRACE runs=$runs"
for n in /sys/devices/system/node/node[0-9]*; do
	say "node id=${n##*node} tier=$(tier_of "${n##*node}") mem_kb=$(awk '/MemTotal/ { print $4 }' "$n/meminfo")"
done
say "thp $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
# MGLRU at boot (off: the bench kernel has CONFIG_LRU_GEN_ENABLED unset;
# all_off turns it off before every run that does not ask for it).
say "lru_gen enabled=$(lru_gen || echo absent)"
failed=0
warm_node0 || failed=1
for wl in "$@"; do
	# The full variant also runs the extra lines (tests/bench/workloads).
	line=$(awk -v v="$variant" -v w="$wl" '($1 == v || (v == "full" && $1 == "extra")) && $2 == w' "$table")
	[ -n "$line" ] || { say "error no workload $wl ($variant) in $table"; failed=1; continue; }
	# shellcheck disable=SC2086
	set -- $line
	secs=$5 setup=$6
	shift 6
	bad=$(echo "$setup" | tr ',' '\n' | grep -vxE 'fill|squeeze|idle2000|mglru' | grep -vx -- '-' | tr '\n' ' ')
	[ -z "$bad" ] || { say "error workload $wl: unknown setup '$bad' in $table"; failed=1; continue; }
	if has_setup idle2000; then
		idle_start || { idle_stop; failed=1; continue; }
	fi
	for start in $starts; do
		rep=1
		while [ "$rep" -le "$runs" ]; do
			# none once: it moves nothing, a rep would repeat it.
			these=$mechs
			[ "$rep" -gt 1 ] && these=$(echo "$mechs" | tr ' ' '\n' | grep -vx none | tr '\n' ' ')
			for mech in $(rotated "$these" $((rep - 1))); do
				# shellcheck disable=SC2086
				run "$wl" "$secs" "$setup" "$mech" "$start" "$rep" "$@" || failed=1
			done
			rep=$((rep + 1))
		done
	done
	has_setup idle2000 && idle_stop
done
# Kernel reports (the test kernel's detectors, warnings) go with the
# results: report.py notes them; the test suite is what fails on them.
dmesg | grep -E "${DMESG_REPORTS:-WARNING:|BUG:|Oops|general protection|Call Trace|rcu_sched detected|soft lockup|hung_task}" |
	sed 's/^/BENCH kernel-log /'
say "done failed=$failed"
exit $failed
