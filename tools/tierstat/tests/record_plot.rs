//! A `--record` file written by tierstat is read by `make plot`'s loader
//! (tools/plot/plot.py --summary, which needs no matplotlib): the JSON
//! format is the contract between the two.

use std::path::Path;
use std::process::Command;

use tierstat::collect::{System, Want};
use tierstat::sample::Report;

#[test]
fn plot_reads_what_tierstat_records() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sys = System::new(manifest.join("tests/fixtures/hmat"));
    let want = Want {
        top: 4,
        pid: Some(120),
    };
    let mut prev = None;
    let mut lines = String::new();
    for k in 0..5u64 {
        let mut s = sys.sample(&want, k as f64).expect("fixture sample");
        s.module.loaded = k >= 2;
        *s.counters.get_mut("kmmscand_promoted").expect("counter") += k * 1000;
        let r = Report::new(s.clone(), prev.as_ref());
        lines += &serde_json::to_string(&r).expect("json");
        lines += "\n";
        prev = Some(s);
    }
    lines += "a console line that is not a sample\n";
    let file = std::env::temp_dir().join(format!("tierstat-record-{}.jsonl", std::process::id()));
    std::fs::write(&file, lines).expect("write record");
    let script = manifest.join("../plot/plot.py");
    let out = match Command::new("python3")
        .arg(&script)
        .arg("--summary")
        .arg(&file)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!("python3 not found ({e}): scripts/setup installs it"),
    };
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "plot.py failed: {stderr}");
    for want in [
        "5 samples over 4.0 s",
        "nodes: 0, 1*",
        "peak promotion: 1000.0 pages/s",
        "failure reasons: isolate, migrate, rate_limited, target_full, unmovable",
        "process: memtier (120)",
        "module: loaded at 2.0 s",
    ] {
        assert!(stdout.contains(want), "missing '{want}' in:\n{stdout}");
    }
    assert!(stderr.contains("skipped 1 lines"), "{stderr}");
}
