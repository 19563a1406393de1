//! The real `nahar` binary as a child process, as a user runs it: no `$NAHAR_CONFIG` or
//! `$NO_COLOR` from the test's environment, logs at `warn` unless a test asks otherwise.

use std::process::Command;

/// What the binary labels short English text that only lingua tells from French: built without
/// the `lingua` feature, it says it cannot tell (README, "Cargo features").
pub const SHORT_ENGLISH: &str = if cfg!(feature = "lingua") {
    "en"
} else {
    "und"
};

/// A `nahar` command with a clean environment; add arguments, a directory, variables.
pub fn nahar() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nahar"));
    command
        .env_remove("NAHAR_CONFIG")
        .env_remove("NO_COLOR")
        .env("NAHAR_LOG", "warn");
    command
}

/// How a finished run came out.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Runs `command` to the end.
    pub fn of(command: &mut Command) -> Run {
        let out = command.output().expect("run nahar");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// `nahar ARGS…` to the end.
pub fn run(args: &[&str]) -> Run {
    Run::of(nahar().args(args))
}
