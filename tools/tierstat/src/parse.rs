//! Pure parsers of the kernel's text interfaces tierstat reads.  Each takes
//! the text and a name for error messages (usually the path), and returns a
//! value or an [`Error::Parse`] that says which line is wrong and why.  None
//! of them panics, whatever the input.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::sample::CgroupStats;

/// Parses a decimal `u64`, with a message naming the field on failure.
fn number(what: &str, line: usize, field: &str, text: &str) -> Result<u64> {
    text.parse::<u64>().map_err(|_| {
        Error::parse(
            what,
            line,
            format!("value '{text}' of {field} is not a non-negative integer"),
        )
    })
}

/// Parses `/proc/vmstat`: one `name value` pair a line.  Returns every item
/// in file order.  An empty line is skipped; a line without exactly two
/// fields, or with a value that is not a non-negative integer, is an error.
pub fn vmstat(what: &str, text: &str) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let mut fields = line.split_whitespace();
        let Some(name) = fields.next() else { continue };
        let Some(value) = fields.next() else {
            return Err(Error::parse(what, n, format!("'{name}' has no value")));
        };
        if fields.next().is_some() {
            return Err(Error::parse(
                what,
                n,
                format!("'{line}' has more than two fields"),
            ));
        }
        out.push((name.to_string(), number(what, n, name, value)?));
    }
    Ok(out)
}

/// The fields tierstat uses from a node's `meminfo`, in kB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeMeminfo {
    /// `MemTotal`.
    pub total_kb: u64,
    /// `MemFree`.
    pub free_kb: u64,
    /// `AnonPages` (includes anonymous THPs).
    pub anon_kb: u64,
    /// `FilePages` (page cache, including shmem).
    pub file_kb: u64,
}

/// Parses `/sys/devices/system/node/nodeN/meminfo` of node `node`:
/// `Node N Key:   value kB` lines.  Every line must name node `node`;
/// `MemTotal` and `MemFree` must be present (the others default to 0).
pub fn node_meminfo(what: &str, node: u32, text: &str) -> Result<NodeMeminfo> {
    let mut m = NodeMeminfo::default();
    let (mut have_total, mut have_free) = (false, false);
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let mut f = line.split_whitespace();
        let Some(first) = f.next() else { continue };
        if first != "Node" {
            return Err(Error::parse(
                what,
                n,
                format!("expected 'Node {node} Key: value', got '{line}'"),
            ));
        }
        let id = f.next().unwrap_or("");
        if id.parse::<u32>().ok() != Some(node) {
            return Err(Error::parse(
                what,
                n,
                format!("line is for node '{id}', not node {node}"),
            ));
        }
        let (Some(key), Some(value)) = (f.next(), f.next()) else {
            return Err(Error::parse(
                what,
                n,
                format!("'{line}' has no key and value"),
            ));
        };
        let Some(key) = key.strip_suffix(':') else {
            return Err(Error::parse(
                what,
                n,
                format!("key '{key}' does not end in ':'"),
            ));
        };
        match f.next() {
            None | Some("kB") => {}
            Some(unit) => {
                return Err(Error::parse(
                    what,
                    n,
                    format!("unknown unit '{unit}' for {key}"),
                ))
            }
        }
        let slot = match key {
            "MemTotal" => {
                have_total = true;
                &mut m.total_kb
            }
            "MemFree" => {
                have_free = true;
                &mut m.free_kb
            }
            "AnonPages" => &mut m.anon_kb,
            "FilePages" => &mut m.file_kb,
            _ => continue,
        };
        *slot = number(what, n, key, value)?;
    }
    if !have_total || !have_free {
        return Err(Error::parse(what, 0, "MemTotal or MemFree is missing"));
    }
    Ok(m)
}

/// Parses a kernel node or CPU list such as `0-2,5` (an empty text is the
/// empty list).  Ranges must be ascending; at most 4096 ids in all.
pub fn id_list(what: &str, text: &str) -> Result<Vec<u32>> {
    const MAX_IDS: usize = 4096;
    let text = text.trim();
    let mut out = Vec::new();
    if text.is_empty() {
        return Ok(out);
    }
    for part in text.split(',') {
        let bad = || Error::parse(what, 1, format!("'{part}' is not an id or a range lo-hi"));
        let (lo, hi) = match part.split_once('-') {
            Some((lo, hi)) => (lo, hi),
            None => (part, part),
        };
        let lo: u32 = lo.parse().map_err(|_| bad())?;
        let hi: u32 = hi.parse().map_err(|_| bad())?;
        if hi < lo {
            return Err(bad());
        }
        if (hi - lo) as usize >= MAX_IDS || out.len() + ((hi - lo) as usize) >= MAX_IDS {
            return Err(Error::parse(what, 1, format!("more than {MAX_IDS} ids")));
        }
        out.extend(lo..=hi);
    }
    Ok(out)
}

/// Parses the number in the name of a directory such as `node3` or
/// `memory_tier4` (`prefix` = "node", "memory_tier").  `None` when the name
/// is something else (`node_possible`, `memory_tier`).
pub fn numbered_name(prefix: &str, name: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?;
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

/// Base pages of a process per node, from `/proc/PID/numa_maps`.
pub type PagesPerNode = BTreeMap<u32, u64>;

/// Parses `/proc/PID/numa_maps` and sums each node's pages over all the
/// mappings, in base pages of `base_page_kb` kB (a hugetlb mapping counts
/// `kernelpagesize_kB / base_page_kb` base pages per page).  A line must
/// start with a hexadecimal address; `N<node>=<pages>` and
/// `kernelpagesize_kB=<kB>` must hold numbers; other tokens are ignored
/// (file names may contain anything).
pub fn numa_maps(what: &str, text: &str, base_page_kb: u64) -> Result<PagesPerNode> {
    let mut total = PagesPerNode::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let mut tokens = line.split_whitespace();
        let Some(addr) = tokens.next() else { continue };
        if u64::from_str_radix(addr, 16).is_err() {
            return Err(Error::parse(
                what,
                n,
                format!("'{addr}' is not a hexadecimal address"),
            ));
        }
        let mut page_kb = base_page_kb;
        let mut counts: Vec<(u32, u64)> = Vec::new();
        for tok in tokens {
            let Some((key, value)) = tok.split_once('=') else {
                continue;
            };
            if key == "kernelpagesize_kB" {
                page_kb = number(what, n, key, value)?;
                if page_kb == 0 {
                    return Err(Error::parse(what, n, "kernelpagesize_kB is 0"));
                }
            } else if let Some(node) = numbered_name("N", key) {
                counts.push((node, number(what, n, key, value)?));
            }
        }
        let factor = (page_kb / base_page_kb.max(1)).max(1);
        for (node, pages) in counts {
            let e = total.entry(node).or_insert(0);
            *e = e.saturating_add(pages.saturating_mul(factor));
        }
    }
    Ok(total)
}

/// The fields tierstat uses from `/proc/PID/stat`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id.
    pub pid: u32,
    /// Command name (between the parentheses; may hold spaces and ')').
    pub comm: String,
    /// Parent process id.
    pub ppid: u32,
    /// Kernel flags (`PF_*`); `PF_KTHREAD` marks a kernel thread.
    pub flags: u64,
    /// User plus system CPU time, in clock ticks (USER_HZ).
    pub cpu_ticks: u64,
}

/// `PF_KTHREAD` in [`ProcStat::flags`].
pub const PF_KTHREAD: u64 = 0x0020_0000;

/// Parses `/proc/PID/stat`: `pid (comm) state ppid pgrp session tty tpgid
/// flags minflt cminflt majflt cmajflt utime stime ...`.  The command name
/// ends at the last ')' of the line.
pub fn proc_stat(what: &str, text: &str) -> Result<ProcStat> {
    let text = text.trim_end();
    let (Some(open), Some(close)) = (text.find('('), text.rfind(')')) else {
        return Err(Error::parse(what, 1, "no '(comm)' field"));
    };
    if close < open {
        return Err(Error::parse(what, 1, "')' before '('"));
    }
    let pid = text[..open].trim();
    let pid: u32 = pid
        .parse()
        .map_err(|_| Error::parse(what, 1, format!("pid '{pid}' is not a number")))?;
    let comm = text[open + 1..close].to_string();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // rest[0] = state (field 3), so field k is rest[k - 3].
    let field = |k: usize, name: &str| -> Result<u64> {
        let v = rest
            .get(k - 3)
            .ok_or_else(|| Error::parse(what, 1, format!("field {k} ({name}) is missing")))?;
        number(what, 1, name, v)
    };
    let ppid = field(4, "ppid")?;
    let ppid = u32::try_from(ppid).map_err(|_| Error::parse(what, 1, "ppid out of range"))?;
    Ok(ProcStat {
        pid,
        comm,
        ppid,
        flags: field(9, "flags")?,
        cpu_ticks: field(14, "utime")?.saturating_add(field(15, "stime")?),
    })
}

/// Parses `/proc/uptime` and returns the first number (seconds since boot).
pub fn uptime(what: &str, text: &str) -> Result<f64> {
    let first = text.split_whitespace().next().unwrap_or("");
    match first.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(Error::parse(
            what,
            1,
            format!("'{first}' is not a number of seconds"),
        )),
    }
}

/// Parses the module's `cgroup_stats`: one line per cgroup, `PATH STATE
/// key=value...`, as in `/tenant-a live visits=12 skipped=0 young=4096
/// promoted=4000 capped=0`.  The path must start with '/'; the state is a
/// word (`live`, `removed`); each value must be a non-negative integer,
/// whatever its key (keys tierstat does not know are kept), and a key may
/// appear once a line.  Empty lines are skipped; an empty text is no
/// cgroup.
pub fn cgroup_stats(what: &str, text: &str) -> Result<Vec<CgroupStats>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let mut fields = line.split_whitespace();
        let Some(path) = fields.next() else { continue };
        if !path.starts_with('/') {
            return Err(Error::parse(
                what,
                n,
                format!("'{path}' is not a cgroup path (it must start with '/')"),
            ));
        }
        let state = match fields.next() {
            Some(s) if !s.contains('=') => s,
            Some(s) => {
                return Err(Error::parse(
                    what,
                    n,
                    format!("'{path}' has no state (live or removed) before '{s}'"),
                ))
            }
            None => {
                return Err(Error::parse(
                    what,
                    n,
                    format!("'{path}' has no state (live or removed)"),
                ))
            }
        };
        let mut counters = BTreeMap::new();
        for tok in fields {
            let Some((key, value)) = tok.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                return Err(Error::parse(what, n, format!("'{tok}' is not key=value")));
            };
            let value = number(what, n, key, value)?;
            if counters.insert(key.to_string(), value).is_some() {
                return Err(Error::parse(
                    what,
                    n,
                    format!("{key} appears twice for '{path}'"),
                ));
            }
        }
        out.push(CgroupStats {
            path: path.to_string(),
            state: state.to_string(),
            counters,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VMSTAT: &str = include_str!("../tests/fixtures/vmstat");
    const MEMINFO1: &str = include_str!("../tests/fixtures/node1-meminfo");
    const NUMA_MAPS: &str = include_str!("../tests/fixtures/numa_maps");

    #[test]
    fn vmstat_captured() {
        let v = vmstat("vmstat", VMSTAT).unwrap();
        let get = |k: &str| v.iter().find(|(n, _)| n == k).map(|(_, v)| *v);
        assert_eq!(get("nr_free_pages"), Some(446_925));
        assert_eq!(get("kmmscand_promoted"), Some(16384));
        assert_eq!(get("pgpromote_success"), Some(16384));
        assert!(v.len() > 100);
    }

    #[test]
    fn vmstat_malformed() {
        let e = vmstat("/proc/vmstat", "a 1\nb x\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "/proc/vmstat, line 2: value 'x' of b is not a non-negative integer"
        );
        let e = vmstat("/proc/vmstat", "a\n").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("no value"), "{e}");
        let e = vmstat("/proc/vmstat", "a 1 2\n").unwrap_err().to_string();
        assert!(e.contains("more than two fields"), "{e}");
        assert!(vmstat("v", "a -1").is_err());
        assert!(vmstat("v", "a 18446744073709551616").is_err());
        assert_eq!(vmstat("v", "\n\n").unwrap(), vec![]);
    }

    #[test]
    fn meminfo_captured() {
        let m = node_meminfo("node1/meminfo", 1, MEMINFO1).unwrap();
        assert_eq!(
            m,
            NodeMeminfo {
                total_kb: 1_048_576,
                free_kb: 909_908,
                anon_kb: 131_164,
                file_kb: 0,
            }
        );
    }

    #[test]
    fn meminfo_malformed() {
        let e = node_meminfo("m", 0, MEMINFO1).unwrap_err().to_string();
        assert!(e.contains("not node 0"), "{e}");
        let e = node_meminfo("m", 1, "Node 1 MemTotal: 10 kB\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("MemFree is missing"), "{e}");
        let e = node_meminfo("m", 1, "Node 1 MemTotal: ten kB\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'ten' of MemTotal"), "{e}");
        let e = node_meminfo("m", 1, "Node 1 MemTotal 10 kB\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not end in ':'"), "{e}");
        let e = node_meminfo("m", 1, "Node 1 MemTotal: 10 MB\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown unit"), "{e}");
        let e = node_meminfo("m", 1, "garbage\n").unwrap_err().to_string();
        assert!(e.contains("expected 'Node 1"), "{e}");
        let e = node_meminfo("m", 1, "Node\n").unwrap_err().to_string();
        assert!(e.contains("node ''"), "{e}");
        let e = node_meminfo("m", 1, "Node 1\n").unwrap_err().to_string();
        assert!(e.contains("no key and value"), "{e}");
    }

    #[test]
    fn id_lists() {
        assert_eq!(id_list("l", "0-2,5\n").unwrap(), vec![0, 1, 2, 5]);
        assert_eq!(id_list("l", "\n").unwrap(), Vec::<u32>::new());
        assert_eq!(id_list("l", "7").unwrap(), vec![7]);
        for bad in ["2-1", "a", "1,", "-", "1-2-3", "0-4294967295", "1--2"] {
            assert!(id_list("l", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered_name("node", "node12"), Some(12));
        assert_eq!(numbered_name("node", "node"), None);
        assert_eq!(numbered_name("node", "node_possible"), None);
        assert_eq!(numbered_name("memory_tier", "memory_tier4"), Some(4));
        assert_eq!(numbered_name("N", "N+1"), None);
        assert_eq!(numbered_name("N", "N99999999999"), None);
    }

    #[test]
    fn numa_maps_captured() {
        let p = numa_maps("numa_maps", NUMA_MAPS, 4).unwrap();
        // 32768 anon pages on node 1, 12 + 3 elsewhere; a 2 MiB hugetlb page
        // on node 0 counts 512 base pages.
        assert_eq!(p.get(&1), Some(&(32768 + 4)));
        assert_eq!(p.get(&0), Some(&(12 + 3 + 512 + 1 + 1)));
    }

    #[test]
    fn numa_maps_malformed() {
        let e = numa_maps("m", "zz default N0=1\n", 4)
            .unwrap_err()
            .to_string();
        assert!(e.contains("'zz' is not a hexadecimal address"), "{e}");
        let e = numa_maps("m", "1000 default N0=x\n", 4)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("'x' of N0"), "{e}");
        let e = numa_maps("m", "1000 default kernelpagesize_kB=0\n", 4).unwrap_err();
        assert!(e.to_string().contains("is 0"));
        // Unknown tokens and odd file names are fine.
        let p = numa_maps("m", "1000 default file=/a=b N0=2 mapmax=3 huge\n", 4).unwrap();
        assert_eq!(p.get(&0), Some(&2));
        // Overflow saturates instead of panicking.
        let big = "1000 default N0=18446744073709551615 kernelpagesize_kB=2048\n";
        assert_eq!(numa_maps("m", big, 4).unwrap().get(&0), Some(&u64::MAX));
    }

    #[test]
    fn proc_stat_kthread_and_odd_comm() {
        let s = "45 (kmmscand) S 2 0 0 0 -1 2129984 0 0 0 0 41 14 0 0 39 19 1 0 30 0 0";
        let p = proc_stat("stat", s).unwrap();
        assert_eq!(p.pid, 45);
        assert_eq!(p.comm, "kmmscand");
        assert_eq!(p.ppid, 2);
        assert_ne!(p.flags & PF_KTHREAD, 0);
        assert_eq!(p.cpu_ticks, 55);
        let s = "7 (a) b (c) R 1 7 7 0 -1 4194560 1 2 3 4 5 6 7 8 20 0";
        let p = proc_stat("stat", s).unwrap();
        assert_eq!(p.comm, "a) b (c");
        assert_eq!(p.cpu_ticks, 11);
    }

    #[test]
    fn proc_stat_malformed() {
        for bad in [
            "",
            "45 kmmscand S",
            "x (a) S 1",
            "45 (a) S 2 0 0 0 -1 7 0 0 0 0 4",
            ")45 (",
            "1 (a) S -2",
        ] {
            assert!(proc_stat("stat", bad).is_err(), "{bad}");
        }
        let e = proc_stat("/proc/9/stat", "9 (a) S 1 0 0 0 -1 7 0 0 0 0 4")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "/proc/9/stat, line 1: field 15 (stime) is missing");
    }

    #[test]
    fn cgroup_stats_captured() {
        let text = "/tenant-a live visits=12 skipped=0 young=4096 promoted=4000 capped=0\n\
                    /tenant-b/web removed visits=3 skipped=1 young=100 promoted=64 capped=36\n";
        let c = cgroup_stats("cgroup_stats", text).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].path.as_str(), c[0].state.as_str()),
            ("/tenant-a", "live")
        );
        assert_eq!(c[0].get("visits"), Some(12));
        assert_eq!(c[0].get("young"), Some(4096));
        assert_eq!(c[0].get("promoted"), Some(4000));
        assert_eq!(c[0].get("capped"), Some(0));
        assert_eq!(c[0].counters.len(), 5);
        assert_eq!(
            (c[1].path.as_str(), c[1].state.as_str()),
            ("/tenant-b/web", "removed")
        );
        assert_eq!(c[1].get("capped"), Some(36));
        // Empty: no cgroup.  Blank lines are skipped.
        assert_eq!(cgroup_stats("c", "").unwrap(), vec![]);
        assert_eq!(cgroup_stats("c", "\n  \n").unwrap(), vec![]);
        // A key or a state of a newer module is kept; no key is needed.
        let c = cgroup_stats("c", "/ frozen promoted=1 demoted=7\n/x live\n").unwrap();
        assert_eq!((c[0].path.as_str(), c[0].state.as_str()), ("/", "frozen"));
        assert_eq!(c[0].get("demoted"), Some(7));
        assert_eq!(
            c[0].other_counters().collect::<Vec<_>>(),
            [(&"demoted".to_string(), &7)]
        );
        assert!(c[1].counters.is_empty());
    }

    #[test]
    fn cgroup_stats_malformed() {
        let what = "/sys/kernel/mm/kmmscand/cgroup_stats";
        let err = |text: &str| cgroup_stats(what, text).unwrap_err().to_string();
        assert_eq!(
            err("/a live promoted=1\n/b live promoted=x\n"),
            "/sys/kernel/mm/kmmscand/cgroup_stats, line 2: value 'x' of promoted is not a non-negative integer"
        );
        assert_eq!(
            err("tenant-a live promoted=1\n"),
            "/sys/kernel/mm/kmmscand/cgroup_stats, line 1: 'tenant-a' is not a cgroup path (it must start with '/')"
        );
        assert_eq!(
            err("/a promoted=1\n"),
            "/sys/kernel/mm/kmmscand/cgroup_stats, line 1: '/a' has no state (live or removed) before 'promoted=1'"
        );
        assert!(err("/a\n").ends_with("line 1: '/a' has no state (live or removed)"));
        assert!(err("/a live promoted\n").ends_with("'promoted' is not key=value"));
        assert!(err("/a live =3\n").ends_with("'=3' is not key=value"));
        assert!(err("/a live young=-1\n").contains("'-1' of young"));
        assert!(err("/a live young=18446744073709551616\n").contains("of young"));
        assert!(err("/a live young=1 young=2\n").ends_with("young appears twice for '/a'"));
    }

    #[test]
    fn uptimes() {
        assert_eq!(uptime("u", "12.50 20.00\n").unwrap(), 12.5);
        for bad in ["", "x", "-1", "NaN", "inf"] {
            assert!(uptime("u", bad).is_err(), "{bad}");
        }
    }
}
