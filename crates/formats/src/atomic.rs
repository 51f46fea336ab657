//! Files written whole or not at all (docs/RELIABILITY.md "Crash safety"): every output of the
//! month-end goes to a temporary name in the target's folder (`.NAME.tmp-PID`), is synced to
//! disk, then renamed over the target. A process killed half-way leaves at most the temporary
//! file, never half a file under the name the clerk opens; an error removes the temporary file.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A file being written under a temporary name; [`AtomicFile::commit`] puts it in place.
/// Dropped without a commit (an error, a panic), the temporary file is removed.
pub struct AtomicFile {
    file: Option<File>,
    tmp: PathBuf,
    target: PathBuf,
}

/// The temporary name of `target`: `.NAME.tmp-PID` in the same folder (a rename within one
/// folder is atomic; the leading dot hides it from a clerk's file list).
pub fn temporary_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Options that create a file readable and writable by its owner only (0600 on Unix; Windows
/// gives a profile's files to its owner already). The one place InfoOne sets a file's mode.
pub fn owner_only() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Whether `name` is a temporary file left by [`AtomicFile`] (a process killed before its rename).
pub fn is_temporary_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

impl AtomicFile {
    /// Start writing `target` (its folder must exist). A temporary file of an earlier
    /// process with the same id is replaced.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let tmp = temporary_name(target);
        // Outputs carry names, amounts and bank accounts: owner-only, like the database they come
        // from (docs/DECISIONS.md "Personal data at rest").
        let file = owner_only().write(true).create(true).truncate(true).open(&tmp)?;
        Ok(AtomicFile {
            file: Some(file),
            tmp,
            target: target.to_path_buf(),
        })
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the file is already committed"))
    }

    /// Sync the data to disk, rename the temporary file over the target and sync the folder.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("the file is already committed"))?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target)?;
        sync_dir(&self.target);
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file()?.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file()?.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file()?.seek(pos)
    }
}

/// Sync the folder of `path` so the rename itself survives a power cut (Unix; elsewhere the
/// rename is as durable as the file system makes it).
pub fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Write `bytes` to `path` whole or not at all.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_file_replaces_the_target_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, b"old").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new").unwrap();
        assert_eq!(
            std::fs::read(&target).unwrap(),
            b"old",
            "the target is untouched until the commit"
        );
        f.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_file_dropped_before_its_commit_is_removed_and_the_target_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.xlsx");
        std::fs::write(&target, b"old").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"half").unwrap();
            assert!(temporary_name(&target).exists());
        }
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(is_temporary_name(
            &temporary_name(&target).file_name().unwrap().to_string_lossy()
        ));
    }

    #[test]
    fn write_into_a_missing_folder_fails_without_leaving_anything() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("nope").join("a.txt");
        assert!(write(&target, b"x").is_err());
        assert!(!target.exists());
    }
}
