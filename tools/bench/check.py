#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a `make bench` results directory: the harness, not the numbers.

    check.py DIR [--workloads "W..."] [--mechs "M..."] [--starts "S..."]
             [--runs N]

Asserts that every workload x start x mechanism produced its rows (one per
run, reps 1 to N: N is --runs or the most any mechanism has, so that every
mechanism has as many; none one, it runs once; the mechanisms: --mechs, or
tools/bench/run's default ones and kmmscand-base if it ran) and that each
ran to its end, that every number of each row is well-formed and within
physical bounds (fractions in [0, 1], pages moved <= the region, times
within the run, the modeled memory times within [1, k] (the time-weighted
one: plus the extra CPU time over the timeline, and equal to its formula
over the CSV's own cells), CPU times within what two CPUs can give, MGLRU
fully on in the runs whose setup has mglru and off in the others), and that
every workload x start has a PNG timeline with a line per mechanism.  No
timing assertion: under TCG the values are the emulator's.  Prints one line
per problem; exit status 1 if there is any.
"""

from __future__ import annotations

import argparse
import csv
import json
import struct
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import (COLUMNS, DAMON, DEFAULT_MECHANISMS, KMMSCAND, LRU_GEN_ON,  # noqa: E402
                    MECHANISMS, STARTS, TEXT_COLUMNS)

NCPU = 2
EPS = 1e-6


def png_size(path: Path) -> Optional[tuple[int, int]]:
    """Width and height of a PNG file, or None if it is not one."""
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    w, h = struct.unpack(">II", head[16:24])
    return (w, h) if w > 0 and h > 0 else None


def fnum(row: dict[str, str], col: str, problems: list[str], where: str) -> Optional[float]:
    v = row.get(col, "")
    if v == "":
        return None
    try:
        x = float(v)
    except ValueError:
        problems.append(f"{where}: {col}={v!r} is not a number")
        return None
    if x != x or x in (float("inf"), float("-inf")):
        problems.append(f"{where}: {col}={v} is not finite")
        return None
    return x


def check_row(row: dict[str, str], problems: list[str], reps: bool = False) -> None:
    """One run's row (reps: the results have several runs of a cell, and
    the problems name the run's rep)."""
    where = f"{row['workload']}/{row['start']}/{row['mechanism']}"
    if reps:
        where += f"/rep{row.get('rep', '')}"
    if row["status"] != "ok":
        problems.append(f"{where}: run status {row['status']!r}")
    n = {c: fnum(row, c, problems, where) for c in COLUMNS if c not in TEXT_COLUMNS}

    def need(*cols: str) -> None:
        for c in cols:
            if n[c] is None:
                problems.append(f"{where}: {c} is missing")

    def bound(col: str, lo: Optional[float], hi: Optional[float]) -> None:
        v = n[col]
        if v is None:
            return
        if (lo is not None and v < lo - EPS) or (hi is not None and v > hi + EPS):
            problems.append(f"{where}: {col}={v:g} outside [{lo}, {hi}]")

    if row.get("app_p99_ms"):
        # An application (report.APP_PATTERNS): no hot-set figures.
        need("seconds", "procs", "app_sys_s", "app_ops_per_s", "app_p50_ms", "dram_share_final",
             "k", "on_s", "pages_migrated", "rep")
    else:
        need("seconds", "procs", "hot_pages", "cold_pages", "hot_final", "hot_moved_pages",
             "cold_moved_pages", "pingpong_pages", "app_sys_s", "app_ops_per_s",
             "mem_time_rel_oracle", "k", "on_s", "pages_migrated", "timeline_s", "slow_s",
             "rep")
    if row["mechanism"] in DAMON or row["mechanism"] in KMMSCAND:
        need("mech_cpu_s", "pages_promoted")
    secs = n["seconds"] or 0.0
    hot, cold = n["hot_pages"] or 0.0, n["cold_pages"] or 0.0
    k = n["k"] or 1.0
    on = n["on_s"] or 0.0
    for c in ("hot_final", "cold_moved_frac", "precision"):
        bound(c, 0, 1)
    bound("hot_moved_pages", 0, hot)
    bound("cold_moved_pages", 0, cold)
    bound("pingpong_pages", 0, hot + cold)
    bound("demoted_seen_pages", 0, hot + cold)
    # A run lasts its seconds (plus the end of its last sample).
    for c in ("t50_s", "t90_s", "t90_shift_s", "t90_slowest_s", "t50_shift_s", "t50_slowest_s",
              "timeline_s"):
        bound(c, 0, secs + 5)
    for t50, t90 in (("t50_s", "t90_s"), ("t50_shift_s", "t90_shift_s"),
                     ("t50_slowest_s", "t90_slowest_s")):
        if n[t50] is not None and n[t90] is not None and n[t50] > n[t90] + EPS:
            problems.append(f"{where}: {t50} {n[t50]} after {t90} {n[t90]}")
        if n[t90] is not None and n[t50] is None:
            problems.append(f"{where}: {t90} without {t50}")
    bound("mem_time_rel_oracle", 1, k)
    tl = n["timeline_s"] or 0.0
    bound("timeline_s", secs * 0.9, None)
    bound("slow_s", 0, tl)
    if n["extra_cpu_s"] is not None and not row.get("app_p99_ms"):
        need("mem_time_tw_rel_oracle")
    tw = n["mem_time_tw_rel_oracle"]
    if tw is not None and tl > 0 and n["slow_s"] is not None:
        extra = n["extra_cpu_s"] or 0.0
        # The cells carry 6 significant digits: a relative tolerance of 1e-4.
        hi = k + extra / tl
        if tw < 1 - 1e-4 or tw > hi * (1 + 1e-4):
            problems.append(f"{where}: mem_time_tw_rel_oracle={tw:g} outside [1, {hi:g}]")
        want = (tl + (k - 1) * n["slow_s"] + extra) / tl
        if abs(tw - want) > 1e-4 * want:
            problems.append(f"{where}: mem_time_tw_rel_oracle={tw:g} is not"
                            f" (timeline_s + (k - 1) slow_s + extra_cpu_s) / timeline_s = {want:g}")
    bound("k", 1, None)
    bound("on_s", secs * 0.9, None)
    bound("procs", 1, 64)
    bound("rep", 1, None)
    for c in ("mech_cpu_s", "kswapd_cpu_s"):
        bound(c, 0, NCPU * on + 1)
    bound("app_sys_s", 0, NCPU * (secs + 5))
    bound("app_ops_per_s", EPS, None)
    bound("app_ops_rel_none", 0, None)
    for c in ("pages_migrated", "pages_promoted", "pages_demoted", "scan_pages_per_s",
              "promote_pages_per_s", "promote_peak_pages_per_s", "numa_hint_faults",
              "kmmscand_young", "kmmscand_candidates", "kmmscand_sweeps",
              "kmmscand_kswapd_requests", "kmmscand_promote_fail_target_full"):
        bound(c, 0, None)
    if n["pages_promoted"] is not None and n["pages_migrated"] is not None:
        bound("pages_promoted", 0, n["pages_migrated"])
    if row["mechanism"] == "none" and n["app_ops_rel_none"] is not None:
        bound("app_ops_rel_none", 1, 1)
    # MGLRU (lru_gen/enabled at the end of the run): fully on in a run
    # whose setup has mglru, off in any other (blank: not read).
    lg = n["lru_gen_enabled"]
    if "mglru" in row.get("setup", "").split(","):
        need("lru_gen_enabled")
        if lg is not None and int(lg) & LRU_GEN_ON != LRU_GEN_ON:
            problems.append(f"{where}: lru_gen_enabled={lg:g}, MGLRU not fully on in a mglru run")
    elif lg is not None and lg != 0:
        problems.append(f"{where}: lru_gen_enabled={lg:g}, MGLRU on in a run without mglru")


def check(d: Path, workloads: list[str], mechs: list[str], starts: list[str],
          runs: Optional[int] = None) -> list[str]:
    problems: list[str] = []
    csv_path = d / "results.csv"
    if not csv_path.is_file():
        return [f"{csv_path} is missing"]
    with csv_path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            problems.append(f"results.csv columns {reader.fieldnames} are not {COLUMNS}")
            return problems
        rows = list(reader)
    if not workloads:
        workloads = sorted({r["workload"] for r in rows})
    if not mechs:
        # kmmscand-base runs only with a base module (--base-module).
        ran = {r["mechanism"] for r in rows}
        mechs = [m for m in MECHANISMS if m in DEFAULT_MECHANISMS or m in ran]
    if not workloads:
        problems.append("results.csv has no rows")
    seen: dict[tuple[str, str, str], list[str]] = {}
    for r in rows:
        seen.setdefault((r["workload"], r["start"], r["mechanism"]), []).append(r["rep"])
    several = any(len(v) > 1 for v in seen.values())
    for r in rows:
        check_row(r, problems, several)
    # Every mechanism as many runs as the one with the most (or --runs);
    # none one: it runs once by construction.
    if runs is None:
        runs = max((len(v) for (wl, s, m), v in seen.items()
                    if wl in workloads and s in starts and m in mechs and m != "none"),
                   default=1)
    for wl in workloads:
        for s in starts:
            for m in mechs:
                reps = seen.get((wl, s, m), [])
                want = 1 if m == "none" else runs
                if len(reps) != want:
                    problems.append(f"{wl}/{s}/{m}: {len(reps)} rows in results.csv,"
                                    f" expected {want}")
                elif sorted(reps, key=lambda v: float(v) if v else 0.0) != [
                        str(i) for i in range(1, want + 1)]:
                    problems.append(f"{wl}/{s}/{m}: reps {', '.join(reps)}, expected 1 to {want}")
    try:
        figures: dict[str, list[str]] = json.loads((d / "figures.json").read_text())
    except (OSError, ValueError) as e:
        return problems + [f"figures.json: {e}"]
    for wl in workloads:
        for s in starts:
            name = f"timeline-{wl}-{s}.png"
            if png_size(d / name) is None:
                problems.append(f"{name} is missing or not a PNG")
            missing = [m for m in mechs if m not in figures.get(name, [])]
            if missing:
                problems.append(f"{name} has no line for {', '.join(missing)}")
    if png_size(d / "summary.png") is None:
        problems.append("summary.png is missing or not a PNG")
    md = (d / "results.md").read_text() if (d / "results.md").is_file() else ""
    if not md:
        problems.append("results.md is missing or empty")
    sections = set(md.splitlines())
    for wl in workloads:
        if f"## {wl}" not in sections:
            problems.append(f"results.md has no section for {wl}")
    table_rows = [ln for ln in md.splitlines()
                  if ln.startswith("| ") and ln.split("|")[1].strip() in STARTS]
    if len(table_rows) != 2 * len(seen):  # a placement and a cost table
        problems.append(f"results.md has {len(table_rows)} table rows, expected two per"
                        f" workload x start x mechanism of results.csv ({len(seen)})")
    return problems


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--workloads", default="")
    ap.add_argument("--mechs", default="",
                    help="mechanisms (default: tools/bench/run's, and kmmscand-base if it ran)")
    ap.add_argument("--starts", default=" ".join(STARTS))
    ap.add_argument("--runs", type=int, default=None,
                    help="runs per mechanism (default: the most any mechanism has)")
    a = ap.parse_args(argv)
    problems = check(a.dir, a.workloads.split(), a.mechs.split(), a.starts.split(), a.runs)
    for p in problems:
        print(f"check: {p}")
    print(f"check: {a.dir}: {'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
