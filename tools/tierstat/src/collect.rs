//! Reads the system's state into a [`Sample`]: `/sys` for nodes, tiers and
//! the module's knobs, `/proc` for counters and processes.  Everything is
//! read under a root directory (`/` normally; a captured tree in tests), and
//! every file's text goes through the pure parsers of [`crate::parse`].

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::parse;
use crate::sample::{
    Knob, Kthread, Module, Node, ProcPages, Sample, KERNEL_COUNTERS, MODULE_COUNTER_PREFIX, USER_HZ,
};

/// Where the module's knobs live.
pub const KNOB_DIR: &str = "sys/kernel/mm/kmmscand";
/// The module's per-cgroup status file in [`KNOB_DIR`]: a table, one line
/// per cgroup, not a knob.
pub const CGROUP_STATS: &str = "cgroup_stats";
/// The NUMA nodes.
pub const NODE_DIR: &str = "sys/devices/system/node";
/// The memory tiers.
pub const TIER_DIR: &str = "sys/devices/virtual/memory_tiering";
/// Name of the module's kernel thread.
pub const KTHREAD_COMM: &str = "kmmscand";
/// Base page size in kB, the unit of page counts.
const BASE_PAGE_KB: u64 = 4;

/// What to collect besides the always-read nodes, knobs and counters.
#[derive(Debug, Clone, Default)]
pub struct Want {
    /// How many processes with the most slow-tier pages to list (0: none;
    /// reading every process's `numa_maps` costs time).
    pub top: usize,
    /// A process to follow.
    pub pid: Option<u32>,
}

/// The system tierstat looks at, under a root directory.
#[derive(Debug, Clone)]
pub struct System {
    root: PathBuf,
}

impl System {
    /// The system under `root` (`/` for the running one).
    pub fn new(root: impl Into<PathBuf>) -> System {
        System { root: root.into() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    fn read(&self, rel: &str) -> Result<String> {
        let path = self.path(rel);
        fs::read_to_string(&path).map_err(|err| Error::Io { path, err })
    }

    /// Name of `rel` for error messages: the path as on the live system.
    fn name(rel: &str) -> String {
        format!("/{}", rel.trim_start_matches('/'))
    }

    /// The entries of directory `rel` (names only, sorted); empty when the
    /// directory does not exist.
    fn list(&self, rel: &str) -> Result<Vec<String>> {
        let path = self.path(rel);
        let dir = match fs::read_dir(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(err) => return Err(Error::Io { path, err }),
        };
        let mut names: Vec<String> = dir
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Node id to memory tier id, from `memory_tiering/memory_tier*/nodelist`.
    /// Empty when the kernel has no memory tiers.
    pub fn tiers(&self) -> Result<BTreeMap<u32, u32>> {
        let mut map = BTreeMap::new();
        for name in self.list(TIER_DIR)? {
            let Some(tier) = parse::numbered_name("memory_tier", &name) else {
                continue;
            };
            let rel = format!("{TIER_DIR}/{name}/nodelist");
            let text = match self.read(&rel) {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            for node in parse::id_list(&Self::name(&rel), &text)? {
                map.insert(node, tier);
            }
        }
        Ok(map)
    }

    /// Nodes with memory (those in `has_memory`, or every `node<N>` when
    /// the file is absent), with their tier and usage.
    pub fn nodes(&self) -> Result<Vec<Node>> {
        let with_memory = match self.read(&format!("{NODE_DIR}/has_memory")) {
            Ok(t) => Some(parse::id_list(
                &Self::name(&format!("{NODE_DIR}/has_memory")),
                &t,
            )?),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let tiers = self.tiers()?;
        let top = tiers.values().min().copied();
        let mut nodes = Vec::new();
        for name in self.list(NODE_DIR)? {
            let Some(id) = parse::numbered_name("node", &name) else {
                continue;
            };
            if with_memory.as_ref().is_some_and(|m| !m.contains(&id)) {
                continue;
            }
            let rel = format!("{NODE_DIR}/{name}/meminfo");
            let m = parse::node_meminfo(&Self::name(&rel), id, &self.read(&rel)?)?;
            let cpus = self
                .read(&format!("{NODE_DIR}/{name}/cpulist"))
                .map(|c| c.trim().to_string())
                .unwrap_or_default();
            let tier = tiers.get(&id).copied();
            nodes.push(Node {
                id,
                tier,
                slow: matches!((tier, top), (Some(t), Some(top)) if t > top),
                cpus,
                total_kb: m.total_kb,
                free_kb: m.free_kb,
                anon_kb: m.anon_kb,
                file_kb: m.file_kb,
            });
        }
        nodes.sort_by_key(|n| n.id);
        Ok(nodes)
    }

    /// The module's sysfs files: every file of the directory, whatever
    /// their names, each with its value (unreadable: `None`), but
    /// [`CGROUP_STATS`], which is parsed into [`Module::cgroups`] (none
    /// when absent or unreadable; a malformed line is an error).
    pub fn module(&self) -> Result<Module> {
        let dir = self.path(KNOB_DIR);
        if !dir.is_dir() {
            return Ok(Module::default());
        }
        let mut knobs = Vec::new();
        for name in self.list(KNOB_DIR)? {
            let path = dir.join(&name);
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() || name == CGROUP_STATS {
                continue;
            }
            let value = fs::read_to_string(&path)
                .ok()
                .map(|v| v.trim_end_matches('\n').to_string());
            knobs.push(Knob {
                name,
                value,
                writable: meta.permissions().mode() & 0o222 != 0,
            });
        }
        let rel = format!("{KNOB_DIR}/{CGROUP_STATS}");
        let cgroups = match self.read(&rel) {
            Ok(t) => parse::cgroup_stats(&Self::name(&rel), &t)?,
            Err(e) if e.is_not_found() => vec![],
            Err(e) => return Err(e),
        };
        Ok(Module {
            loaded: true,
            knobs,
            cgroups,
        })
    }

    /// Every `kmmscand_*` item of `/proc/vmstat`, and those of
    /// [`KERNEL_COUNTERS`] present.
    pub fn counters(&self) -> Result<BTreeMap<String, u64>> {
        let text = self.read("proc/vmstat")?;
        Ok(parse::vmstat("/proc/vmstat", &text)?
            .into_iter()
            .filter(|(k, _)| {
                k.starts_with(MODULE_COUNTER_PREFIX) || KERNEL_COUNTERS.contains(&k.as_str())
            })
            .collect())
    }

    /// Pids of `/proc`, ascending.
    pub fn pids(&self) -> Result<Vec<u32>> {
        let mut pids: Vec<u32> = self
            .list("proc")?
            .iter()
            .filter_map(|n| n.parse().ok())
            .collect();
        pids.sort_unstable();
        Ok(pids)
    }

    /// `/proc/PID/stat`; `None` when the process is gone.
    pub fn stat(&self, pid: u32) -> Result<Option<parse::ProcStat>> {
        let rel = format!("proc/{pid}/stat");
        match self.read(&rel) {
            Ok(t) => parse::proc_stat(&Self::name(&rel), &t).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The module's kernel thread (a kernel thread named `kmmscand`).
    pub fn kthread(&self) -> Result<Option<Kthread>> {
        for pid in self.pids()? {
            let Some(st) = self.stat(pid)? else { continue };
            if st.comm == KTHREAD_COMM && st.flags & parse::PF_KTHREAD != 0 {
                return Ok(Some(Kthread {
                    pid,
                    cpu_s: st.cpu_ticks as f64 / USER_HZ as f64,
                }));
            }
        }
        Ok(None)
    }

    /// Pages of process `pid` per node (from `numa_maps`), counting those
    /// on `slow` nodes.  `None` when the process is gone.  A kernel
    /// thread has no pages.
    pub fn proc_pages(&self, pid: u32, slow: &[u32]) -> Result<Option<ProcPages>> {
        let Some(st) = self.stat(pid)? else {
            return Ok(None);
        };
        let rel = format!("proc/{pid}/numa_maps");
        let text = match self.read(&rel) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            // A process exiting while read: numa_maps fails with ESRCH or
            // is empty; either way it has no pages left to show.
            Err(Error::Io { err, .. }) if err.raw_os_error() == Some(3) => return Ok(None),
            Err(e) => return Err(e),
        };
        let pages = parse::numa_maps(&Self::name(&rel), &text, BASE_PAGE_KB)?;
        let slow_pages = pages
            .iter()
            .filter(|(n, _)| slow.contains(n))
            .map(|(_, p)| p)
            .sum();
        Ok(Some(ProcPages {
            pid,
            comm: st.comm,
            pages,
            slow_pages,
        }))
    }

    /// Up to `n` processes with the most pages on `slow` nodes (those with
    /// none are left out), most first.
    pub fn top_slow(&self, slow: &[u32], n: usize) -> Result<Vec<ProcPages>> {
        Ok(self.top_slow_and(slow, n, None)?.0)
    }

    /// [`System::top_slow`], and the pages of process `keep` met on the
    /// way (read once: `numa_maps` of a large process is slow to read).
    fn top_slow_and(
        &self,
        slow: &[u32],
        n: usize,
        keep: Option<u32>,
    ) -> Result<(Vec<ProcPages>, Option<ProcPages>)> {
        let mut all = Vec::new();
        let mut kept = None;
        for pid in self.pids()? {
            if let Some(p) = self.proc_pages(pid, slow)? {
                if Some(pid) == keep {
                    kept = Some(p.clone());
                }
                if p.slow_pages > 0 {
                    all.push(p);
                }
            }
        }
        all.sort_by(|a, b| b.slow_pages.cmp(&a.slow_pages).then(a.pid.cmp(&b.pid)));
        all.truncate(n);
        Ok((all, kept))
    }

    /// One sample at time `t` (seconds since tierstat started).
    pub fn sample(&self, want: &Want, t: f64) -> Result<Sample> {
        let nodes = self.nodes()?;
        let module = self.module()?;
        let counters = self.counters()?;
        let kthread = self.kthread()?;
        let uptime = self
            .read("proc/uptime")
            .ok()
            .and_then(|u| parse::uptime("/proc/uptime", &u).ok());
        let mut notes = Vec::new();
        if nodes.iter().all(|n| n.tier.is_none()) {
            notes.push(format!(
                "no memory tiers in /{TIER_DIR}: which nodes are slow is unknown"
            ));
        } else if !nodes.iter().any(|n| n.slow) {
            notes.push("every node is in the top memory tier: nothing to promote".to_string());
        }
        if !module.loaded {
            notes.push(format!(
                "kmmscand is not loaded (no /{KNOB_DIR}): no knobs; its counters keep their values since boot"
            ));
        } else if kthread.is_none() {
            notes.push(format!(
                "kmmscand is loaded but no '{KTHREAD_COMM}' kernel thread runs"
            ));
        }
        if !counters
            .keys()
            .any(|k| k.starts_with(MODULE_COUNTER_PREFIX))
        {
            notes.push(
                "this kernel has no kmmscand_* counters in /proc/vmstat (not the project's kernel, or built without CONFIG_KMMSCAND_VM_EVENTS)"
                    .to_string(),
            );
        }
        let slow: Vec<u32> = nodes.iter().filter(|n| n.slow).map(|n| n.id).collect();
        let (top, process) = if want.top > 0 && !slow.is_empty() {
            self.top_slow_and(&slow, want.top, want.pid)?
        } else {
            match want.pid {
                Some(pid) => (vec![], self.proc_pages(pid, &slow)?),
                None => (vec![], None),
            }
        };
        Ok(Sample {
            t,
            uptime,
            nodes,
            module,
            counters,
            kthread,
            top,
            process,
            notes,
        })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{PingPong, Rates, PINGPONG_PAGES, ROOM_HOLDS, ROOM_HOLD_MS};

    fn fixture(name: &str) -> System {
        System::new(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
    }

    /// A scratch copy of fixture `name` (to change it).
    fn scratch(name: &str, tag: &str) -> System {
        let dst = std::env::temp_dir().join(format!("tierstat-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dst);
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(fixture(name).root())
            .arg(&dst)
            .status()
            .unwrap();
        assert!(status.success());
        System::new(dst)
    }

    #[test]
    fn hmat_sample() {
        let sys = fixture("hmat");
        let s = sys
            .sample(
                &Want {
                    top: 5,
                    pid: Some(120),
                },
                1.0,
            )
            .unwrap();
        assert_eq!(s.nodes.len(), 2);
        assert_eq!((s.nodes[0].tier, s.nodes[0].slow), (Some(4), false));
        assert_eq!((s.nodes[1].tier, s.nodes[1].slow), (Some(67), true));
        assert_eq!(s.nodes[0].cpus, "0-1");
        assert_eq!(s.nodes[1].cpus, "");
        assert_eq!(s.nodes[1].anon_kb, 131_164);
        assert!(s.module.loaded);
        let names: Vec<&str> = s.module.knobs.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "cgroup_scope",
                "cgroup_toptier_max_mb",
                "enabled",
                "hot_threshold",
                "hotness_bytes",
                "pingpong_pages",
                "promote_rate_limit_mbps",
                "room_hold_ms",
                "room_holds",
                "scan_sleep_ms",
                "target_node"
            ]
        );
        assert_eq!(s.module.knobs[10].value.as_deref(), Some("-1"));
        // A value with spaces and commas is kept whole.
        assert_eq!(
            s.module.knobs[0].value.as_deref(),
            Some("only /tenant-a,/tenant-b/web")
        );
        assert_eq!(s.module.knobs[1].value.as_deref(), Some("512"));
        // cgroup_stats is not a knob but the per-cgroup table.
        let cg: Vec<(&str, &str, Option<u64>, Option<u64>)> = s
            .module
            .cgroups
            .iter()
            .map(|c| {
                (
                    c.path.as_str(),
                    c.state.as_str(),
                    c.get("promoted"),
                    c.get("capped"),
                )
            })
            .collect();
        assert_eq!(
            cg,
            [
                ("/tenant-a", "live", Some(4000), Some(0)),
                ("/tenant-b/web", "removed", Some(64), Some(36))
            ]
        );
        assert_eq!(s.module.cgroups[0].counters.len(), 5);
        // The ping-pong files, read as the knobs are.
        assert_eq!(
            s.module.pingpong(),
            Some(PingPong {
                pages: 1536,
                room_holds: 3,
                room_hold_ms: 8200
            })
        );
        assert_eq!(s.counters["kmmscand_promoted"], 16384);
        assert_eq!(s.counters["pgpromote_success"], 16384);
        assert!(!s.counters.contains_key("nr_free_pages"));
        assert_eq!(
            s.kthread,
            Some(Kthread {
                pid: 45,
                cpu_s: 0.55
            })
        );
        assert_eq!(s.uptime, Some(35.1));
        // memtier (32772 pages on node 1) first, then init (1 page).
        assert_eq!(
            s.top
                .iter()
                .map(|p| (p.pid, p.slow_pages))
                .collect::<Vec<_>>(),
            [(120, 32772), (1, 1)]
        );
        assert_eq!(s.process.as_ref().map(|p| p.total()), Some(32772 + 529));
        assert!(s.notes.is_empty(), "{:?}", s.notes);
    }

    #[test]
    fn module_absent_and_no_counters() {
        let sys = scratch("hmat", "absent");
        fs::remove_dir_all(sys.path(KNOB_DIR)).unwrap();
        let vm = fs::read_to_string(sys.path("proc/vmstat")).unwrap();
        let vm: String = vm
            .lines()
            .filter(|l| !l.starts_with("kmmscand_"))
            .map(|l| format!("{l}\n"))
            .collect();
        fs::write(sys.path("proc/vmstat"), vm).unwrap();
        fs::remove_dir_all(sys.path("proc/45")).unwrap();
        let s = sys.sample(&Want::default(), 0.0).unwrap();
        assert!(!s.module.loaded);
        assert!(s.module.knobs.is_empty());
        assert_eq!(s.kthread, None);
        assert!(s.counters.keys().all(|k| !k.starts_with("kmmscand_")));
        assert_eq!(s.notes.len(), 2, "{:?}", s.notes);
        assert!(s.notes[0].contains("not loaded"));
        assert!(s.notes[1].contains("no kmmscand_* counters"));
        let _ = fs::remove_dir_all(sys.root());
    }

    #[test]
    fn read_only_knob_and_new_knob() {
        let sys = scratch("hmat", "knobs");
        let ro = sys.path(KNOB_DIR).join("hotness_bytes");
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o444)).unwrap();
        fs::write(sys.path(KNOB_DIR).join("zz_new_knob"), "7\n").unwrap();
        let m = sys.module().unwrap();
        let k = |n: &str| m.knobs.iter().find(|k| k.name == n).unwrap().clone();
        assert!(!k("hotness_bytes").writable);
        assert!(k("enabled").writable);
        assert_eq!(k("zz_new_knob").value.as_deref(), Some("7"));
        let _ = fs::remove_dir_all(sys.root());
    }

    #[test]
    fn cgroup_stats_absent_empty_malformed() {
        let sys = scratch("hmat", "cgroups");
        let file = sys.path(KNOB_DIR).join(CGROUP_STATS);
        // An older module: no file, no cgroups, no error, no note.
        fs::remove_file(&file).unwrap();
        let s = sys.sample(&Want::default(), 0.0).unwrap();
        assert!(s.module.loaded);
        assert!(s.module.cgroups.is_empty());
        assert_eq!(s.module.knobs.len(), 11);
        assert!(s.notes.is_empty(), "{:?}", s.notes);
        // Empty: no cgroup named in cgroup_scope.
        fs::write(&file, "").unwrap();
        let m = sys.module().unwrap();
        assert!(m.cgroups.is_empty());
        assert!(m.knobs.iter().all(|k| k.name != CGROUP_STATS));
        // A malformed line stops the sample with where and why.
        fs::write(
            &file,
            "/tenant-a live visits=1\n/tenant-b live visits=2 young\n",
        )
        .unwrap();
        let e = sys.sample(&Want::default(), 0.0).unwrap_err().to_string();
        assert_eq!(
            e,
            "/sys/kernel/mm/kmmscand/cgroup_stats, line 2: 'young' is not key=value"
        );
        let _ = fs::remove_dir_all(sys.root());
    }

    #[test]
    fn pingpong_files_absent() {
        let sys = scratch("hmat", "pingpong");
        let a = sys.sample(&Want::default(), 1.0).unwrap();
        // An older module: none of the three files; no status, no rate,
        // no error, no note.
        for name in [PINGPONG_PAGES, ROOM_HOLDS, ROOM_HOLD_MS] {
            fs::remove_file(sys.path(KNOB_DIR).join(name)).unwrap();
        }
        let b = sys.sample(&Want::default(), 2.0).unwrap();
        assert!(b.module.loaded);
        assert_eq!(b.module.pingpong(), None);
        assert_eq!(b.module.knobs.len(), 8);
        assert!(b.notes.is_empty(), "{:?}", b.notes);
        assert_eq!(Rates::between(&a, &b).unwrap().pingpong_pages_per_s, None);
        // The files back, the count grown: a rate.
        fs::write(sys.path(KNOB_DIR).join(PINGPONG_PAGES), "1600\n").unwrap();
        fs::write(sys.path(KNOB_DIR).join(ROOM_HOLDS), "3\n").unwrap();
        fs::write(sys.path(KNOB_DIR).join(ROOM_HOLD_MS), "0\n").unwrap();
        let c = sys.sample(&Want::default(), 3.0).unwrap();
        assert_eq!(c.module.pingpong().map(|p| p.room_hold_ms), Some(0));
        assert_eq!(
            Rates::between(&a, &c).unwrap().pingpong_pages_per_s,
            Some(32.0)
        );
        let _ = fs::remove_dir_all(sys.root());
    }

    #[test]
    fn no_tiers_and_malformed_meminfo() {
        let sys = scratch("hmat", "tiers");
        fs::remove_dir_all(sys.path(TIER_DIR)).unwrap();
        let s = sys.sample(&Want { top: 3, pid: None }, 0.0).unwrap();
        assert!(s.nodes.iter().all(|n| !n.slow && n.tier.is_none()));
        assert!(s.top.is_empty());
        assert!(s.notes[0].contains("no memory tiers"), "{:?}", s.notes);
        fs::write(
            sys.path(NODE_DIR).join("node1/meminfo"),
            "Node 1 MemTotal: lots kB\n",
        )
        .unwrap();
        let e = sys.sample(&Want::default(), 0.0).unwrap_err().to_string();
        assert_eq!(
            e,
            "/sys/devices/system/node/node1/meminfo, line 1: value 'lots' of MemTotal is not a non-negative integer"
        );
        let _ = fs::remove_dir_all(sys.root());
    }

    #[test]
    fn missing_process_is_none() {
        let sys = fixture("hmat");
        assert_eq!(sys.proc_pages(999_999, &[1]).unwrap(), None);
        // A kernel thread has an empty numa_maps: no pages.
        assert_eq!(
            sys.proc_pages(45, &[1]).unwrap().map(|p| p.total()),
            Some(0)
        );
    }
}
