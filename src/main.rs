//! The `nahar` binary: parses the command line, sets up logging, runs the command and maps the
//! outcome to SPEC.md's exit statuses. The only place `anyhow` is used.

use std::io::{BufRead, BufWriter, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;

use nahar::cli::{Cli, Command, DetectArgs, LogFormat};
use nahar::text::{Analyzer, DEFAULT_LANGUAGES, Hints, Lang};

/// Config or usage error (SPEC: exit 1).
const EXIT_USAGE: u8 = 1;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Err(err) = init_logging(&cli.log_level, cli.log_format) {
        eprintln!("nahar: {err:#}");
        return ExitCode::from(EXIT_USAGE);
    }
    let outcome = match cli.command {
        Command::Detect(args) => detect(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("nahar: {err:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn init_logging(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .with_context(|| format!("invalid log filter `{filter}`"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

fn parse_languages(codes: &[String]) -> anyhow::Result<Vec<Lang>> {
    let mut languages = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match Lang::parse(code) {
            Some(lang) => languages.push(lang),
            None => bail!(
                "unknown language `{code}` (known: {})",
                Lang::all_codes().collect::<Vec<_>>().join(", ")
            ),
        }
    }
    Ok(languages)
}

fn detect(args: &DetectArgs) -> anyhow::Result<ExitCode> {
    let defaults: Vec<String> = DEFAULT_LANGUAGES.iter().map(|c| (*c).to_owned()).collect();
    let languages = parse_languages(args.languages.as_deref().unwrap_or(&defaults))?;
    let hint = match args.hint.as_deref().map(str::trim) {
        None | Some("") | Some("und") => None,
        Some(tag) => {
            Some(Lang::parse(tag).with_context(|| format!("--hint: unknown language `{tag}`"))?)
        }
    };
    let hints = Hints {
        lang: hint,
        dir: None,
    };
    let analyzer = Analyzer::new(&languages);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match (&args.text, args.lines) {
        (Some(text), false) => print_analysis(&mut out, &analyzer, &hints, text)?,
        (Some(text), true) => {
            for line in text.split_terminator('\n') {
                print_analysis(&mut out, &analyzer, &hints, line)?;
            }
        }
        (None, false) => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .context("reading stdin")?;
            print_analysis(&mut out, &analyzer, &hints, &decode_input(&bytes))?;
        }
        (None, true) => {
            // Line by line, so that a pipe gets each answer as soon as its line is read.
            let mut stdin = std::io::stdin().lock();
            let mut line = Vec::new();
            loop {
                line.clear();
                if stdin
                    .read_until(b'\n', &mut line)
                    .context("reading stdin")?
                    == 0
                {
                    break;
                }
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                print_analysis(&mut out, &analyzer, &hints, &decode_input(&line))?;
                out.flush()?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_analysis(
    out: &mut impl Write,
    analyzer: &Analyzer,
    hints: &Hints,
    text: &str,
) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, &analyzer.analyze(text, hints))?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Input is expected to be UTF-8; anything else is decoded lossily (U+FFFD) and said so.
fn decode_input(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let text = String::from_utf8_lossy(bytes);
    if matches!(text, std::borrow::Cow::Owned(_)) {
        tracing::warn!("Input is not valid UTF-8; invalid bytes were replaced with U+FFFD.");
    }
    text
}
