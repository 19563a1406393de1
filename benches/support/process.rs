//! What the benchmarks that run `nahar` as a child process read about it (`benches/daemon.rs`
//! and `benches/cluster.rs` include this file): CPU seconds from `/proc` (Linux) and a free
//! port for its `/health`. Never measures anything itself.

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Clock ticks per second, the unit of `/proc/<pid>/stat`'s CPU times (100 where `getconf`
/// cannot say).
pub fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

/// CPU seconds (user + system) of a process, all threads, from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: u32, clk_tck: f64) -> Result<f64> {
    stat_cpu_seconds(
        &std::fs::read_to_string(format!("/proc/{pid}/stat"))?,
        clk_tck,
    )
}

/// utime + stime of a `stat` line of `/proc`, in seconds.
pub fn stat_cpu_seconds(stat: &str, clk_tck: f64) -> Result<f64> {
    // The command name is in parentheses and may contain spaces: fields count from after it.
    let rest = stat
        .rfind(')')
        .map(|at| &stat[at + 1..])
        .ok_or("a /proc stat line without a command name")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    let tick = |n: usize| -> Result<f64> {
        Ok(fields
            .get(n - 3)
            .ok_or("a /proc stat line that is too short")?
            .parse::<u64>()? as f64)
    };
    Ok((tick(14)? + tick(15)?) / clk_tck)
}

/// A port on 127.0.0.1 that nothing listens on now.
pub fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
