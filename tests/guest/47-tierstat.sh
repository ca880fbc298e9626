#!/bin/sh
# tierstat reports what the kernel says: without the module (a note, no
# knobs), with it (every file of /sys/kernel/mm/kmmscand, the thread, the
# counters of /proc/vmstat within the bounds read around it, a rate);
# the periodic view without a terminal; -p on a process placed on the
# slow node, until it exits; --record; a clear error on malformed input.
. /tests/lib/common.sh
TIERSTAT=/tests/bin/tierstat
[ -x $TIERSTAT ] || fail "$TIERSTAT is missing"
find_slow_node
grep -q '^kmmscand ' /proc/modules && unload_module

# json_num KEY FILE: the number after "KEY": (first match) in pretty JSON.
json_num() { sed -n "s/^ *\"$1\": \(-\{0,1\}[0-9.]*\),\{0,1\}$/\1/p" "$2" | head -n 1; }

# --- without the module ---------------------------------------------------
$TIERSTAT --json -i 0.5 >/tmp/ts0.json 2>/tmp/ts0.err || fail "tierstat --json failed: $(cat /tmp/ts0.err)"
grep -q '"loaded": false' /tmp/ts0.json || fail "module reported loaded while it is not"
grep -q '"knobs": \[\]' /tmp/ts0.json || fail "knobs reported without the module"
grep -q 'kmmscand is not loaded' /tmp/ts0.json || fail "no note that the module is not loaded"
nodes=0
for n in /sys/devices/system/node/node[0-9]*; do
	kb=$(awk '/MemTotal/ { print $4 }' "$n/meminfo")
	[ "${kb:-0}" -gt 0 ] || continue
	nodes=$((nodes + 1))
	grep -q "\"total_kb\": $kb," /tmp/ts0.json || fail "node ${n##*node}: MemTotal $kb kB not in the JSON"
done
got=$(grep -c '"total_kb"' /tmp/ts0.json)
info "without the module: $got nodes (sysfs: $nodes), slow node $SLOW"
[ "$got" = "$nodes" ] || fail "$got nodes in the JSON, $nodes in sysfs"
[ "$(grep -c '"slow": true' /tmp/ts0.json)" -ge 1 ] || fail "no node marked slow"
$TIERSTAT -i 0 >/tmp/ts0.txt || fail "one-shot view failed"
grep -q '^kmmscand: not loaded' /tmp/ts0.txt || fail "text view does not say the module is not loaded"
grep -q "^N$SLOW\\*" /tmp/ts0.txt || fail "text view does not mark node $SLOW slow"

# --- with the module ------------------------------------------------------
load_module
sleep 0.5
w0=$(vmstat kmmscand_wakeups)
$TIERSTAT --json -i 1 >/tmp/ts1.json 2>/tmp/ts1.err || fail "tierstat --json failed: $(cat /tmp/ts1.err)"
w1=$(vmstat kmmscand_wakeups)
grep -q '"loaded": true' /tmp/ts1.json || fail "module not reported loaded"
for k in "$KNOBS"/*; do
	name=${k##*/}
	# cgroup_stats is not a knob: its lines are the "cgroups" array.
	[ "$name" = cgroup_stats ] && continue
	grep -q "\"name\": \"$name\"" /tmp/ts1.json || fail "knob $name missing from the JSON"
done
grep -q '"cgroups": \[\]' /tmp/ts1.json || fail "cgroups reported with none named"
# A named cgroup: its line of cgroup_stats in the JSON and the text view.
knob_set cgroup_scope "all /"
$TIERSTAT --json -i 0 >/tmp/ts-cg.json || fail "tierstat --json failed with a cgroup named"
grep -q '"path": "/"' /tmp/ts-cg.json && grep -q '"state": "live"' /tmp/ts-cg.json ||
	fail "the cgroup named by cgroup_scope is not in the JSON: $(grep -A8 '"cgroups"' /tmp/ts-cg.json)"
grep -A1 '"name": "cgroup_scope"' /tmp/ts-cg.json | grep -q '"value": "all /"' || fail "cgroup_scope not reported whole"
$TIERSTAT -i 0 | grep -q '^ */  *live ' || fail "the text view has no line for the named cgroup /: $($TIERSTAT -i 0)"
knob_set cgroup_scope all
en=$(knob enabled)
grep -A1 '"name": "enabled"' /tmp/ts1.json | grep -q "\"value\": \"$en\"" ||
	fail "knob enabled is not reported as '$en'"
pid=$(kthread_pids 2>/dev/null | head -n 1)
kp=$(sed -n '/"kthread"/,/}/p' /tmp/ts1.json | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
[ -n "$pid" ] && [ "$kp" = "$pid" ] || fail "kthread pid '$kp', expected '$pid'"
w=$(json_num kmmscand_wakeups /tmp/ts1.json)
info "kmmscand_wakeups: vmstat $w0 before, tierstat $w, vmstat $w1 after"
[ -n "$w" ] && [ "$w" -ge "$w0" ] && [ "$w" -le "$w1" ] || fail "kmmscand_wakeups $w not within [$w0, $w1]"
sed -n '/"rates"/,$p' /tmp/ts1.json >/tmp/ts1.rates
r=$(json_num kmmscand_wakeups /tmp/ts1.rates)
info "kmmscand_wakeups rate: $r/s"
awk -v r="${r:-0}" 'BEGIN { exit !(r > 0) }' || fail "no positive kmmscand_wakeups rate while enabled"
$TIERSTAT >/tmp/ts1.txt || fail "one-shot view failed"
grep -q "^kmmscand: loaded, thread pid $pid" /tmp/ts1.txt || fail "text view: $(grep kmmscand: /tmp/ts1.txt)"

# --- periodic view without a terminal -------------------------------------
# A count gives an exact number of lines; a duration at most one sample per
# interval plus the first (a sample under KASAN and TCG can take longer than
# the interval, so no lower bound but one line).
$TIERSTAT -w 0.5 -n 4 >/tmp/ts-w.txt 2>&1 || fail "tierstat -w -n 4 without a terminal failed"
lines=$(grep -c '^ *[0-9.]*s ' /tmp/ts-w.txt)
info "-w -n 4 without a terminal: $lines lines"
grep -q '^   TIME  PROMOTE/s' /tmp/ts-w.txt || fail "no header in -w output: $(head -n 3 /tmp/ts-w.txt)"
[ "$lines" = 4 ] || fail "-w 0.5 -n 4 printed $lines samples, not 4"
$TIERSTAT -w 0.5 -d 2 >/tmp/ts-w.txt 2>&1 || fail "tierstat -w -d 2 without a terminal failed"
lines=$(grep -c '^ *[0-9.]*s ' /tmp/ts-w.txt)
info "-w 0.5 -d 2 without a terminal: $lines lines"
[ "$lines" -ge 1 ] && [ "$lines" -le 5 ] || fail "-w 0.5 -d 2 printed $lines samples (1 to 5 fit 2 s at 0.5 s)"

# --- -p and --record on a process placed on the slow node -----------------
# memtier's 6 s start when /tmp/ts-go appears, just before tierstat.
rm -f /tmp/ts-ready /tmp/ts-go /tmp/ts.jsonl
$MEMTIER --size-mb 16 --node "$SLOW" --pattern once --seconds 6 \
	--ready-file /tmp/ts-ready --go-file /tmp/ts-go >/dev/null &
mp=$!
i=0
while [ ! -e /tmp/ts-ready ]; do
	i=$((i + 1))
	[ $i -le 600 ] && kill -0 $mp 2>/dev/null || fail "memtier did not place 16 MiB on node $SLOW"
	sleep 0.1
done
touch /tmp/ts-go
$TIERSTAT -p $mp -i 0.5 --record /tmp/ts.jsonl >/tmp/ts-p.txt 2>&1 || fail "tierstat -p failed: $(cat /tmp/ts-p.txt)"
wait $mp
head -n 2 /tmp/ts-p.txt | sed 's/^/  /'
col=$(head -n 1 /tmp/ts-p.txt | tr -s ' ' '\n' | grep -n "^N$SLOW\\*\$" | cut -d: -f1)
on_slow=$(sed -n 2p /tmp/ts-p.txt | tr -s ' ' '\n' | sed -n "${col:-0}p")
[ "${on_slow:-0}" -ge 4096 ] || fail "-p shows ${on_slow:-no} pages on node $SLOW, expected >= 4096 (16 MiB)"
tail -n 1 /tmp/ts-p.txt | grep -q "^process $mp exited" || fail "-p did not end with the process's exit"
n=$(grep -c '^{"version":1,' /tmp/ts.jsonl)
info "--record: $n samples"
# 6 s at 0.5 s: at most 13 samples, and at least two even when a sample
# takes a second or more (KASAN, TCG).
[ "$n" -ge 2 ] && [ "$n" -le 13 ] || fail "--record wrote $n samples in 6 s at 0.5 s (2 to 13 expected)"

# --- errors -----------------------------------------------------------------
mkdir -p /tmp/fake/proc
echo 'kmmscand_wakeups many' >/tmp/fake/proc/vmstat
$TIERSTAT --root /tmp/fake -i 0 >/tmp/ts-e.txt 2>&1
rc=$?
info "malformed vmstat: exit $rc, $(cat /tmp/ts-e.txt)"
[ $rc = 1 ] && grep -q "/proc/vmstat, line 1: value 'many' of kmmscand_wakeups" /tmp/ts-e.txt ||
	fail "malformed /proc/vmstat: exit $rc"
$TIERSTAT --bogus >/dev/null 2>&1
[ $? = 2 ] || fail "a bad option does not exit 2"
unload_module
