//! One way to read a file a user named, whole and bounded: its size is checked before a byte is
//! read, the read never takes more than the limit should the file grow meanwhile, and what is
//! not a regular file (a directory, a FIFO that would block, a device) is refused before it is
//! opened. Vault files, import sources, dotenv files, templates and scanned files all come
//! through here; each caller words the refusal for its kind of file.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, NotFoundError};

/// Why a file was not read.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// There is no such file.
    Missing(std::io::Error),
    /// It is there but could not be opened or read (permissions, I/O).
    Unreadable(std::io::Error),
    /// A directory, a FIFO, a socket or a device.
    NotAFile,
    /// Larger than the limit: its listed length, or how much was read when it grew past it.
    TooBig(u64),
}

impl Refusal {
    /// The usual error for a refusal (not found, unreadable, not a file), with `too_big` wording
    /// the size refusal for the caller's kind of file.
    pub(crate) fn into_error(self, path: &Path, too_big: impl FnOnce(u64) -> Error) -> Error {
        let path: PathBuf = path.to_path_buf();
        match self {
            Refusal::Missing(source) => NotFoundError::File { path, source }.into(),
            Refusal::Unreadable(source) => InputError::Unreadable { path, source }.into(),
            Refusal::NotAFile => InputError::NotAFile { path }.into(),
            Refusal::TooBig(len) => too_big(len),
        }
    }
}

fn refusal(e: std::io::Error) -> Refusal {
    if e.kind() == std::io::ErrorKind::NotFound {
        Refusal::Missing(e)
    } else {
        Refusal::Unreadable(e)
    }
}

/// Reads the regular file at `path` into `buf` (cleared first), refusing one larger than `max`
/// bytes. Room for the listed length is reserved before reading, so a buffer the caller zeroizes
/// is not copied into freed memory by a reallocation (unless the file grew meanwhile).
pub(crate) fn read_into(path: &Path, max: u64, buf: &mut Vec<u8>) -> Result<(), Refusal> {
    // Looked at before opening: opening a FIFO for reading waits for a writer, forever.
    if !std::fs::metadata(path).map_err(refusal)?.is_file() {
        return Err(Refusal::NotAFile);
    }
    let file = std::fs::File::open(path).map_err(refusal)?;
    // And again through the open file, in case the path was swapped in between.
    let meta = file.metadata().map_err(refusal)?;
    if !meta.is_file() {
        return Err(Refusal::NotAFile);
    }
    if meta.len() > max {
        return Err(Refusal::TooBig(meta.len()));
    }
    buf.clear();
    buf.reserve(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    file.take(max + 1).read_to_end(buf).map_err(refusal)?;
    if buf.len() as u64 > max {
        return Err(Refusal::TooBig(buf.len() as u64));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_file_within_the_limit_and_refuses_what_is_not_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"0123456789").unwrap();
        let mut buf = b"left over".to_vec();
        read_into(&file, 10, &mut buf).unwrap();
        assert_eq!(buf, b"0123456789");

        assert!(matches!(
            read_into(&file, 9, &mut buf),
            Err(Refusal::TooBig(10))
        ));
        assert!(matches!(
            read_into(dir.path(), 10, &mut buf),
            Err(Refusal::NotAFile)
        ));
        assert!(matches!(
            read_into(&dir.path().join("nope"), 10, &mut buf),
            Err(Refusal::Missing(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let mut buf = Vec::new();
        assert!(matches!(
            read_into(&fifo, 10, &mut buf),
            Err(Refusal::NotAFile)
        ));
    }
}
