#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draw a PNG timeline from a `tierstat --record` file (one JSON sample a
line): per-node memory use, promotion and scan rates, promotion failures by
reason, and the followed process's pages per node (tierstat -p) or the
kmmscand thread's CPU use.  A vertical line marks when the module was
loaded or unloaded.

    plot.py FILE [-o OUT.png]      (default OUT: FILE with .png)
    plot.py --summary FILE         print what would be drawn; no matplotlib

Lines that are not JSON samples (a console may mix in other text) are
skipped and counted.
"""

import argparse
import json
import sys

PAGE_MIB = 4096 / (1024 * 1024)
FAIL_PREFIX = "kmmscand_promote_fail_"


def load(path):
    """Returns (samples, skipped): the JSON samples of PATH in order."""
    samples, skipped = [], 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                s = json.loads(line)
            except ValueError:
                skipped += 1
                continue
            if not isinstance(s, dict) or "t" not in s or "nodes" not in s:
                skipped += 1
                continue
            samples.append(s)
    return samples, skipped


def series(samples):
    """The timeline's series, as lists aligned on the sample times."""
    t = [s["t"] for s in samples]
    node_ids = sorted({n["id"] for s in samples for n in s["nodes"]})
    slow = {n["id"] for s in samples for n in s["nodes"] if n.get("slow")}
    used = {i: [] for i in node_ids}
    for s in samples:
        by_id = {n["id"]: n for n in s["nodes"]}
        for i in node_ids:
            n = by_id.get(i)
            used[i].append((n["total_kb"] - n["free_kb"]) / 1024 if n else None)

    def rate(name):
        return [((s.get("rates") or {}).get("counters") or {}).get(name) for s in samples]

    fail_names = sorted({k for s in samples for k in s.get("counters", {}) if k.startswith(FAIL_PREFIX)})
    proc_nodes = sorted({int(k) for s in samples if s.get("process") for k in s["process"]["pages"]})
    proc = {i: [] for i in proc_nodes}
    for s in samples:
        p = s.get("process")
        for i in proc_nodes:
            proc[i].append(p["pages"].get(str(i), 0) * PAGE_MIB if p else None)
    loaded = [bool(s.get("module", {}).get("loaded")) for s in samples]
    events = [(t[k], "loaded" if loaded[k] else "unloaded") for k in range(1, len(t)) if loaded[k] != loaded[k - 1]]
    cpu = [(s.get("rates") or {}).get("kthread_cpu_pct") for s in samples]
    return {
        "t": t,
        "node_ids": node_ids,
        "slow": slow,
        "used": used,
        "promoted": rate("kmmscand_promoted"),
        "pgpromote": rate("pgpromote_success"),
        "scanned": rate("kmmscand_slowtier_scanned"),
        "fails": {k[len(FAIL_PREFIX):]: rate(k) for k in fail_names},
        "proc": proc,
        "proc_name": next((f'{s["process"]["comm"]} ({s["process"]["pid"]})' for s in samples if s.get("process")), None),
        "cpu": cpu,
        "events": events,
    }


def summary(sr):
    def peak(v):
        v = [x for x in v if x is not None]
        return max(v) if v else None

    out = [
        f'{len(sr["t"])} samples over {sr["t"][-1] - sr["t"][0]:.1f} s' if sr["t"] else "no samples",
        "nodes: " + ", ".join(f'{i}{"*" if i in sr["slow"] else ""}' for i in sr["node_ids"]),
        f'peak promotion: {peak(sr["promoted"])} pages/s',
        f'peak scan: {peak(sr["scanned"])} pages/s',
        "failure reasons: " + (", ".join(sr["fails"]) or "none"),
        f'process: {sr["proc_name"] or "none"}',
        "module: " + (", ".join(f"{what} at {t:.1f} s" for t, what in sr["events"]) or "no change"),
    ]
    return "\n".join(out)


def draw(sr, title, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = sr["t"]
    has_proc = bool(sr["proc"])
    rows = 4
    fig, axes = plt.subplots(rows, 1, figsize=(11, 2.6 * rows), sharex=True)
    ax = axes[0]
    for i in sr["node_ids"]:
        ax.plot(t, sr["used"][i], label=f'node {i}{" (slow tier)" if i in sr["slow"] else ""}')
    ax.set_ylabel("used MiB")
    ax.set_title("memory used per node")
    ax.legend(loc="best", fontsize="small")

    ax = axes[1]
    ax.plot(t, [None if v is None else v * PAGE_MIB for v in sr["promoted"]], label="kmmscand_promoted")
    ax.plot(t, [None if v is None else v * PAGE_MIB for v in sr["pgpromote"]], "--", label="pgpromote_success")
    ax.set_ylabel("MiB/s")
    ax.set_title("promotion rate")
    if any(v is not None for v in sr["scanned"]):
        ax2 = ax.twinx()
        ax2.plot(t, sr["scanned"], ":", color="grey", label="slow-tier pages scanned/s")
        ax2.set_ylabel("scanned pages/s", color="grey")
        ax2.legend(loc="upper right", fontsize="small")
    ax.legend(loc="upper left", fontsize="small")

    ax = axes[2]
    for name, v in sr["fails"].items():
        ax.plot(t, v, label=name)
    ax.set_ylabel("pages/s")
    ax.set_title("promotion failures by reason")
    if sr["fails"]:
        ax.legend(loc="best", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no kmmscand_promote_fail_* counters", ha="center", transform=ax.transAxes)

    ax = axes[3]
    if has_proc:
        for i, v in sr["proc"].items():
            ax.plot(t, v, label=f'node {i}{" (slow tier)" if i in sr["slow"] else ""}')
        ax.set_ylabel("MiB")
        ax.set_title(f'process {sr["proc_name"]}: memory per node')
        ax.legend(loc="best", fontsize="small")
    else:
        ax.plot(t, sr["cpu"])
        ax.set_ylabel("% of a CPU")
        ax.set_title("kmmscand thread CPU")
    ax.set_xlabel("seconds since tierstat started")

    for ax in axes:
        for x, what in sr["events"]:
            ax.axvline(x, color="red", linewidth=0.8)
        ax.grid(alpha=0.3)
    for x, what in sr["events"]:
        axes[0].annotate(f"module {what}", (x, 1), xycoords=("data", "axes fraction"),
                         xytext=(3, -12), textcoords="offset points", color="red", fontsize="small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=90)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("-o", "--output")
    ap.add_argument("--summary", action="store_true", help="print a summary, draw nothing")
    a = ap.parse_args(argv)
    try:
        samples, skipped = load(a.file)
    except OSError as e:
        print(f"plot: {e}", file=sys.stderr)
        return 1
    if skipped:
        print(f"plot: skipped {skipped} lines that are not tierstat samples", file=sys.stderr)
    if len(samples) < 2:
        print(f"plot: {a.file}: {len(samples)} samples; a timeline needs at least 2", file=sys.stderr)
        return 1
    sr = series(samples)
    if a.summary:
        print(summary(sr))
        return 0
    out = a.output or (a.file[:-6] if a.file.endswith(".jsonl") else a.file) + ".png"
    draw(sr, f"tierstat: {a.file} ({len(samples)} samples)", out)
    print(f"plot: wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
