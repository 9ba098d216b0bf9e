//! File reading and writing with the CLI's error codes. Every write goes to a temporary file
//! beside the target and is renamed over it, so a crash or a full disk never leaves a torn
//! credential, bundle or replay file behind.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{CliError, CliResult};

/// Reads a whole file; `what` names its role for the error message.
pub fn read(path: &Path, what: &str) -> CliResult<Vec<u8>> {
    fs::read(path).map_err(|e| CliError::io("READ_FAILED", what, path, &e))
}

/// Replaces `path` with `bytes` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8], what: &str) -> CliResult {
    let tmp = temp_path(path);
    let result = write_new(&tmp, bytes, false).and_then(|()| fs::rename(&tmp, path));
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        CliError::io("WRITE_FAILED", what, path, &e)
    })
}

/// Writes a secret that only the owner may read (mode 0600). Without `overwrite`, an
/// existing file is refused rather than replaced: a lost root or issuer key cannot be undone.
pub fn write_secret(path: &Path, bytes: &[u8], overwrite: bool) -> CliResult {
    if !overwrite {
        return write_new(path, bytes, true).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => CliError::new(
                "FILE_EXISTS",
                format!(
                    "文件 {} 已存在，拒绝覆盖（如确需覆盖请加 --force）",
                    path.display()
                ),
            ),
            _ => CliError::io("WRITE_FAILED", "密钥文件", path, &e),
        });
    }
    let tmp = temp_path(path);
    write_new(&tmp, bytes, true)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = fs::remove_file(&tmp);
            CliError::io("WRITE_FAILED", "密钥文件", path, &e)
        })
}

/// Creates a file that must not exist yet, writes it and flushes it to disk.
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> std::io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        // Set at creation, so the secret is never readable by others, not even briefly.
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file: File = opts.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A sibling path unique to this process, on the same file system so rename is atomic.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}
