# SPDX-License-Identifier: GPL-2.0
"""Host tests of the benchmark processing, on synthetic guest logs.

    build/venv/bin/python -m unittest discover -s tools/bench -p 'test_*.py'
"""

from __future__ import annotations

import csv
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
             noise: bool = False) -> str:
    """The console text of one run: samples at 0, 1, ... secs."""
    lines = [f"BENCH run workload={wl} mechanism={mech} start={start} seconds={secs} setup=- args=x"]
    windows = 2 if shift_at is not None else 1
    for p in range(procs):
        lines.append(f"tierload: B p={p} pid={100 + p} pattern=hot window_pages={hot_n} "
                     f"windows={windows} cold_pages={cold_n} threads=1 on_slow=1/1 thp_kb=0 place_s=0.1")
    for i in range(secs + 1):
        for p in range(procs):
            t = float(i) + 0.001 * p
            extra = ""
            if shift_at is not None:
                shifted = t >= shift_at
                a = int(hot_n * hot(min(t, shift_at)))
                b = int(hot_n * hot(t - shift_at)) if shifted else 0
                cur = b if shifted else a
                extra = f" a={a}/{hot_n} b={b}/{hot_n} shifted={int(shifted)}"
            else:
                cur = int(hot_n * hot(t))
            line = (f"tierload: S p={p} t={t:.3f} ops={ops_per_s * i} hot={cur}/{hot_n} "
                    f"cold={int(cold_n * cold(t))}/{cold_n}{extra} absent=0 pp={i // 10} dm={i // 5} "
                    f"sys={0.01 * i:.3f} ms=1.0")
            if noise and i == 2:
                line = "\r[   12.345678] random: crng init done\r" + line + "\r"
            lines.append(line)
    if end:
        for p in range(procs):
            lines.append(f"tierload: E p={p} t={secs}.0 ops={ops_per_s * secs} sys=0.5 pp=0 dm=0 thp_kb=0")
    c = {"uptime_ms": (1000, 1000 + 1000 * secs + 500), "mech_ticks": (0, 150),
         "kswapd_ticks": (10, 30), "pgmigrate_success": (5, 5 + hot_n)}
    c.update(counters or {})
    for name, (b, a) in c.items():
        lines.append(f"BENCH v {name} {b} {a}")
    if end:
        lines.append(f"BENCH end workload={wl} mechanism={mech} start={start} status={status}")
    return "\n".join(lines) + "\n"


def ramp(t0: float, t1: float) -> Frac:
    """0 until t0, then linear to 1 at t1."""
    return lambda t: 0.0 if t <= t0 else 1.0 if t >= t1 else (t - t0) / (t1 - t0)


def const(f: float) -> Frac:
    return lambda t: f


BOOT = "BENCH boot kernel=7.2.13 topology=hmat slow_node=1 variant=quick user_hz=100 page_size=4096\n"


def full_log(wl: str = "hot64", secs: int = 10) -> str:
    parts = [BOOT]
    for start in report.STARTS:
        for m in report.MECHANISMS:
            curve = {"none": lambda t: 0.0, "numab2": ramp(2, 8), "damon": ramp(1, 3),
                     "kmmscand": ramp(0, 4)}[m]
            parts.append(run_text(wl, m, start, secs, 1000, 2000, curve,
                                  cold=(lambda t: 0.1) if m == "damon" else (lambda t: 0.0),
                                  counters={"damon0_sz_applied": (0, 4096 * 1000),
                                            "pgpromote_success": (0, 900),
                                            "kmmscand_promoted": (0, 1000),
                                            "kmmscand_slowtier_scanned": (0, 50000)}))
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

    def test_counters(self) -> None:
        c = {"pgpromote_success": (10, 110), "pgdemote_kswapd": (0, 7),
             "pgdemote_direct": (1, 3), "damon0_sz_applied": (0, 4096 * 40),
             "damon1_sz_applied": (0, 4096 * 5), "kmmscand_promoted": (0, 80),
             "kmmscand_slowtier_scanned": (0, 21000), "numa_pte_updates": (0, 10500)}
        want = {"none": (100, 9), "numab2": (100, 9), "damon": (40, 14), "kmmscand": (80, 9)}
        for m, (promoted, demoted) in want.items():
            r = self.one(run_text("hot64", m, "on-later", 10, 100, 100, ramp(0, 5), counters=c))
            self.assertEqual(r["pages_promoted"], promoted, m)
            self.assertEqual(r["pages_demoted"], demoted, m)
            self.assertAlmostEqual(r["on_s"], 10.5)
            self.assertEqual(r["kswapd_cpu_s"], 0.2)
            self.assertEqual(r["mech_cpu_s"], 1.5 if m in ("damon", "kmmscand") else None)
        r = self.one(run_text("hot64", "kmmscand", "on-later", 10, 100, 100, ramp(0, 5), counters=c))
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
            self.assertEqual(check.check(out, ["hot64", "shift"], report.MECHANISMS,
                                         report.STARTS), [])
            damon = [r for r in rows if r["mechanism"] == "damon"]
            self.assertTrue(all(float(r["extra_cpu_s"]) == 1.5 for r in damon))
            summary = (out / "summary.md").read_text()
            self.assertIn("- hot64: fastest to 90%: damon (3.00 s); least cold moved, of those"
                          " that moved: numab2, kmmscand (0.0%)", summary)
            md = (out / "results.md").read_text()
            self.assertIn("| on-first | kmmscand |", md)
            self.assertIn("never", md)

            # The check finds what is wrong.
            self.assertIn("random/on-first/none: 0 rows in results.csv, expected 1",
                          check.check(out, ["random"], report.MECHANISMS, report.STARTS))
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
            text[3] = ",".join(cells)
            text.pop(5)
            (bad / "results.csv").write_text("\n".join(text) + "\n")
            (bad / "timeline-shift-on-first.png").write_text("not a png")
            problems = check.check(bad, ["hot64", "shift"], report.MECHANISMS, report.STARTS)
            joined = "\n".join(problems)
            self.assertIn("hot_final=1.5 outside", joined)
            self.assertIn("cold_moved_pages=999999 outside", joined)
            self.assertIn("0 rows in results.csv", joined)
            self.assertIn("timeline-shift-on-first.png is missing or not a PNG", joined)


if __name__ == "__main__":
    unittest.main()
