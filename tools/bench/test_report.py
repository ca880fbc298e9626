# SPDX-License-Identifier: GPL-2.0
"""Host tests of the benchmark processing, on synthetic guest logs.

    build/venv/bin/python -m unittest discover -s tools/bench -p 'test_*.py'
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Callable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check  # noqa: E402
import report  # noqa: E402

Frac = Callable[[float], float]


def run_text(wl: str, mech: str, start: str, secs: int, hot_n: int, cold_n: int,
             hot: Frac, cold: Frac = lambda t: 0.0, procs: int = 1,
             shift_at: Optional[float] = None, counters: Optional[dict[str, tuple[int, int]]] = None,
             ops_per_s: int = 1000, status: int = 0, end: bool = True,
             noise: bool = False, times: Optional[list[float]] = None,
             ops: Optional[Callable[[float], int]] = None, setup: str = "-",
             rep: Optional[int] = None, args: str = "x") -> str:
    """The console text of one run: samples at 0, 1, ... secs (or at times;
    the access counter ops_per_s * t, or ops(t)); rep=K on its run and end
    lines if rep is given (older logs have none)."""
    rep_kv = "" if rep is None else f" rep={rep}"
    lines = [f"BENCH run workload={wl} mechanism={mech} start={start}{rep_kv} seconds={secs}"
             f" setup={setup} args={args}"]
    if "mglru" in setup.split(","):
        lines.append("BENCH mglru enabled=0x0007")
    windows = 2 if shift_at is not None else 1
    for p in range(procs):
        lines.append(f"tierload: B p={p} pid={100 + p} pattern=hot window_pages={hot_n} "
                     f"windows={windows} cold_pages={cold_n} threads=1 on_slow=1/1 thp_kb=0 place_s=0.1")
    for i, t_i in enumerate(times if times is not None else [float(i) for i in range(secs + 1)]):
        for p in range(procs):
            t = t_i + 0.001 * p
            extra = ""
            if shift_at is not None:
                shifted = t >= shift_at
                a = int(hot_n * hot(min(t, shift_at)))
                b = int(hot_n * hot(t - shift_at)) if shifted else 0
                cur = b if shifted else a
                extra = f" a={a}/{hot_n} b={b}/{hot_n} shifted={int(shifted)}"
            else:
                cur = int(hot_n * hot(t))
            n_ops = ops(t) if ops is not None else int(ops_per_s * t_i)
            line = (f"tierload: S p={p} t={t:.3f} ops={n_ops} hot={cur}/{hot_n} "
                    f"cold={int(cold_n * cold(t))}/{cold_n}{extra} absent=0 pp={i // 10} dm={i // 5} "
                    f"sys={0.01 * i:.3f} ms=1.0")
            if noise and i == 2:
                line = "\r[   12.345678] random: crng init done\r" + line + "\r"
            lines.append(line)
    if end:
        for p in range(procs):
            lines.append(f"tierload: E p={p} t={secs}.0 ops={ops_per_s * secs} sys=0.5 pp=0 dm=0 thp_kb=0")
    c = {"uptime_ms": (1000, 1000 + 1000 * secs + 500), "mech_ticks": (0, 150),
         "kswapd_ticks": (10, 30), "pgmigrate_success": (5, 5 + hot_n + cold_n)}
    c.update(counters or {})
    for name, (b, a) in c.items():
        lines.append(f"BENCH v {name} {b} {a}")
    if end:
        lines.append(f"BENCH end workload={wl} mechanism={mech} start={start}{rep_kv}"
                     f" status={status}")
    return "\n".join(lines) + "\n"


def ramp(t0: float, t1: float) -> Frac:
    """0 until t0, then linear to 1 at t1."""
    return lambda t: 0.0 if t <= t0 else 1.0 if t >= t1 else (t - t0) / (t1 - t0)


def const(f: float) -> Frac:
    return lambda t: f


BOOT = "BENCH boot kernel=7.2.13 topology=hmat slow_node=1 variant=quick user_hz=100 page_size=4096\n"


def full_log(wl: str = "hot64", secs: int = 10, setup: str = "-",
             lru_gen: Optional[tuple[int, int]] = None,
             mechs: list[str] = report.DEFAULT_MECHANISMS) -> str:
    parts = [BOOT]
    for start in report.STARTS:
        for m in mechs:
            curve = {"none": lambda t: 0.0, "numab2": ramp(2, 8), "damon": ramp(1, 3),
                     "kmmscand": ramp(0, 4), "kmmscand-base": ramp(0, 5)}[m]
            parts.append(run_text(wl, m, start, secs, 1000, 2000, curve,
                                  cold=(lambda t: 0.1) if m == "damon" else (lambda t: 0.0),
                                  counters={"damon0_sz_applied": (0, 4096 * 1000),
                                            "pgpromote_success": (0, 900),
                                            "kmmscand_promoted": (0, 1000),
                                            "kmmscand_slowtier_scanned": (0, 50000),
                                            "kmmscand_young": (0, 4000),
                                            "kmmscand_sweeps": (2, 14),
                                            **({"lru_gen_enabled": lru_gen} if lru_gen else {})},
                                  setup=setup))
    return "".join(parts)


class Metrics(unittest.TestCase):
    def one(self, text: str, k: float = 2.0) -> report.Row:
        runs = report.parse_log(BOOT + text)
        self.assertEqual(len(runs), 1)
        return report.compute(runs[0], k)

    def test_t50_t90_and_fractions(self) -> None:
        r = self.one(run_text("hot64", "kmmscand", "on-first", 10, 1000, 2000, ramp(2, 7),
                              cold=lambda t: 0.25))
        self.assertEqual(r["status"], "ok")
        self.assertAlmostEqual(r["t50_s"], 5.0)  # first sample at >= 50%: t=4.5 -> 5
        self.assertAlmostEqual(r["t90_s"], 7.0)
        self.assertAlmostEqual(r["hot_final"], 1.0)
        self.assertEqual(r["cold_moved_pages"], 500)
        self.assertAlmostEqual(r["cold_moved_frac"], 0.25)
        self.assertAlmostEqual(r["precision"], 1000 / 1500)
        self.assertEqual(r["kernel"], "7.2.13")

    def test_never(self) -> None:
        r = self.one(run_text("hot64", "none", "on-first", 5, 100, 100, lambda t: 0.3))
        self.assertIsNone(r["t50_s"])
        self.assertIsNone(r["t90_s"])
        self.assertEqual(r["hot_moved_pages"], 30)
        self.assertEqual(r["precision"], 1.0)
        r = self.one(run_text("hot64", "none", "on-first", 5, 100, 100, lambda t: 0.0))
        self.assertIsNone(r["precision"])  # nothing moved

    def test_modeled_memory_time(self) -> None:
        for f, k, want in ((0.0, 2.0, 2.0), (1.0, 2.0, 1.0), (0.5, 3.0, 2.0)):
            r = self.one(run_text("hot64", "none", "on-first", 6, 1000, 0, const(f)), k)
            self.assertAlmostEqual(r["mem_time_rel_oracle"], want, places=6)
        # A ramp from 0 at t=0 to 1 at t=4 over 8 equal intervals: the
        # trapezoid placement per interval is 1/8, 3/8, 5/8, 7/8, then 1.
        r = self.one(run_text("hot64", "none", "on-first", 8, 1000, 0, ramp(0, 4)))
        per = [0.125, 0.375, 0.625, 0.875, 1, 1, 1, 1]
        self.assertAlmostEqual(r["mem_time_rel_oracle"], sum(x + 2 * (1 - x) for x in per) / 8)

    def test_time_on_slow(self) -> None:
        # A step function from each sample; intervals weighted by their length.
        times, top = [0.0, 0.5, 3.0, 4.0, 10.0], [0.0, 0.5, 1.0, 0.0, 1.0]
        self.assertEqual(report.time_on_slow(times, top), (10.0, 0.5 + 2.5 * 0.5 + 0 + 6.0))
        # Before the first sample, from t=0, the hot set counts as on the slow tier.
        self.assertEqual(report.time_on_slow([0.25, 2.0], [1.0, 1.0]), (2.0, 0.25))
        self.assertEqual(report.time_on_slow([], []), (0.0, 0.0))
        tw = report.time_weighted_memory_time
        self.assertAlmostEqual(tw(10.0, 7.75, 0.0, 2.0), 1.775)
        self.assertAlmostEqual(tw(10.0, 7.75, 0.0, 3.0), 2.55)
        self.assertAlmostEqual(tw(10.0, 7.75, 2.5, 2.0), 2.025)
        self.assertIsNone(tw(10.0, 7.75, None, 2.0))  # no none run to take CPU from
        self.assertIsNone(tw(0.0, 0.0, 0.0, 2.0))

    def related(self, *texts: str, k: float = 2.0) -> dict[str, report.Row]:
        """The rows of runs of one workload and start, by mechanism, with
        their extra CPU and time-weighted memory time."""
        runs = report.parse_log(BOOT + "".join(texts))
        rows = [report.compute(r, k) for r in runs]
        report.relate_to_none(rows)
        return {str(r["mechanism"]): r for r in rows}

    def test_time_weighted_memory_time(self) -> None:
        def slow_then_dram(t: float) -> float:
            return 0.0 if t < 10 else 1.0
        none = run_text("hot64", "none", "on-first", 20, 1000, 0, const(0.0))
        # 10 s all on the slow tier, then 10 s all in DRAM, no CPU beyond
        # none's: (10 * 2 + 10 * 1) / 20.
        r = self.related(none, run_text("hot64", "kmmscand", "on-first", 20, 1000, 0,
                                        slow_then_dram, counters={"mech_ticks": (0, 0)}))
        self.assertEqual(r["kmmscand"]["extra_cpu_s"], 0.0)
        self.assertAlmostEqual(r["kmmscand"]["timeline_s"], 20.0)
        self.assertAlmostEqual(r["kmmscand"]["slow_s"], 10.0)
        self.assertAlmostEqual(r["kmmscand"]["mem_time_tw_rel_oracle"], 1.5)
        # The bounds: none (everything on the slow tier, nothing spent) is k,
        # the oracle (everything in DRAM from t=0, nothing spent) is 1.
        self.assertAlmostEqual(r["none"]["mem_time_tw_rel_oracle"], 2.0)
        self.assertAlmostEqual(r["none"]["slow_s"], 20.0)
        r = self.related(run_text("hot64", "none", "on-first", 20, 1000, 0, const(0.0)), k=3.0)
        self.assertAlmostEqual(r["none"]["mem_time_tw_rel_oracle"], 3.0)
        r = self.related(run_text("hot64", "none", "on-first", 20, 1000, 0, const(1.0)))
        self.assertAlmostEqual(r["none"]["mem_time_tw_rel_oracle"], 1.0)
        self.assertAlmostEqual(r["none"]["slow_s"], 0.0)
        # The mechanism's CPU beyond none's is added: mech_ticks 150 = 1.5 s.
        r = self.related(none, run_text("hot64", "kmmscand", "on-first", 20, 1000, 0,
                                        slow_then_dram))
        self.assertAlmostEqual(r["kmmscand"]["extra_cpu_s"], 1.5)
        self.assertAlmostEqual(r["kmmscand"]["mem_time_tw_rel_oracle"], (30 + 1.5) / 20)

    def test_time_weighted_by_duration_not_accesses(self) -> None:
        # Irregular samples: all slow at 0 and 1, all in DRAM from 4 on;
        # [0, 4) is 4 s on the slow tier out of 10, however many accesses ran.
        times = [0.0, 1.0, 4.0, 4.5, 10.0]

        def top(t: float) -> float:
            return 1.0 if t >= 4 else 0.0
        want = (10 + 4) / 10
        for ops in (lambda t: int(1000 * t), lambda t: int(1000 * t) if t <= 1 else
                    1000 + int(8000 * (t - 1))):  # 8x the rate after 1 s
            r = self.one(run_text("hot64", "none", "on-first", 10, 1000, 0, top, times=times,
                                  ops=ops))
            self.assertAlmostEqual(r["timeline_s"], 10.0)
            self.assertAlmostEqual(r["slow_s"], 4.0)
            report.relate_to_none([r])
            self.assertAlmostEqual(r["mem_time_tw_rel_oracle"], want)
        # The ops-weighted model moves with the access rate; this one does not.
        self.assertNotAlmostEqual(r["mem_time_rel_oracle"], want, places=2)
        # Only the sample at an interval's start counts: a sample at 50% at
        # 4.5 s changes [4.5, 10), not [4, 4.5).
        r = self.one(run_text("hot64", "none", "on-first", 10, 1000, 0,
                              lambda t: 0.5 if t == 4.5 else top(t), times=times))
        self.assertAlmostEqual(r["slow_s"], 4.0 + 5.5 * 0.5)

    def test_time_weighted_procs_summed(self) -> None:
        runs = report.parse_log(BOOT + run_text("procs8", "none", "on-first", 10, 100, 100,
                                                const(0.0), procs=2))
        # Process 0 (100 hot pages) all in DRAM, process 1 (300) all slow:
        # 300 of 400 hot pages on the slow tier (not the processes' mean, 1/2).
        for s in runs[0].procs[0].samples:
            s.hot = 100
        for s in runs[0].procs[1].samples:
            s.hot, s.hot_n = 0, 300
        r = report.compute(runs[0], 2.0)
        report.relate_to_none([r])
        # Samples at the processes' mean time, i + 0.0005: f = 1 before the first.
        t_end, slow = 10.0005, 0.0005 + 10 * 0.75
        self.assertAlmostEqual(r["timeline_s"], t_end)
        self.assertAlmostEqual(r["slow_s"], slow)
        self.assertAlmostEqual(r["mem_time_tw_rel_oracle"], (t_end + slow) / t_end)

    def test_time_weighted_shift(self) -> None:
        # Window A in DRAM from 2 s; the shift at 10 s; window B (slow until
        # then) in DRAM from 12 s.  A stays in DRAM after the shift: only the
        # window being accessed counts, [0, 2) and [10, 12) on the slow tier.
        r = self.one(run_text("shift", "none", "on-first", 20, 500, 500,
                              lambda t: 1.0 if t >= 2 else 0.0, shift_at=10))
        self.assertAlmostEqual(r["slow_s"], 4.0)
        report.relate_to_none([r])
        self.assertAlmostEqual(r["mem_time_tw_rel_oracle"], (20 + 4) / 20)
        self.assertAlmostEqual(r["t50_shift_s"], 2.0)
        self.assertAlmostEqual(r["t90_shift_s"], 2.0)

    def test_counters(self) -> None:
        c = {"pgpromote_success": (10, 110), "pgdemote_kswapd": (0, 7),
             "pgdemote_direct": (1, 3), "damon0_sz_applied": (0, 4096 * 40),
             "damon0_sz_tried": (None, 4096 * 70), "damon0_sample_us": (None, 20000),
             "damon1_sz_applied": (0, 4096 * 5), "kmmscand_promoted": (0, 80),
             "kmmscand_slowtier_scanned": (0, 21000), "numa_pte_updates": (0, 10500),
             "kmmscand_migrate_us": (None, 250000)}
        # DAMON's promotions: the region's pages on the top tier at the end
        # (all 100 hot ones), not its promotion scheme's sz_applied (40).
        want = {"none": (100, 9), "numab2": (100, 9), "damon": (100, 14), "kmmscand": (80, 9),
                "kmmscand-base": (80, 9), "damon-tuned": (100, 14)}
        for m, (promoted, demoted) in want.items():
            r = self.one(run_text("hot64", m, "on-later", 10, 100, 100, ramp(0, 5), counters=c))
            self.assertEqual(r["pages_promoted"], promoted, m)
            self.assertEqual(r["pages_demoted"], demoted, m)
            self.assertAlmostEqual(r["on_s"], 10.5)
            self.assertEqual(r["kswapd_cpu_s"], 0.2)
            self.assertEqual(r["mech_cpu_s"], 1.5 if m in ("damon", "damon-tuned", "kmmscand",
                                                          "kmmscand-base") else None)
            self.assertEqual(r["damon_applied_pages"], 40 if m in report.DAMON else None)
            self.assertEqual(r["damon_tried_pages"], 70 if m in report.DAMON else None)
            self.assertEqual(r["damon_sample_us"], 20000 if m in report.DAMON else None)
            self.assertEqual(r["kmmscand_migrate_s"], 0.25 if m in report.KMMSCAND else None)
        for m in report.KMMSCAND:
            r = self.one(run_text("hot64", m, "on-later", 10, 100, 100, ramp(0, 5), counters=c))
            self.assertAlmostEqual(r["scan_pages_per_s"], 2000)
        r = self.one(run_text("hot64", "numab2", "on-later", 10, 100, 100, ramp(0, 5), counters=c))
        self.assertAlmostEqual(r["scan_pages_per_s"], 1000)

    def test_absent_counters_are_blank(self) -> None:
        text = run_text("hot64", "kmmscand", "on-first", 4, 100, 100, ramp(0, 2),
                        counters={"kmmscand_promote_fail_target_full": (0, 5)})
        text = text.replace("BENCH v kmmscand_promote_fail_target_full 0 5\n",
                            "BENCH v kmmscand_promote_fail_target_full - 5\n")
        r = self.one(text)
        self.assertIsNone(r["kmmscand_sweeps"])
        self.assertEqual(r["kmmscand_promote_fail_target_full"], 5)

    def test_shift(self) -> None:
        r = self.one(run_text("shift", "kmmscand", "on-first", 20, 500, 500, ramp(1, 5),
                              shift_at=10))
        self.assertAlmostEqual(r["t90_s"], 5.0)
        self.assertAlmostEqual(r["t90_shift_s"], 5.0)
        self.assertEqual(r["hot_pages"], 1000)
        self.assertEqual(r["hot_moved_pages"], 1000)

    def test_procs_slowest(self) -> None:
        runs = report.parse_log(BOOT + run_text("procs8", "numab2", "on-first", 10, 100, 100,
                                                ramp(0, 4), procs=3))
        # Make process 2 slower: at 90% only from t=9.
        for s in runs[0].procs[2].samples:
            s.hot = 100 if s.t >= 9 else 50
        r = report.compute(runs[0], 2.0)
        self.assertEqual(r["procs"], 3)
        self.assertAlmostEqual(r["t90_slowest_s"], 9.002)
        self.assertAlmostEqual(r["t50_slowest_s"], 2.001)  # ramp: 50% at 2 s; process 2 from 0
        self.assertEqual(r["hot_pages"], 300)

    def test_cut_short_and_failed(self) -> None:
        r = self.one(run_text("hot64", "damon", "on-first", 4, 10, 10, ramp(0, 2), end=False))
        self.assertTrue(str(r["status"]).startswith("failed"))
        r = self.one(run_text("hot64", "damon", "on-first", 4, 10, 10, ramp(0, 2), status=2))
        self.assertEqual(r["status"], "failed: exit 2")

    def test_console_noise(self) -> None:
        r = self.one(run_text("hot64", "kmmscand", "on-first", 5, 100, 100, ramp(0, 4),
                              noise=True))
        self.assertEqual(r["status"], "ok")
        self.assertAlmostEqual(r["t90_s"], 4.0)


class EndToEnd(unittest.TestCase):
    def test_report_then_check(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            log = out / "all.log"
            log.write_text(full_log("hot64") + full_log("shift").replace(BOOT, ""))
            self.assertEqual(report.main(["--out", str(out), str(log)]), 0)
            for f in ("results.csv", "results.md", "timelines.csv", "summary.png",
                      "timeline-hot64-on-first.png", "timeline-shift-on-later.png"):
                self.assertTrue((out / f).is_file(), f)
            with (out / "results.csv").open() as fh:
                rows = list(csv.DictReader(fh))
            self.assertEqual(len(rows), 16)
            none = [r for r in rows if r["mechanism"] == "none"]
            self.assertTrue(all(r["app_ops_rel_none"] == "1" for r in none))
            self.assertEqual(check.check(out, ["hot64", "shift"], report.DEFAULT_MECHANISMS,
                                         report.STARTS), [])
            damon = [r for r in rows if r["mechanism"] == "damon"]
            self.assertTrue(all(float(r["extra_cpu_s"]) == 1.5 for r in damon))
            # New columns only at the end: readers of the old header keep working.
            self.assertEqual(list(rows[0])[:41], report.COLUMNS[:41])
            self.assertEqual(report.COLUMNS[40], "status")
            self.assertEqual(report.COLUMNS[43:46], ["timeline_s", "slow_s",
                                                     "mem_time_tw_rel_oracle"])
            self.assertEqual(report.COLUMNS[46:48], ["setup", "lru_gen_enabled"])
            self.assertEqual(report.COLUMNS[48:49], ["rep"])
            self.assertEqual(report.COLUMNS[49:52], ["app_p50_ms", "app_p99_ms",
                                                     "dram_share_final"])
            self.assertEqual(report.COLUMNS[52:], ["damon_applied_pages", "damon_tried_pages",
                                                   "damon_sample_us", "kmmscand_migrate_s"])
            summary = (out / "summary.md").read_text()
            # Ranked by the time-weighted memory time: damon and kmmscand
            # reach the top tier at the same pace (2.5 s on the slow tier),
            # numab2 later (5.5 s); none of them costs CPU beyond none's.
            self.assertIn("- hot64: mem time, lowest first: damon = kmmscand (1.40), numab2"
                          " (1.55); fastest to 50%: damon, kmmscand (2.0 s); fastest to 90%:"
                          " damon (3.0 s); least cold moved, of those that moved: numab2,"
                          " kmmscand (0.0%)", summary)
            # Every number of the summary table is its CSV cell, formatted.
            by = {(r["workload"], r["start"], r["mechanism"]): r for r in rows}
            lines = [ln for ln in summary.splitlines() if ln.startswith("| ")]
            head = [c.strip() for c in lines[0].strip("|").split("|")]
            self.assertEqual(head[2:6], ["T50 on-first", "T90 on-first", "T50 on-later",
                                         "T90 on-later"])
            self.assertEqual(len(lines), 1 + 8)
            for ln in lines[1:]:
                cell = dict(zip(head, (c.strip() for c in ln.strip("|").split("|"))))
                first = by[(cell["workload"], "on-first", cell["mechanism"])]
                later = by[(cell["workload"], "on-later", cell["mechanism"])]

                def s(v: str) -> str:
                    return "never" if v == "" else f"{float(v):.1f} s"
                sh = "_shift" if cell["workload"] == "shift" else ""  # the second window's
                self.assertEqual(cell["T50 on-first"], s(first[f"t50{sh}_s"]))
                self.assertEqual(cell["T90 on-first"], s(first[f"t90{sh}_s"]))
                self.assertEqual(cell["T50 on-later"], s(later[f"t50{sh}_s"]))
                self.assertEqual(cell["T90 on-later"], s(later[f"t90{sh}_s"]))
                self.assertEqual(cell["mem time"], f"{float(first['mem_time_tw_rel_oracle']):.2f}")
                self.assertEqual(cell["mem time (ops)"],
                                 f"{float(first['mem_time_rel_oracle']):.2f}")
                self.assertEqual(cell["slow-tier s"], f"{float(first['slow_s']):.1f} s")
            md = (out / "results.md").read_text()
            self.assertIn("| on-first | kmmscand |", md)
            self.assertIn("never", md)

            # The check finds what is wrong.
            self.assertIn("random/on-first/none: 0 rows in results.csv, expected 1",
                          check.check(out, ["random"], report.DEFAULT_MECHANISMS, report.STARTS))
            bad = out / "bad"
            bad.mkdir()
            for path in out.iterdir():
                if path.is_file():
                    (bad / path.name).write_bytes(path.read_bytes())
            text = (bad / "results.csv").read_text().splitlines()
            head = text[0].split(",")
            cells = text[3].split(",")
            cells[head.index("hot_final")] = "1.5"
            cells[head.index("cold_moved_pages")] = "999999"
            cells[head.index("mem_time_tw_rel_oracle")] = "1.01"
            text[3] = ",".join(cells)
            text.pop(5)
            (bad / "results.csv").write_text("\n".join(text) + "\n")
            (bad / "timeline-shift-on-first.png").write_text("not a png")
            problems = check.check(bad, ["hot64", "shift"], report.DEFAULT_MECHANISMS,
                                   report.STARTS)
            joined = "\n".join(problems)
            self.assertIn("hot_final=1.5 outside", joined)
            self.assertIn("cold_moved_pages=999999 outside", joined)
            self.assertIn("mem_time_tw_rel_oracle=1.01 is not (timeline_s", joined)
            self.assertIn("0 rows in results.csv", joined)
            self.assertIn("timeline-shift-on-first.png is missing or not a PNG", joined)


class BaseModule(unittest.TestCase):
    """kmmscand-base (tools/bench/run --base-module): a base build of the
    module, in the same boot; its module is kmmscand too, so its rows come
    from the same counters as kmmscand's."""

    COUNTERS = {"kmmscand_promoted": (0, 80), "kmmscand_slowtier_scanned": (0, 21000),
                "kmmscand_young": (5, 905), "kmmscand_candidates": (0, 300),
                "kmmscand_sweeps": (1, 11), "kmmscand_kswapd_requests": (0, 2),
                "kmmscand_promote_fail_target_full": (0, 3), "pgpromote_success": (0, 7)}

    def test_row_like_kmmscand(self) -> None:
        runs = report.parse_log(BOOT + "".join(
            run_text("hot64", m, "on-first", 10, 100, 100, ramp(0, 5), counters=self.COUNTERS)
            for m in ("kmmscand", "kmmscand-base")))
        kmm, base = (report.compute(r, 2.0) for r in runs)
        self.assertEqual(base["mechanism"], "kmmscand-base")
        self.assertEqual(base["status"], "ok")
        # Promoted: kmmscand_promoted (not pgpromote_success); its thread's CPU.
        self.assertEqual(base["pages_promoted"], 80)
        self.assertEqual(base["mech_cpu_s"], 1.5)
        self.assertEqual([base["kmmscand_" + c] for c in (
            "young", "candidates", "sweeps", "kswapd_requests", "promote_fail_target_full")],
            [900, 300, 10, 2, 3])
        self.assertAlmostEqual(base["scan_pages_per_s"], 2000)
        # The same log makes the same row, but for the mechanism's name.
        self.assertEqual({c: v for c, v in base.items() if c != "mechanism"},
                         {c: v for c, v in kmm.items() if c != "mechanism"})

    def test_report_then_check(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            log = out / "all.log"
            mechs = report.DEFAULT_MECHANISMS + ["kmmscand-base"]
            log.write_text(full_log("hot64", mechs=mechs))
            self.assertEqual(report.main(["--out", str(out), str(log)]), 0)
            with (out / "results.csv").open() as fh:
                rows = list(csv.DictReader(fh))
            # After kmmscand in every table, in the order of MECHANISMS.
            self.assertEqual([r["mechanism"] for r in rows], mechs * 2)
            # The module's counters, as kmmscand's rows have them; other
            # mechanisms' rows leave them blank (the log has them all).
            for r in rows:
                kmm = r["mechanism"] in report.KMMSCAND
                if kmm:
                    self.assertEqual((r["pages_promoted"], r["mech_cpu_s"]), ("1000", "1.5"))
                self.assertEqual((r["kmmscand_young"], r["kmmscand_sweeps"],
                                  r["kmmscand_candidates"]),
                                 ("4000", "12", "") if kmm else ("", "", ""), r["mechanism"])
                self.assertEqual(r["scan_pages_per_s"], f"{50000 / 10.5:.6g}" if kmm else "")
            # check's default mechanisms: kmmscand-base too, since it ran.
            self.assertEqual(check.check(out, ["hot64"], [], report.STARTS), [])
            summary = (out / "summary.md").read_text()
            self.assertEqual([r["mechanism"] for r in table(summary)], mechs)
            self.assertIn("kmmscand-base is a base build of the module", summary)
            # ramp(0, 5): 3.0 s on the slow tier, kmmscand's ramp(0, 4) 2.5 s.
            self.assertIn("- hot64: mem time, lowest first: damon = kmmscand (1.40),"
                          " kmmscand-base (1.45), numab2 (1.55); fastest to 50%: damon,"
                          " kmmscand (2.0 s)", summary)
            md = (out / "results.md").read_text()
            self.assertIn("| on-first | kmmscand-base |", md)
            self.assertIn("kmmscand-base is a base build of the module", md)
            figures = json.loads((out / "figures.json").read_text())
            self.assertEqual(figures["timeline-hot64-on-first.png"], mechs)
            self.assertEqual(figures["summary.png"], mechs)

            # Its rows are checked like kmmscand's: thread CPU and promoted.
            text = (out / "results.csv").read_text().splitlines()
            i = next(i for i, ln in enumerate(text) if ",kmmscand-base," in ln)
            cells = text[i].split(",")
            cells[report.COLUMNS.index("mech_cpu_s")] = ""
            (out / "results.csv").write_text("\n".join(text[:i] + [",".join(cells)]
                                                       + text[i + 1:]) + "\n")
            self.assertIn("hot64/on-first/kmmscand-base: mech_cpu_s is missing",
                          check.check(out, ["hot64"], [], report.STARTS))

    def test_not_run(self) -> None:
        """Results without kmmscand-base (make bench-check's quick run):
        check's default mechanisms do not expect it, nor do the tables
        mention it."""
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            log = out / "all.log"
            log.write_text(full_log("hot64"))
            self.assertEqual(report.main(["--out", str(out), str(log)]), 0)
            self.assertEqual(check.check(out, ["hot64"], [], report.STARTS), [])
            self.assertEqual(check.main([str(out)]), 0)
            self.assertIn("hot64/on-first/kmmscand-base: 0 rows in results.csv, expected 1",
                          check.check(out, ["hot64"], report.MECHANISMS, report.STARTS))
            for f in ("summary.md", "results.md"):
                self.assertNotIn("kmmscand-base", (out / f).read_text(), f)


class Mglru(unittest.TestCase):
    """The -mglru workload variants: MGLRU on in every run of theirs."""

    def one(self, setup: str, lru_gen: Optional[tuple[int, int]], wl: str = "hot1g-mglru"
            ) -> report.Row:
        c = {"lru_gen_enabled": lru_gen} if lru_gen else {}
        runs = report.parse_log(BOOT + run_text(wl, "kmmscand", "on-first", 5, 100, 100,
                                                ramp(0, 4), counters=c, setup=setup))
        self.assertEqual(len(runs), 1)
        return report.compute(runs[0], 2.0)

    def test_names(self) -> None:
        self.assertEqual(report.base_workload("hot1g-mglru"), "hot1g")
        self.assertEqual(report.base_workload("dramfull-mglru"), "dramfull")
        self.assertEqual(report.base_workload("dramfull"), "dramfull")
        self.assertTrue(report.workload_desc("dramfull-mglru").startswith(
            report.WORKLOAD_DESC["dramfull"]))
        self.assertIn("MGLRU on", report.workload_desc("dramfull-mglru"))
        self.assertNotIn("MGLRU", report.workload_desc("dramfull"))
        self.assertEqual(report.lru_gen_text(7.0), "0x0007")
        # shift's headline is its second window's, whatever the variant.
        self.assertEqual(report.headline_col({"workload": "shift-mglru", "procs": 1}, 90),
                         "t90_shift_s")

    def test_status(self) -> None:
        r = self.one("fill,mglru", (7, 7), "dramfull-mglru")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["setup"], "fill,mglru")
        self.assertEqual(r["lru_gen_enabled"], 7)
        # Never a mglru row that did not have MGLRU fully on throughout.
        for lg in ((7, 0), (0, 7), (3, 3), None):
            r = self.one("mglru", lg)
            self.assertTrue(str(r["status"]).startswith("failed: MGLRU not on"), (lg, r["status"]))
        # Nor another row that had it on; older logs (no reading) are fine.
        self.assertEqual(self.one("-", (0, 0), "hot1g")["status"], "ok")
        self.assertEqual(self.one("fill", None, "dramfull")["status"], "ok")
        self.assertIsNone(self.one("-", None, "hot1g")["lru_gen_enabled"])
        r = self.one("-", (7, 7), "hot1g")
        self.assertTrue(str(r["status"]).startswith("failed: MGLRU on in a run without"))

    def test_report_then_check(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            log = out / "all.log"
            log.write_text(full_log("hot1g", lru_gen=(0, 0))
                           + full_log("hot1g-mglru", setup="mglru", lru_gen=(7, 7))
                           .replace(BOOT, ""))
            self.assertEqual(report.main(["--out", str(out), "--workloads",
                                          "hot1g hot1g-mglru", str(log)]), 0)
            wls = ["hot1g", "hot1g-mglru"]
            self.assertEqual(check.check(out, wls, report.DEFAULT_MECHANISMS, report.STARTS), [])
            with (out / "results.csv").open() as fh:
                rows = list(csv.DictReader(fh))
            self.assertEqual([r["workload"] for r in rows], ["hot1g"] * 8 + ["hot1g-mglru"] * 8)
            self.assertEqual({r["lru_gen_enabled"] for r in rows[8:]}, {"7"})
            self.assertEqual({r["setup"] for r in rows[8:]}, {"mglru"})
            md = (out / "results.md").read_text()
            base, variant = md.split("\n## hot1g-mglru\n")
            # Each section shows its own figures only (hot1g's name begins
            # hot1g-mglru's).
            self.assertIn("timeline-hot1g-on-first.png", base)
            self.assertNotIn("timeline-hot1g-mglru", base)
            self.assertIn("![timeline-hot1g-mglru-on-later.png]", variant)
            self.assertIn("MGLRU: /sys/kernel/mm/lru_gen/enabled read 0x0007", variant)
            self.assertNotIn("MGLRU:", base)
            summary = (out / "summary.md").read_text()
            self.assertEqual(sum(ln.startswith("| hot1g-mglru | ") for ln in summary.splitlines()),
                             4)
            self.assertIn("hot1g-mglru is hot1g with MGLRU on"
                          " (/sys/kernel/mm/lru_gen/enabled read back 0x0007)", summary)
            self.assertIn("- hot1g-mglru: mem time, lowest first:", summary)
            figures = json.loads((out / "figures.json").read_text())
            self.assertIn("timeline-hot1g-mglru-on-first.png", figures)

            # The check catches a mglru row without MGLRU and a row with it.
            text = (out / "results.csv").read_text().splitlines()
            head = text[0].split(",")
            for i, v in ((1, "7"), (9, "0")):
                cells = next(csv.reader([text[i]]))
                cells[head.index("lru_gen_enabled")] = v
                text[i] = ",".join(f'"{c}"' if "," in c else c for c in cells)
            (out / "results.csv").write_text("\n".join(text) + "\n")
            joined = "\n".join(check.check(out, wls, report.DEFAULT_MECHANISMS, report.STARTS))
            self.assertIn("hot1g/on-first/none: lru_gen_enabled=7, MGLRU on in a run without",
                          joined)
            self.assertIn("hot1g-mglru/on-first/none: lru_gen_enabled=0, MGLRU not fully on",
                          joined)

    def test_workloads_table(self) -> None:
        """tests/bench/workloads: known variants and setup items; a name
        once among full and extra; each -mglru workload is its base (full)
        with mglru added, an extra; the quick set has none."""
        table = Path(__file__).resolve().parents[2] / "tests" / "bench" / "workloads"
        rows = {}
        sized = {}
        for ln in table.read_text().splitlines():
            if ln.strip() and not ln.startswith("#"):
                f = ln.split(None, 6)
                self.assertIn(f[0], ("full", "extra", "quick"), ln)
                size = "quick" if f[0] == "quick" else "full"
                self.assertNotIn((size, f[1]), sized, ln)
                sized[(size, f[1])] = f
                rows[(f[0], f[1])] = f
        for (variant, wl), f in rows.items():
            items = f[5].split(",")
            self.assertTrue(f[5] == "-" or set(items) <= {"fill", "squeeze", "idle2000", "mglru"}, f)
            if wl.endswith("-mglru"):
                self.assertEqual(variant, "extra", wl)
                base = rows[("full", report.base_workload(wl))]
                self.assertEqual(f[2:5] + f[6:], base[2:5] + base[6:], wl)
                want = ["mglru"] if base[5] == "-" else base[5].split(",") + ["mglru"]
                self.assertEqual(items, want, wl)
        self.assertIn(("extra", "hot1g-mglru"), rows)
        self.assertIn(("extra", "dramfull-mglru"), rows)
        self.assertEqual(sorted(wl for v, wl in rows if v == "full"),
                         ["dramfull", "hot1g", "hot64", "overcommit", "procs8", "random",
                          "shift", "thp", "zipf"])


# Samples every 250 ms, as the full variant takes them.
QUARTERS = [0.25 * i for i in range(41)]
# The mechanisms' runs of Reps: the hot set's ramp, the cold fraction moved
# and the thread's CPU ticks, per rep.
REPS = {"numab2": [(ramp(2, 8), 0.1, 0), (ramp(2, 12), 0.2, 0), (ramp(2, 6), 0.3, 0)],
        "kmmscand": [(ramp(0, 3), 0.0, 100), (ramp(0, 4), 0.0, 150), (ramp(0, 5), 0.0, 200)]}


def reps_log(wl: str = "hot64", mechs: tuple[str, ...] = ("numab2", "kmmscand")) -> str:
    """A guest log of --runs 3: none once, then each rep of every mechanism,
    interleaved, as guest.sh runs them; samples every 250 ms for 10 s."""
    parts = [BOOT, run_text(wl, "none", "on-first", 10, 1000, 2000, const(0.0), times=QUARTERS,
                            counters={"mech_ticks": (0, 0)}, rep=1,
                            args="--pattern hot --sample-ms 250")]
    for rep in range(3):
        for m in mechs:
            hot, cold, ticks = REPS[m][rep]
            parts.append(run_text(wl, m, "on-first", 10, 1000, 2000, hot,
                                  cold=const(cold), times=QUARTERS, rep=rep + 1,
                                  counters={"mech_ticks": (0, ticks),
                                            "pgpromote_success": (0, 1000),
                                            "kmmscand_promoted": (0, 1000)},
                                  args="--pattern hot --sample-ms 250"))
    return "".join(parts)


def table(text: str) -> list[dict[str, str]]:
    """The rows of the first markdown table of text, by column name."""
    lines = [ln for ln in text.splitlines() if ln.startswith("| ")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(head, (c.strip() for c in ln.strip("|").split("|")))) for ln in lines[1:]]


class Reps(unittest.TestCase):
    """Several runs of a cell (guest.sh --runs N): a row per run, median
    [min-max] in the tables, rankings by medians."""

    def test_rep_parsed(self) -> None:
        runs = report.parse_log(BOOT + run_text("hot64", "kmmscand", "on-first", 4, 10, 10,
                                                ramp(0, 2), rep=2))
        self.assertEqual(runs[0].rep, 2)
        self.assertEqual(report.compute(runs[0], 2.0)["rep"], 2)
        # Logs of older harnesses have no rep: the run is rep 1.
        runs = report.parse_log(BOOT + run_text("hot64", "kmmscand", "on-first", 4, 10, 10,
                                                ramp(0, 2)))
        self.assertEqual(runs[0].rep, 1)
        r = report.compute(runs[0], 2.0)
        self.assertEqual((r["rep"], r["status"]), (1, "ok"))

    def test_times_shown(self) -> None:
        self.assertEqual([report.secs(v) for v in (2.25, 2.253, 2.5, 2.007, 14.0, None)],
                         ["2.25 s", "2.25 s", "2.5 s", "2.0 s", "14.0 s", "never"])
        self.assertEqual(report.secs(report.INF), "never")

    def test_never_is_infinity(self) -> None:
        def cell(*t90: Optional[float]) -> report.Cell:
            return [{**{c: None for c in report.COLUMNS}, "status": "ok", "t90_s": v,
                     "rep": i + 1} for i, v in enumerate(t90)]
        show = lambda c: report.spread(c, "t90_s", report.tnum, " s")  # noqa: E731
        self.assertEqual(show(cell(2.0, None, 4.0)), "4.0 s [2.0-never]")
        self.assertEqual(show(cell(None, 3.0, None)), "never [3.0-never]")
        self.assertEqual(show(cell(None, None, None)), "never")
        self.assertEqual(show(cell(3.25, 2.0, 5.75)), "3.25 s [2.0-5.75]")
        self.assertEqual(show(cell(None)), "never")  # one run: as before
        self.assertEqual(show(cell(2.5)), "2.5 s")
        # Of an even count, the mean of the middle two: +infinity with a never.
        self.assertEqual(show(cell(2.0, None)), "never [2.0-never]")
        # A failed run is left out while another ran to its end.
        c = cell(2.0, 3.0, None)
        c[2]["status"] = "failed: exit 2"
        self.assertEqual(show(c), "2.5 s [2.0-3.0]")
        self.assertEqual(report.mech_label([{**r, "mechanism": "damon"} for r in c]),
                         "damon (1 of 3 runs failed: exit 2)")
        # The median row a ranking compares: blank where the median is never.
        self.assertIsNone(report.median_row(cell(None, 3.0, None))["t90_s"])
        self.assertEqual(report.median_row(cell(2.0, None, 4.0))["t90_s"], 4.0)

    def test_on_grid(self) -> None:
        # Step-held: each sample from the grid point it was due at (taken a
        # few ms late), the first one back to t=0.
        t, f = [0.004, 0.254, 0.503, 1.003], [0.1, 0.5, 0.7, 1.0]
        self.assertEqual(report.on_grid(t, f, [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]),
                         [0.1, 0.5, 0.7, 0.7, 1.0, 1.0])
        grid, med, lo, hi = report.band([(t, f), ([0.003, 0.5, 1.0], [0.0, 0.2, 0.4]),
                                         ([0.002, 1.01], [0.3, 0.9])])
        self.assertEqual(grid, [0.0, 0.25, 0.5, 0.75, 1.0])
        self.assertEqual(med, [0.1, 0.3, 0.3, 0.3, 0.9])
        self.assertEqual(lo, [0.0, 0.0, 0.2, 0.2, 0.4])
        self.assertEqual(hi, [0.3, 0.5, 0.7, 0.7, 1.0])

    def test_report_then_check(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            log = out / "all.log"
            log.write_text(reps_log())
            mechs = ["none", "numab2", "kmmscand"]
            self.assertEqual(report.main(["--out", str(out), str(log)]), 0)
            with (out / "results.csv").open() as fh:
                rows = list(csv.DictReader(fh))
            # A row per run, in rep order within a cell; rep the last column.
            self.assertEqual([(r["mechanism"], r["rep"]) for r in rows],
                             [("none", "1")] + [(m, str(k)) for m in mechs[1:]
                                                for k in (1, 2, 3)])
            self.assertEqual(list(rows[0])[48], "rep")
            with (out / "timelines.csv").open() as fh:
                tl = list(csv.DictReader(fh))
            self.assertEqual(list(tl[0])[-1], "rep")
            self.assertEqual({r["rep"] for r in tl if r["mechanism"] == "kmmscand"},
                             {"1", "2", "3"})
            self.assertEqual(check.check(out, ["hot64"], mechs, ["on-first"]), [])
            # Every rep's extra CPU is taken against none's one run.
            kmm = [r for r in rows if r["mechanism"] == "kmmscand"]
            self.assertEqual([r["extra_cpu_s"] for r in kmm], ["1", "1.5", "2"])

            def cell(m: str, col: str, digits: int, unit: str = "") -> str:
                """A column of m's runs as median [min-max], from the CSV."""
                v = sorted(float(r[col]) for r in rows if r["mechanism"] == m)
                return f"{v[1]:.{digits}f}{unit} [{v[0]:.{digits}f}-{v[2]:.{digits}f}]"

            summary = (out / "summary.md").read_text()
            by = {r["mechanism"]: r for r in table(summary)}
            kmmscand, numab2, none = by["kmmscand"], by["numab2"], by["none"]
            self.assertEqual((none["runs"], numab2["runs"], kmmscand["runs"]), ("1", "3", "3"))
            # ramp(0, 3), (0, 4), (0, 5) sampled every 250 ms: 50% at 1.5,
            # 2.0, 2.5 s; 90% at 2.7, 3.6, 4.5 s, seen at the next sample.
            self.assertEqual(kmmscand["T50 on-first"], "2.0 s [1.5-2.5]")
            self.assertEqual(kmmscand["T90 on-first"], "3.75 s [2.75-4.5]")
            # numab2's second run reaches 80% by the end: never 90%.
            self.assertEqual(numab2["T50 on-first"], "5.0 s [4.0-7.0]")
            self.assertEqual(numab2["T90 on-first"], "7.5 s [5.75-never]")
            self.assertEqual(numab2["T50 on-later"], "-")
            self.assertEqual(numab2["cold moved"], "20.0% [10.0-30.0]")
            self.assertEqual(kmmscand["cold moved"], "0.0% [0.0-0.0]")
            self.assertEqual(kmmscand["extra CPU"], "1.50 s [1.00-2.00]")
            self.assertEqual(kmmscand["thread CPU"], "1.50 s")  # the median alone
            for m in ("numab2", "kmmscand"):
                self.assertEqual(by[m]["mem time"], cell(m, "mem_time_tw_rel_oracle", 2))
                self.assertEqual(by[m]["slow-tier s"], cell(m, "slow_s", 1, " s"))
            # none ran once: its values as with one run.
            self.assertEqual((none["T50 on-first"], none["mem time"], none["extra CPU"]),
                             ("never", "2.00", "0.00 s"))
            med = {m: cell(m, "mem_time_tw_rel_oracle", 2).split()[0] for m in mechs[1:]}
            self.assertLess(med["kmmscand"], med["numab2"])
            self.assertIn(f"- hot64 (median of 3): mem time, lowest first: kmmscand"
                          f" ({med['kmmscand']}), numab2 ({med['numab2']}); fastest to 50%:"
                          " kmmscand (2.0 s); fastest to 90%: kmmscand (3.75 s); least cold"
                          " moved, of those that moved: kmmscand (0.0%); least extra CPU, of"
                          " those that reached 90%: numab2 (0.00 s)", summary)
            self.assertIn("Every cell is the median of its 3 runs", summary)
            self.assertIn("none ran once", summary)
            self.assertIn("Placement sampled every 250 ms.", summary)
            md = (out / "results.md").read_text()
            self.assertIn("| on-first | kmmscand | 3 | 2.0 s [1.5-2.5] | 3.75 s [2.75-4.5] |", md)
            self.assertIn("| on-first | none | 1 | never | never |", md)
            figures = json.loads((out / "figures.json").read_text())
            self.assertEqual(figures["timeline-hot64-on-first.png"], mechs)

            # The check: the same number of runs of every mechanism, none once.
            text = (out / "results.csv").read_text().splitlines()
            (out / "results.csv").write_text("\n".join(text[:-1]) + "\n")  # kmmscand's rep 3
            joined = "\n".join(check.check(out, ["hot64"], mechs, ["on-first"]))
            self.assertIn("hot64/on-first/kmmscand: 2 rows in results.csv, expected 3", joined)
            (out / "results.csv").write_text("\n".join(text + [text[1]]) + "\n")  # none twice
            joined = "\n".join(check.check(out, ["hot64"], mechs, ["on-first"]))
            self.assertIn("hot64/on-first/none: 2 rows in results.csv, expected 1", joined)
            cells = next(csv.reader([text[-1]]))
            cells[48] = "2"  # kmmscand's reps 1, 2, 2
            (out / "results.csv").write_text("\n".join(text[:-1] + [",".join(cells)]) + "\n")
            joined = "\n".join(check.check(out, ["hot64"], mechs, ["on-first"]))
            self.assertIn("hot64/on-first/kmmscand: reps 1, 2, 2, expected 1 to 3", joined)
            # Each run's row is checked as one run's: the problem names its rep.
            cells = next(csv.reader([text[2]]))
            cells[report.COLUMNS.index("hot_final")] = "1.5"
            (out / "results.csv").write_text("\n".join(text[:2] + [",".join(cells)] + text[3:])
                                             + "\n")
            joined = "\n".join(check.check(out, ["hot64"], mechs, ["on-first"]))
            self.assertIn("hot64/on-first/numab2/rep1: hot_final=1.5 outside", joined)

    def test_old_log_unchanged_format(self) -> None:
        """A log without rep (one run per cell): rep 1, and the tables as
        before, without a runs column or medians."""
        with tempfile.TemporaryDirectory() as d:
            out = Path(d)
            log = out / "all.log"
            log.write_text(full_log("hot64"))
            self.assertEqual(report.main(["--out", str(out), str(log)]), 0)
            with (out / "results.csv").open() as fh:
                self.assertEqual({r["rep"] for r in csv.DictReader(fh)}, {"1"})
            summary = (out / "summary.md").read_text()
            self.assertNotIn("runs", summary.splitlines()[0])
            self.assertNotIn("median of", summary)
            self.assertNotIn("[", "".join(ln for ln in summary.splitlines() if ln.startswith("|")))
            self.assertIn("One run per cell.  Placement sampled every 1000 ms.", summary)
            self.assertEqual(table(summary)[3]["T90 on-first"], "4.0 s")


class App(unittest.TestCase):
    """An application (redis.sh): its memory's DRAM share and latency, no
    hot-set figures."""

    def test_redis_row(self) -> None:
        text = run_text("redis", "kmmscand", "on-first", 4, 1000, 0, ramp(0, 4),
                        ops_per_s=5000)
        text = text.replace("pattern=hot", "pattern=redis").replace(
            "thp_kb=0\nBENCH v", "thp_kb=0 p50_ms=0.250 p99_ms=1.500\nBENCH v")
        runs = report.parse_log(text)
        row = report.compute(runs[0], 2.0)
        self.assertEqual(row["status"], "ok")
        self.assertEqual(row["app_p50_ms"], 0.25)
        self.assertEqual(row["app_p99_ms"], 1.5)
        self.assertEqual(row["dram_share_final"], 1.0)
        self.assertAlmostEqual(row["app_ops_per_s"], 5000.0)
        for c in ("t50_s", "t90_s", "hot_final", "slow_s", "cold_moved_frac"):
            self.assertIsNone(row[c], c)


if __name__ == "__main__":
    unittest.main()
