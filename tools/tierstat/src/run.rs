//! The sampling loop: one-shot, periodic lines, JSON, recording, and the
//! live view's terminal handling.

use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, event, execute, terminal};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use crate::cli::{Options, HELP};
use crate::collect::{System, Want};
use crate::error::{Error, Result};
use crate::sample::{Report, Sample};
use crate::text;
use crate::tui::{self, View};

/// Lines of periodic output between two headers (fewer when the columns
/// change).
const HEADER_EVERY: u64 = 20;

/// How samples are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Display {
    /// The live full-screen view.
    Live,
    /// One JSON document a sample, one a line.
    JsonLines,
    /// The `-p` process's pages per node, a line a sample.
    PidLines,
    /// Rates and node usage, a line a sample.
    Lines,
}

/// Runs tierstat as `o` asks.
pub fn run(o: &Options) -> Result<()> {
    if o.help {
        emit(HELP)?;
        return Ok(());
    }
    if o.version {
        emit(&format!("tierstat {}\n", env!("CARGO_PKG_VERSION")))?;
        return Ok(());
    }
    let sys = System::new(&o.root);
    if o.repeats() {
        repeat(o, &sys)
    } else {
        once(o, &sys)
    }
}

/// The one-shot view: two samples `interval` apart, for rates.
fn once(o: &Options, sys: &System) -> Result<()> {
    let start = Instant::now();
    let want = Want {
        top: if o.json { o.top } else { 0 },
        pid: o.pid,
    };
    let first = sys.sample(&want, 0.0)?;
    let (sample, prev) = if o.interval > 0.0 {
        std::thread::sleep(Duration::from_secs_f64(o.interval));
        (
            sys.sample(&want, start.elapsed().as_secs_f64())?,
            Some(first),
        )
    } else {
        (first, None)
    };
    let report = Report::new(sample, prev.as_ref());
    if o.json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
        emit(&format!("{text}\n"))?;
    } else {
        emit(&text::full(&report.sample, report.rates.as_ref()))?;
    }
    Ok(())
}

fn open_record(o: &Options) -> Result<Option<File>> {
    let Some(path) = &o.record else {
        return Ok(None);
    };
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(Some)
        .map_err(|e| Error::Other(format!("--record {}: {e}", path.display())))
}

fn choose_display(o: &Options) -> Display {
    if o.json {
        Display::JsonLines
    } else if o.watch && !o.plain && std::io::stdout().is_terminal() {
        Display::Live
    } else if o.pid.is_some() {
        Display::PidLines
    } else {
        Display::Lines
    }
}

/// Repeated samples every `interval` until `duration`, `count`, the
/// followed process's exit (outside the live view), or a quit key.
fn repeat(o: &Options, sys: &System) -> Result<()> {
    let display = choose_display(o);
    let want = Want {
        top: if matches!(display, Display::Live | Display::JsonLines) || o.record.is_some() {
            o.top
        } else {
            0
        },
        pid: o.pid,
    };
    let mut record = open_record(o)?;
    let mut live = if display == Display::Live {
        Some(LiveTerm::new()?)
    } else {
        None
    };
    let start = Instant::now();
    let mut prev: Option<Sample> = None;
    let mut view: Option<View> = None;
    let mut n: u64 = 0;
    // The periodic view's last header: printed again when the columns
    // change (cgroup_scope rewritten, a node coming or going).
    let mut header = String::new();
    let result = loop {
        let sample = match sys.sample(&want, start.elapsed().as_secs_f64()) {
            Ok(s) => s,
            Err(e) => break Err(e),
        };
        if let Some(pid) = o.pid {
            if sample.process.is_none() && n == 0 {
                break Err(Error::Other(format!(
                    "process {pid} does not exist, or its /proc/{pid}/numa_maps is not readable"
                )));
            }
        }
        let report = Report::new(sample, prev.as_ref());
        if let Some(f) = record.as_mut() {
            if let Err(e) = write_json_line(f, &report) {
                break Err(e);
            }
        }
        let gone = o.pid.is_some() && report.sample.process.is_none();
        match display {
            Display::Live => {
                match view.as_mut() {
                    Some(v) => v.push(report.sample.clone(), report.rates.clone()),
                    None => view = Some(View::new(report.sample.clone(), o.interval)),
                }
                if let (Some(t), Some(v)) = (live.as_mut(), view.as_ref()) {
                    if let Err(e) = t.draw(v) {
                        break Err(e);
                    }
                }
            }
            Display::JsonLines => {
                if let Err(e) = write_json_line(&mut std::io::stdout().lock(), &report) {
                    break Err(e);
                }
            }
            Display::PidLines => {
                let mut out = String::new();
                if n == 0 {
                    out += &format!("{}\n", text::pid_header(&report.sample));
                }
                out += &match text::pid_line(&report.sample) {
                    Some(l) => format!("{l}\n"),
                    None => format!("process {} exited\n", o.pid.unwrap_or(0)),
                };
                if let Err(e) = emit(&out) {
                    break Err(e);
                }
            }
            Display::Lines => {
                let mut out = String::new();
                if n == 0 {
                    for note in &report.sample.notes {
                        out += &format!("note: {note}\n");
                    }
                }
                let h = text::line_header(&report.sample);
                if n.is_multiple_of(HEADER_EVERY) || h != header {
                    out += &format!("{h}\n");
                    header = h;
                }
                out += &format!("{}\n", text::line(&report.sample, report.rates.as_ref()));
                if let Err(e) = emit(&out) {
                    break Err(e);
                }
            }
        }
        n += 1;
        prev = Some(report.sample);
        if o.count.is_some_and(|c| n >= c) || (gone && display != Display::Live) {
            break Ok(());
        }
        // The next sample is due one interval after the previous one was
        // due, or now if sampling took longer than that; --duration is
        // wall-clock time.
        let next = (start + Duration::from_secs_f64(o.interval * n as f64)).max(Instant::now());
        if o.duration
            .is_some_and(|d| (next - start).as_secs_f64() > d + 1e-3)
        {
            break Ok(());
        }
        let quit = match live.as_mut() {
            Some(t) => t.wait_until(next),
            None => {
                std::thread::sleep(next.saturating_duration_since(Instant::now()));
                false
            }
        };
        if quit {
            break Ok(());
        }
    };
    if let Some(t) = live.take() {
        drop(t);
        // Leave the last state on the normal screen (the live view was on
        // the alternate screen, which is gone now).
        if let Some(s) = &prev {
            let rates = view.as_ref().and_then(|v| v.rates.clone());
            emit(&text::full(s, rates.as_ref()))?;
        }
    }
    result
}

fn write_json_line(w: &mut dyn Write, r: &Report) -> Result<()> {
    let line =
        serde_json::to_string(r).map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
    writeln!(w, "{line}")
        .and_then(|_| w.flush())
        .map_err(|e| Error::output(e, "cannot write a sample"))
}

/// Writes `s` to standard output and flushes it.
fn emit(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| Error::output(e, "cannot write to standard output"))
}

/// The terminal while the live view runs: raw mode (when possible), the
/// alternate screen, a hidden cursor; all undone on drop.
struct LiveTerm {
    term: Terminal<CrosstermBackend<std::io::Stdout>>,
    raw: bool,
    keys: bool,
}

/// The size to draw at: `COLUMNS`/`LINES` when set, else the terminal's;
/// a serial console reports 0x0, and then 80x24 is assumed.  The flag
/// says whether the size came from the terminal (and so follows resizes).
pub fn term_size(
    env_cols: Option<&str>,
    env_lines: Option<&str>,
    tty: Option<(u16, u16)>,
) -> (u16, u16, bool) {
    let parse = |v: Option<&str>| {
        v.and_then(|v| v.trim().parse::<u16>().ok())
            .filter(|&v| v > 0)
    };
    match (parse(env_cols), parse(env_lines), tty) {
        (Some(c), Some(l), _) => (c, l, false),
        (_, _, Some((c, l))) if c > 0 && l > 0 => (c, l, true),
        _ => (80, 24, false),
    }
}

fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

impl LiveTerm {
    fn new() -> Result<LiveTerm> {
        let cols = std::env::var("COLUMNS").ok();
        let lines = std::env::var("LINES").ok();
        let (w, h, follows) = term_size(cols.as_deref(), lines.as_deref(), terminal::size().ok());
        let raw = terminal::enable_raw_mode().is_ok();
        let prev_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            prev_hook(info);
        }));
        let mut out = std::io::stdout();
        // Nothing here may query the terminal (ratatui's Terminal::clear
        // asks for the cursor position): on a serial console whose input
        // is not connected (the guest under make run) no answer comes, and
        // crossterm waits for it forever.
        execute!(
            out,
            terminal::EnterAlternateScreen,
            cursor::Hide,
            terminal::Clear(terminal::ClearType::All)
        )
        .map_err(|e| Error::Other(format!("cannot set up the terminal: {e}")))?;
        let viewport = if follows {
            Viewport::Fullscreen
        } else {
            Viewport::Fixed(Rect::new(0, 0, w, h))
        };
        let term = Terminal::with_options(CrosstermBackend::new(out), TerminalOptions { viewport })
            .map_err(|e| Error::Other(format!("cannot set up the terminal: {e}")))?;
        Ok(LiveTerm {
            term,
            raw,
            keys: raw,
        })
    }

    fn draw(&mut self, v: &View) -> Result<()> {
        self.term
            .draw(|f| tui::draw(f, v))
            .map(|_| ())
            .map_err(|e| Error::Other(format!("cannot draw: {e}")))
    }

    /// Waits until `deadline`, reading keys; true when the user quits.
    fn wait_until(&mut self, deadline: Instant) -> bool {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            if !self.keys {
                std::thread::sleep(left);
                return false;
            }
            match event::poll(left) {
                Ok(true) => match event::read() {
                    Ok(event::Event::Key(k)) if k.kind == event::KeyEventKind::Press => {
                        let ctrl_c = k.code == event::KeyCode::Char('c')
                            && k.modifiers.contains(event::KeyModifiers::CONTROL);
                        if ctrl_c
                            || matches!(k.code, event::KeyCode::Char('q') | event::KeyCode::Esc)
                        {
                            return true;
                        }
                    }
                    Ok(event::Event::Resize(..)) => {
                        let _ = self.term.autoresize();
                    }
                    Ok(_) => {}
                    Err(_) => self.keys = false,
                },
                Ok(false) => return false,
                Err(_) => self.keys = false,
            }
        }
    }
}

impl Drop for LiveTerm {
    fn drop(&mut self) {
        if self.raw {
            let _ = terminal::disable_raw_mode();
        }
        let _ = execute!(
            self.term.backend_mut(),
            terminal::LeaveAlternateScreen,
            cursor::Show
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(
            term_size(Some("120"), Some("40"), Some((80, 24))),
            (120, 40, false)
        );
        assert_eq!(term_size(None, None, Some((100, 30))), (100, 30, true));
        assert_eq!(term_size(None, None, Some((0, 0))), (80, 24, false));
        assert_eq!(term_size(Some("x"), Some("0"), None), (80, 24, false));
        assert_eq!(term_size(Some("90"), None, None), (80, 24, false));
    }
}
