# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the guest tests.  A test is a sh script that exits 0 (pass),
# 1 (fail, after printing why) or 4 (skip, after printing "SKIP: reason").

KO=/lib/kmmscand/kmmscand.ko
KNOBS=/sys/kernel/mm/kmmscand
MEMTIER=/tests/bin/memtier

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 4; }
info() { echo "$*"; }

# vmstat NAME: the current value of a /proc/vmstat item (empty if absent).
vmstat() { awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat; }

# load_module: insmod kmmscand and check it came up.
load_module() {
	insmod "$KO" "$@" || fail "insmod $KO failed"
	[ -d "$KNOBS" ] || fail "$KNOBS missing after insmod"
}

unload_module() {
	rmmod kmmscand || fail "rmmod kmmscand failed"
}

# knob_set NAME VALUE: write a knob; fails the test if the write is refused.
knob_set() {
	echo "$2" >"$KNOBS/$1" || fail "writing '$2' to $1 was refused"
}

knob() { cat "$KNOBS/$1"; }

# kthread_pids: pids of threads named kmmscand.
kthread_pids() {
	for s in /proc/[0-9]*/stat; do
		# (2>/dev/null first: a process that exits while listed is no error)
		read -r pid comm rest 2>/dev/null <"$s" || continue
		[ "$comm" = "(kmmscand)" ] && echo "$pid"
	done
}

# in_list N LIST: whether node N is in a kernel node list ("0-2,5").
in_list() {
	echo "$2" | tr ',' '\n' | while IFS=- read -r lo hi; do
		[ -n "$lo" ] || continue
		[ "$1" -ge "$lo" ] && [ "$1" -le "${hi:-$lo}" ] && echo yes
	done | grep -q yes
}

# tier_of N: the memory tier id of node N (memory_tier<id>), empty if none.
# A larger id is a slower tier.
tier_of() {
	for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
		[ -f "$t/nodelist" ] || continue
		if in_list "$1" "$(cat "$t/nodelist")"; then
			basename "$t" | sed 's/memory_tier//'
			return
		fi
	done
}

# find_slow_node: sets SLOW to the first node below the top tier.  Every
# topology qemu/run offers has one: its absence is a failure, not a skip.
find_slow_node() {
	top=$(tier_of 0)
	for n in /sys/devices/system/node/node[0-9]*; do
		id=${n##*node}
		t=$(tier_of "$id")
		if [ -n "$t" ] && [ -n "$top" ] && [ "$t" -gt "$top" ]; then
			SLOW=$id
			return
		fi
	done
	fail "no lower-tier node in this guest (memory tiers: $(ls /sys/devices/virtual/memory_tiering/ 2>&1 | tr '\n' ' '))"
}

# check_dmesg: fails the test if the kernel logged a report of any of the
# test kernel's detectors: WARN/BUG/oops, KASAN, lockdep, RCU stalls, soft
# lockups, hung tasks, UBSAN, list corruption, or a memory leak.
DMESG_REPORTS='WARNING:|BUG:|Oops|general protection|Call Trace|KASAN|UBSAN|detected stall|rcu_sched detected|soft lockup|hard LOCKUP|blocked for more than|hung_task|possible recursive locking|circular locking|suspicious RCU|list_add corruption|list_del corruption|kmemleak: [0-9]+ new suspected'
check_dmesg() {
	if dmesg | grep -E "$DMESG_REPORTS"; then
		fail "the kernel log shows the problem above"
	fi
}

# check_kmemleak WHAT: fails the test, naming WHAT, if kmemleak reports an
# unreferenced object.  kmemleak only reports objects older than 5 s, and
# needs two scans to be sure an object is unreferenced.
check_kmemleak() {
	local f=/sys/kernel/debug/kmemleak leaks
	[ -e $f ] || fail "kernel built without kmemleak (config.fragment pins CONFIG_DEBUG_KMEMLEAK)"
	sleep 5
	echo scan >$f
	echo scan >$f
	leaks=$(grep -c '^unreferenced object' $f)
	if [ "$leaks" != 0 ]; then
		head -n 60 $f
		fail "kmemleak reports $leaks unreferenced objects $1"
	fi
}

# Fast pacing for tests: scan every 100-500 ms.
fast_knobs() {
	knob_set scan_sleep_ms 50
	knob_set scan_period_min_ms 100
	knob_set scan_period_max_ms 500
}

# Aggressive pacing for the stress tests: wake every 1 ms, sweep every
# 10-50 ms, promote on first sight.
aggressive_knobs() {
	knob_set scan_sleep_ms 1
	knob_set scan_period_min_ms 10
	knob_set scan_period_max_ms 50
	knob_set hot_threshold 1
}

# region_size_mb / promote_limit_s: the hot-region size and the time bound
# for it to reach 90% on node 0.  CXL memory is emulated MMIO (very slow
# under TCG): a smaller region (8 MiB) and a longer bound there.
region_size_mb() { [ "$TOPOLOGY" = cxl ] && echo 8 || echo 64; }
promote_limit_s() { [ "$TOPOLOGY" = cxl ] && echo 60 || echo 20; }

# field NAME FILE: value of NAME=<n> on the last memtier report line.
field() { grep '^memtier: ' "$2" | tail -n 1 | sed -n "s/.* $1=\([0-9-]*\).*/\1/p"; }

# uptime_ms: milliseconds since boot (10 ms resolution).
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

# need_thp: fails unless transparent huge pages can back a region
# (config.fragment pins CONFIG_TRANSPARENT_HUGEPAGE(_MADVISE)).
need_thp() {
	grep -q '\[always\]\|\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled ||
		fail "THP disabled ($(cat /sys/kernel/mm/transparent_hugepage/enabled 2>&1))"
}

# log_mark: writes a line of its own to the kernel log; log_since_mark
# prints the kernel log after it, so that a test reads only the lines it
# caused, not those of earlier tests.
log_mark() {
	LOG_MARK="kmmscand-test-mark-$$-$(uptime_ms)"
	echo "$LOG_MARK" >/dev/kmsg
}
log_since_mark() { dmesg | sed -n "/$LOG_MARK/,\$p" | tail -n +2; }

# need_node_mb N MB: fails the test unless node N has at least MB MiB of
# memory (a test sized for the default guest run in a smaller one).
need_node_mb() {
	have=$(awk '/MemTotal/ { print int($4 / 1024) }' /sys/devices/system/node/node$1/meminfo)
	[ "$have" -ge "$2" ] ||
		fail "needs $2 MiB on node $1, the guest has $have MiB (qemu/run --slow-mb/--dram-mb)"
}

# mglru_on / mglru_off: turn MGLRU (CONFIG_LRU_GEN, built in and off at
# boot: qemu/kernel/config.fragment) on with all its capabilities, or off.
# Fails when the kernel has none: the MGLRU tests exist for that kernel.
LRU_GEN=/sys/kernel/mm/lru_gen/enabled
mglru_on() {
	[ -w $LRU_GEN ] || fail "$LRU_GEN missing: the kernel lacks CONFIG_LRU_GEN (config.fragment pins it)"
	echo y >$LRU_GEN || fail "could not enable MGLRU"
	# 0x0007: the core, its page-table walk, and clearing the Accessed
	# bits of PMDs that point to page tables (what hid hot sets).
	[ $(( $(cat $LRU_GEN) & 7 )) = 7 ] || fail "MGLRU on without all capabilities: $(cat $LRU_GEN)"
	info "MGLRU on: $(cat $LRU_GEN)"
}
mglru_off() { echo n >$LRU_GEN; }

# with_mglru TEST: runs another guest test with MGLRU on, then turns it off;
# returns the test's status.
with_mglru() {
	mglru_on
	sh "$1"
	rc=$?
	mglru_off
	return $rc
}

# trace_visits PID FILE: the kmmscand_scan_mm_end events of PID in a saved
# trace FILE, one "scanned young" pair a line.
trace_visits() {
	sed -n "s/.*kmmscand_scan_mm_end: pid=$1 .* scanned=\([0-9]*\) young=\([0-9]*\) .*/\1 \2/p" "$2"
}

# sample_start FILE [SECONDS]: every SECONDS (default 5) until sample_stop,
# appends to FILE one line: uptime, the promotion counters, node 0's free
# memory and what the kmmscand thread is doing (state and wait channel).
# A test prints FILE when it fails, so that a stall in a CI log shows where
# it stalled.  The sampler also ends with the test's shell, so that a test
# that fails before sample_stop leaves nothing running into the next one.
sample_start() {
	(
		k=$(kthread_pids | head -n 1)
		while kill -0 $$ 2>/dev/null; do
			awk '
				FILENAME == "/proc/uptime" { printf "t=%s", $1 }
				FILENAME == "/proc/vmstat" && $1 ~ /^kmmscand_(wakeups|mm_scans|young|candidates|isolated|promoted|promote_fail_[a-z_]*|kswapd_requests)$/ {
					printf " %s=%s", substr($1, 10), $2
				}
				/MemFree/ { printf " node0_free_kb=%s", $4 }' \
				/proc/uptime /proc/vmstat /sys/devices/system/node/node0/meminfo
			[ -n "$k" ] && printf ' thread=%s wchan=%s' "$(awk '{ print $3 }' /proc/$k/stat 2>/dev/null)" "$(cat /proc/$k/wchan 2>/dev/null)"
			echo
			sleep "${2:-5}"
		done
	) >"$1" 2>&1 &
	SAMPLER=$!
}
sample_stop() { [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null; SAMPLER=; }

# big_procs: the processes with more than 40 MiB resident (pid, name, kB):
# what else holds memory when a test's promotion stalls.
big_procs() {
	for s in /proc/[0-9]*/status; do
		awk -v f="$s" '/^Name:/ { n = $2 } /^VmRSS:/ && $2 > 40960 { split(f, p, "/"); print "process " p[3] " " n " " $2 " kB" }' "$s" 2>/dev/null
	done
}

# wait_ready FILE PID OUT: waits up to 120 s for memtier (PID, output in
# OUT) to create its --ready-file FILE; fails the test, killing it, if not.
wait_ready() {
	_i=0
	while [ ! -e "$1" ] && [ $_i -lt 1200 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -e "$1" ] || { kill "$2"; cat "$3"; fail "memtier did not place its region on node $SLOW within 120 s"; }
}

# cold_moved_at_most OUT PCT: fails the test if memtier's last report in
# OUT ("memtier: reached ...") has more than PCT% of its cold part on
# node 0.
cold_moved_at_most() {
	set -- $(grep '^memtier: reached' "$1" | sed -n 's/.* cold_on_node0=\([0-9]*\)\/\([0-9]*\).*/\1 \2/p') "$2"
	[ $# = 3 ] || fail "no cold placement in memtier's last report"
	info "cold part on node 0: $1 of $2 pages"
	[ $(($1 * 100)) -le $(($2 * $3)) ] || fail "$1 of $2 cold pages moved (more than $3%)"
}

# wait_for CMD...: up to 10 s for CMD to succeed.
wait_for() {
	_n=0
	until "$@"; do
		_n=$((_n + 1)); [ $_n -le 100 ] || return 1
		sleep 0.1
	done
}

# young_grows: waits up to 10 s for kmmscand_young to grow (the thread
# scans slow-tier memory in use).
young_above() { [ "$(vmstat kmmscand_young)" -gt "$1" ]; }
young_grows() { wait_for young_above "$(vmstat kmmscand_young)"; }

# hotness_bytes_in LO HI: hotness_bytes is within [LO, HI] (a section adds
# a few bytes of its own beside one byte per page).
hotness_bytes_in() { [ "$(knob hotness_bytes)" -ge "$1" ] && [ "$(knob hotness_bytes)" -le "$2" ]; }

# memcg_root: mounts cgroup v2 at /sys/fs/cgroup if it is not, enables the
# memory controller for its children, and sets cg to the mount point.
memcg_root() {
	cg=/sys/fs/cgroup
	[ -f $cg/cgroup.controllers ] || mount -t cgroup2 none $cg || fail "cannot mount cgroup2"
	grep -qw memory $cg/cgroup.controllers || fail "no memory controller in cgroup v2 (config.fragment pins CONFIG_MEMCG)"
	echo +memory >$cg/cgroup.subtree_control || fail "cannot enable the memory controller"
}
