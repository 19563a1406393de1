//! Peak resident memory of a child process, for the tests that measure it (`tests/it` and
//! `tests/memory.rs` include this file).

use std::time::Duration;

/// Peak resident memory of a running child, read from /proc while it runs (Linux).
pub fn watch_peak_kib(
    pid: u32,
    child: &mut std::process::Child,
) -> (std::process::ExitStatus, u64) {
    let mut peak = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            peak = peak.max(kib);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return (status, peak);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
