//! The one error type of tierstat: what went wrong, and where.

use std::fmt;
use std::path::PathBuf;

/// An error while reading or parsing the system's state, or in the command
/// line.  Its `Display` is a complete sentence for the user.
#[derive(Debug)]
pub enum Error {
    /// A file's text is not in the expected format.
    Parse {
        /// What was parsed (a path, or a description such as "/proc/vmstat").
        what: String,
        /// 1-based line number, 0 when not line-oriented.
        line: usize,
        /// What is wrong with it.
        msg: String,
    },
    /// A file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        err: std::io::Error,
    },
    /// The command line is wrong.
    Usage(String),
    /// The reader of standard output went away (`tierstat | head`): not
    /// an error to report, tierstat just stops.
    BrokenPipe,
    /// Anything else (a terminal that cannot be set up, a record file that
    /// cannot be written), already worded for the user.
    Other(String),
}

impl Error {
    /// A parse error in `what` at `line` (1-based; 0 = whole text).
    pub fn parse(what: impl Into<String>, line: usize, msg: impl Into<String>) -> Self {
        Error::Parse {
            what: what.into(),
            line,
            msg: msg.into(),
        }
    }

    /// An error writing output: [`Error::BrokenPipe`] when the reader left,
    /// else `what` and the error.
    pub fn output(err: std::io::Error, what: &str) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Other(format!("{what}: {err}"))
        }
    }

    /// Whether this is an I/O error saying the file (or process) is gone.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Io { err, .. } => {
                matches!(
                    err.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
                ) || err.raw_os_error() == Some(3)
            } // ESRCH: the process exited
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse { what, line, msg } if *line > 0 => {
                write!(f, "{what}, line {line}: {msg}")
            }
            Error::Parse { what, msg, .. } => write!(f, "{what}: {msg}"),
            Error::Io { path, err } => write!(f, "{}: {err}", path.display()),
            Error::Usage(msg) => write!(f, "{msg} (see tierstat --help)"),
            Error::BrokenPipe => f.write_str("the reader of the output went away"),
            Error::Other(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

/// The result type of tierstat.
pub type Result<T> = std::result::Result<T, Error>;
