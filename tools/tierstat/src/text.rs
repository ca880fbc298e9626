//! Plain-text output: the one-shot view, the periodic one-line view used
//! when there is no terminal, and the per-process lines of `-p`.

use std::fmt::Write as _;

use crate::sample::{pages_to_mib, Rates, Sample, FAIL_COUNTER_PREFIX};

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

/// Header of the periodic one-line view, for the nodes of `s`.
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
    o
}

/// One line of the periodic view: rates, then each node's used memory.
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
    fn lines() {
        let a = sample(1.0);
        let mut b = sample(3.0);
        *b.counters.get_mut("kmmscand_promoted").unwrap() += 512;
        *b.counters.get_mut("kmmscand_promote_fail_isolate").unwrap() += 4;
        let r = Rates::between(&a, &b);
        assert_eq!(
            line_header(&b),
            "   TIME  PROMOTE/s   MiB/s  SCANNED/s   FAIL/s   CPU%  N0 USED MiB N1* USED MiB"
        );
        assert_eq!(
            line(&b, r.as_ref()),
            "   3.0s        256    1.00       0.00     2.00   0.00          224          135"
        );
        assert!(line(&a, None).starts_with("   1.0s          -       -"));
        assert_eq!(
            pid_header(&b),
            "   TIME         N0        N1*      TOTAL   SLOW%"
        );
        assert_eq!(
            pid_line(&b).unwrap(),
            "   3.0s        529      32772      33301    98.4"
        );
    }
}
