//! The records directory: daily JSON Lines files, append-only, fsynced per batch.
//!
//! In: records of one batch and the UTC date they were ingested. Out: one line per record at the
//! end of `records/YYYY-MM-DD.jsonl`, durable when [`JsonlSink::append`] returns; the ids and
//! revisions written after a known offset (for reconciling an interrupted batch).
//! Never: rewrites or reorders written lines, or leaves a partial line — a failed append is cut
//! back to where it began, and a torn tail left by a crash is cut on [`JsonlSink::open`].

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::SinkError;
use crate::files::{Access, check_private_file, open_private, private_dir, restrict_permissions};
use crate::record::Record;

/// The records directory of one output directory.
#[derive(Debug)]
pub struct JsonlSink {
    dir: PathBuf,
}

/// A torn last line cut off on open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub file: PathBuf,
    /// Bytes removed.
    pub removed: u64,
}

impl JsonlSink {
    /// Opens `dir` (`<output.dir>/records`), creating it, and cuts any torn last line.
    pub fn open(dir: &Path) -> Result<(JsonlSink, Vec<Repair>), SinkError> {
        private_dir(dir).map_err(|e| SinkError::io(dir, e))?;
        let mut repairs = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| SinkError::io(dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| SinkError::io(dir, e))?.path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                // A link or a second name where records go stops the start: nothing is written.
                let removed = cut_torn_tail(&path)?;
                if removed > 0 {
                    repairs.push(Repair {
                        file: path,
                        removed,
                    });
                }
            }
        }
        Ok((
            JsonlSink {
                dir: dir.to_owned(),
            },
            repairs,
        ))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file name records ingested on `date` go to.
    pub fn file_name(date: NaiveDate) -> String {
        format!("{}.jsonl", date.format("%Y-%m-%d"))
    }

    /// The current length of `file` (0 when it does not exist yet): where the next batch begins.
    pub fn len(&self, file: &str) -> Result<u64, SinkError> {
        let path = self.dir.join(file);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) => {
                check_private_file(&path, &meta).map_err(|e| SinkError::io(&path, e))?;
                Ok(meta.len())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(SinkError::io(&path, e)),
        }
    }

    /// Appends `parts` (whole JSON lines, from [`json_lines`]) to `file` and fsyncs it once. On
    /// failure the file is cut back to its length before the call, so no partial batch stays
    /// behind.
    pub fn append(&self, file: &str, parts: &[&[u8]]) -> Result<(), SinkError> {
        let path = self.dir.join(file);
        let existed = std::fs::symlink_metadata(&path).is_ok();
        let mut handle =
            open_private(&path, Access::Append, true).map_err(|e| SinkError::io(&path, e))?;
        let start = handle
            .metadata()
            .map_err(|e| SinkError::io(&path, e))?
            .len();
        let written = parts
            .iter()
            .try_for_each(|part| handle.write_all(part))
            .and_then(|()| handle.sync_data());
        if let Err(err) = written {
            // Best effort: the next open cuts a torn tail anyway, but a whole extra line that a
            // later batch would follow must not stay.
            let _ = handle.set_len(start);
            let _ = handle.sync_data();
            return Err(SinkError::io(&path, err));
        }
        if !existed {
            // A new file's directory entry must be durable too.
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| SinkError::io(&self.dir, e))?;
        }
        Ok(())
    }

    /// The `(id, revision)` of every complete record line of `file` after byte `offset`.
    pub fn written_since(
        &self,
        file: &str,
        offset: u64,
    ) -> Result<HashSet<(String, u32)>, SinkError> {
        #[derive(serde::Deserialize)]
        struct Key {
            id: String,
            revision: u32,
        }
        let path = self.dir.join(file);
        let mut handle = match open_private(&path, Access::Read, false) {
            Ok(handle) => handle,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
            Err(e) => return Err(SinkError::io(&path, e)),
        };
        handle
            .seek(SeekFrom::Start(offset))
            .map_err(|e| SinkError::io(&path, e))?;
        let mut written = HashSet::new();
        let mut reader = BufReader::new(handle);
        let mut line = Vec::new();
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| SinkError::io(&path, e))?;
            if n == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                break;
            }
            if let Ok(key) = serde_json::from_slice::<Key>(&line) {
                written.insert((key.id, key.revision));
            }
        }
        Ok(written)
    }
}

/// Batches smaller than this are serialized on the calling thread: handing work to the pool
/// costs more.
const PARALLEL_FROM: usize = 64;

/// `records` as JSON Lines, in order, in consecutive parts, each line ended by `\n`. A large
/// batch (a big feed's thousands of records, megabytes of JSON) is serialized part by part on
/// rayon's pool, one thread per core whatever the number of checks in flight.
pub fn json_lines(records: &[Record]) -> Result<Vec<Vec<u8>>, serde_json::Error> {
    use rayon::prelude::*;
    if records.len() < PARALLEL_FROM {
        return Ok(vec![lines_of(records)?]);
    }
    records.par_chunks(PARALLEL_FROM).map(lines_of).collect()
}

/// One JSON line per record, each ended by `\n`.
fn lines_of(records: &[Record]) -> Result<Vec<u8>, serde_json::Error> {
    // Lines range from 300 bytes (a title and a link) to hundreds of KB (a followed article),
    // so no size is guessed up front: a guess of 4 KB a line reserved 8 MB for a batch of 2,000
    // titles that needed 0.6 MB.
    let mut buffer = Vec::new();
    for record in records {
        serde_json::to_writer(&mut buffer, record)?;
        buffer.push(b'\n');
    }
    Ok(buffer)
}

/// Cuts a last line that does not end in `\n` (a crash mid-append). Returns the bytes removed.
fn cut_torn_tail(path: &Path) -> Result<u64, SinkError> {
    let mut handle =
        open_private(path, Access::ReadWrite, false).map_err(|e| SinkError::io(path, e))?;
    // Files written by releases before 0.2 may be readable by others.
    restrict_permissions(&handle).map_err(|e| SinkError::io(path, e))?;
    let len = handle.metadata().map_err(|e| SinkError::io(path, e))?.len();
    if len == 0 {
        return Ok(0);
    }
    let mut last = [0u8; 1];
    handle
        .seek(SeekFrom::Start(len - 1))
        .and_then(|_| handle.read_exact(&mut last))
        .map_err(|e| SinkError::io(path, e))?;
    if last[0] == b'\n' {
        return Ok(0);
    }
    // Search backwards in chunks for the end of the last complete line.
    let mut end = len;
    let mut keep = 0u64;
    let mut chunk = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(chunk.len() as u64);
        let size = (end - start) as usize;
        handle
            .seek(SeekFrom::Start(start))
            .and_then(|_| handle.read_exact(&mut chunk[..size]))
            .map_err(|e| SinkError::io(path, e))?;
        if let Some(pos) = chunk[..size].iter().rposition(|b| *b == b'\n') {
            keep = start + pos as u64 + 1;
            break;
        }
        end = start;
    }
    handle
        .set_len(keep)
        .and_then(|()| handle.sync_data())
        .map_err(|e| SinkError::io(path, e))?;
    tracing::warn!(
        file = %path.display(),
        removed = len - keep,
        "Cut a torn last line left by an interrupted write."
    );
    Ok(len - keep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, revision: u32) -> Record {
        Record {
            revision,
            ..Record::bare(id, "")
        }
    }

    fn append(sink: &JsonlSink, file: &str, records: &[Record]) {
        let parts = json_lines(records).unwrap();
        let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        sink.append(file, &parts).unwrap();
    }

    #[test]
    fn a_large_batch_is_serialized_in_parts_in_order() {
        let records: Vec<Record> = (0..200).map(|n| record(&n.to_string(), 1)).collect();
        let parts = json_lines(&records).unwrap();
        assert!(parts.len() > 1);
        let ids: Vec<String> = parts
            .concat()
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| {
                serde_json::from_slice::<serde_json::Value>(line).unwrap()["id"].to_string()
            })
            .collect();
        let expected: Vec<String> = (0..200).map(|n| format!("\"{n}\"")).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn appends_lines_and_reads_back_what_follows_an_offset() {
        let dir = tempfile::tempdir().unwrap();
        let (sink, repairs) = JsonlSink::open(&dir.path().join("records")).unwrap();
        assert!(repairs.is_empty());
        let file = JsonlSink::file_name(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        assert_eq!(file, "2026-11-28.jsonl");
        assert_eq!(sink.len(&file).unwrap(), 0);
        append(&sink, &file, &[record("a", 1), record("b", 1)]);
        let offset = sink.len(&file).unwrap();
        append(&sink, &file, &[record("a", 2)]);

        let text = std::fs::read_to_string(sink.dir().join(&file)).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with('\n'));
        let after: HashSet<(String, u32)> = [("a".to_owned(), 2)].into_iter().collect();
        assert_eq!(sink.written_since(&file, offset).unwrap(), after);
        assert_eq!(sink.written_since(&file, 0).unwrap().len(), 3);
        assert!(
            sink.written_since("2001-01-01.jsonl", 0)
                .unwrap()
                .is_empty()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(sink.dir().join(&file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_torn_last_line_is_cut_on_open_and_complete_lines_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().join("records");
        let file = "2026-11-28.jsonl";
        {
            let (sink, _) = JsonlSink::open(&records).unwrap();
            append(&sink, file, &[record("a", 1)]);
        }
        let path = records.join(file);
        let complete = std::fs::read(&path).unwrap();
        let mut torn = complete.clone();
        torn.extend_from_slice(r#"{"id":"b","revision":1,"title":"כו"#.as_bytes());
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .write_all(&torn)
            .unwrap();

        let (sink, repairs) = JsonlSink::open(&records).unwrap();
        assert_eq!(
            repairs,
            vec![Repair {
                file: path.clone(),
                removed: (torn.len() - complete.len()) as u64
            }]
        );
        assert_eq!(std::fs::read(&path).unwrap(), complete);
        let written: HashSet<(String, u32)> = [("a".to_owned(), 1)].into_iter().collect();
        assert_eq!(sink.written_since(file, 0).unwrap(), written);
    }

    #[test]
    fn a_file_that_is_one_torn_line_becomes_empty() {
        let dir = tempfile::tempdir().unwrap();
        let records = dir.path().join("records");
        std::fs::create_dir_all(&records).unwrap();
        let path = records.join("2026-11-27.jsonl");
        let mut handle = File::create(&path).unwrap();
        handle.write_all(&vec![b'x'; 100_000]).unwrap();
        drop(handle);
        let (_, repairs) = JsonlSink::open(&records).unwrap();
        assert_eq!(repairs.len(), 1);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }
}
