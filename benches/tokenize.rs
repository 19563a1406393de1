//! The physical ceiling for feed parsing on this machine: quick-xml (the tokenizer under feed-rs)
//! reading every event of a feed file and doing nothing with it, single thread.
//!
//! Run: `cargo bench --bench tokenize -- FILE [RUNS]`. Prints the best of RUNS (default 5) as
//! seconds and MB/s (MB = 10^6 bytes), and a `RESULT` line for `scripts/bench.sh`.

use std::time::Instant;

use quick_xml::Reader;
use quick_xml::events::Event;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let path = args
        .next()
        .ok_or("usage: cargo bench --bench tokenize -- FILE [RUNS]")?;
    let runs: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let bytes = std::fs::read(&path)?;
    let mut best = f64::INFINITY;
    let mut events = 0u64;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let mut reader = Reader::from_reader(bytes.as_slice());
        let mut buf = Vec::with_capacity(64 * 1024);
        events = 0;
        loop {
            match reader.read_event_into(&mut buf)? {
                Event::Eof => break,
                _ => events += 1,
            }
            buf.clear();
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    let mb = bytes.len() as f64 / 1e6;
    println!(
        "quick-xml tokenization of {path}: {events} events, {mb:.2} MB, best of {runs}: {best:.4} s, {:.1} MB/s",
        mb / best
    );
    println!(
        "RESULT tokenize_seconds={best:.6} tokenize_mb_per_s={:.2}",
        mb / best
    );
    Ok(())
}
