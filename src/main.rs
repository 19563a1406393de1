//! The `nahar` binary: parses the command line, sets up logging, runs the command and maps the
//! outcome to SPEC.md's exit statuses. The only place `anyhow` is used.

use std::io::{BufRead, BufWriter, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Parser;

use nahar::cli::{
    Cli, ClusterCommand, ClusterStatusArgs, Command, ConfigArg, DetectArgs, ExtractArgs, FetchArgs,
    LogFormat, OpmlCommand, OpmlImportArgs, RecordsCommand, RecordsExportArgs,
};
use nahar::config::{self, Config, SourceConfig, SourceKind};
use nahar::pipeline::{Destination, Ingester, Output};
use nahar::report::RunSummary;
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
        Command::Check(args) => check(&args),
        Command::Run(args) => run(&args),
        Command::Fetch(args) => fetch(&args),
        Command::Extract(args) => extract(&args),
        Command::Opml(OpmlCommand::Import(args)) => opml_import(&args),
        Command::Opml(OpmlCommand::Export(args)) => opml_export(&args),
        Command::Records(RecordsCommand::Export(args)) => records_export(&args),
        Command::Cluster(ClusterCommand::Status(args)) => cluster_status(&args),
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
    // The NATS client logs every (re)connection at info; nahar reports what matters itself.
    // A filter that names `async_nats` gets what it asks for.
    let quiet_client = if filter.contains("async_nats") {
        filter.to_owned()
    } else {
        format!("{filter},async_nats=warn")
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&quiet_client)
        .with_context(|| format!("invalid log filter `{filter}`"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour_on_stderr())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    use_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// Colour codes only for a person at a terminal, and never when `NO_COLOR` is set to anything
/// but the empty string (no-color.org): a log file or a pipe gets plain text.
fn use_colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|value| value.is_empty())
}

/// Loads the config, or prints every error (file:line:col) and gives exit status 1.
fn load_config(arg: &ConfigArg) -> Result<Config, ExitCode> {
    let path = config::locate(arg.path.as_deref()).map_err(|e| {
        eprintln!("nahar: {e}");
        ExitCode::from(EXIT_USAGE)
    })?;
    config::load(&path).map_err(|errors| config_errors(&path, &errors))
}

/// Prints every error of a config and gives exit status 1.
fn config_errors(path: &std::path::Path, errors: &config::ConfigErrors) -> ExitCode {
    for error in &errors.0 {
        eprintln!("nahar: {error}");
    }
    eprintln!(
        "nahar: {} has {} error{}",
        path.display(),
        errors.0.len(),
        if errors.0.len() == 1 { "" } else { "s" }
    );
    ExitCode::from(EXIT_USAGE)
}

fn check(arg: &ConfigArg) -> anyhow::Result<ExitCode> {
    let config = match load_config(arg) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    // What the file says is valid; whether this machine can run it is checked too, so that
    // `check` does not say "valid" to a config `fetch` then refuses.
    if let Err(e) = nahar::sink::check_output_dir(&config.output.dir) {
        eprintln!("nahar: {}: [output] dir {e}", config.path.display());
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    for source in &config.sources {
        if let config::SourceLocation::File(path) = &source.location
            && !path.exists()
        {
            eprintln!(
                "nahar: warning: source {}: {} does not exist (yet)",
                source.name,
                path.display()
            );
        }
    }
    if let (config::OutputKind::Nats, Some(nats)) = (config.output.kind, &config.nats)
        && let Some(credentials) = &nats.credentials
        && !credentials.is_file()
    {
        eprintln!(
            "nahar: {}: [nats] credentials {}: no such file",
            config.path.display(),
            credentials.display()
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    // What `auto` sources have learned, when the state store can be read. A group's state is in
    // the cluster, which `check` does not contact: there `/health` shows what was learned.
    let in_group = config.output.kind == config::OutputKind::Nats;
    let learned = if in_group {
        None
    } else {
        nahar::state::LocalState::peek_sources(&config.output.dir.join("state"))
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}: valid", config.path.display())?;
    writeln!(out, "output: {}", config.output.dir.display())?;
    if let (config::OutputKind::Nats, Some(nats)) = (config.output.kind, &config.nats) {
        // The servers are not contacted: `check` reads files only.
        writeln!(
            out,
            "records: NATS stream {}, subjects {}, state in {} and {}, {} replica(s), lease {}, on {}",
            nats.stream(),
            nats.subject("<source>"),
            nats.bucket("SOURCES"),
            nats.bucket("SEEN"),
            nats.replicas,
            config::format_duration(nats.lease),
            nats.servers
                .iter()
                .map(url::Url::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    writeln!(out, "{} sources:", config.sources.len())?;
    for source in &config.sources {
        let cadence = learned
            .as_ref()
            .and_then(|all| all.get(&source.name))
            .and_then(nahar::state::SourceState::cadence);
        writeln!(
            out,
            "  {}",
            describe_source(source, &config.defaults, cadence, in_group)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of `nahar check`: the source as it runs. An `auto` interval says what it runs at:
/// half the learned cadence, or the fallback until something is learned — in a group
/// (`in_group`), learned in the cluster, which `/health` shows.
fn describe_source(
    source: &SourceConfig,
    defaults: &config::Defaults,
    cadence: Option<nahar::state::Cadence>,
    in_group: bool,
) -> String {
    let kind = match source.kind {
        SourceKind::Feed => "feed",
        SourceKind::Page => "page",
    };
    use nahar::daemon::schedule::{self, IntervalFrom};
    let (base, from) = schedule::base(source.interval, cadence, defaults);
    let runs_at = config::format_duration(schedule::running_interval(base, defaults));
    let interval = match from {
        IntervalFrom::Configured => runs_at,
        IntervalFrom::ItemDates => format!("auto ({runs_at}, learned from item dates)"),
        IntervalFrom::Arrivals => format!("auto ({runs_at}, learned from arrivals)"),
        IntervalFrom::Fallback if in_group => format!(
            "auto ({runs_at} until learned; what the group learned is in the cluster, on /health)"
        ),
        IntervalFrom::Fallback => format!("auto ({runs_at} until learned)"),
    };
    let mut line = format!(
        "{name}  {kind}  {url}  interval={interval}  follow_links={follow}",
        name = source.name,
        url = source.display_url(),
        follow = source.follow_links,
    );
    if let Some(lang) = source.lang_hint {
        line.push_str(&format!("  lang_hint={}", lang.code()));
    }
    if let Some(encoding) = source.encoding {
        line.push_str(&format!("  encoding={}", encoding.name()));
    }
    if let Some(title) = &source.title {
        line.push_str(&format!("  title={title:?}"));
    }
    if !source.tags.is_empty() {
        line.push_str(&format!("  tags={}", source.tags.join("/")));
    }
    if let Some(site) = &source.site {
        line.push_str(&format!("  site={site}"));
    }
    line
}

fn fetch(args: &FetchArgs) -> anyhow::Result<ExitCode> {
    let config = match load_config(&args.config) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    let mut sources = Vec::new();
    for name in &args.sources {
        match config.source(name) {
            Some(source) => sources.push(source.clone()),
            None => {
                eprintln!(
                    "nahar: --source {name}: no such source in {} (sources: {})",
                    config.path.display(),
                    config
                        .sources
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    if args.sources.is_empty() {
        sources = config.sources.clone();
    }
    let to_stdout = args.out.as_deref() == Some(std::path::Path::new("-"));
    let dir = match &args.out {
        Some(dir) if !to_stdout => dir.clone(),
        _ => config.output.dir.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let summary = runtime.block_on(fetch_sources(&config, &dir, to_stdout, sources))?;
    let summary = match summary {
        Ok(summary) => summary,
        Err(code) => return Ok(code),
    };
    if to_stdout {
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }
    Ok(ExitCode::from(summary.exit_status()))
}

fn run(arg: &ConfigArg) -> anyhow::Result<ExitCode> {
    let config = match load_config(arg) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    raise_open_files_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let outcome = runtime.block_on(async {
        let (output, recovery) =
            match Output::open(&config.output.dir, destination(&config, false, None)) {
                Ok(opened) => opened,
                Err(err) => {
                    eprintln!("nahar: {err}");
                    return Ok(ExitCode::from(EXIT_USAGE));
                }
            };
        if recovery != Default::default() {
            tracing::warn!(
                torn_lines = recovery.torn_lines,
                recovered = recovery.recovered,
                missing = recovery.missing,
                "Repaired the output directory after an interrupted run."
            );
        }
        let path = config.path.clone();
        match nahar::daemon::run(path, config, std::sync::Arc::new(output)).await {
            Ok(()) => Ok(ExitCode::SUCCESS),
            Err(err) => {
                eprintln!("nahar: {err}");
                Ok::<_, anyhow::Error>(ExitCode::from(EXIT_USAGE))
            }
        }
    });
    // Work abandoned at the end of the grace period (a parse on the blocking pool) is not waited
    // for: its batch was journalled, so the next start resolves it.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    outcome
}

/// Exit status of `nahar extract` when the page could not be read (SPEC: 2).
const EXIT_FAILED: u8 = 2;

fn extract(args: &ExtractArgs) -> anyhow::Result<ExitCode> {
    // A config is optional here: a user checking one page may have none yet.
    let config = match config::locate(args.config.as_deref()) {
        Ok(path) => match config::load(&path) {
            Ok(config) => config,
            Err(errors) => return Ok(config_errors(&path, &errors)),
        },
        Err(config::ConfigNotFound) => {
            config::parse("", std::path::Path::new("(built-in defaults)"))
                .map_err(|e| anyhow::anyhow!("the built-in defaults do not parse: {e}"))?
        }
    };
    let mut source = match &args.source {
        Some(name) => match config.source(name) {
            Some(source) => source.clone(),
            None => {
                eprintln!(
                    "nahar: --source {name}: no such source in {} (sources: {})",
                    config.path.display(),
                    config
                        .sources
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return Ok(ExitCode::from(EXIT_USAGE));
            }
        },
        None => SourceConfig::new(
            "extract",
            SourceKind::Page,
            config::SourceLocation::File(std::path::PathBuf::new()),
            &config.defaults,
        ),
    };
    source.kind = SourceKind::Page;
    source.select = None;
    source.location = match target_location(&args.target) {
        Ok(location) => location,
        Err(message) => {
            eprintln!("nahar: {message}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match runtime.block_on(nahar::pipeline::extract_page(&config, &source)) {
        Ok(record) => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &record).context("writing the record")?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("nahar: {err}");
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

/// `https://…` or `http://…` as a URL, `file:…` or anything else as a path.
fn target_location(target: &str) -> Result<config::SourceLocation, String> {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return url::Url::parse(target)
            .map(config::SourceLocation::Http)
            .map_err(|e| format!("{target}: not a valid URL: {e}"));
    }
    let path = if lower.starts_with("file:") {
        url::Url::parse(target)
            .ok()
            .and_then(|u| u.to_file_path().ok())
            .ok_or_else(|| format!("{target}: not a valid file URL"))?
    } else {
        std::path::PathBuf::from(target)
    };
    if !path.is_file() {
        return Err(format!("{}: no such file", path.display()));
    }
    Ok(config::SourceLocation::File(path))
}

/// Where records go: `--out -` first, else `[output] kind`. The daemon (`patient`) waits for a
/// NATS cluster it cannot reach at start; a one-shot fetch refuses to start without it.
/// Where records go. `nahar fetch` (`checked`: the sources it checks) needs a NATS cluster at
/// once and reads those sources' state from it; the daemon (`None`) waits for the cluster and
/// reads a host's sources when it takes the host.
fn destination(config: &Config, to_stdout: bool, checked: Option<&[SourceConfig]>) -> Destination {
    #[cfg(not(feature = "nats"))]
    let _ = checked;
    if to_stdout {
        return Destination::Stdout;
    }
    match (config.output.kind, &config.nats) {
        #[cfg(feature = "nats")]
        (config::OutputKind::Nats, Some(nats)) => Destination::Nats {
            config: nats.clone(),
            patient: checked.is_none(),
            sources: checked
                .unwrap_or_default()
                .iter()
                .map(|source| source.name.clone())
                .collect(),
        },
        // `kind = "nats"` without `[nats]`, or without the feature, does not load.
        _ => Destination::Files,
    }
}

/// Most sources fetched at once; politeness per host is the fetcher's business.
const MAX_SOURCES_IN_FLIGHT: usize = 64;

async fn fetch_sources(
    config: &Config,
    dir: &std::path::Path,
    to_stdout: bool,
    sources: Vec<SourceConfig>,
) -> anyhow::Result<Result<RunSummary, ExitCode>> {
    let (output, recovery) = match Output::open(dir, destination(config, to_stdout, Some(&sources)))
    {
        Ok(opened) => opened,
        Err(err) => {
            eprintln!("nahar: {err}");
            return Ok(Err(ExitCode::from(EXIT_USAGE)));
        }
    };
    if recovery != Default::default() {
        tracing::warn!(
            torn_lines = recovery.torn_lines,
            recovered = recovery.recovered,
            missing = recovery.missing,
            "Repaired the output directory after an interrupted run."
        );
    }
    let ingester =
        Ingester::new(config, std::sync::Arc::new(output)).context("setting up the HTTP client")?;
    let progress = progress_bar(sources.len());
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_SOURCES_IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, source) in sources.into_iter().enumerate() {
        let ingester = ingester.clone();
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (index, ingester.ingest_source(&source).await)
        });
    }
    let mut reports = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (index, report) = joined.context("a source task stopped")?;
        match &progress {
            Some(bar) => {
                bar.set_message(report.source.clone());
                bar.inc(1);
            }
            None => log_report(&report),
        }
        reports.push((index, report));
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let output = std::sync::Arc::clone(ingester.output());
    drop(ingester);
    output.close_async().await;
    reports.sort_by_key(|(index, _)| *index);
    Ok(Ok(RunSummary {
        sources: reports.into_iter().map(|(_, r)| r).collect(),
    }))
}

/// Lets the daemon use every file descriptor the hard limit allows: the usual soft limit of
/// 1,024 is shared by the checks in flight, their connections, the records files and the status
/// server's clients (at most `MAX_CONNECTIONS` of them).
fn raise_open_files_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
            && current < maximum
            && let Err(err) = setrlimit(
                Resource::Nofile,
                Rlimit {
                    current: Some(maximum),
                    maximum: Some(maximum),
                },
            )
        {
            tracing::warn!(
                current,
                maximum,
                "Could not raise the open-files limit: {err}"
            );
        }
    }
}

/// One structured log line per finished source: the progress report when there is no terminal.
fn log_report(report: &nahar::report::SourceReport) {
    let elapsed_ms = report.elapsed.as_millis() as u64;
    match &report.error {
        Some(error) => tracing::warn!(
            source = %report.source,
            url = %report.url,
            elapsed_ms,
            "Source failed: {}", error.cause()
        ),
        None => tracing::info!(
            source = %report.source,
            new = report.counts.new,
            updated = report.counts.updated,
            unchanged = report.counts.unchanged,
            not_modified = report.not_modified,
            bytes = report.bytes,
            elapsed_ms,
            "Source done."
        ),
    }
    for warning in &report.warnings {
        tracing::warn!(source = %report.source, "{}", nahar::shown::message(warning));
    }
}

/// A progress bar on a terminal; `None` when stderr is not one (plain log lines instead).
fn progress_bar(len: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} sources  {wide_msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
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

/// `nahar opml import FILE`: the file's new feeds appended to the config as `[[source]]` tables.
fn opml_import(args: &OpmlImportArgs) -> anyhow::Result<ExitCode> {
    let file = args.file.display();
    let bytes = match std::fs::read(&args.file) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("nahar: {file}: cannot read the OPML file: {e}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    // Feed readers write UTF-8, but an OPML file is XML and may declare another charset.
    let hints = nahar::fetch::charset::CharsetHints {
        kind: nahar::fetch::DocumentKind::Xml,
        ..Default::default()
    };
    let text = nahar::fetch::charset::decode(&bytes, &hints).text;
    let list = match nahar::opml::read(&text) {
        Ok(list) => list,
        Err(e) => {
            eprintln!("nahar: {file}:{e}; nothing was imported");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    for skipped in &list.skipped {
        eprintln!(
            "nahar: warning: {file}:{}:{}: outline skipped: {}",
            skipped.line, skipped.column, skipped.reason
        );
    }
    // A config named with -c that does not exist yet is created; an unnamed one must be found.
    let path = match config::locate(args.config.path.as_deref()) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("nahar: {e}; name the file to create with -c FILE");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            eprintln!(
                "nahar: {}: cannot read the config file: {e}",
                path.display()
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let config = match config::parse(&existing, &path) {
        Ok(config) => config,
        Err(errors) => return Ok(config_errors(&path, &errors)),
    };
    let plan = nahar::opml::plan_import(&config, &list);
    let summary = format!(
        "{} new, {} already in {}, {} listed more than once, {} outlines skipped",
        plan.added.len(),
        plan.already_configured.len(),
        path.display(),
        plan.repeated.len(),
        list.skipped.len()
    );
    if plan.added.is_empty() {
        println!("nothing to add from {file}: {summary}");
        return Ok(ExitCode::SUCCESS);
    }
    let note = format!(
        "Added by `nahar opml import {file}` on {}.",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    let edited = config::append_sources(&existing, &plan.added, &note)
        .with_context(|| format!("{}: cannot add the sources", path.display()))?;
    // The edit must give a config nahar accepts; a bug here must not damage the user's file.
    if let Err(errors) = config::parse(&edited, &path) {
        bail!(
            "{}: the edited config would not be valid, nothing was written:\n{errors}",
            path.display()
        );
    }
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        out.write_all(&edited.as_bytes()[existing.len()..])?;
        writeln!(out, "\n# dry run, nothing written: {summary}")?;
        return Ok(ExitCode::SUCCESS);
    }
    nahar::files::replace(&path, edited.as_bytes())
        .with_context(|| format!("{}: cannot write the config file", path.display()))?;
    let names: Vec<&str> = plan.added.iter().map(|s| s.name.as_str()).collect();
    writeln!(out, "added to {}: {}", path.display(), names.join(", "))?;
    writeln!(out, "{summary}")?;
    Ok(ExitCode::SUCCESS)
}

/// `nahar opml export`: the config's feed sources as OPML 2.0 on stdout.
fn opml_export(arg: &ConfigArg) -> anyhow::Result<ExitCode> {
    let config = match load_config(arg) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    let exported = nahar::opml::write(&config, chrono::Utc::now());
    for (name, why) in &exported.left_out {
        eprintln!("nahar: left out of the OPML: {name} ({why})");
    }
    let mut out = std::io::stdout().lock();
    out.write_all(exported.opml.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `--since`: a day (UTC midnight) or an RFC 3339 moment.
fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("--since {text:?}: expected YYYY-MM-DD or an RFC 3339 time"))
}

/// `nahar records export --from nats`: the stream's records as JSON Lines, on stdout or as
/// daily files in a new directory.
fn records_export(args: &RecordsExportArgs) -> anyhow::Result<ExitCode> {
    let config = match load_config(&args.config) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    let since = match args.since.as_deref().map(parse_since).transpose() {
        Ok(since) => since,
        Err(message) => {
            eprintln!("nahar: {message}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let Some(nats) = &config.nats else {
        eprintln!(
            "nahar: {}: records export --from nats needs a [nats] table",
            config.path.display()
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    if let Some(dir) = &args.out {
        let used = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
        if used {
            eprintln!(
                "nahar: {}: not empty; an export writes new files only (choose a new directory)",
                dir.display()
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    }
    export_from_nats(nats, since, args.out.as_deref())
}

#[cfg(feature = "nats")]
fn export_from_nats(
    nats: &config::NatsConfig,
    since: Option<chrono::DateTime<chrono::Utc>>,
    out: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    use nahar::sink::SinkError;
    let mut files: std::collections::BTreeMap<String, BufWriter<std::fs::File>> =
        Default::default();
    let stdout = std::io::stdout();
    let mut to_stdout = BufWriter::new(stdout.lock());
    let io_error = |path: &std::path::Path, e: std::io::Error| SinkError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let exported = nahar::sink::nats::export(nats, since, |json| {
        let Some(dir) = out else {
            return to_stdout
                .write_all(json)
                .and_then(|()| to_stdout.write_all(b"\n"))
                .map_err(|e| io_error(std::path::Path::new("<stdout>"), e));
        };
        #[derive(serde::Deserialize)]
        struct Ingested {
            ingested: String,
        }
        let day = serde_json::from_slice::<Ingested>(json)
            .ok()
            .and_then(|r| r.ingested.get(..10).map(str::to_owned))
            .ok_or_else(|| SinkError::Io {
                path: dir.to_owned(),
                message: "a message on the stream is not a nahar record (no `ingested`)".to_owned(),
            })?;
        let file = match files.entry(day) {
            std::collections::btree_map::Entry::Occupied(file) => file.into_mut(),
            std::collections::btree_map::Entry::Vacant(entry) => {
                nahar::files::create_private_dir(dir).map_err(|e| io_error(dir, e))?;
                let path = dir.join(format!("{}.jsonl", entry.key()));
                let file = nahar::files::open_private(&path, nahar::files::Access::Append, true)
                    .map_err(|e| io_error(&path, e))?;
                entry.insert(BufWriter::new(file))
            }
        };
        file.write_all(json)
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|e| io_error(dir, e))
    });
    let finished = to_stdout
        .flush()
        .map_err(anyhow::Error::from)
        .and_then(|()| {
            for (day, file) in files {
                let file = file
                    .into_inner()
                    .map_err(|e| anyhow::anyhow!("writing {day}.jsonl: {}", e.error()))?;
                file.sync_all()
                    .with_context(|| format!("writing {day}.jsonl"))?;
            }
            Ok(())
        });
    match (exported, finished) {
        (Ok(count), Ok(())) => {
            eprintln!(
                "nahar: {count} records exported from the NATS stream {}",
                nats.stream()
            );
            Ok(ExitCode::SUCCESS)
        }
        (Err(err), _) => {
            eprintln!("nahar: {err}");
            Ok(ExitCode::from(EXIT_FAILED))
        }
        (_, Err(err)) => {
            eprintln!("nahar: {err:#}");
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

/// `nahar cluster status`: the group's instances as they describe themselves.
fn cluster_status(args: &ClusterStatusArgs) -> anyhow::Result<ExitCode> {
    let config = match load_config(&args.config) {
        Ok(config) => config,
        Err(code) => return Ok(code),
    };
    let Some(nats) = &config.nats else {
        eprintln!(
            "nahar: {}: cluster status needs a [nats] table",
            config.path.display()
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    };
    print_cluster_status(&config, nats, args.json)
}

#[cfg(feature = "nats")]
fn print_cluster_status(
    config: &Config,
    nats: &config::NatsConfig,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use nahar::cluster::leases::Group;
    let read = nahar::cluster::Cluster::connect(nats, true).and_then(|cluster| {
        cluster.wait_connected()?;
        let reader = cluster.clone();
        cluster.block_on(async move {
            match Group::existing(&reader).await? {
                Some(group) => Ok(Some((group.instances().await?, group.holders().await?))),
                None => Ok(None),
            }
        })?
    });
    let (instances, holders) = match read {
        Ok(Some(found)) => found,
        Ok(None) => (Vec::new(), Vec::new()),
        Err(err) => {
            eprintln!("nahar: {err}");
            return Ok(ExitCode::from(EXIT_FAILED));
        }
    };
    let held: std::collections::HashSet<&str> = holders.iter().map(|(h, _)| h.as_str()).collect();
    let mut unheld: Vec<String> = config
        .sources
        .iter()
        .map(nahar::cluster::source_host)
        .filter(|host| !held.contains(host.as_str()))
        .collect();
    unheld.sort();
    unheld.dedup();
    let mut out = BufWriter::new(std::io::stdout().lock());
    if json {
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({"prefix": nats.prefix, "instances": instances, "unheld": unheld}),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{} instance(s) in the group `{}`; {} host(s) held, {} not held",
            instances.len(),
            nats.prefix,
            holders.len(),
            unheld.len()
        )?;
        for instance in &instances {
            let since = instance
                .started
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default();
            writeln!(
                out,
                "{}  on {} (pid {}, nahar {}, since {since}): {} host(s), {} source(s), lag {}s",
                instance.id,
                instance.hostname,
                instance.pid,
                instance.version,
                instance.hosts.len(),
                instance.sources,
                instance.lag_secs
            )?;
            if !instance.hosts.is_empty() {
                writeln!(out, "    {}", instance.hosts.join(", "))?;
            }
        }
        if !unheld.is_empty() {
            writeln!(out, "not held: {}", unheld.join(", "))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "nats"))]
fn print_cluster_status(
    _config: &Config,
    _nats: &config::NatsConfig,
    _json: bool,
) -> anyhow::Result<ExitCode> {
    eprintln!("nahar: {}", config::WITHOUT_NATS);
    Ok(ExitCode::from(EXIT_USAGE))
}

#[cfg(not(feature = "nats"))]
fn export_from_nats(
    _nats: &config::NatsConfig,
    _since: Option<chrono::DateTime<chrono::Utc>>,
    _out: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    eprintln!("nahar: {}", config::WITHOUT_NATS);
    Ok(ExitCode::from(EXIT_USAGE))
}

#[cfg(test)]
mod tests {
    use super::use_colour;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
        assert!(!use_colour(false, Some(OsStr::new("1"))));
    }
}
