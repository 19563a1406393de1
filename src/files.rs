//! Small file-system operations several parts of nahar share (the sink, the state store, the
//! config editor). A leaf.
//!
//! In: paths and bytes. Out: directories and files readable by their owner only, files
//! replaced whole or not at all, and the files of a private directory opened safely — never
//! through a symbolic link, never one with a second name (hard link), never one another user
//! owns — with directories checked the same way (owned by the running user, not writable by
//! group or others).
//! Never: follows the pipeline or knows what the files hold.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes an open file readable and writable by its owner only (files made by releases before
/// 0.2 may be wider).
pub fn restrict_permissions(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Replaces (or creates) the file at `path` with `contents`, atomically: a reader or a crash sees
/// the old file or the new one, never a mix. The new file keeps the old one's permissions; a new
/// file gets the process's default (umask). Written beside the target, synced, then renamed over
/// it, and the directory synced so the rename survives a crash.
pub fn replace(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.nahar-{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        if let Ok(existing) = std::fs::metadata(path) {
            file.set_permissions(existing.permissions())?;
        }
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// How [`open_private`] opens a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    ReadWrite,
    Append,
}

/// Opens the file at `path` in a private directory (nahar's output directory). The file must be
/// a regular file with one name, owned by the user nahar runs as; a symbolic link there is an
/// error, not followed (`O_NOFOLLOW`), whether or not it points anywhere. With `create`, a
/// missing file is made new (`O_CREAT | O_EXCL`, which never follows a link) with mode `0600`
/// from the start; without it, a missing file is `NotFound`.
pub fn open_private(path: &Path, access: Access, create: bool) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    match access {
        Access::Read => options.read(true),
        Access::ReadWrite => options.read(true).write(true),
        Access::Append => options.append(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
            .mode(0o600);
    }
    let file = match options.open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let mut new = options.clone();
            new.create_new(true);
            if access == Access::Read {
                new.write(true);
            }
            match new.open(path) {
                // Someone made it in between: open what is there, with the same checks.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => options.open(path),
                opened => opened,
            }
        }
        opened => opened,
    }
    .map_err(|e| explain_open_error(path, e))?;
    check_private_file(path, &file.metadata()?)?;
    Ok(file)
}

fn explain_open_error(path: &Path, error: std::io::Error) -> std::io::Error {
    #[cfg(unix)]
    if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        return symlink_refused(path);
    }
    error
}

fn symlink_refused(path: &Path) -> std::io::Error {
    refused(format!(
        "{} is a symbolic link; nahar does not follow links in its output directory (remove it)",
        path.display()
    ))
}

fn refused(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::PermissionDenied, message)
}

/// What may stand where nahar keeps a file in its private directory: a regular file (not a
/// link), with one name, its owner's. `meta` from `symlink_metadata` or an open handle.
pub fn check_private_file(path: &Path, meta: &std::fs::Metadata) -> std::io::Result<()> {
    if meta.file_type().is_symlink() {
        return Err(symlink_refused(path));
    }
    if !meta.is_file() {
        return Err(refused(format!("{} is not a regular file", path.display())));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(refused(format!(
                "{} has {} hard links; nahar writes only files with one name (remove the other links, or move this file away)",
                path.display(),
                meta.nlink()
            )));
        }
        owned_by_me(path, meta, " (chown it, or move it away)")?;
    }
    Ok(())
}

/// Whether `dir` may hold nahar's files: a directory (not a link to one), owned by the user
/// nahar runs as, and not writable by group or others — else anyone who can write there could
/// put a link where a record, state or lock file goes. The error says how to fix it.
pub fn check_private_dir(dir: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() {
        return Err(refused(format!(
            "{} is a symbolic link; nahar does not follow links in its output directory (set [output] dir to the directory it points to)",
            dir.display()
        )));
    }
    if !meta.is_dir() {
        return Err(refused(format!(
            "{} exists and is not a directory",
            dir.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        owned_by_me(
            dir,
            &meta,
            ": chown it to that user, or use another output dir",
        )?;
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(refused(format!(
                "{} is writable by group or others (mode {mode:04o}): run `chmod go-w {}`",
                dir.display(),
                dir.display()
            )));
        }
    }
    Ok(())
}

/// `path` (whose metadata is `meta`) belongs to the user nahar runs as; else an error that ends
/// with `fix`.
#[cfg(unix)]
fn owned_by_me(path: &Path, meta: &std::fs::Metadata, fix: &str) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() == me {
        return Ok(());
    }
    Err(refused(format!(
        "{} is owned by uid {}, not by uid {me} that nahar runs as{fix}",
        path.display(),
        meta.uid()
    )))
}

/// Creates `dir` (and its parents) owner-only where missing, then [`check_private_dir`]s it.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    create_private_dir(dir)?;
    check_private_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_mode_and_leaves_nothing_beside_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nahar.toml");
        replace(&path, b"one").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        replace(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn links_and_foreign_files_are_refused_and_new_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        replace(&target, b"precious").unwrap();

        let new = dir.path().join("new.jsonl");
        open_private(&new, Access::Append, true).unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for create in [false, true] {
            let err = open_private(&link, Access::Append, create).unwrap_err();
            assert!(err.to_string().contains("is a symbolic link"), "{err}");
        }
        let dangling = dir.path().join("dangling.jsonl");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let err = open_private(&dangling, Access::Append, true).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert!(!dir.path().join("nowhere").exists());

        let hard = dir.path().join("hard.jsonl");
        std::fs::hard_link(&target, &hard).unwrap();
        let err = open_private(&hard, Access::ReadWrite, false).unwrap_err();
        assert!(err.to_string().contains("has 2 hard links"), "{err}");
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");

        let missing = open_private(&dir.path().join("missing"), Access::Read, false).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn a_private_dir_is_owned_and_not_writable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        private_dir(&out).unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = check_private_dir(&out).unwrap_err();
        assert!(
            err.to_string()
                .contains("writable by group or others (mode 0777)")
                && err.to_string().contains("chmod go-w"),
            "{err}"
        );
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
        check_private_dir(&out).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&out, &link).unwrap();
        let err = check_private_dir(&link).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
    }
}
