//! The command line: parsed into [`Options`] by a pure function.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// The text of `tierstat --help`.
pub const HELP: &str = "\
tierstat: memory tiering and the kmmscand promotion daemon at a glance

Usage: tierstat [OPTIONS]

With no option: each node (tier, total, free, anon, file), the module's
knobs (/sys/kernel/mm/kmmscand/*), counters (/proc/vmstat) and, for each
cgroup named in cgroup_scope, what the module did (cgroup_stats: pages
promoted, found young, not promoted over cgroup_toptier_max_mb; visits),
with rates over one second.

Options:
  -w, --watch [SECS]    live full-screen view, refreshed every SECS seconds
                        (default 1): promotion and scan rates, failures by
                        reason, per-node usage, the cgroups of
                        cgroup_scope, the processes with the most pages on
                        slow-tier nodes.  Without a terminal (or with
                        --plain): one line per sample.  q or Ctrl-C quits
  -p, --pid PID         that process's pages per node, one line per sample,
                        until it exits (with -w: a panel of the live view)
      --json            JSON: one document; one line per sample with -w, -p,
                        --count or --duration
      --record FILE     also append every sample to FILE as a JSON line (for
                        `make plot FILE=...`); alone, samples until stopped
  -i, --interval SECS   seconds between samples (default 1; 0 with the
                        one-shot view: a single sample, no rates)
  -d, --duration SECS   stop after SECS seconds
  -n, --count N         stop after N samples
      --top N           processes listed by -w and --json (default 8)
      --plain           periodic plain lines even on a terminal
      --root DIR        read /proc and /sys under DIR instead of / (tests)
  -h, --help            this text
  -V, --version         the version

Sizes are MiB; page counts are 4 KiB base pages; rates are per second.
A node marked * is below the top memory tier (a promotion source).
";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `-w`: the live view.
    pub watch: bool,
    /// `-p`: the process to follow.
    pub pid: Option<u32>,
    /// `--json`.
    pub json: bool,
    /// `--record`.
    pub record: Option<PathBuf>,
    /// Seconds between samples.
    pub interval: f64,
    /// Stop after this many seconds.
    pub duration: Option<f64>,
    /// Stop after this many samples.
    pub count: Option<u64>,
    /// Processes to list.
    pub top: usize,
    /// `--plain`.
    pub plain: bool,
    /// `--root`.
    pub root: PathBuf,
    /// `--help`.
    pub help: bool,
    /// `--version`.
    pub version: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            watch: false,
            pid: None,
            json: false,
            record: None,
            interval: 1.0,
            duration: None,
            count: None,
            top: 8,
            plain: false,
            root: PathBuf::from("/"),
            help: false,
            version: false,
        }
    }
}

impl Options {
    /// Whether tierstat samples repeatedly (rather than once, with a rate).
    pub fn repeats(&self) -> bool {
        self.watch
            || self.pid.is_some()
            || self.record.is_some()
            || self.duration.is_some()
            || self.count.is_some_and(|c| c > 1)
    }
}

fn seconds(opt: &str, v: &str, zero_ok: bool) -> Result<f64> {
    match v.parse::<f64>() {
        Ok(s) if s.is_finite() && (s > 0.0 || (zero_ok && s == 0.0)) && s <= 86_400.0 => Ok(s),
        _ => Err(Error::Usage(format!(
            "{opt}: '{v}' is not a number of seconds ({}up to 86400)",
            if zero_ok { "0 " } else { "above 0, " }
        ))),
    }
}

fn count<T: std::str::FromStr>(opt: &str, v: &str) -> Result<T> {
    v.parse()
        .map_err(|_| Error::Usage(format!("{opt}: '{v}' is not a non-negative integer")))
}

fn text(opt: &str, v: OsString) -> Result<String> {
    v.into_string()
        .map_err(|_| Error::Usage(format!("{opt}: the value is not valid UTF-8")))
}

/// Parses the arguments (without the program name).
pub fn parse<I>(args: I) -> Result<Options>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    use lexopt::prelude::*;
    let usage = |e: lexopt::Error| Error::Usage(e.to_string());
    let mut o = Options::default();
    let mut p = lexopt::Parser::from_args(args);
    while let Some(arg) = p.next().map_err(usage)? {
        match arg {
            Short('w') | Long("watch") => {
                o.watch = true;
                // An optional value: --watch=2, or a following number.
                let v = match p.optional_value() {
                    Some(v) => Some(text("--watch", v)?),
                    None => {
                        let mut raw = p.try_raw_args().ok_or_else(|| {
                            Error::Usage("-w: give the seconds separately (-w 2)".into())
                        })?;
                        let next = raw.peek().and_then(|a| a.to_str()).map(str::to_string);
                        match next {
                            Some(n) if n.parse::<f64>().is_ok() => {
                                raw.next();
                                Some(n)
                            }
                            _ => None,
                        }
                    }
                };
                if let Some(v) = v {
                    o.interval = seconds("--watch", &v, false)?;
                }
            }
            Short('p') | Long("pid") => {
                o.pid = Some(count("--pid", &text("--pid", p.value().map_err(usage)?)?)?)
            }
            Long("json") => o.json = true,
            Long("record") => o.record = Some(p.value().map_err(usage)?.into()),
            Short('i') | Long("interval") => {
                o.interval = seconds(
                    "--interval",
                    &text("--interval", p.value().map_err(usage)?)?,
                    true,
                )?
            }
            Short('d') | Long("duration") => {
                o.duration = Some(seconds(
                    "--duration",
                    &text("--duration", p.value().map_err(usage)?)?,
                    false,
                )?)
            }
            Short('n') | Long("count") => {
                o.count = Some(count(
                    "--count",
                    &text("--count", p.value().map_err(usage)?)?,
                )?)
            }
            Long("top") => o.top = count("--top", &text("--top", p.value().map_err(usage)?)?)?,
            Long("plain") => o.plain = true,
            Long("root") => o.root = p.value().map_err(usage)?.into(),
            Short('h') | Long("help") => o.help = true,
            Short('V') | Long("version") => o.version = true,
            _ => return Err(usage(arg.unexpected())),
        }
    }
    if o.interval == 0.0 && o.repeats() {
        return Err(Error::Usage(
            "--interval 0 only goes with the one-shot view".into(),
        ));
    }
    if o.count == Some(0) {
        return Err(Error::Usage("--count must be at least 1".into()));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(args: &[&str]) -> Options {
        parse(args.iter().copied()).unwrap()
    }

    fn err(args: &[&str]) -> String {
        parse(args.iter().copied()).unwrap_err().to_string()
    }

    #[test]
    fn defaults() {
        let o = ok(&[]);
        assert_eq!(o, Options::default());
        assert!(!o.repeats());
    }

    #[test]
    fn watch_optional_seconds() {
        let o = ok(&["-w"]);
        assert!(o.watch && o.interval == 1.0);
        assert_eq!(ok(&["-w", "2"]).interval, 2.0);
        assert_eq!(ok(&["-w", "0.5", "--plain"]).interval, 0.5);
        assert_eq!(ok(&["--watch=3"]).interval, 3.0);
        let o = ok(&["-w", "--json"]);
        assert!(o.watch && o.json && o.interval == 1.0);
        let o = ok(&["-w", "-p", "7"]);
        assert_eq!((o.watch, o.pid), (true, Some(7)));
        assert!(err(&["-w", "-1"]).contains("not a number of seconds"));
        assert!(err(&["--watch=x"]).contains("'x'"));
    }

    #[test]
    fn values() {
        let o = ok(&[
            "-p",
            "42",
            "--record",
            "/tmp/r.jsonl",
            "-d",
            "30",
            "-n",
            "5",
            "--top",
            "3",
            "--root",
            "/x",
        ]);
        assert_eq!(o.pid, Some(42));
        assert_eq!(
            o.record.as_deref(),
            Some(std::path::Path::new("/tmp/r.jsonl"))
        );
        assert_eq!((o.duration, o.count, o.top), (Some(30.0), Some(5), 3));
        assert_eq!(o.root, PathBuf::from("/x"));
        assert!(o.repeats());
        assert!(!ok(&["-i", "0"]).repeats());
        assert!(ok(&["-n", "2"]).repeats());
    }

    #[test]
    fn errors() {
        assert!(err(&["-p", "abc"]).contains("--pid: 'abc' is not"));
        assert!(err(&["-p"]).contains("missing argument"));
        assert!(err(&["--bogus"]).contains("--bogus"));
        assert!(err(&["stray"]).contains("stray"));
        assert!(err(&["-i", "0", "-w"]).contains("one-shot"));
        assert!(err(&["-n", "0"]).contains("at least 1"));
        assert!(err(&["-i", "nan"]).contains("not a number"));
        assert!(err(&["-d", "0"]).contains("above 0"));
        assert!(err(&["-d", "1e9"]).contains("86400"));
        assert!(err(&["--top", "-1"]).contains("--top"));
        assert!(err(&["--bogus"]).ends_with("(see tierstat --help)"));
    }
}
