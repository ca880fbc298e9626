//! What tierstat observes at one instant ([`Sample`]), and the rates
//! between two samples ([`Rates`]).  Both serialize to the JSON that
//! `--json` prints and `--record` writes (one [`Report`] a line).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Version of the JSON format; bumped on an incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// Bytes in a base page (x86-64).
pub const PAGE_SIZE: u64 = 4096;

/// Clock ticks per second of `/proc/PID/stat` times (USER_HZ, fixed at 100
/// by the x86-64 ABI).
pub const USER_HZ: u64 = 100;

/// The `/proc/vmstat` items shown besides every `kmmscand_*` one: the
/// kernel's own promotion, demotion and migration counters.
pub const KERNEL_COUNTERS: [&str; 6] = [
    "pgpromote_success",
    "pgpromote_candidate",
    "pgdemote_kswapd",
    "pgdemote_direct",
    "pgmigrate_success",
    "numa_pages_migrated",
];

/// Prefix of the module's counters in `/proc/vmstat`.
pub const MODULE_COUNTER_PREFIX: &str = "kmmscand_";

/// Prefix of the module's promotion-failure counters (one per reason).
pub const FAIL_COUNTER_PREFIX: &str = "kmmscand_promote_fail_";

/// One NUMA node with memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Node id.
    pub id: u32,
    /// Memory tier id (`memory_tier<id>`; larger = slower), if known.
    pub tier: Option<u32>,
    /// Whether the node is below the top tier (a promotion source).
    pub slow: bool,
    /// CPUs of the node, as the kernel lists them ("" = CPU-less).
    pub cpus: String,
    /// Total memory, kB.
    pub total_kb: u64,
    /// Free memory, kB.
    pub free_kb: u64,
    /// Anonymous memory, kB.
    pub anon_kb: u64,
    /// Page cache, kB.
    pub file_kb: u64,
}

/// One file of `/sys/kernel/mm/kmmscand/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knob {
    /// File name.
    pub name: String,
    /// Contents without the trailing newline; `None` when unreadable.
    pub value: Option<String>,
    /// Whether the file has a write permission bit.
    pub writable: bool,
}

/// The counters of a cgroup line of `cgroup_stats` that tierstat shows,
/// in the order it shows them: pages promoted for the cgroup's processes,
/// pages found young in them, hot pages not promoted because the cgroup
/// reached `cgroup_toptier_max_mb` (all in base pages), visits of its
/// processes by the scan, and examinations of them passed over because
/// `cgroup_scope` excludes them.
pub const CGROUP_COUNTERS: [&str; 5] = ["promoted", "young", "capped", "visits", "skipped"];

/// One line of the module's `cgroup_stats`: a cgroup named in the
/// `cgroup_scope` knob and what the module did for its processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CgroupStats {
    /// The cgroup v2 path, as in `cgroup_scope` (`/tenant-a`).
    pub path: String,
    /// `live`, or `removed` once the cgroup is gone (another word from a
    /// newer module is kept as it is).
    pub state: String,
    /// Every `key=value` of the line, by key (see [`CGROUP_COUNTERS`];
    /// keys tierstat does not know are kept too).
    pub counters: BTreeMap<String, u64>,
}

impl CgroupStats {
    /// The value of counter `key`, if the line has it.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.counters.get(key).copied()
    }

    /// The counters besides those of [`CGROUP_COUNTERS`], by key.
    pub fn other_counters(&self) -> impl Iterator<Item = (&String, &u64)> + '_ {
        self.counters
            .iter()
            .filter(|(k, _)| !CGROUP_COUNTERS.contains(&k.as_str()))
    }
}

/// The module's file counting base pages found hot on the slow tier
/// within 10 to 20 s of kmmscand promoting them (promotion/demotion
/// ping-pong), since load.
pub const PINGPONG_PAGES: &str = "pingpong_pages";
/// The module's file counting the times room-making (asking kswapd to
/// demote to make room on the target) was held because of ping-pong,
/// since load.
pub const ROOM_HOLDS: &str = "room_holds";
/// The module's file telling how much longer room-making was held at the
/// thread's last wake-up, milliseconds (0: not held).
pub const ROOM_HOLD_MS: &str = "room_hold_ms";

/// The module's ping-pong status: pages that came back to the slow tier
/// after a promotion, and the holds of room-making they caused (the files
/// [`PINGPONG_PAGES`], [`ROOM_HOLDS`] and [`ROOM_HOLD_MS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingPong {
    /// Base pages found hot on the slow tier soon after their promotion,
    /// since load.
    pub pages: u64,
    /// Times room-making was held, since load.
    pub room_holds: u64,
    /// How much longer room-making was held at the last wake-up, ms (0:
    /// not held).
    pub room_hold_ms: u64,
}

/// The module as seen from sysfs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Module {
    /// Whether `/sys/kernel/mm/kmmscand/` exists.
    pub loaded: bool,
    /// Its files but `cgroup_stats`, sorted by name.
    pub knobs: Vec<Knob>,
    /// The lines of `cgroup_stats`, in the order of the `cgroup_scope`
    /// knob (none when the file is absent: an older module, or none
    /// loaded).
    #[serde(default)]
    pub cgroups: Vec<CgroupStats>,
}

impl Module {
    /// The value of file `name` as a non-negative integer; `None` when the
    /// module has no such file or its value is unreadable or not a number.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.knobs
            .iter()
            .find(|k| k.name == name)?
            .value
            .as_deref()?
            .trim()
            .parse()
            .ok()
    }

    /// The ping-pong status, when the module is loaded and has all three
    /// files with numbers (an older module has none of them: `None`).
    pub fn pingpong(&self) -> Option<PingPong> {
        if !self.loaded {
            return None;
        }
        Some(PingPong {
            pages: self.number(PINGPONG_PAGES)?,
            room_holds: self.number(ROOM_HOLDS)?,
            room_hold_ms: self.number(ROOM_HOLD_MS)?,
        })
    }
}

/// The module's kernel thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kthread {
    /// Its pid.
    pub pid: u32,
    /// User plus system CPU time so far, seconds.
    pub cpu_s: f64,
}

/// Pages of one process per node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcPages {
    /// Process id.
    pub pid: u32,
    /// Command name.
    pub comm: String,
    /// Base pages per node id.
    pub pages: BTreeMap<u32, u64>,
    /// Base pages on slow-tier nodes.
    pub slow_pages: u64,
}

impl ProcPages {
    /// All of the process's pages.
    pub fn total(&self) -> u64 {
        self.pages.values().sum()
    }
}

/// Everything tierstat observes at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds since tierstat started (monotonic).
    pub t: f64,
    /// Seconds since boot (`/proc/uptime`), if readable.
    pub uptime: Option<f64>,
    /// Nodes with memory, by id.
    pub nodes: Vec<Node>,
    /// The module's sysfs directory.
    pub module: Module,
    /// Every `kmmscand_*` item of `/proc/vmstat` and those of
    /// [`KERNEL_COUNTERS`] the kernel has.
    pub counters: BTreeMap<String, u64>,
    /// The module's thread, when running.
    pub kthread: Option<Kthread>,
    /// Processes with the most pages on slow-tier nodes (when collected).
    #[serde(default)]
    pub top: Vec<ProcPages>,
    /// The process given with `-p`, while it exists.
    #[serde(default)]
    pub process: Option<ProcPages>,
    /// Remarks for the user: module not loaded, counters missing.
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Sample {
    /// Ids of the slow-tier nodes.
    pub fn slow_nodes(&self) -> Vec<u32> {
        self.nodes.iter().filter(|n| n.slow).map(|n| n.id).collect()
    }

    /// The counters whose name starts with `prefix`.
    pub fn counters_with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a u64)> + 'a {
        self.counters
            .iter()
            .filter(move |(k, _)| k.starts_with(prefix))
    }
}

/// Per-second rates between two samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Seconds between the two samples.
    pub interval_s: f64,
    /// Per-second increase of each counter present in both samples (a
    /// counter that went down, as after a reboot, has no rate).
    pub counters: BTreeMap<String, f64>,
    /// The module thread's CPU use over the interval, percent of one CPU.
    pub kthread_cpu_pct: Option<f64>,
    /// Per-second increase of each counter of each cgroup of
    /// `cgroup_stats`, by path then key; as for [`Rates::counters`], only
    /// those present in both samples and not gone down (a path listed
    /// twice: its first line).
    #[serde(default)]
    pub cgroups: BTreeMap<String, BTreeMap<String, f64>>,
    /// Per-second increase of the module's [`PINGPONG_PAGES`]: pages coming
    /// back to the slow tier after a promotion.  `None` (and left out of
    /// the JSON) unless both samples have the module's ping-pong status
    /// (see [`Module::pingpong`]), or when the count went down (the module
    /// was reloaded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pingpong_pages_per_s: Option<f64>,
}

impl Rates {
    /// Rates from `prev` to `cur`; `None` when no time passed.
    pub fn between(prev: &Sample, cur: &Sample) -> Option<Rates> {
        let dt = cur.t - prev.t;
        if dt.is_nan() || dt <= 0.0 {
            return None;
        }
        let counters = counter_rates(&prev.counters, &cur.counters, dt);
        let mut cgroups = BTreeMap::new();
        for c in &cur.module.cgroups {
            if cgroups.contains_key(&c.path) {
                continue;
            }
            let Some(p) = prev.module.cgroups.iter().find(|p| p.path == c.path) else {
                continue;
            };
            cgroups.insert(c.path.clone(), counter_rates(&p.counters, &c.counters, dt));
        }
        let kthread_cpu_pct = match (&prev.kthread, &cur.kthread) {
            (Some(a), Some(b)) if a.pid == b.pid && b.cpu_s >= a.cpu_s => {
                Some((b.cpu_s - a.cpu_s) / dt * 100.0)
            }
            _ => None,
        };
        let pingpong_pages_per_s = match (prev.module.pingpong(), cur.module.pingpong()) {
            (Some(a), Some(b)) if b.pages >= a.pages => Some((b.pages - a.pages) as f64 / dt),
            _ => None,
        };
        Some(Rates {
            interval_s: dt,
            counters,
            kthread_cpu_pct,
            cgroups,
            pingpong_pages_per_s,
        })
    }

    /// The rate of counter `name`, per second.
    pub fn of(&self, name: &str) -> Option<f64> {
        self.counters.get(name).copied()
    }

    /// The rate of counter `key` of the cgroup at `path`, per second.
    pub fn of_cgroup(&self, path: &str, key: &str) -> Option<f64> {
        self.cgroups.get(path)?.get(key).copied()
    }
}

/// Per-second increase over `dt` seconds of each counter of `cur` that
/// `prev` has too and that did not go down.
fn counter_rates(
    prev: &BTreeMap<String, u64>,
    cur: &BTreeMap<String, u64>,
    dt: f64,
) -> BTreeMap<String, f64> {
    cur.iter()
        .filter_map(|(k, &v)| {
            let p = *prev.get(k)?;
            (v >= p).then(|| (k.clone(), (v - p) as f64 / dt))
        })
        .collect()
}

/// What `--json` prints and each line of a `--record` file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The sample.
    #[serde(flatten)]
    pub sample: Sample,
    /// Rates since the previous sample (none for the first one).
    pub rates: Option<Rates>,
}

impl Report {
    /// A report of `sample` with rates since `prev`.
    pub fn new(sample: Sample, prev: Option<&Sample>) -> Report {
        let rates = prev.and_then(|p| Rates::between(p, &sample));
        Report {
            version: FORMAT_VERSION,
            sample,
            rates,
        }
    }
}

/// Mebibytes per second for `pages_per_s` base pages a second.
pub fn pages_to_mib(pages_per_s: f64) -> f64 {
    pages_per_s * PAGE_SIZE as f64 / (1024.0 * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: f64, promoted: u64, cpu: f64) -> Sample {
        Sample {
            t,
            uptime: None,
            nodes: vec![],
            module: Module::default(),
            counters: [("kmmscand_promoted".to_string(), promoted)].into(),
            kthread: Some(Kthread { pid: 9, cpu_s: cpu }),
            top: vec![],
            process: None,
            notes: vec![],
        }
    }

    #[test]
    fn rates() {
        let r = Rates::between(&sample(1.0, 100, 0.5), &sample(3.0, 612, 0.6)).unwrap();
        assert_eq!(r.interval_s, 2.0);
        assert_eq!(r.of("kmmscand_promoted"), Some(256.0));
        assert!((r.kthread_cpu_pct.unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(pages_to_mib(256.0), 1.0);
    }

    #[test]
    fn no_rate_without_time_or_on_decrease() {
        assert!(Rates::between(&sample(1.0, 1, 0.0), &sample(1.0, 2, 0.0)).is_none());
        assert!(Rates::between(&sample(2.0, 1, 0.0), &sample(1.0, 2, 0.0)).is_none());
        let r = Rates::between(&sample(1.0, 5, 1.0), &sample(2.0, 2, 0.5)).unwrap();
        assert_eq!(r.of("kmmscand_promoted"), None);
        assert_eq!(r.kthread_cpu_pct, None);
    }

    #[test]
    fn report_round_trip() {
        let a = sample(1.0, 100, 0.5);
        let r = Report::new(sample(2.0, 200, 0.5), Some(&a));
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.starts_with("{\"version\":1,\"t\":2.0"), "{text}");
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }

    fn cgroup(path: &str, state: &str, promoted: u64, young: u64) -> CgroupStats {
        CgroupStats {
            path: path.into(),
            state: state.into(),
            counters: [
                ("promoted".to_string(), promoted),
                ("young".to_string(), young),
            ]
            .into(),
        }
    }

    #[test]
    fn cgroup_rates() {
        let mut a = sample(1.0, 0, 0.0);
        let mut b = sample(3.0, 0, 0.0);
        a.module.cgroups = vec![cgroup("/a", "live", 100, 50), cgroup("/b", "live", 9, 9)];
        b.module.cgroups = vec![
            cgroup("/b", "removed", 9, 5),
            cgroup("/a", "live", 612, 50),
            cgroup("/a", "live", 0, 0),
            cgroup("/new", "live", 7, 7),
        ];
        let r = Rates::between(&a, &b).unwrap();
        // By path whatever the order; the first line of a path counts.
        assert_eq!(r.of_cgroup("/a", "promoted"), Some(256.0));
        assert_eq!(r.of_cgroup("/a", "young"), Some(0.0));
        assert_eq!(r.of_cgroup("/b", "promoted"), Some(0.0));
        // Gone down, or not in the previous sample: no rate.
        assert_eq!(r.of_cgroup("/b", "young"), None);
        assert_eq!(r.of_cgroup("/new", "promoted"), None);
        assert_eq!(r.cgroups.len(), 2);
    }

    #[test]
    fn cgroups_in_json() {
        let mut a = sample(1.0, 0, 0.0);
        a.module.cgroups = vec![cgroup("/tenant-a", "live", 4000, 4096)];
        let mut b = a.clone();
        b.t = 2.0;
        b.module.cgroups[0].counters.insert("promoted".into(), 4512);
        let r = Report::new(b, Some(&a));
        let text = serde_json::to_string(&r).unwrap();
        assert!(
            text.contains(
                r#""cgroups":[{"path":"/tenant-a","state":"live","counters":{"promoted":4512,"young":4096}}]"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#""cgroups":{"/tenant-a":{"promoted":512.0,"young":0.0}}"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Report>(&text).unwrap(), r);
        // A record written before cgroups existed still reads.
        let old = text
            .replace(
                r#","cgroups":[{"path":"/tenant-a","state":"live","counters":{"promoted":4512,"young":4096}}]"#,
                "",
            )
            .replace(
                r#","cgroups":{"/tenant-a":{"promoted":512.0,"young":0.0}}"#,
                "",
            );
        assert!(!old.contains("cgroups"), "{old}");
        let back: Report = serde_json::from_str(&old).unwrap();
        assert!(back.sample.module.cgroups.is_empty());
        assert!(back.rates.unwrap().cgroups.is_empty());
    }

    /// A loaded module whose files are `files` (name, value).
    fn module_with(files: &[(&str, &str)]) -> Module {
        Module {
            loaded: true,
            knobs: files
                .iter()
                .map(|(name, value)| Knob {
                    name: name.to_string(),
                    value: Some(value.to_string()),
                    writable: false,
                })
                .collect(),
            cgroups: vec![],
        }
    }

    fn pingpong_sample(t: f64, pages: &str) -> Sample {
        let mut s = sample(t, 0, 0.0);
        s.module = module_with(&[
            (PINGPONG_PAGES, pages),
            (ROOM_HOLDS, "3"),
            (ROOM_HOLD_MS, "8200"),
        ]);
        s
    }

    #[test]
    fn pingpong_status() {
        let m = pingpong_sample(1.0, "1536").module;
        assert_eq!(
            m.pingpong(),
            Some(PingPong {
                pages: 1536,
                room_holds: 3,
                room_hold_ms: 8200
            })
        );
        assert_eq!(m.number(ROOM_HOLDS), Some(3));
        // Not loaded (a record's sample), or a file missing, unreadable or
        // not a number: no status.
        let mut gone = m.clone();
        gone.loaded = false;
        assert_eq!(gone.pingpong(), None);
        let mut partial = m.clone();
        partial.knobs.retain(|k| k.name != ROOM_HOLD_MS);
        assert_eq!(partial.pingpong(), None);
        let mut unreadable = m.clone();
        unreadable.knobs[0].value = None;
        assert_eq!(unreadable.number(PINGPONG_PAGES), None);
        assert_eq!(unreadable.pingpong(), None);
        let bad = module_with(&[
            (PINGPONG_PAGES, "-1"),
            (ROOM_HOLDS, "3"),
            (ROOM_HOLD_MS, "0"),
        ]);
        assert_eq!(bad.pingpong(), None);
        // An older module: none of the files.
        assert_eq!(module_with(&[("enabled", "1")]).pingpong(), None);
    }

    #[test]
    fn pingpong_rate() {
        let a = pingpong_sample(1.0, "1536");
        let r = Rates::between(&a, &pingpong_sample(3.0, "2048")).unwrap();
        assert_eq!(r.pingpong_pages_per_s, Some(256.0));
        // Gone down (the module reloaded): no rate.
        let r = Rates::between(&a, &pingpong_sample(3.0, "100")).unwrap();
        assert_eq!(r.pingpong_pages_per_s, None);
        // Either sample without the files (an older module): no rate.
        let old = sample(3.0, 0, 0.0);
        assert_eq!(Rates::between(&a, &old).unwrap().pingpong_pages_per_s, None);
        let old = sample(0.5, 0, 0.0);
        assert_eq!(Rates::between(&old, &a).unwrap().pingpong_pages_per_s, None);
    }

    #[test]
    fn pingpong_rate_in_json() {
        let a = pingpong_sample(1.0, "1536");
        let r = Report::new(pingpong_sample(2.0, "1600"), Some(&a));
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.contains(r#""pingpong_pages_per_s":64.0"#), "{text}");
        assert_eq!(serde_json::from_str::<Report>(&text).unwrap(), r);
        // Without the files: no field, and a record without it reads.
        let old = Report::new(sample(2.0, 0, 0.0), Some(&sample(1.0, 0, 0.0)));
        let text = serde_json::to_string(&old).unwrap();
        assert!(text.contains(r#""rates":{"#), "{text}");
        assert!(!text.contains("pingpong"), "{text}");
        let back: Report = serde_json::from_str(&text).unwrap();
        assert_eq!(back.rates.unwrap().pingpong_pages_per_s, None);
    }
}
