//! The `tierstat` command; see `tierstat --help` and the README.

use std::process::ExitCode;

fn main() -> ExitCode {
    let opts = match tierstat::cli::parse(std::env::args_os().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tierstat: {e}");
            return ExitCode::from(2);
        }
    };
    match tierstat::run::run(&opts) {
        Ok(()) | Err(tierstat::error::Error::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tierstat: {e}");
            ExitCode::FAILURE
        }
    }
}
