//! Plain-text output: the one-shot view, the periodic one-line view used
//! when there is no terminal, and the per-process lines of `-p`.

use std::fmt::Write as _;

use crate::sample::{pages_to_mib, CgroupStats, Rates, Sample, FAIL_COUNTER_PREFIX};

/// MiB of `kb` kilobytes, rounded down.
pub fn mib(kb: u64) -> u64 {
    kb / 1024
}

/// A rate with a sensible number of digits.
pub fn rate(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The node's label: `N1*` for a slow-tier node.
pub fn node_label(id: u32, slow: bool) -> String {
    format!("N{id}{}", if slow { "*" } else { "" })
}

/// The one-shot view of `s`, with `rates` since the previous sample.
pub fn full(s: &Sample, rates: Option<&Rates>) -> String {
    let mut o = String::new();
    let up = s
        .uptime
        .map(|u| format!("uptime {u:.1} s"))
        .unwrap_or_default();
    let iv = rates
        .map(|r| format!(", rates over {:.2} s", r.interval_s))
        .unwrap_or_else(|| ", no rates (one sample)".to_string());
    let _ = writeln!(o, "tierstat: {up}{iv}");
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<5} {:>5} {:<8} {:>10} {:>10} {:>10} {:>10}",
        "NODE", "TIER", "CPUS", "TOTAL MiB", "FREE MiB", "ANON MiB", "FILE MiB"
    );
    for n in &s.nodes {
        let _ = writeln!(
            o,
            "{:<5} {:>5} {:<8} {:>10} {:>10} {:>10} {:>10}",
            node_label(n.id, n.slow),
            n.tier.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            if n.cpus.is_empty() { "-" } else { &n.cpus },
            mib(n.total_kb),
            mib(n.free_kb),
            mib(n.anon_kb),
            mib(n.file_kb)
        );
    }
    if s.nodes.iter().any(|n| n.slow) {
        let _ = writeln!(o, "(* = below the top memory tier: promotion source)");
    }
    let _ = writeln!(o);
    if s.module.loaded {
        let thread = match &s.kthread {
            Some(k) => {
                let pct = rates
                    .and_then(|r| r.kthread_cpu_pct)
                    .map(|p| format!(", {p:.1}% of a CPU now"))
                    .unwrap_or_default();
                format!("thread pid {}, CPU {:.2} s{pct}", k.pid, k.cpu_s)
            }
            None => "no thread".to_string(),
        };
        let _ = writeln!(o, "kmmscand: loaded, {thread}");
        if let Some(l) = pingpong_line(s, rates) {
            let _ = writeln!(o, "{l}");
        }
        let _ = writeln!(o, "knobs (/sys/kernel/mm/kmmscand):");
        for k in &s.module.knobs {
            let _ = writeln!(
                o,
                "  {:<32} {}{}",
                k.name,
                k.value.as_deref().unwrap_or("(unreadable)"),
                if k.writable { "" } else { "  (read-only)" }
            );
        }
    } else {
        let _ = writeln!(o, "kmmscand: not loaded");
    }
    if !s.counters.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<40} {:>14} {:>12}",
            "COUNTER (/proc/vmstat)", "VALUE", "PER SECOND"
        );
        for (k, v) in &s.counters {
            let r = rates
                .and_then(|r| r.of(k))
                .map(rate)
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(o, "{k:<40} {v:>14} {r:>12}");
        }
    }
    if s.module.loaded && !s.module.cgroups.is_empty() {
        let _ = writeln!(o);
        o += &cgroups(s, rates);
    }
    if let Some(p) = &s.process {
        let _ = writeln!(o);
        let _ = writeln!(o, "process {} ({}): {}", p.pid, p.comm, pages_per_node(p));
    }
    if !s.top.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:>7} {:<16} {:>12}  PAGES PER NODE",
            "PID", "COMM", "SLOW PAGES"
        );
        for p in &s.top {
            let _ = writeln!(
                o,
                "{:>7} {:<16} {:>12}  {}",
                p.pid,
                p.comm,
                p.slow_pages,
                pages_per_node(p)
            );
        }
    }
    for n in &s.notes {
        let _ = writeln!(o, "note: {n}");
    }
    o
}

/// `held 8200 ms more`, or `not held` when `room_hold_ms` is 0: the state
/// of room-making at the module thread's last wake-up.
pub fn room_hold(room_hold_ms: u64) -> String {
    if room_hold_ms == 0 {
        "not held".to_string()
    } else {
        format!("held {room_hold_ms} ms more")
    }
}

/// The ping-pong line of the one-shot view: pages that came back to the
/// slow tier after a promotion (with their rate, when known) and the holds
/// of room-making.  `None` unless the module is loaded and has the files
/// (see [`crate::sample::Module::pingpong`]).
pub fn pingpong_line(s: &Sample, rates: Option<&Rates>) -> Option<String> {
    let p = s.module.pingpong()?;
    let per_s = rates
        .and_then(|r| r.pingpong_pages_per_s)
        .map(|v| format!(" ({}/s)", rate(v)))
        .unwrap_or_default();
    Some(format!(
        "ping-pong: {} pages came back{per_s}, room-making held {} times ({})",
        p.pages,
        p.room_holds,
        room_hold(p.room_hold_ms)
    ))
}

/// The per-cgroup table of the one-shot view: each line of the module's
/// `cgroup_stats` with the rates of its promoted and young pages, and its
/// counters tierstat does not know as `key=value`.
pub fn cgroups(s: &Sample, rates: Option<&Rates>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<24} {:<8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "CGROUP (cgroup_stats)",
        "STATE",
        "PROMOTED",
        "PROMOTED/s",
        "YOUNG",
        "YOUNG/s",
        "CAPPED",
        "VISITS",
        "SKIPPED"
    );
    for c in &s.module.cgroups {
        let get = |k: &str| {
            c.get(k)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into())
        };
        let per_s = |k: &str| {
            rates
                .and_then(|r| r.of_cgroup(&c.path, k))
                .map(rate)
                .unwrap_or_else(|| "-".into())
        };
        let _ = write!(
            o,
            "{:<24} {:<8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
            c.path,
            c.state,
            get("promoted"),
            per_s("promoted"),
            get("young"),
            per_s("young"),
            get("capped"),
            get("visits"),
            get("skipped")
        );
        for (k, v) in c.other_counters() {
            let _ = write!(o, " {k}={v}");
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "(PROMOTED, YOUNG, CAPPED: pages of its processes; CAPPED: hot, not promoted as over cgroup_toptier_max_mb;\n \
         VISITS: visits of its processes by the scan; SKIPPED: passed over as cgroup_scope excludes them)"
    );
    o
}

/// Label of a cgroup's column in the periodic view.
fn cgroup_label(c: &CgroupStats) -> String {
    format!("{} PROM/s", c.path)
}

/// `N0=12 N1=3` for a process's pages.
pub fn pages_per_node(p: &crate::sample::ProcPages) -> String {
    p.pages
        .iter()
        .map(|(n, c)| format!("N{n}={c}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sum of the failure counters' rates; `None` when there are none.
pub fn fail_rate(r: &Rates) -> Option<f64> {
    r.counters
        .iter()
        .filter(|(k, _)| k.starts_with(FAIL_COUNTER_PREFIX))
        .map(|(_, v)| *v)
        .fold(None, |acc, v| Some(acc.unwrap_or(0.0) + v))
}

/// Header of the periodic one-line view, for the nodes and the cgroups of
/// `s`.
pub fn line_header(s: &Sample) -> String {
    let mut o = format!(
        "{:>7} {:>10} {:>7} {:>10} {:>8} {:>6}",
        "TIME", "PROMOTE/s", "MiB/s", "SCANNED/s", "FAIL/s", "CPU%"
    );
    for n in &s.nodes {
        let _ = write!(
            o,
            " {:>12}",
            format!("{} USED MiB", node_label(n.id, n.slow))
        );
    }
    for c in &s.module.cgroups {
        let _ = write!(o, " {:>12}", cgroup_label(c));
    }
    o
}

/// One line of the periodic view: rates, then each node's used memory,
/// then each cgroup's promoted pages a second.
pub fn line(s: &Sample, rates: Option<&Rates>) -> String {
    let get = |k: &str| rates.and_then(|r| r.of(k));
    let fmt = |v: Option<f64>| v.map(rate).unwrap_or_else(|| "-".into());
    let promoted = get("kmmscand_promoted");
    let mut o = format!(
        "{:>6.1}s {:>10} {:>7} {:>10} {:>8} {:>6}",
        s.t,
        fmt(promoted),
        fmt(promoted.map(pages_to_mib)),
        fmt(get("kmmscand_slowtier_scanned")),
        fmt(rates.and_then(fail_rate)),
        fmt(rates.and_then(|r| r.kthread_cpu_pct)),
    );
    for n in &s.nodes {
        let _ = write!(o, " {:>12}", mib(n.total_kb.saturating_sub(n.free_kb)));
    }
    for c in &s.module.cgroups {
        let r = rates.and_then(|r| r.of_cgroup(&c.path, "promoted"));
        let _ = write!(o, " {:>w$}", fmt(r), w = cgroup_label(c).len().max(12));
    }
    o
}

/// Header of the `-p` view: one column per node of `s`.
pub fn pid_header(s: &Sample) -> String {
    let mut o = format!("{:>7}", "TIME");
    for n in &s.nodes {
        let _ = write!(o, " {:>10}", node_label(n.id, n.slow));
    }
    let _ = write!(o, " {:>10} {:>7}", "TOTAL", "SLOW%");
    o
}

/// One line of the `-p` view: the process's pages on each node of `s`.
pub fn pid_line(s: &Sample) -> Option<String> {
    let p = s.process.as_ref()?;
    let mut o = format!("{:>6.1}s", s.t);
    for n in &s.nodes {
        let _ = write!(o, " {:>10}", p.pages.get(&n.id).copied().unwrap_or(0));
    }
    let total = p.total();
    let pct = if total > 0 {
        format!("{:.1}", p.slow_pages as f64 * 100.0 / total as f64)
    } else {
        "-".into()
    };
    let _ = write!(o, " {total:>10} {pct:>7}");
    Some(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::{System, Want};
    use std::path::Path;

    fn sample(t: f64) -> Sample {
        let sys = System::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hmat"));
        sys.sample(
            &Want {
                top: 3,
                pid: Some(120),
            },
            t,
        )
        .unwrap()
    }

    #[test]
    fn full_view() {
        let a = sample(1.0);
        let mut b = sample(2.0);
        *b.counters.get_mut("kmmscand_promoted").unwrap() += 256;
        let r = Rates::between(&a, &b);
        let text = full(&b, r.as_ref());
        assert!(text.contains("rates over 1.00 s"), "{text}");
        assert!(text.contains("N1*      67 -              1024"), "{text}");
        assert!(
            text.contains("kmmscand: loaded, thread pid 45, CPU 0.55 s, 0.0% of a CPU now"),
            "{text}"
        );
        assert!(
            text.contains("  target_node                      -1\n"),
            "{text}"
        );
        assert!(
            text.contains("kmmscand_promoted                                 16640          256"),
            "{text}"
        );
        assert!(
            text.contains("    120 memtier                 32772  N0=529 N1=32772"),
            "{text}"
        );
        assert!(!text.contains("note:"), "{text}");
    }

    #[test]
    fn full_view_cgroups() {
        let a = sample(1.0);
        let mut b = sample(3.0);
        *b.module.cgroups[0].counters.get_mut("promoted").unwrap() += 512;
        *b.module.cgroups[0].counters.get_mut("young").unwrap() += 20;
        b.module.cgroups[1].counters.insert("demoted".into(), 7);
        let r = Rates::between(&a, &b);
        let text = full(&b, r.as_ref());
        // The scope knob's value whole; cgroup_stats is no knob.
        assert!(
            text.contains("  cgroup_scope                     only /tenant-a,/tenant-b/web\n"),
            "{text}"
        );
        assert!(
            text.contains("  cgroup_toptier_max_mb            512\n"),
            "{text}"
        );
        assert!(!text.contains("  cgroup_stats "), "{text}");
        for want in [
            "\nCGROUP (cgroup_stats)    STATE      PROMOTED PROMOTED/s      YOUNG    YOUNG/s     CAPPED   VISITS  SKIPPED\n",
            "\n/tenant-a                live           4512        256       4116       10.0          0       12        0\n",
            // A key tierstat does not know, at the end; no rate of a key
            // the previous sample did not have.
            "\n/tenant-b/web            removed          64       0.00        100       0.00         36        3        0 demoted=7\n",
            "\n(PROMOTED, YOUNG, CAPPED: pages of its processes;",
        ] {
            assert!(text.contains(want), "missing '{want}' in\n{text}");
        }
        // One sample: no rates.
        assert!(
            full(&a, None).contains(
                "\n/tenant-a                live           4000          -       4096          -"
            ),
            "{}",
            full(&a, None)
        );
        // No cgroup, or the module not loaded: no section.
        let mut none = b.clone();
        none.module.cgroups.clear();
        assert!(!full(&none, r.as_ref()).contains("CGROUP"));
        none = b;
        none.module.loaded = false;
        assert!(!full(&none, r.as_ref()).contains("CGROUP"));
    }

    #[test]
    fn lines() {
        let a = sample(1.0);
        let mut b = sample(3.0);
        *b.counters.get_mut("kmmscand_promoted").unwrap() += 512;
        *b.counters.get_mut("kmmscand_promote_fail_isolate").unwrap() += 4;
        *b.module.cgroups[1].counters.get_mut("promoted").unwrap() += 100;
        let r = Rates::between(&a, &b);
        assert_eq!(
            line_header(&b),
            concat!(
                "   TIME  PROMOTE/s   MiB/s  SCANNED/s   FAIL/s   CPU%  N0 USED MiB N1* USED MiB",
                " /tenant-a PROM/s /tenant-b/web PROM/s"
            )
        );
        assert_eq!(
            line(&b, r.as_ref()),
            concat!(
                "   3.0s        256    1.00       0.00     2.00   0.00          224          135",
                "             0.00                 50.0"
            )
        );
        assert!(line(&a, None).starts_with("   1.0s          -       -"));
        assert!(line(&a, None).ends_with("135                -                    -"));
        // No cgroup: no column.
        b.module.cgroups.clear();
        assert!(line_header(&b).ends_with("N1* USED MiB"));
        assert!(line(&b, r.as_ref()).ends_with("135"));
        assert_eq!(
            pid_header(&b),
            "   TIME         N0        N1*      TOTAL   SLOW%"
        );
        assert_eq!(
            pid_line(&b).unwrap(),
            "   3.0s        529      32772      33301    98.4"
        );
    }

    #[test]
    fn full_view_pingpong() {
        let a = sample(1.0);
        let mut b = sample(3.0);
        let pages = b
            .module
            .knobs
            .iter_mut()
            .find(|k| k.name == "pingpong_pages")
            .unwrap();
        pages.value = Some("2048".into());
        let r = Rates::between(&a, &b);
        let text = full(&b, r.as_ref());
        assert!(
            text.contains(
                "\nkmmscand: loaded, thread pid 45, CPU 0.55 s, 0.0% of a CPU now\n\
                 ping-pong: 2048 pages came back (256/s), room-making held 3 times (held 8200 ms more)\n"
            ),
            "{text}"
        );
        // The files are listed with the knobs too.
        assert!(
            text.contains("\n  room_hold_ms                     8200"),
            "{text}"
        );
        // One sample: no rate; room-making not held.
        b.module
            .knobs
            .iter_mut()
            .find(|k| k.name == "room_hold_ms")
            .unwrap()
            .value = Some("0".into());
        assert!(
            full(&b, None).contains(
                "\nping-pong: 2048 pages came back, room-making held 3 times (not held)\n"
            ),
            "{}",
            full(&b, None)
        );
        // Not loaded: no line.
        b.module.loaded = false;
        assert!(!full(&b, None).contains("ping-pong"));
    }

    #[test]
    fn full_view_older_module_without_pingpong() {
        let strip = |mut s: Sample| {
            s.module.knobs.retain(|k| {
                !["pingpong_pages", "room_holds", "room_hold_ms"].contains(&k.name.as_str())
            });
            s
        };
        let a = strip(sample(1.0));
        let b = strip(sample(2.0));
        let r = Rates::between(&a, &b).unwrap();
        assert_eq!(r.pingpong_pages_per_s, None);
        let text = full(&b, Some(&r));
        assert!(text.contains("kmmscand: loaded"), "{text}");
        assert!(!text.contains("ping-pong"), "{text}");
        assert_eq!(pingpong_line(&b, Some(&r)), None);
    }
}
