//! `file://` sources: a local file, or a folder whose regular files are each one document
//! (sorted by name, hidden files skipped).
//!
//! In: a path, the source's charset override, the document kind expected. Out: [`Fetched`].
//! Never: follows into sub-folders, reads more than `max_body` bytes of a file, or sends
//! validators (a local read is cheap; unchanged items are recognised by the state).

use std::io::Read;
use std::path::Path;

use url::Url;

use super::charset::DocumentKind;
use super::document::document;
use super::{FetchError, Fetched, ServerHints, Validators};

pub(super) fn read(
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
    kind: DocumentKind,
    max_body: u64,
) -> Result<Fetched, FetchError> {
    let file_error = |path: &Path, e: std::io::Error| FetchError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let metadata = std::fs::metadata(path).map_err(|e| file_error(path, e))?;
    let mut paths = Vec::new();
    if metadata.is_dir() {
        for entry in std::fs::read_dir(path).map_err(|e| file_error(path, e))? {
            let entry = entry.map_err(|e| file_error(path, e))?;
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let is_file = entry
                .file_type()
                .map_err(|e| file_error(path, e))?
                .is_file();
            if is_file && !hidden {
                paths.push(entry.path());
            }
        }
        paths.sort();
    } else {
        paths.push(path.to_path_buf());
    }
    let mut documents = Vec::with_capacity(paths.len());
    for path in paths {
        let file = std::fs::File::open(&path).map_err(|e| file_error(&path, e))?;
        // Sized once from the file's length (bounded by `max_body`) instead of doubling its way
        // up, copying the body each time.
        let size = file.metadata().map_or(0, |m| m.len()).min(max_body + 1);
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(max_body + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| file_error(&path, e))?;
        if bytes.len() as u64 > max_body {
            return Err(FetchError::TooLarge { limit: max_body });
        }
        let absolute = std::path::absolute(&path).map_err(|e| file_error(&path, e))?;
        let url = Url::from_file_path(&absolute).map_err(|()| {
            FetchError::InvalidUrl(format!("{} is not a valid file path", absolute.display()))
        })?;
        documents.push(document(url, None, &bytes, kind, encoding));
    }
    Ok(Fetched::Modified {
        documents,
        validators: Validators::default(),
        hints: ServerHints::default(),
    })
}
