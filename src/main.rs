//! The `kiosk` command: the terminal itself and the tools of technicians
//! and template authors.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes in one line, each said once: a message that
/// already quotes its cause (`cannot read: No such file…`) is not
/// followed by the cause again.
fn chain(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cause_already_said_is_not_said_again() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let said = io.to_string();
        #[derive(Debug, thiserror::Error)]
        #[error("terminal.toml: cannot read: {0}")]
        struct Read(#[source] std::io::Error);
        let e = anyhow::Error::new(Read(io)).context("cannot start the demo");
        let line = super::chain(&e);
        assert_eq!(line.matches(&said).count(), 1, "{line}");
        assert!(
            line.starts_with("cannot start the demo: terminal.toml: cannot read: "),
            "{line}"
        );
    }
}
