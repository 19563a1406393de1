//! Sink: records in, durable JSON Lines out.
//!
//! In: [`Record`](crate::record::Record)s of one batch. Out: lines appended to
//! `<output.dir>/records/YYYY-MM-DD.jsonl` and fsynced ([`JsonlSink`]), written to stdout
//! (`--out -`), or published to a NATS JetStream stream and acknowledged (`NatsSink`, with the
//! `nats` feature); plus the lock that keeps two nahar processes off one output directory.
//! Never: decides what is new (that is `state`), rewrites a line once written, or leaves a torn
//! line behind — a crash mid-append is repaired by cutting the partial last line on the next
//! open.

pub mod jsonl;
#[cfg(feature = "nats")]
pub mod nats;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use jsonl::JsonlSink;

/// Why records could not be written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SinkError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(
        "{path}: the output directory is in use by another nahar process{}; stop it or use another output dir",
        pid.as_deref().map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    InUse { path: PathBuf, pid: Option<String> },
    #[error("NATS ({servers}): {message}")]
    Nats { servers: String, message: String },
}

impl SinkError {
    pub(crate) fn io(path: &Path, err: impl std::fmt::Display) -> SinkError {
        SinkError::Io {
            path: path.to_owned(),
            message: err.to_string(),
        }
    }
}

/// Whether `dir` can be an output directory: a directory this process may create files in, or
/// one that does not exist yet below such a directory (nahar creates it). `nahar check` asks
/// before anything runs; opening the output directory meets the same conditions.
pub fn check_output_dir(dir: &Path) -> Result<(), SinkError> {
    let mut existing = dir;
    while !existing.as_os_str().is_empty() && std::fs::symlink_metadata(existing).is_err() {
        match existing.parent() {
            Some(parent) => existing = parent,
            None => break,
        }
    }
    let existing = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    let not_a_dir = |what: &Path| SinkError::Io {
        path: dir.to_owned(),
        message: if what == dir {
            "exists and is not a directory".to_owned()
        } else {
            format!("cannot be created: {} is not a directory", what.display())
        },
    };
    if !existing.is_dir() {
        return Err(not_a_dir(existing));
    }
    if existing == dir {
        for private in [dir.to_owned(), dir.join("records"), dir.join("state")] {
            match crate::files::check_private_dir(&private) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(SinkError::io(dir, e));
                }
                _ => {}
            }
        }
    }
    // Permission bits do not tell (ACLs, read-only mounts, root): creating a file does.
    let probe = existing.join(format!(".nahar-write-test-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(SinkError::Io {
            path: dir.to_owned(),
            message: if existing == dir {
                format!("is not writable: {e}")
            } else {
                format!("cannot be created in {}: {e}", existing.display())
            },
        }),
    }
}

/// An exclusive lock on an output directory, held for the life of the process (released by the
/// operating system even after kill -9).
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

/// The lock file inside the output directory.
pub const LOCK_FILE: &str = "nahar.lock";

impl OutputLock {
    /// Takes the lock on `dir`, creating the directory; refuses when another process holds it.
    pub fn acquire(dir: &Path) -> Result<OutputLock, SinkError> {
        if std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir() && !m.is_symlink()) {
            return Err(SinkError::io(dir, "exists and is not a directory"));
        }
        crate::files::private_dir(dir).map_err(|e| SinkError::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut file = crate::files::open_private(&path, crate::files::Access::ReadWrite, true)
            .map_err(|e| SinkError::io(&path, e))?;
        // A lock file made by an earlier release may be readable by others.
        crate::files::restrict_permissions(&file).map_err(|e| SinkError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let pid = std::io::Read::read_to_string(&mut file, &mut pid)
                    .ok()
                    .map(|_| pid)
                    .map(|p| p.trim().to_owned())
                    .filter(|p| !p.is_empty());
                return Err(SinkError::InUse { path, pid });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(SinkError::io(&path, e)),
        }
        file.set_len(0).map_err(|e| SinkError::io(&path, e))?;
        writeln!(file, "{}", std::process::id()).map_err(|e| SinkError::io(&path, e))?;
        Ok(OutputLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::acquire(dir.path()).unwrap();
        let second = OutputLock::acquire(dir.path());
        let message = second.unwrap_err().to_string();
        assert!(
            message.contains("in use by another nahar process")
                && message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(OutputLock::acquire(dir.path()).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_owner_only_also_when_an_earlier_release_made_it_wider() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        drop(OutputLock::acquire(dir.path()).unwrap());
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(OutputLock::acquire(dir.path()).unwrap());
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn an_output_dir_must_be_a_writable_directory_or_creatable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("afile");
        std::fs::File::create(&file).unwrap();
        assert_eq!(
            check_output_dir(&file).unwrap_err().to_string(),
            format!("{}: exists and is not a directory", file.display())
        );
        let below = file.join("out");
        assert!(
            check_output_dir(&below)
                .unwrap_err()
                .to_string()
                .ends_with(&format!(
                    "cannot be created: {} is not a directory",
                    file.display()
                ))
        );
        assert!(check_output_dir(dir.path()).is_ok());
        assert!(check_output_dir(&dir.path().join("new/deeper")).is_ok());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "the probe is removed"
        );
        assert_eq!(
            OutputLock::acquire(&file).unwrap_err().to_string(),
            format!("{}: exists and is not a directory", file.display())
        );
    }
}
