#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn `make bench` guest logs into results.csv, results.md and PNG timelines.

    report.py --out DIR [--k 2] LOG...

Each LOG is the console output of one guest running tests/bench/guest.sh.
Every figure is computed here from what the guest printed: tierload's
placement samples ("tierload: S ...") and the counters read when the
mechanism was turned on and at the end ("BENCH v NAME BEFORE AFTER").

A workload x start x mechanism may have run several times (guest.sh
--runs, rep=K on its lines; none once): results.csv has a row per run,
the tables the median and [min-max] of each such cell, the figures the
median curve and a min-max band.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

MECHANISMS = ["none", "numab2", "damon", "damon-tuned", "damon-apply0", "kmmscand", "kmmscand-base",
              "dram"]
# The ones tools/bench/run runs unless told otherwise: kmmscand-base only
# runs with a base module (--base-module).
DEFAULT_MECHANISMS = ["none", "numab2", "damon", "kmmscand"]
# The mechanisms that load the module: kmmscand-base is a base build of it,
# compared with kmmscand in the same boot; its module is kmmscand too, with
# the same thread and /proc/vmstat counters.
KMMSCAND = ("kmmscand", "kmmscand-base")
# The DAMON setups: damon-tuned is damon with its demotion goal above node
# 0's promotion watermark, damon-apply0 damon with its schemes applied at
# every aggregation (tests/bench/guest.sh); the same kdamonds.
DAMON = ("damon", "damon-tuned", "damon-apply0")
STARTS = ["on-first", "on-later"]
USER_HZ = 100
PAGE = 4096
# An access to a page on the slow tier costs this many DRAM accesses in the
# modeled memory times (mem_time_rel_oracle, mem_time_tw_rel_oracle): --k's
# default, BENCH_K in tools/bench/run.
SLOW_COST = 2.0

MECH_LABEL = {
    "none": "none (numa_balancing=0)",
    "numab2": "NUMA balancing tiering (=2)",
    "damon": "DAMON migrate_hot (mtier setup)",
    "damon-tuned": "DAMON, demotion goal above the promotion watermark",
    "damon-apply0": "DAMON, schemes applied at every aggregation",
    "kmmscand": "kmmscand (default knobs)",
    "kmmscand-base": "kmmscand (base module)",
    "dram": "hot set in DRAM from the start (measured oracle)",
}
MECH_COLOR = {"none": "#7f7f7f", "numab2": "#1f77b4", "damon": "#ff7f0e", "damon-tuned": "#d62728",
              "damon-apply0": "#9467bd",
              "kmmscand": "#2ca02c", "kmmscand-base": "#98df8a", "dram": "#000000"}
MECH_STYLE = {"none": ":", "numab2": "-", "damon": "--", "damon-tuned": "-.", "damon-apply0": ":",
              "kmmscand": "-",
              "kmmscand-base": "--", "dram": "-."}

WORKLOAD_DESC = {
    "hot64": "A hot region written continuously, a cold one touched once, both on the slow node.",
    "hot1g": "The same at scale: a 1 GiB hot region and a 512 MiB cold one.",
    "hot1g-roomy": "hot1g in a guest with 4 GiB of DRAM: room beyond the hot set plus 1 GiB,"
                   " so NUMA balancing takes its free-space path (pgdat_free_space_enough())"
                   " rather than its under-pressure one.",
    "random": "Flat random (abench-like): two threads write random pages of one buffer.",
    "shift": "A hot window that moves to a second region halfway through"
             " (T50/T90 for the first window, \"T90 after shift\" for the second).",
    "procs8": "Eight processes, each with its own hot and cold region (\"slowest proc T90\":"
              " the last process to reach 90%).",
    "dramfull": "Node 0 first filled with cold anonymous memory, demotion enabled; then a"
                " hot and a cold region on the slow node.",
    "thp": "The hot64 layout in THPs (MADV_HUGEPAGE).",
    "overcommit": "Node 0 cut to 384 MiB free by hugetlb pages, demotion enabled; a 576 MiB"
                  " hot region on the slow node (1.5x free DRAM): ping-pong and futile work.",
    "procs2000": "2,000 idle processes with 256 KiB each on the slow node beside one process"
                 " with a 64 MiB hot region: the cost of idle processes.",
    "redis": "Redis 7.0 from Debian, unmodified: 60,000 keys of 4 KiB stored, its memory"
             " then moved to the slow node; redis-benchmark GETs 12,000 of them (a fifth"
             " of the data) uniformly, 8 clients, in chunks of 2,000.  ops/s are its GETs;"
             " the hot-set columns do not apply (where each key sits is not known): DRAM"
             " share is the server's memory on node 0 at the end, p50/p99 its latency.",
    "hot16": "hot64 at a quarter of the size (16 MiB hot, 32 MiB cold), for the CXL"
             " topology, where placing memory on the emulated device is slow.",
    "redis-small": "The redis workload at a fifth of the size (12,000 keys of 4 KiB, GETs of"
                   " 2,400 of them), for the CXL topology.",
    "zipf": "A key-value store: two threads update 4 KiB values of 512 MiB of keys drawn from"
            " a Zipfian distribution (0.99, keys shuffled over the region); \"hot\" is the"
            " 64 MiB of most popular keys (about 80% of the accesses), the rest is accessed rarely.",
}
# Workload variants: <base><suffix> is <base> with one more setup item
# (tests/bench/workloads), reported like <base> otherwise.
VARIANT_SUFFIX = {"-mglru": "mglru"}
VARIANT_DESC = {"mglru": "With MGLRU on (/sys/kernel/mm/lru_gen/enabled), from before the"
                         " mechanism and the workload start to the end of the run."}
# lru_gen/enabled when MGLRU is fully on (the core, the page-table walk,
# non-leaf PMD Accessed bits): the bits a mglru run must read back.
LRU_GEN_ON = 0x7


def base_workload(wl: str) -> str:
    """The workload a variant is of ("dramfull" for "dramfull-mglru")."""
    for suffix in VARIANT_SUFFIX:
        if wl.endswith(suffix):
            return wl[:-len(suffix)]
    return wl


def workload_desc(wl: str) -> str:
    desc = WORKLOAD_DESC.get(base_workload(wl), "")
    for suffix, item in VARIANT_SUFFIX.items():
        if wl.endswith(suffix):
            desc = (desc + " " + VARIANT_DESC[item]).strip()
    return desc


def lru_gen_text(v: Optional[float]) -> str:
    """lru_gen/enabled as the kernel shows it (0x0007), "-" if not read."""
    return "-" if v is None else f"0x{int(v):04x}"


# tierload patterns that are an application run by tests/bench (redis.sh):
# the B/S/E lines give its memory's placement and its own rates, not a
# hot set's.
APP_PATTERNS = {"redis"}

# A result row: COLUMNS -> value (None = blank).
Row = dict[str, Any]

# CSV columns, in order.  Blank = not applicable or not measured.  New
# columns go at the end, so that readers of older files keep working.
COLUMNS = [
    "workload", "start", "mechanism", "kernel", "seconds", "procs",
    "hot_pages", "cold_pages",
    "t50_s", "t90_s", "t90_shift_s", "t90_slowest_s", "hot_final",
    "hot_moved_pages", "cold_moved_pages", "cold_moved_frac", "precision",
    "pages_migrated", "pages_promoted", "pages_demoted",
    "pingpong_pages", "demoted_seen_pages",
    "mech_cpu_s", "kswapd_cpu_s", "app_sys_s", "extra_cpu_s",
    "app_ops_per_s", "app_ops_rel_none", "mem_time_rel_oracle", "k",
    "on_s", "scan_pages_per_s", "promote_pages_per_s", "promote_peak_pages_per_s",
    "numa_hint_faults", "kmmscand_young", "kmmscand_candidates",
    "kmmscand_sweeps", "kmmscand_kswapd_requests",
    "kmmscand_promote_fail_target_full", "status",
    "t50_shift_s", "t50_slowest_s", "timeline_s", "slow_s", "mem_time_tw_rel_oracle",
    "setup", "lru_gen_enabled", "rep",
    "app_p50_ms", "app_p99_ms", "dram_share_final", "damon_applied_pages",
    "damon_tried_pages", "damon_sample_us", "kmmscand_migrate_s",
]
# The columns that are text; every other one is a number or blank.
TEXT_COLUMNS = {"workload", "start", "mechanism", "kernel", "status", "setup"}
# Times to reach a level: blank when never reached, which counts as
# +infinity in a cell's median, min and max.
T_COLUMNS = {"t50_s", "t90_s", "t90_shift_s", "t90_slowest_s", "t50_shift_s", "t50_slowest_s"}
INF = float("inf")
# tierload's --sample-ms when a run's args do not give it.
SAMPLE_MS_DEFAULT = 1000


@dataclass
class Sample:
    t: float
    ops: int
    hot: int
    hot_n: int
    cold: int
    cold_n: int
    a: int = -1
    a_n: int = 0
    b: int = -1
    b_n: int = 0
    shifted: bool = False
    pp: int = 0
    dm: int = 0
    sys: float = 0.0


@dataclass
class Proc:
    index: int
    window_pages: int = 0
    windows: int = 1
    cold_pages: int = 0
    samples: list[Sample] = field(default_factory=list)
    ended: bool = False
    pattern: str = ""
    # An application's own latency (redis: the median over its chunks).
    p50_ms: Optional[float] = None
    p99_ms: Optional[float] = None


@dataclass
class Run:
    workload: str
    mechanism: str
    start: str
    seconds: float
    setup: str
    kernel: str
    procs: dict[int, Proc] = field(default_factory=dict)
    counters: dict[str, tuple[Optional[float], Optional[float]]] = field(default_factory=dict)
    status: Optional[int] = None
    errors: list[str] = field(default_factory=list)
    rep: int = 1  # the run's repetition, from 1 (logs without rep=: 1)
    args: str = ""  # tierload's options


# --- parsing ---------------------------------------------------------------

KV = re.compile(r"(\w+)=(\S*)")


def kv(line: str) -> dict[str, str]:
    return dict(KV.findall(line))


def frac_pair(s: str) -> tuple[int, int]:
    a, b = s.split("/")
    return int(a), int(b)


def num(s: str) -> Optional[float]:
    try:
        return float(s)
    except ValueError:
        return None


KERNEL_LOG: list[str] = []  # "BENCH kernel-log" lines of every log parsed


def parse_log(text: str) -> list[Run]:
    """The runs of one guest log (a run cut short keeps what it printed)."""
    runs: list[Run] = []
    kernel = ""
    cur: Optional[Run] = None
    for raw in text.splitlines():
        line = raw.replace("\r", "").strip()
        # A kernel message may share the line: start at our prefix.
        for prefix in ("BENCH ", "tierload: "):
            i = line.find(prefix)
            if i > 0:
                line = line[i:]
        if line.startswith("BENCH kernel-log "):
            KERNEL_LOG.append(line[len("BENCH kernel-log "):])
        elif line.startswith("BENCH boot "):
            kernel = kv(line).get("kernel", "")
        elif line.startswith("BENCH run "):
            f = kv(line)
            cur = Run(workload=f["workload"], mechanism=f["mechanism"],
                      start=f["start"], seconds=float(f["seconds"]),
                      setup=f.get("setup", "-"), kernel=kernel,
                      rep=int(f.get("rep", "1")),
                      args=line.split(" args=", 1)[1] if " args=" in line else "")
            runs.append(cur)
        elif cur is None:
            continue
        elif line.startswith("BENCH end "):
            cur.status = int(kv(line).get("status", "1"))
            cur = None
        elif line.startswith("BENCH v "):
            parts = line.split()
            if len(parts) == 5:
                cur.counters[parts[2]] = (num(parts[3]), num(parts[4]))
        elif line.startswith("BENCH error "):
            cur.errors.append(line[len("BENCH error "):])
        elif line.startswith("tierload: "):
            parse_tierload(cur, line)
    return runs


def parse_tierload(run: Run, line: str) -> None:
    kind = line.split()[1]
    f = kv(line)
    if "p" not in f:
        return
    try:
        p = run.procs.setdefault(int(f["p"]), Proc(index=int(f["p"])))
        if kind == "B":
            p.pattern = f.get("pattern", "")
            p.window_pages = int(f["window_pages"])
            p.windows = int(f["windows"])
            p.cold_pages = int(f["cold_pages"])
        elif kind == "S":
            hot, hot_n = frac_pair(f["hot"])
            cold, cold_n = frac_pair(f["cold"])
            s = Sample(t=float(f["t"]), ops=int(f["ops"]), hot=hot, hot_n=hot_n,
                       cold=cold, cold_n=cold_n, pp=int(f["pp"]), dm=int(f["dm"]),
                       sys=float(f["sys"]))
            if "a" in f:
                s.a, s.a_n = frac_pair(f["a"])
                s.b, s.b_n = frac_pair(f["b"])
                s.shifted = f.get("shifted") == "1"
            p.samples.append(s)
        elif kind == "E":
            p.ended = True
            p.p50_ms = num(f.get("p50_ms", "-"))
            p.p99_ms = num(f.get("p99_ms", "-"))
    except (KeyError, ValueError):
        run.errors.append(f"unparsable line: {line}")


# --- metrics ---------------------------------------------------------------

def first_reach(times: list[float], fracs: list[float], level: float,
                t_from: float = 0.0) -> Optional[float]:
    for t, f in zip(times, fracs):
        if t >= t_from and f >= level:
            return t - t_from
    return None


def hot_window(s: Sample) -> tuple[int, int]:
    """(pages on the top node, pages) of the set being accessed at sample s.

    shift: window A until the sample that says shifted=1, window B from it
    on (tierload flips the workers to B just before that sample); tierload's
    hot= is the same count.
    """
    if s.a < 0:
        return s.hot, s.hot_n
    return (s.b, s.b_n) if s.shifted else (s.a, s.a_n)


def timeline(run: Run) -> tuple[list[float], list[float]]:
    """Times and hot-set fraction on the top tier, summed over processes.

    Processes sample on their own clocks; sample i of each is taken as one
    point at their mean time (a process with fewer samples repeats its last).
    """
    procs = [p for p in run.procs.values() if p.samples]
    if not procs:
        return [], []
    n = max(len(p.samples) for p in procs)
    times, fracs = [], []
    for i in range(n):
        ss = [p.samples[min(i, len(p.samples) - 1)] for p in procs]
        wins = [hot_window(s) for s in ss]
        hot_n = sum(pages for _, pages in wins)
        times.append(sum(s.t for s in ss) / len(ss))
        fracs.append(sum(top for top, _ in wins) / hot_n if hot_n else 0.0)
    return times, fracs


def time_on_slow(times: list[float], fracs: list[float]) -> tuple[float, float]:
    """(timeline_s, slow_s): the timeline's length and the seconds-equivalent
    the hot set spent on the slow tier, sum(dt * f) with f its slow fraction.

    Weighted by time, not by accesses.  f is a step function: the fraction
    measured at a sample holds from that sample until the next one (the
    interval is charged with the placement at its start).  From t=0 to the
    first sample (a few ms) the whole hot set counts as on the slow tier,
    where the workload placed it.  The timeline ends at the last sample.
    times/fracs are timeline()'s (fracs = on the top tier, summed over the
    processes, the window being accessed for shift), so slow_s can be
    recomputed from timelines.csv.
    """
    if not times:
        return 0.0, 0.0
    slow = max(0.0, times[0])  # f = 1 before the first sample
    for t0, t1, top in zip(times, times[1:], fracs):
        if t1 > t0:
            slow += (t1 - t0) * (1.0 - top)
    return max(0.0, times[-1]), slow


def time_weighted_memory_time(timeline_s: Optional[float], slow_s: Optional[float],
                              extra_cpu_s: Optional[float], k: float) -> Optional[float]:
    """The memory time the workload felt, relative to an oracle, by time.

    Over an interval dt with a fraction f of the hot set on the slow tier the
    workload's memory time is dt * (1 + (k - 1) * f): summed over the
    timeline, timeline_s + (k - 1) * slow_s.  The mechanism's CPU time beyond
    none's (extra_cpu_s: its thread, the workload's system time, kswapd) is
    added as time lost.  The oracle has the hot set in DRAM from t=0 for
    free: timeline_s.  1 is the oracle; k is none (no promotion, no cost);
    above k, worse than none.  Blank without extra_cpu_s (no none run).
    """
    if not timeline_s or slow_s is None or extra_cpu_s is None:
        return None
    return (timeline_s + (k - 1.0) * slow_s + extra_cpu_s) / timeline_s


def window_frac(s: Sample, second: bool) -> float:
    if s.a < 0:
        return s.hot / s.hot_n if s.hot_n else 0.0
    top, n = (s.b, s.b_n) if second else (s.a, s.a_n)
    return top / n if n else 0.0


def modeled_memory_time(procs: Iterable[Proc], k: float) -> Optional[float]:
    """Accesses weighted by where the accessed set was, relative to DRAM.

    Each interval between two samples charges its accesses (the ops
    counter's increase, spread evenly over the set being accessed then) at
    1 per access on the top tier and k on the slow tier, with the placement
    averaged over the interval's two samples.  An oracle that had the set
    in DRAM from the start pays 1 per access: the result is in [1, k].
    """
    cost = total = 0.0
    for p in procs:
        for s0, s1 in zip(p.samples, p.samples[1:]):
            ops = s1.ops - s0.ops
            if ops <= 0:
                continue
            second = s0.shifted  # the window accessed during the interval
            f = (window_frac(s0, second) + window_frac(s1, second)) / 2
            cost += ops * (f + k * (1 - f))
            total += ops
    return cost / total if total else None


def delta(run: Run, name: str) -> Optional[float]:
    b, a = run.counters.get(name, (None, None))
    if a is None:
        return None
    return a - (b or 0.0)


def dsum(run: Run, *names: str) -> Optional[float]:
    vals = [delta(run, n) for n in names]
    got = [v for v in vals if v is not None]
    return sum(got) if got else None


def compute(run: Run, k: float) -> Row:
    procs = sorted((p for p in run.procs.values() if p.samples), key=lambda p: p.index)
    row: Row = {c: None for c in COLUMNS}
    row.update(workload=run.workload, start=run.start, mechanism=run.mechanism,
               kernel=run.kernel, seconds=run.seconds, procs=len(procs), k=k, setup=run.setup,
               rep=run.rep)
    ok = bool(procs) and run.status == 0 and all(p.ended for p in procs) \
        and len(procs) == len(run.procs)
    # MGLRU as read when the mechanism was turned on and at the end (absent
    # in logs of kernels without CONFIG_LRU_GEN and of older harnesses): a
    # mglru run must have had it fully on throughout, any other run off.
    lg = run.counters.get("lru_gen_enabled")
    row["lru_gen_enabled"] = lg[1] if lg else None
    mglru = "mglru" in run.setup.split(",")
    if ok and (mglru or lg):
        reads = [v for v in (lg or ()) if v is not None]
        want_on = [int(v) & LRU_GEN_ON == LRU_GEN_ON for v in reads]
        if mglru and (len(reads) < 2 or not all(want_on)):
            ok = False
            run.errors.append("MGLRU not on throughout the run: lru_gen/enabled read "
                              + (", ".join(lru_gen_text(v) for v in reads) or "nothing"))
        elif not mglru and any(v != 0 for v in reads):
            ok = False
            run.errors.append("MGLRU on in a run without the mglru setup: lru_gen/enabled read "
                              + ", ".join(lru_gen_text(v) for v in reads))
    row["status"] = "ok" if ok else "failed: " + "; ".join(
        run.errors or [f"exit {run.status}" if run.status is not None else "cut short"])
    if not procs:
        return row
    last = [p.samples[-1] for p in procs]
    shift = any(s.a >= 0 for s in last)
    row["hot_pages"] = sum(p.window_pages * p.windows for p in procs)
    row["cold_pages"] = sum(p.cold_pages for p in procs)

    times, fracs = timeline(run)
    if shift:
        t_shift = next((sum(p.samples[i].t for p in procs) / len(procs)
                        for i in range(min(len(p.samples) for p in procs))
                        if all(p.samples[i].shifted for p in procs)), None)
        pre = [(t, f) for t, f in zip(times, fracs) if t_shift is None or t < t_shift]
        row["t50_s"] = first_reach([t for t, _ in pre], [f for _, f in pre], 0.5)
        row["t90_s"] = first_reach([t for t, _ in pre], [f for _, f in pre], 0.9)
        if t_shift is not None:
            row["t50_shift_s"] = first_reach(times, fracs, 0.5, t_shift)
            row["t90_shift_s"] = first_reach(times, fracs, 0.9, t_shift)
    else:
        row["t50_s"] = first_reach(times, fracs, 0.5)
        row["t90_s"] = first_reach(times, fracs, 0.9)
    if len(procs) > 1:
        for level, col in ((0.5, "t50_slowest_s"), (0.9, "t90_slowest_s")):
            per = [first_reach([s.t for s in p.samples],
                               [s.hot / s.hot_n if s.hot_n else 0.0 for s in p.samples], level)
                   for p in procs]
            row[col] = None if any(t is None for t in per) else max(
                t for t in per if t is not None)
    row["hot_final"] = fracs[-1]
    row["timeline_s"], row["slow_s"] = time_on_slow(times, fracs)
    hot_moved = sum((s.a + s.b) if s.a >= 0 else s.hot for s in last)
    cold_moved = sum(s.cold for s in last)
    cold_n = sum(s.cold_n for s in last)
    row["hot_moved_pages"] = hot_moved
    row["cold_moved_pages"] = cold_moved
    row["cold_moved_frac"] = cold_moved / cold_n if cold_n else None
    row["precision"] = hot_moved / (hot_moved + cold_moved) if hot_moved + cold_moved else None
    row["pingpong_pages"] = sum(s.pp for s in last)
    row["demoted_seen_pages"] = sum(s.dm for s in last)
    row["app_sys_s"] = sum(s.sys for s in last)
    ops_rate = 0.0
    for p in procs:
        s0, s1 = p.samples[0], p.samples[-1]
        if s1.t > s0.t:
            ops_rate += (s1.ops - s0.ops) / (s1.t - s0.t)
    row["app_ops_per_s"] = ops_rate
    if any(p.pattern in APP_PATTERNS for p in procs):
        # An application: its "hot" is its whole memory (where its hot keys
        # sit is not known), so the hot-set figures do not apply; its DRAM
        # share and its own latency do.
        for c in ("t50_s", "t90_s", "t50_slowest_s", "t90_slowest_s", "hot_final",
                  "hot_moved_pages", "cold_moved_pages", "cold_moved_frac", "precision",
                  "timeline_s", "slow_s"):
            row[c] = None
        row["dram_share_final"] = fracs[-1]
        row["app_p50_ms"] = procs[0].p50_ms
        row["app_p99_ms"] = procs[0].p99_ms
    row["mem_time_rel_oracle"] = None if row["dram_share_final"] is not None \
        else modeled_memory_time(procs, k)

    # Counters, over the time the mechanism was on; kmmscand-base's are
    # kmmscand's (KMMSCAND), damon-tuned's damon's (DAMON).
    mech = "kmmscand" if run.mechanism in KMMSCAND else \
        "damon" if run.mechanism in DAMON else run.mechanism
    row["pages_migrated"] = delta(run, "pgmigrate_success")
    demoted = dsum(run, "pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged")
    damon_promoted = delta(run, "damon0_sz_applied")
    damon_demoted = delta(run, "damon1_sz_applied")
    if mech == "damon" and damon_demoted is not None:
        demoted = (demoted or 0.0) + damon_demoted / PAGE
    row["pages_demoted"] = demoted
    # DAMON's promotion scheme: the bytes it applied to and those it tried
    # (regions whose access pattern matched when it applied, before its
    # young filter), in pages, and the sampling interval its intervals goal
    # had tuned by the end of the run.
    if mech == "damon":
        tried = delta(run, "damon0_sz_tried")
        row["damon_applied_pages"] = None if damon_promoted is None else damon_promoted / PAGE
        row["damon_tried_pages"] = None if tried is None else tried / PAGE
        row["damon_sample_us"] = run.counters.get("damon0_sample_us", (None, None))[1]
    # kmmscand's batches: the time their isolation and migration took, from
    # its kmmscand_migrate_batch tracepoint (BENCH_KMMSCAND_TRACE=1 only).
    if mech == "kmmscand":
        us = run.counters.get("kmmscand_migrate_us", (None, None))[1]
        row["kmmscand_migrate_s"] = None if us is None else us / 1e6
    # DAMON's promotions are the pages of the workload that reached the top
    # tier, from its placement samples: its promotion scheme's sz_applied
    # also counts migrations that fell back to another slow-tier node
    # (migrate_hot allocates without __GFP_THISNODE).  Everything starts on
    # the slow node, so what is on the top tier got there by promotion.
    if row["hot_moved_pages"] is not None:
        reached = float(row["hot_moved_pages"] + row["cold_moved_pages"])
    else:
        reached = float(max(0, sum(p.samples[-1].hot - p.samples[0].hot for p in procs)))
    promoted = {
        "none": delta(run, "pgpromote_success"),
        "numab2": delta(run, "pgpromote_success"),
        "damon": reached,
        "kmmscand": delta(run, "kmmscand_promoted"),
    }.get(mech)
    row["pages_promoted"] = promoted
    on_ms = delta(run, "uptime_ms")
    on_s = on_ms / 1000 if on_ms else None
    row["on_s"] = on_s
    ticks = delta(run, "mech_ticks")
    row["mech_cpu_s"] = ticks / USER_HZ if ticks is not None and mech in (
        "damon", "kmmscand") else None
    kt = delta(run, "kswapd_ticks")
    row["kswapd_cpu_s"] = kt / USER_HZ if kt is not None else None
    scanned = {"kmmscand": delta(run, "kmmscand_slowtier_scanned"),
               "numab2": delta(run, "numa_pte_updates")}.get(mech)
    if on_s:
        row["scan_pages_per_s"] = scanned / on_s if scanned is not None else None
        row["promote_pages_per_s"] = promoted / on_s if promoted is not None else None
    peak = 0.0
    for i in range(1, len(times)):
        dt = times[i] - times[i - 1]
        if dt <= 0:
            continue
        moved = [sum(p.samples[min(j, len(p.samples) - 1)].hot
                     + p.samples[min(j, len(p.samples) - 1)].cold for p in procs)
                 for j in (i - 1, i)]
        if not shift:
            peak = max(peak, (moved[1] - moved[0]) / dt)
    row["promote_peak_pages_per_s"] = peak if not shift else None
    row["numa_hint_faults"] = delta(run, "numa_hint_faults")
    for c in ("young", "candidates", "sweeps", "kswapd_requests", "promote_fail_target_full"):
        row["kmmscand_" + c] = delta(run, "kmmscand_" + c) if mech == "kmmscand" else None
    return row


def relate_to_none(rows: list[Row]) -> None:
    """Operations relative to none's; CPU time beyond none's (same workload,
    start; none's run of the same rep if there is one, else its first: none
    runs once); then the time-weighted memory time, which adds that CPU time.

    extra_cpu_s = the mechanism's threads + the workload's system time +
    kswapd, less the workload's system time and kswapd under none: what
    the mechanism cost in all, wherever it ran.
    """
    nones = sorted((r for r in rows if r["mechanism"] == "none"), key=lambda r: rep_of(r))
    first: dict[tuple[Any, Any], Row] = {}
    same: dict[tuple[Any, Any, int], Row] = {}
    for r in nones:
        first.setdefault((r["workload"], r["start"]), r)
        same[(r["workload"], r["start"], rep_of(r))] = r
    for r in rows:
        b = same.get((r["workload"], r["start"], rep_of(r))) or first.get(
            (r["workload"], r["start"]))
        if b is not None:
            if b["app_ops_per_s"] and r["app_ops_per_s"] is not None:
                r["app_ops_rel_none"] = r["app_ops_per_s"] / b["app_ops_per_s"]
            parts = [r["app_sys_s"], r["kswapd_cpu_s"], b["app_sys_s"], b["kswapd_cpu_s"]]
            if all(p is not None for p in parts):
                r["extra_cpu_s"] = max(0.0, (r["mech_cpu_s"] or 0.0) + parts[0] + parts[1]
                                       - parts[2] - parts[3])
        r["mem_time_tw_rel_oracle"] = time_weighted_memory_time(
            r["timeline_s"], r["slow_s"], r["extra_cpu_s"], float(r["k"] or SLOW_COST))


# --- output ----------------------------------------------------------------

def fmt_csv(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def write_csv(rows: list[Row], path: Path) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in rows:
            w.writerow([fmt_csv(r[c]) for c in COLUMNS])


def rep_of(r: Row) -> int:
    """A row's rep (1 for a row without one: older results)."""
    return int(r.get("rep") or 1)


def order_key(r: Row, workloads: list[str]) -> tuple[int, int, int, int]:
    def idx(seq: list[str], v: object) -> int:
        return seq.index(str(v)) if str(v) in seq else len(seq)
    return (idx(workloads, r["workload"]), idx(STARTS, r["start"]),
            idx(MECHANISMS, r["mechanism"]), rep_of(r))


def tnum(v: float) -> str:
    """A time to reach a level, to 0.05 s, with 2 decimals where the second
    is not 0: 2.25, 2.5, 2.0.  Samples every 250 ms put T50/T90 on quarter
    seconds, taken a few ms after they are due (2.007 is 2.0); the CSV
    keeps the full value."""
    t = f"{round(v * 20) / 20:.2f}"
    return t[:-1] if t.endswith("0") else t


def secs(v: Optional[float]) -> str:
    return "never" if v is None or v == INF else f"{tnum(float(v))} s"


def pct(v: Optional[float]) -> str:
    return "-" if v is None else f"{100 * float(v):.1f}%"


def cnt(v: Optional[float]) -> str:
    return "-" if v is None else f"{int(round(float(v)))}"


def mib(pages: Optional[float]) -> str:
    if pages is None:
        return "-"
    m = float(pages) * PAGE / (1 << 20)
    return f"{m:.0f} MiB" if m >= 10 else f"{m:.2g} MiB"


def flt(v: Optional[float], unit: str = "", digits: int = 2) -> str:
    return "-" if v is None else f"{float(v):.{digits}f}{unit}"


def read_rows(path: Path) -> list[Row]:
    """results.csv read back: the tables are formatted from these, so that
    every number in results.md and summary.md is a cell of the CSV."""
    with path.open(newline="") as f:
        rows = []
        for d in csv.DictReader(f):
            r: Row = {}
            for c in COLUMNS:
                v = d.get(c) or ""
                r[c] = v if c in TEXT_COLUMNS else (None if v == "" else float(v))
            rows.append(r)
    return rows


def headline_col(r: Row, level: int) -> str:
    """The T50/T90 column that sums a run up: the second window's (shift),
    the slowest process's (several processes), else the hot set's."""
    if str(r["workload"]).startswith("shift"):
        return f"t{level}_shift_s"
    if float(r["procs"] or 1) > 1:
        return f"t{level}_slowest_s"
    return f"t{level}_s"


# --- cells: the runs of one workload x start x mechanism --------------------

Cell = list[Row]
CellKey = tuple[str, str, str]


def group_cells(rows: list[Row], workloads: list[str]) -> dict[CellKey, Cell]:
    """The rows by (workload, start, mechanism), in the tables' order, each
    cell's runs in rep order."""
    cells: dict[CellKey, Cell] = {}
    for r in sorted(rows, key=lambda r: order_key(r, workloads)):
        cells.setdefault((str(r["workload"]), str(r["start"]), str(r["mechanism"])),
                         []).append(r)
    return cells


def cell_runs(cell: Cell) -> Cell:
    """The runs a cell's figures come from: those that ran to their end, or
    all of them if none did."""
    return [r for r in cell if r["status"] == "ok"] or cell


def cell_values(cell: Cell, col: str) -> list[float]:
    """A column over a cell's runs (cell_runs): blanks left out, except a
    time never reached (T_COLUMNS), which is +infinity."""
    runs = cell_runs(cell)
    if col in T_COLUMNS:
        return [INF if r[col] is None else float(r[col]) for r in runs]
    return [float(r[col]) for r in runs if r[col] is not None]


def median_row(cell: Cell) -> Row:
    """A cell as one row: each number the median of its runs' (blank where
    that is +infinity: never reached), the text its first run's.  Of one
    run, that run."""
    m = dict(cell_runs(cell)[0])
    for c in COLUMNS:
        if c not in TEXT_COLUMNS and c != "rep":
            xs = cell_values(cell, c)
            v = statistics.median(xs) if xs else None
            m[c] = None if v == INF else v
    return m


def spread(cell: Cell, col: str, bare: Callable[[float], str], unit: str = "",
           blank: str = "-") -> str:
    """A cell's column as the tables show it: one run's value as today; of
    several runs, the median then [min-max], e.g. "5.0 s [4.5-5.75]".  A
    time never reached is +infinity: "never" wherever it lands ("never"
    alone if no run reached it)."""
    xs = cell_values(cell, col)
    if not xs:
        return blank

    def one(x: float) -> str:
        return "never" if x == INF else bare(x)
    med = statistics.median(xs)
    head = one(med) + ("" if med == INF else unit)
    if len(xs) == 1 or min(xs) == INF:
        return head
    return f"{head} [{one(min(xs))}-{one(max(xs))}]"


def b_pct(v: float) -> str:
    return f"{100 * v:.1f}"


def b_cnt(v: float) -> str:
    return f"{int(round(v))}"


def b_flt(digits: int = 2) -> Callable[[float], str]:
    return lambda v: f"{v:.{digits}f}"


def n_text(ns: Iterable[int]) -> str:
    """Run counts: "3", or "2-3" if the cells differ."""
    s = sorted(set(ns))
    return "-" if not s else str(s[0]) if len(s) == 1 else f"{s[0]}-{s[-1]}"


def cell_counts(cells: dict[CellKey, Cell]) -> list[int]:
    """The number of runs of the cells (none's left out: it runs once, unless
    it is all there is)."""
    ns = [len(c) for k, c in cells.items() if k[2] != "none"]
    return ns or [len(c) for c in cells.values()]


def runs_note(cells: dict[CellKey, Cell], sampling: str) -> str:
    """Sentences on the runs per cell and the sampling interval."""
    ns = cell_counts(cells)
    if max(ns, default=1) <= 1:
        text = "One run per cell"
    else:
        text = (f"Every cell is the median of its {n_text(ns)} runs, with [min-max] after"
                " T50, T90, cold moved, extra CPU, slow-tier s and mem time (the other"
                " columns: the median); a time never reached counts as +infinity, \"never\""
                " where it lands.  The runs were interleaved (the first of every mechanism,"
                " then the second, ...), the order rotated from one to the next, so that a"
                " slow drift of the emulator's speed hits every mechanism alike and none runs"
                " after the same mechanism every time; none ran once: it moves nothing by construction (its"
                " placement stays where the workload put it), and the others' extra CPU is"
                " taken against that run")
    if sampling:
        text += f".  Placement sampled every {sampling}"
    return text + ".  "


def sampling_text(runs: list[Run], workloads: list[str]) -> str:
    """tierload's sampling interval ("250 ms"), per workload if they differ."""
    ms: dict[str, int] = {}
    for run in runs:
        m = re.search(r"--sample-ms\s+(\d+)", run.args)
        ms.setdefault(run.workload, int(m.group(1)) if m else SAMPLE_MS_DEFAULT)
    vals = sorted(set(ms.values()))
    if len(vals) <= 1:
        return f"{vals[0]} ms" if vals else ""
    return ", ".join(f"{wl}: {ms[wl]} ms" for wl in workloads if wl in ms)


def mech_label(cell: Cell) -> str:
    """The mechanism column: its name, and the runs that failed."""
    bad = [r for r in cell if r["status"] != "ok"]
    name = str(cell[0]["mechanism"])
    if not bad:
        return name
    if len(cell) == 1:
        return f"{name} ({bad[0]['status']})"
    return f"{name} ({len(bad)} of {len(cell)} runs {bad[0]['status']})"


def headline(cell: Optional[Cell], level: int) -> str:
    """A cell's headline T50/T90 (headline_col), median [min-max] if it ran
    more than once."""
    return "-" if not cell else spread(cell, headline_col(cell[0], level), tnum, " s")


MEM_TIME_TEXT = (
    "\"mem time\" is the workload's modeled memory time relative to an oracle that had the"
    " hot set in DRAM from the start, weighted by time: each interval between two samples"
    " costs its duration x (1 + (k - 1) x the fraction of the hot set on the slow tier at"
    " its start), k = {k} (a slow-tier access costs {k} DRAM accesses), plus the"
    " mechanism's extra CPU time, over the run's duration: 1.00 is the oracle, {kf} is"
    " none (no promotion, no cost), above {kf} is worse than none.  \"slow-tier s\" is the"
    " time the hot set spent on the slow tier (the sum of duration x that fraction);"
    " \"mem time (ops)\" is the older per-access model, weighted by the accesses the"
    " emulator ran (their rate swings with TCG's speed) and without CPU time.")


def write_markdown(rows: list[Row], workloads: list[str],
                   meta: dict[str, str], figures: dict[str, list[str]], path: Path) -> None:
    """results.md: per workload a placement and a cost table, a row per
    start x mechanism (several runs: median [min-max], see runs_note)."""
    k = rows[0]["k"] if rows and rows[0]["k"] is not None else SLOW_COST
    cells = group_cells(rows, workloads)
    multi = any(len(c) > 1 for c in cells.values())
    out = [f"# `make bench` results: {meta.get('title', '')}", "",
           f"Kernel {meta.get('kernel', '?')}, QEMU TCG, {meta.get('guest', '')}.",
           "Times are seconds since the workload's clock started; compare rows within a"
           " workload (one boot), not absolute values: TCG emulates no slow memory, so"
           " the application's rate shows each mechanism's overhead, not DRAM's benefit.",
           MEM_TIME_TEXT.format(k=fmt_csv(k), kf=f"{float(k):.2f}"), ""]
    if multi or meta.get("sampling"):
        out += [runs_note(cells, meta.get("sampling", "")).strip(), ""]
    base = base_note(rows)
    if base:
        out += [base.strip(), ""]
    if meta.get("kernel_log"):
        out += [f"**The kernel logged {meta['kernel_log']} report line(s)** (warnings or"
                " detector reports, see `logs/`): check them before trusting these numbers.", ""]
    for wl in workloads:
        wcells = [c for (w, _, _), c in cells.items() if w == wl]
        wrows = [r for c in wcells for r in c]
        if not wrows:
            continue
        r0 = wrows[0]
        lg = sorted({lru_gen_text(r["lru_gen_enabled"]) for r in wrows
                     if r["lru_gen_enabled"] is not None}) or ["-"]
        mglru = "mglru" in str(r0["setup"]).split(",") or lg not in (["-"], ["0x0000"])
        out += [f"## {wl}", "",
                f"{workload_desc(wl)} Accessed set {mib(r0['hot_pages'])},"
                f" cold set {mib(r0['cold_pages'])} (all processes), {cnt(r0['seconds'])} s"
                " per run."
                + (f"  MGLRU: /sys/kernel/mm/lru_gen/enabled read {' or '.join(lg)} at the"
                   " end of the runs." if mglru else ""), ""]
        extra = []
        if any(r["t90_shift_s"] is not None or "shift" in wl for r in wrows):
            extra += [("T50 after shift", "t50_shift_s"), ("T90 after shift", "t90_shift_s")]
        if any(float(r["procs"] or 1) > 1 for r in wrows):
            extra += [("slowest proc T50", "t50_slowest_s"), ("slowest proc T90", "t90_slowest_s")]
        placement = ["T50", "T90"] + [e[0] for e in extra] + [
            "hot on top at end", "cold moved", "precision", "promoted", "demoted", "ping-pong"]
        cost = ["thread CPU", "kswapd CPU", "app sys", "extra CPU", "scan pages/s",
                "promoted pages/s",
                "peak pages/s", "hint faults", "ops/s", "ops vs none", "slow-tier s", "mem time",
                "mem time (ops)"]
        app = any(r["app_p99_ms"] is not None for r in wrows)
        if app:
            cost += ["p50 latency", "p99 latency", "DRAM share at end"]
        lead = ["start", "mechanism"] + (["runs"] if multi else [])
        for title, head in (("Placement", placement), ("Cost", cost)):
            out += [f"{title}:", "", "| " + " | ".join(lead + head) + " |",
                    "|---" * len(lead) + "|" + "---:|" * len(head)]
            for c in wcells:
                r = median_row(c)
                if title == "Placement":
                    vals = [spread(c, "t50_s", tnum, " s"), spread(c, "t90_s", tnum, " s")]
                    vals += [spread(c, col, tnum, " s") for _, col in extra]
                    vals += [pct(r["hot_final"]),
                               f"{spread(c, 'cold_moved_frac', b_pct, '%')}"
                               f" ({cnt(r['cold_moved_pages'])})",
                               pct(r["precision"]), cnt(r["pages_promoted"]),
                               cnt(r["pages_demoted"]), cnt(r["pingpong_pages"])]
                else:
                    vals = [flt(r["mech_cpu_s"], " s"), flt(r["kswapd_cpu_s"], " s"),
                              flt(r["app_sys_s"], " s"), spread(c, "extra_cpu_s", b_flt(), " s"),
                              cnt(r["scan_pages_per_s"]),
                              cnt(r["promote_pages_per_s"]), cnt(r["promote_peak_pages_per_s"]),
                              cnt(r["numa_hint_faults"]),
                              spread(c, "app_ops_per_s", b_cnt, ""),
                              flt(r["app_ops_rel_none"], "x"),
                              spread(c, "slow_s", b_flt(1), " s"),
                              spread(c, "mem_time_tw_rel_oracle", b_flt()),
                              flt(r["mem_time_rel_oracle"])]
                    if app:
                        vals += [spread(c, "app_p50_ms", b_flt(3), " ms"),
                                 spread(c, "app_p99_ms", b_flt(3), " ms"),
                                 pct(r["dram_share_final"])]
                lead_cells = [str(r["start"]), mech_label(c)] + (
                    [str(len(cell_runs(c)))] if multi else [])
                out.append("| " + " | ".join(lead_cells + vals) + " |")
            out.append("")
        # Exact names: "timeline-hot1g-" also begins hot1g-mglru's.
        for fig in (f"timeline-{wl}-{s}.png" for s in STARTS):
            if fig in figures:
                out.append(f"![{fig}]({fig})")
        out.append("")
    path.write_text("\n".join(out))


def winners(rows: list[Row], workloads: list[str]) -> list[str]:
    """One line per workload about the on-first runs (none left out): the
    mechanisms by time-weighted memory time, lowest first, then who was best
    at what.  A cell of several runs is compared by its medians (its runs
    that ran to their end; the line says "(median of N)").  Values are shown
    as the tables show them; equal shown values are ties."""
    out = []
    cells = group_cells(rows, workloads)
    for wl in workloads:
        wcells = [c for (w, s, m), c in cells.items() if w == wl and s == "on-first"
                  and m != "none" and any(r["status"] == "ok" for r in c)]
        rs = [median_row(c) for c in wcells]
        if not rs:
            continue
        ns = [len(cell_runs(c)) for c in wcells]
        of = f" (median of {n_text(ns)})" if max(ns) > 1 else ""

        def best(what: str, col: Any, show: Any, only: Any = lambda r: True) -> str:
            vals = sorted((float(v), MECHANISMS.index(str(r["mechanism"]))
                           if r["mechanism"] in MECHANISMS else 99, str(r["mechanism"]))
                          for r in rs if only(r) and (v := r[col(r)]) is not None)
            if not vals:
                return f"{what}: -"
            top = show(vals[0][0])
            return f"{what}: {', '.join(m for v, _, m in vals if show(v) == top)} ({top})"

        # Ranked as shown: equal shown values are one place, "a = b (1.12)".
        mem: dict[str, list[str]] = {}
        for r in sorted((r for r in rs if r["mem_time_tw_rel_oracle"] is not None),
                        key=lambda r: (float(flt(r["mem_time_tw_rel_oracle"])),
                                       MECHANISMS.index(str(r["mechanism"]))
                                       if r["mechanism"] in MECHANISMS else 99)):
            mem.setdefault(flt(r["mem_time_tw_rel_oracle"]), []).append(str(r["mechanism"]))
        reached = {str(r["mechanism"]) for r in rs if r[headline_col(r, 90)] is not None}
        parts = ["mem time, lowest first: " + (", ".join(f"{' = '.join(ms)} ({v})"
                                                         for v, ms in mem.items()) or "-")]
        for level in (50, 90):
            line = best(f"fastest to {level}%", lambda r, lv=level: headline_col(r, lv), secs)
            parts.append(line if not line.endswith(": -") else
                         f"fastest to {level}%: none reached it")
        parts += [best("least cold moved, of those that moved", lambda r: "cold_moved_frac", pct,
                       lambda r: (r["hot_moved_pages"] or 0) > 0),
                  best("least extra CPU, of those that reached 90%", lambda r: "extra_cpu_s",
                       lambda v: flt(v, " s"), lambda r: str(r["mechanism"]) in reached)]
        out.append(f"- {wl}{of}: " + "; ".join(parts))
    return out


def mglru_note(rows: list[Row], workloads: list[str]) -> str:
    """A sentence on the -mglru workloads of the table, with the
    lru_gen/enabled values their runs read back ("" if there are none)."""
    wls = [wl for wl in workloads if wl.endswith("-mglru") and any(
        r["workload"] == wl for r in rows)]
    if not wls:
        return ""
    lg = sorted({lru_gen_text(r["lru_gen_enabled"]) for r in rows
                 if r["workload"] in wls and r["lru_gen_enabled"] is not None}) or ["-"]
    return (f"{', '.join(wls)} {'are' if len(wls) > 1 else 'is'}"
            f" {', '.join(base_workload(wl) for wl in wls)} with MGLRU on"
            f" (/sys/kernel/mm/lru_gen/enabled read back {' or '.join(lg)}); MGLRU is off in"
            " every other run.  ")


def base_note(rows: list[Row]) -> str:
    """A sentence on kmmscand-base if it ran ("" if not): the tables name
    mechanisms only."""
    if not any(r["mechanism"] == "kmmscand-base" for r in rows):
        return ""
    return ("kmmscand-base is a base build of the module (tools/bench/run --base-module),"
            " run in the same boots as kmmscand, interleaved with it: the host's speed varies"
            " between boots, so compare the two within a workload.  ")


def write_summary(rows: list[Row], workloads: list[str], path: Path,
                  sampling: str = "") -> None:
    """The compact table the README shows: one row per workload x mechanism
    (several runs: median [min-max], see runs_note)."""
    cells = group_cells(rows, workloads)
    multi = any(len(c) > 1 for c in cells.values())
    k = rows[0]["k"] if rows and rows[0]["k"] is not None else SLOW_COST
    lead = "| workload | mechanism | " + ("runs | " if multi else "")
    out = [lead + "T50 on-first | T90 on-first | T50 on-later | T90 on-later"
           " | cold moved | precision | thread CPU | app sys | extra CPU | slow-tier s"
           " | mem time | mem time (ops) |",
           "|---|---|" + ("---:|" if multi else "") + "---:|" * 12]
    for wl in workloads:
        for m in MECHANISMS:
            f, later = cells.get((wl, "on-first", m)), cells.get((wl, "on-later", m))
            c = f or later
            if c is None:
                continue
            r = median_row(c)
            nf, nl = (len(cell_runs(x)) if x else 0 for x in (f, later))
            runs = [str(nf or nl) if not (nf and nl) or nf == nl else f"{nf}/{nl}"]
            out.append("| " + " | ".join([wl, m] + (runs if multi else []) + [
                headline(f, 50), headline(f, 90), headline(later, 50), headline(later, 90),
                spread(c, "cold_moved_frac", b_pct, "%"), pct(r["precision"]),
                flt(r["mech_cpu_s"], " s"), flt(r["app_sys_s"], " s"),
                spread(c, "extra_cpu_s", b_flt(), " s"), spread(c, "slow_s", b_flt(1), " s"),
                spread(c, "mem_time_tw_rel_oracle", b_flt()),
                flt(r["mem_time_rel_oracle"])]) + " |")
    out += ["", "T50/T90: time until 50%/90% of the hot set was on the top tier (procs8: the"
            " slowest process; shift: the second window, from the shift).  The other columns"
            " are the on-first runs'; extra CPU is the mechanism's thread, the workload's system"
            " time and kswapd, less what the workload and kswapd used under none.  "
            + runs_note(cells, sampling) + mglru_note(rows, workloads) + base_note(rows)
            + MEM_TIME_TEXT.format(k=fmt_csv(k), kf=f"{float(k):.2f}"), ""]
    out += winners(rows, workloads)
    path.write_text("\n".join(out) + "\n")


# The grid the runs of a cell are resampled onto for its median curve and
# min-max band.
GRID_S = 0.25


def on_grid(times: list[float], fracs: list[float], grid: list[float]) -> list[float]:
    """A timeline step-held onto grid: at each grid time, the fraction of the
    last sample due by then (a sample is taken a few ms after it is due:
    up to half a step late counts; before the first sample, the first)."""
    out, i = [], 0
    for g in grid:
        while i + 1 < len(times) and times[i + 1] <= g + GRID_S / 2:
            i += 1
        out.append(fracs[i])
    return out


def band(reps: list[tuple[list[float], list[float]]]
         ) -> tuple[list[float], list[float], list[float], list[float]]:
    """Runs' timelines on a common GRID_S grid (to the longest's end): the
    grid and, at each point, the median, min and max across the runs."""
    end = max(t[-1] for t, _ in reps)
    grid = [i * GRID_S for i in range(int(end / GRID_S + 0.5) + 1)]
    cols = [on_grid(t, f, grid) for t, f in reps]
    at = list(zip(*cols))
    return (grid, [statistics.median(x) for x in at], [min(x) for x in at],
            [max(x) for x in at])


def plot(rows: list[Row], runs: list[Run], workloads: list[str],
         outdir: Path) -> dict[str, list[str]]:
    """One PNG per workload x start (a line per mechanism: of several runs,
    the median and a min-max band) and summary.png."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # A cell's runs that ran to their end (all of them if none did).
    status = {(r["workload"], r["start"], r["mechanism"], rep_of(r)): r["status"] for r in rows}
    series: dict[tuple[str, str], dict[str, list[tuple[list[float], list[float]]]]] = {}
    failed: dict[tuple[str, str], dict[str, list[tuple[list[float], list[float]]]]] = {}
    for run in sorted(runs, key=lambda r: r.rep):
        t, f = timeline(run)
        if t:
            ok = status.get((run.workload, run.start, run.mechanism, run.rep)) == "ok"
            (series if ok else failed).setdefault((run.workload, run.start), {}).setdefault(
                run.mechanism, []).append((t, f))
    for key, by_mech in failed.items():
        for m, reps in by_mech.items():
            series.setdefault(key, {}).setdefault(m, reps)
    figures: dict[str, list[str]] = {}
    keys = [(w, s) for w in workloads for s in STARTS if (w, s) in series]

    def draw(ax: Any, wl: str, start: str) -> list[str]:
        drawn = []
        for m in MECHANISMS + sorted(set(series[(wl, start)]) - set(MECHANISMS)):
            if m not in series[(wl, start)]:
                continue
            reps = series[(wl, start)][m]
            if len(reps) == 1:
                t, f = reps[0]
            else:
                t, f, lo, hi = band(reps)
                ax.fill_between(t, [100 * x for x in lo], [100 * x for x in hi],
                                color=MECH_COLOR.get(m), alpha=0.2, lw=0)
            ax.plot(t, [100 * x for x in f], label=MECH_LABEL.get(m, m),
                    color=MECH_COLOR.get(m), ls=MECH_STYLE.get(m, "-"), lw=1.8,
                    marker="." if len(t) < 30 else None)
            drawn.append(m)
        shifts = [s.t for run in runs if run.workload == wl and run.start == start
                  for p in run.procs.values()
                  for s in p.samples[:] if s.shifted][:1]
        if shifts:
            ax.axvline(shifts[0], color="k", ls=":", lw=1)
        ax.set_ylim(-2, 102)
        ax.set_xlim(left=0)
        ax.grid(alpha=0.3)
        n = max(len(reps) for reps in series[(wl, start)].values())
        ax.set_title(f"{wl}, {start}, runs={n}" + (": median, band min-max" if n > 1 else ""),
                     fontsize=10)
        return drawn

    for wl, start in keys:
        fig, ax = plt.subplots(figsize=(7, 4))
        drawn = draw(ax, wl, start)
        ax.set_xlabel("time since the workload's clock started (s)")
        ax.set_ylabel("hot set on the top tier (%)")
        ax.legend(loc="lower right", fontsize=8)
        name = f"timeline-{wl}-{start}.png"
        fig.tight_layout()
        fig.savefig(outdir / name, dpi=100)
        plt.close(fig)
        figures[name] = drawn
    if keys:
        # A row per workload and a column per start mode; with one start
        # mode, the workloads two per row.
        starts = [s for s in STARTS if any(k[1] == s for k in keys)]
        wls = [w for w in workloads if any(k[0] == w for k in keys)]
        if len(starts) == 1:
            grid = [[(w, starts[0]) for w in wls[i:i + 2]] for i in range(0, len(wls), 2)]
        else:
            grid = [[(w, s) for s in starts] for w in wls]
        ncol = max(len(row) for row in grid)
        height = 2.6 * len(grid) + 0.6
        fig, axes = plt.subplots(len(grid), ncol, figsize=(5.5 * ncol, height),
                                 squeeze=False, sharey=True)
        drawn_all: set[str] = set()
        for i, row in enumerate(grid):
            for j in range(ncol):
                ax = axes[i][j]
                if j < len(row) and row[j] in series:
                    drawn_all.update(draw(ax, *row[j]))
                else:
                    ax.set_visible(False)
                if j == 0:
                    ax.set_ylabel("hot on top (%)")
        for j in range(ncol):  # under the lowest panel of each column
            axes[max(i for i, row in enumerate(grid) if j < len(row))][j].set_xlabel("time (s)")
        handles, labels = axes[0][0].get_legend_handles_labels()
        lcol = 4 if ncol > 1 else 2
        fig.legend(handles, labels, loc="upper center", ncol=lcol, fontsize=9)
        # The legend above the panels: 0.3 in per row of it (kmmscand-base
        # makes a fifth entry) and 0.2 in of margin.
        lrows = -(-len(labels) // lcol)
        fig.tight_layout(rect=(0, 0, 1, 1 - (0.2 + 0.3 * lrows) / height))
        fig.savefig(outdir / "summary.png", dpi=90)
        plt.close(fig)
        figures["summary.png"] = sorted(drawn_all, key=lambda m: MECHANISMS.index(m)
                                        if m in MECHANISMS else 99)
    return figures


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--k", type=float, default=SLOW_COST,
                    help="slow-tier cost per access, in DRAM accesses (default 2)")
    ap.add_argument("--workloads", default="",
                    help="workload order (default: as found)")
    ap.add_argument("--title", default="")
    ap.add_argument("--guest", default="")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("logs", nargs="+", type=Path)
    a = ap.parse_args(argv)
    if a.k < 1:
        ap.error("--k must be at least 1")
    runs: list[Run] = []
    for log in a.logs:
        runs += parse_log(log.read_text(errors="replace"))
    workloads = a.workloads.split() if a.workloads else []
    for r in runs:
        if r.workload not in workloads:
            workloads.append(r.workload)
    rows = [compute(r, a.k) for r in runs]
    relate_to_none(rows)
    rows.sort(key=lambda r: order_key(r, workloads))
    a.out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, a.out / "results.csv")
    with (a.out / "timelines.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "start", "mechanism", "t_s", "hot_frac", "rep"])
        for run in runs:
            for t, fr in zip(*timeline(run)):
                w.writerow([run.workload, run.start, run.mechanism, f"{t:.3f}", f"{fr:.5f}",
                            run.rep])
    figures = {} if a.no_plots else plot(rows, runs, workloads, a.out)
    (a.out / "figures.json").write_text(json.dumps(figures, indent=1) + "\n")
    kernel = next((str(r["kernel"]) for r in rows if r["kernel"]), "?")
    cells = read_rows(a.out / "results.csv")
    sampling = sampling_text(runs, workloads)
    write_markdown(cells, workloads, {"title": a.title, "kernel": kernel, "guest": a.guest,
                                      "kernel_log": str(len(KERNEL_LOG)) if KERNEL_LOG else "",
                                      "sampling": sampling},
                   figures, a.out / "results.md")
    write_summary(cells, workloads, a.out / "summary.md", sampling)
    bad = [r for r in rows if r["status"] != "ok"]
    print(f"report: {len(rows)} runs ({len(bad)} not ok), {len(figures)} figures in {a.out}"
          + (f"; the kernel logged {len(KERNEL_LOG)} report lines" if KERNEL_LOG else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
