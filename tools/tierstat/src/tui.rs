//! The live full-screen view of `tierstat -w`, drawn with ratatui.  This
//! module only draws a [`View`] into a frame; the loop that samples, reads
//! keys and owns the terminal is in [`crate::run`].

use std::collections::VecDeque;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, LineGauge, Paragraph, Row, Sparkline, Table, Wrap};
use ratatui::Frame;

use crate::sample::{pages_to_mib, Rates, Sample, FAIL_COUNTER_PREFIX, MODULE_COUNTER_PREFIX};
use crate::text::{mib, node_label, rate, room_hold};

/// Samples of history kept for the sparkline.
pub const HISTORY: usize = 240;

/// Cgroups the per-cgroup panel lists at most (its height): as many as
/// `cgroup_scope` can name.
pub const CGROUP_ROWS: usize = 8;

/// What the live view shows: the latest sample, its rates, and history.
#[derive(Debug, Clone)]
pub struct View {
    /// The latest sample.
    pub sample: Sample,
    /// Rates since the previous one.
    pub rates: Option<Rates>,
    /// Promoted pages a second, oldest first.
    pub promoted: VecDeque<u64>,
    /// The `-p` process's share of pages on slow nodes, percent, oldest first.
    pub process_slow_pct: VecDeque<u64>,
    /// Seconds between samples.
    pub interval: f64,
}

impl View {
    /// A view of its first sample.
    pub fn new(sample: Sample, interval: f64) -> View {
        let mut v = View {
            sample: sample.clone(),
            rates: None,
            promoted: VecDeque::new(),
            process_slow_pct: VecDeque::new(),
            interval,
        };
        v.push(sample, None);
        v
    }

    /// Adds a sample and its rates.
    pub fn push(&mut self, sample: Sample, rates: Option<Rates>) {
        if let Some(r) = rates.as_ref().and_then(|r| r.of("kmmscand_promoted")) {
            push_bounded(&mut self.promoted, r.round() as u64);
        }
        if let Some(p) = &sample.process {
            if let Some(pct) = (p.slow_pages * 100).checked_div(p.total()) {
                push_bounded(&mut self.process_slow_pct, pct);
            }
        }
        self.sample = sample;
        self.rates = rates;
    }
}

fn push_bounded(q: &mut VecDeque<u64>, v: u64) {
    if q.len() == HISTORY {
        q.pop_front();
    }
    q.push_back(v);
}

fn per_s(r: Option<&Rates>, name: &str) -> String {
    r.and_then(|r| r.of(name))
        .map(rate)
        .unwrap_or_else(|| "-".into())
}

fn bold(s: impl Into<String>) -> Span<'static> {
    Span::styled(s.into(), Style::default().add_modifier(Modifier::BOLD))
}

fn header(v: &View) -> Line<'static> {
    let s = &v.sample;
    let module = if s.module.loaded {
        match (&s.kthread, v.rates.as_ref().and_then(|r| r.kthread_cpu_pct)) {
            (Some(k), Some(p)) => format!(
                "kmmscand loaded, thread {} at {p:.1}% CPU ({:.2} s)",
                k.pid, k.cpu_s
            ),
            (Some(k), None) => format!("kmmscand loaded, thread {} ({:.2} s CPU)", k.pid, k.cpu_s),
            (None, _) => "kmmscand loaded, no thread".to_string(),
        }
    } else {
        "kmmscand NOT loaded".to_string()
    };
    Line::from(vec![
        bold(" tierstat "),
        Span::raw(format!(
            "| {module} | t {:.0} s, every {} s | q quits",
            s.t, v.interval
        )),
    ])
}

/// The lines under the header: promotion, scan, failure and kernel rates,
/// and ping-pong when the module has its files.
fn rates_lines(v: &View) -> Vec<Line<'static>> {
    let s = &v.sample;
    let r = v.rates.as_ref();
    let promoted = r.and_then(|r| r.of("kmmscand_promoted"));
    let total = s.counters.get("kmmscand_promoted").copied();
    let mut lines = vec![Line::from(vec![
        bold("promoted  "),
        bold(format!(
            "{} pages/s",
            promoted.map(rate).unwrap_or_else(|| "-".into())
        )),
        Span::raw(format!(
            "  {} MiB/s   total {}",
            promoted
                .map(|p| rate(pages_to_mib(p)))
                .unwrap_or_else(|| "-".into()),
            total
                .map(|t| format!("{t} pages ({} MiB)", t * 4 / 1024))
                .unwrap_or_else(|| "-".into())
        )),
    ])];
    lines.push(Line::from(vec![
        bold("scanned   "),
        Span::raw(format!(
            "{} slow-tier pages/s   young {}/s   candidates {}/s   THP {}/s",
            per_s(r, "kmmscand_slowtier_scanned"),
            per_s(r, "kmmscand_young"),
            per_s(r, "kmmscand_candidates"),
            per_s(r, "kmmscand_promoted_thp"),
        )),
    ]));
    let fails: Vec<String> = s
        .counters_with_prefix(FAIL_COUNTER_PREFIX)
        .map(|(k, total)| {
            format!(
                "{} {}/s ({total})",
                &k[FAIL_COUNTER_PREFIX.len()..],
                per_s(r, k)
            )
        })
        .collect();
    lines.push(Line::from(vec![
        bold("failures  "),
        Span::raw(if fails.is_empty() {
            "(no counters)".to_string()
        } else {
            fails.join("  ")
        }),
    ]));
    lines.push(Line::from(vec![
        bold("kernel    "),
        Span::raw(format!(
            "pgpromote_success {}/s  pgdemote_kswapd {}/s  pgdemote_direct {}/s  pgmigrate_success {}/s",
            per_s(r, "pgpromote_success"),
            per_s(r, "pgdemote_kswapd"),
            per_s(r, "pgdemote_direct"),
            per_s(r, "pgmigrate_success"),
        )),
    ]));
    if let Some(p) = s.module.pingpong() {
        lines.push(Line::from(vec![
            bold("ping-pong "),
            Span::raw(format!(
                "{} pages/s came back ({})  room-making held {} times ({})",
                r.and_then(|r| r.pingpong_pages_per_s)
                    .map(rate)
                    .unwrap_or_else(|| "-".into()),
                p.pages,
                p.room_holds,
                room_hold(p.room_hold_ms)
            )),
        ]));
    }
    lines
}

fn draw_nodes(f: &mut Frame, area: Rect, s: &Sample) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" nodes: used of total (* = slow tier) ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = Layout::vertical(vec![Constraint::Length(1); s.nodes.len()]).split(inner);
    for (n, row) in s.nodes.iter().zip(rows.iter()) {
        let used = n.total_kb.saturating_sub(n.free_kb);
        let ratio = if n.total_kb > 0 {
            used as f64 / n.total_kb as f64
        } else {
            0.0
        };
        let tier = n
            .tier
            .map(|t| format!("tier {t:<3}"))
            .unwrap_or_else(|| "tier -  ".into());
        let label = format!(
            "{:<4} {tier} {:>6}/{:<6} MiB anon {:>5} file {:>5} ",
            node_label(n.id, n.slow),
            mib(used),
            mib(n.total_kb),
            mib(n.anon_kb),
            mib(n.file_kb)
        );
        let color = if n.slow { Color::Yellow } else { Color::Green };
        let g = LineGauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label)
            .filled_style(Style::default().fg(color))
            .unfilled_style(Style::default().fg(Color::DarkGray));
        f.render_widget(g, *row);
    }
}

fn draw_top(f: &mut Frame, area: Rect, s: &Sample) {
    let header = Row::new(vec!["PID", "COMM", "SLOW MiB", "ALL MiB", "SLOW %"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let rows: Vec<Row> = s
        .top
        .iter()
        .map(|p| {
            let total = p.total();
            Row::new(vec![
                p.pid.to_string(),
                p.comm.clone(),
                (p.slow_pages * 4 / 1024).to_string(),
                (total * 4 / 1024).to_string(),
                if total > 0 {
                    format!("{:.0}", p.slow_pages as f64 * 100.0 / total as f64)
                } else {
                    "-".into()
                },
            ])
        })
        .collect();
    let t = Table::new(
        rows,
        [
            Constraint::Length(7),
            Constraint::Min(8),
            Constraint::Length(9),
            Constraint::Length(8),
            Constraint::Length(6),
        ],
    )
    .header(header)
    .block(
        Block::default()
            .borders(Borders::TOP)
            .title(" processes with the most pages on slow nodes "),
    );
    f.render_widget(t, area);
}

/// The per-cgroup panel: each line of the module's `cgroup_stats` (at
/// most [`CGROUP_ROWS`]) with the rates of its promoted and young pages;
/// a removed cgroup is grey.
fn draw_cgroups(f: &mut Frame, area: Rect, v: &View) {
    let r = v.rates.as_ref();
    let cgroups = &v.sample.module.cgroups;
    let rows: Vec<Row> = cgroups
        .iter()
        .take(CGROUP_ROWS)
        .map(|c| {
            let get = |k: &str| {
                c.get(k)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "-".into())
            };
            let per_s = |k: &str| {
                r.and_then(|r| r.of_cgroup(&c.path, k))
                    .map(rate)
                    .unwrap_or_else(|| "-".into())
            };
            let row = Row::new(vec![
                c.path.clone(),
                c.state.clone(),
                get("promoted"),
                per_s("promoted"),
                get("young"),
                per_s("young"),
                get("capped"),
                get("visits"),
            ]);
            if c.state == "live" {
                row
            } else {
                row.style(Style::default().fg(Color::DarkGray))
            }
        })
        .collect();
    let shown = if cgroups.len() > CGROUP_ROWS {
        format!(", first {CGROUP_ROWS} of {}", cgroups.len())
    } else {
        String::new()
    };
    let t = Table::new(
        rows,
        [
            Constraint::Min(12),
            Constraint::Length(7),
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Length(10),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(8),
        ],
    )
    .header(
        Row::new(vec![
            "CGROUP", "STATE", "PROMOTED", "PROM/s", "YOUNG", "YOUNG/s", "CAPPED", "VISITS",
        ])
        .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .block(Block::default().borders(Borders::TOP).title(format!(
        " cgroups (cgroup_stats{shown}): pages; capped = hot but over cgroup_toptier_max_mb "
    )));
    f.render_widget(t, area);
}

fn draw_counters(f: &mut Frame, area: Rect, v: &View) {
    let r = v.rates.as_ref();
    let rows: Vec<Row> = v
        .sample
        .counters
        .iter()
        .map(|(k, val)| {
            let short = k.strip_prefix(MODULE_COUNTER_PREFIX).unwrap_or(k);
            Row::new(vec![short.to_string(), val.to_string(), per_s(r, k)])
        })
        .collect();
    let t = Table::new(
        rows,
        [
            Constraint::Min(20),
            Constraint::Length(12),
            Constraint::Length(9),
        ],
    )
    .header(
        Row::new(vec!["COUNTER (/proc/vmstat)", "VALUE", "PER S"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .block(
        Block::default()
            .borders(Borders::TOP)
            .title(" counters (kmmscand_ left out) "),
    );
    f.render_widget(t, area);
}

fn draw_knobs(f: &mut Frame, area: Rect, s: &Sample) {
    let lines: Vec<Line> = if s.module.loaded {
        s.module
            .knobs
            .iter()
            .map(|k| {
                Line::from(format!(
                    "{} = {}{}",
                    k.name,
                    k.value.as_deref().unwrap_or("?"),
                    if k.writable { "" } else { " (ro)" }
                ))
            })
            .collect()
    } else {
        vec![Line::from("module not loaded")]
    };
    // Wrapped: a long value (cgroup_scope's list of paths) is shown whole.
    let p = Paragraph::new(lines).wrap(Wrap { trim: false }).block(
        Block::default()
            .borders(Borders::TOP | Borders::LEFT)
            .title(" knobs /sys/kernel/mm/kmmscand "),
    );
    f.render_widget(p, area);
}

fn draw_process(f: &mut Frame, area: Rect, v: &View) {
    let s = &v.sample;
    let text = match &s.process {
        Some(p) => {
            let per: Vec<String> = s
                .nodes
                .iter()
                .map(|n| {
                    format!(
                        "{} {} MiB",
                        node_label(n.id, n.slow),
                        p.pages.get(&n.id).copied().unwrap_or(0) * 4 / 1024
                    )
                })
                .collect();
            format!(" {} ({}): {}", p.pid, p.comm, per.join("  "))
        }
        None => " (gone)".to_string(),
    };
    let [line, spark] = Layout::vertical([Constraint::Length(2), Constraint::Min(0)]).areas(area);
    f.render_widget(
        Paragraph::new(text).block(
            Block::default()
                .borders(Borders::TOP)
                .title(" process: pages per node; below, % of its pages on slow nodes "),
        ),
        line,
    );
    let data: Vec<u64> = v.process_slow_pct.iter().copied().collect();
    let tail = &data[data.len().saturating_sub(spark.width as usize)..];
    f.render_widget(
        Sparkline::default()
            .data(tail)
            .max(100)
            .style(Style::default().fg(Color::Yellow)),
        spark,
    );
}

/// Draws `v` into the whole frame.  Any size works; a small terminal shows
/// the top panels only.  The per-cgroup panel is there while
/// `cgroup_stats` has a line, the ping-pong line (under the rates) while
/// the module has its ping-pong files.
pub fn draw(f: &mut Frame, v: &View) {
    let s = &v.sample;
    let area = f.area();
    let notes = s.notes.len().min(3) as u16;
    let has_process = s.process.is_some() || !v.process_slow_pct.is_empty();
    let rates = rates_lines(v);
    let mut constraints = vec![
        Constraint::Length(1),
        Constraint::Length(rates.len() as u16),
        Constraint::Length(4),
        Constraint::Length(s.nodes.len() as u16 + 1),
    ];
    if has_process {
        constraints.push(Constraint::Length(5));
    }
    let has_cgroups = s.module.loaded && !s.module.cgroups.is_empty();
    if has_cgroups {
        constraints.push(Constraint::Length(
            s.module.cgroups.len().min(CGROUP_ROWS) as u16 + 2,
        ));
    }
    constraints.push(Constraint::Min(3));
    constraints.push(Constraint::Length(notes));
    let rows = Layout::vertical(constraints).split(area);
    f.render_widget(
        Paragraph::new(header(v)).style(Style::default().add_modifier(Modifier::REVERSED)),
        rows[0],
    );
    f.render_widget(Paragraph::new(rates), rows[1]);

    let data: Vec<u64> = v.promoted.iter().copied().collect();
    let spark_block = Block::default().borders(Borders::TOP).title(format!(
        " promoted pages/s, last {} samples (max {}) ",
        data.len(),
        data.iter().max().copied().unwrap_or(0)
    ));
    let spark_inner = spark_block.inner(rows[2]);
    f.render_widget(spark_block, rows[2]);
    let tail = &data[data.len().saturating_sub(spark_inner.width as usize)..];
    f.render_widget(
        Sparkline::default()
            .data(tail)
            .style(Style::default().fg(Color::Cyan)),
        spark_inner,
    );

    draw_nodes(f, rows[3], s);
    let mut i = 4;
    if has_process {
        draw_process(f, rows[i], v);
        i += 1;
    }
    if has_cgroups {
        draw_cgroups(f, rows[i], v);
        i += 1;
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(rows[i]);
    let [procs, counters] = Layout::vertical([
        Constraint::Length(s.top.len().clamp(1, 8) as u16 + 2),
        Constraint::Min(0),
    ])
    .areas(left);
    draw_top(f, procs, s);
    draw_counters(f, counters, v);
    draw_knobs(f, right, s);
    let note_lines: Vec<Line> = s
        .notes
        .iter()
        .take(3)
        .map(|n| Line::styled(format!("note: {n}"), Style::default().fg(Color::Yellow)))
        .collect();
    f.render_widget(Paragraph::new(note_lines), rows[i + 1]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::{System, Want};
    use crate::sample::CgroupStats;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::path::Path;

    fn view(pid: Option<u32>) -> View {
        let sys = System::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hmat"));
        let a = sys.sample(&Want { top: 8, pid }, 1.0).unwrap();
        let mut b = sys.sample(&Want { top: 8, pid }, 2.0).unwrap();
        *b.counters.get_mut("kmmscand_promoted").unwrap() += 1280;
        *b.counters
            .get_mut("kmmscand_promote_fail_rate_limited")
            .unwrap() += 7;
        *b.module.cgroups[0].counters.get_mut("promoted").unwrap() += 512;
        *b.module.cgroups[0].counters.get_mut("young").unwrap() += 1024;
        set_knob(&mut b, "pingpong_pages", "1600");
        let mut v = View::new(a.clone(), 1.0);
        let r = Rates::between(&a, &b);
        v.push(b, r);
        v
    }

    /// Sets the value of the module's file `name` in `s`.
    fn set_knob(s: &mut Sample, name: &str, value: &str) {
        s.module
            .knobs
            .iter_mut()
            .find(|k| k.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .value = Some(value.into());
    }

    fn screen(v: &View, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(f, v)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn renders_everything_at_100x40() {
        let s = screen(&view(Some(120)), 100, 40);
        for want in [
            "kmmscand loaded, thread 45 at 0.0% CPU",
            "promoted  1280 pages/s  5.00 MiB/s   total 17664 pages (69 MiB)",
            "rate_limited 7.00/s (107)",
            "isolate 0.00/s (16)",
            "N1*  tier 67     135/1024   MiB",
            "120     memtier",
            "target_node = -1",
            "120 (memtier): N0 2 MiB  N1* 128 MiB",
            "ping-pong 64.0 pages/s came back (1600)  room-making held 3 times (held 8200 ms more)",
        ] {
            assert!(s.contains(want), "missing '{want}' in\n{s}");
        }
    }

    #[test]
    fn pingpong_line() {
        let v = view(None);
        // Under the kernel rates, at the sizes with room for every rate.
        for (w, h) in [(100, 40), (80, 24)] {
            let s = screen(&v, w, h);
            let rows: Vec<&str> = s.lines().collect();
            assert!(rows[4].starts_with("kernel    pgpromote_success"), "{s}");
            assert!(
                rows[5].starts_with("ping-pong 64.0 pages/s came back (1600)"),
                "{w}x{h}:\n{s}"
            );
        }
        // Room-making not held; one sample: no rate.
        let mut b = v.sample.clone();
        set_knob(&mut b, "room_hold_ms", "0");
        let s = screen(&View::new(b, 1.0), 100, 40);
        assert!(
            s.contains("ping-pong - pages/s came back (1600)  room-making held 3 times (not held)"),
            "{s}"
        );
        // An older module without the files, or none loaded: no line, the
        // panels below move up one row.
        for older in [true, false] {
            let mut no = v.clone();
            if older {
                no.sample.module.knobs.retain(|k| {
                    !["pingpong_pages", "room_holds", "room_hold_ms"].contains(&k.name.as_str())
                });
            } else {
                no.sample.module.loaded = false;
            }
            let s = screen(&no, 100, 40);
            assert!(!s.contains("ping-pong"), "{s}");
            let rows: Vec<&str> = s.lines().collect();
            assert!(rows[4].starts_with("kernel    "), "{s}");
            assert!(rows[5].contains("promoted pages/s, last"), "{s}");
        }
    }

    #[test]
    fn cgroup_panel() {
        let v = view(Some(120));
        let s = screen(&v, 100, 40);
        let row = |path: &str| -> Vec<String> {
            s.lines()
                .find(|l| l.starts_with(&format!("{path} ")))
                .unwrap_or_else(|| panic!("no row of {path} in\n{s}"))
                .split_whitespace()
                .map(str::to_string)
                .collect()
        };
        assert!(
            s.contains(
                "cgroups (cgroup_stats): pages; capped = hot but over cgroup_toptier_max_mb"
            ),
            "{s}"
        );
        assert!(s.contains("CGROUP"), "{s}");
        // path, state, promoted, promoted/s, young, young/s, capped, visits.
        assert_eq!(
            row("/tenant-a"),
            [
                "/tenant-a",
                "live",
                "4512",
                "512",
                "5120",
                "1024",
                "0",
                "12"
            ]
        );
        assert_eq!(
            row("/tenant-b/web"),
            [
                "/tenant-b/web",
                "removed",
                "64",
                "0.00",
                "100",
                "0.00",
                "36",
                "3"
            ]
        );
        // The knobs: cgroup_scope whole (wrapped), cgroup_stats not one.
        for want in [
            "cgroup_scope = only",
            "/tenant-a,/tenant-b/web",
            "cgroup_toptier_max_mb = 512",
            "target_node = -1",
        ] {
            assert!(s.contains(want), "missing '{want}' in\n{s}");
        }
        assert!(!s.contains("cgroup_stats ="), "{s}");

        // Many cgroups: the first CGROUP_ROWS, and how many there are.
        let mut many = v.clone();
        let c = many.sample.module.cgroups[0].clone();
        many.sample.module.cgroups = (0..10)
            .map(|k| CgroupStats {
                path: format!("/t{k}"),
                ..c.clone()
            })
            .collect();
        let s = screen(&many, 100, 40);
        assert!(s.contains("(cgroup_stats, first 8 of 10)"), "{s}");
        assert!(s.contains("/t7 ") && !s.contains("/t8 "), "{s}");

        // None: no panel.
        let mut none = v;
        none.sample.module.cgroups.clear();
        let s = screen(&none, 100, 40);
        assert!(!s.contains("CGROUP") && !s.contains("cgroups ("), "{s}");
    }

    #[test]
    fn renders_at_80x24_and_tiny_sizes_without_panic() {
        let v = view(None);
        let s = screen(&v, 80, 24);
        assert!(s.contains("promoted  1280 pages/s"), "{s}");
        assert!(s.contains("N0   tier 4"), "{s}");
        for (w, h) in [(1, 1), (10, 3), (20, 5), (200, 2)] {
            screen(&v, w, h);
        }
        let mut gone = view(Some(120));
        let mut last = gone.sample.clone();
        last.process = None;
        last.module.loaded = false;
        last.notes = vec!["kmmscand is not loaded".into()];
        gone.push(last, None);
        let s = screen(&gone, 100, 40);
        assert!(
            s.contains("kmmscand NOT loaded")
                && s.contains("(gone)")
                && s.contains("note: kmmscand"),
            "{s}"
        );
    }
}
