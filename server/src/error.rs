//! The one error type every subcommand returns: a stable English code for scripts and a
//! Chinese sentence for the operator, printed as `error[CODE]: 消息`.

use std::fmt;
use std::path::Path;

/// A failure that stops a subcommand. The process exits with status 2 for every one of
/// them, so status 1 stays reserved for "the gate refused the code".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// Stable upper-case code, e.g. `WEAK_DEVICE_KEY`.
    pub code: &'static str,
    /// What went wrong, in Chinese, with technical detail in parentheses.
    pub message: String,
}

/// Result of a fallible CLI step.
pub type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    /// An error with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CliError {
            code,
            message: message.into(),
        }
    }

    /// A failed file operation; `what` names the file's role in Chinese (e.g. "密钥文件").
    pub fn io(code: &'static str, what: &str, path: &Path, err: &std::io::Error) -> Self {
        CliError::new(code, format!("{what} {} 无法访问（{err}）", path.display()))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)
    }
}

impl std::error::Error for CliError {}
