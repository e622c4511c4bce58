//! Writing results: atomically to files, quietly to closed pipes.

use crate::error::Error;
use std::io::{self, Write};
use std::path::Path;

/// Writes `contents` to `path` atomically: to a temporary file in the same
/// directory, flushed to disk, then renamed over `path`. A reader sees the old
/// file or the whole new one, never a part; on error nothing is left behind.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let io_err = |context: String| move |source| Error::Io { context, source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".survsim-")
        .tempfile_in(dir)
        .map_err(io_err(format!("cannot create a file in {}", dir.display())))?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(io_err(format!("cannot write {}", path.display())))?;
    // Temporary files are created private (0600); a report is an ordinary
    // file, readable by others as the umask allows for new files.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .map_err(io_err(format!("cannot write {}", path.display())))?;
    Ok(())
}

/// Writes to standard output. A closed pipe (`survsim run | head`) is not an
/// error: the reader has what it wanted.
pub fn write_stdout(contents: &[u8]) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match out.write_all(contents).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Io {
            context: "cannot write to standard output".into(),
            source,
        }),
        Ok(()) => Ok(()),
    }
}
