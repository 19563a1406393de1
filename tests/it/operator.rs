//! What an operator meets before any feed is read: where the config is looked for, what `check`
//! promises, the files nahar leaves behind, logs fit for a file, the README's instructions and
//! a typo on the command line.

use std::path::Path;

use crate::binary::{Run, nahar, run};

fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_config_error_without_a_place_has_no_position_and_a_missing_config_names_the_search() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = Run::of(
        nahar()
            .current_dir(dir.path())
            .args(["fetch", "-c", "missing.toml"]),
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("nahar: missing.toml: cannot read the config file: No such file"),
        "{}",
        missing.stderr
    );
    assert!(!missing.stderr.contains(":0:0"), "{}", missing.stderr);

    for command in [["fetch"], ["check"], ["run"]] {
        let none = Run::of(nahar().current_dir(dir.path()).args(command));
        assert_eq!(none.code, 1, "{command:?}");
        assert!(
            none.stderr.contains("none given with -c FILE or $NAHAR_CONFIG, and neither ./nahar.toml nor ./config/nahar.toml exists"),
            "{command:?}: {}",
            none.stderr
        );
    }
    // The search order: $NAHAR_CONFIG, then ./nahar.toml, then ./config/nahar.toml.
    std::fs::create_dir(dir.path().join("config")).expect("mkdir");
    std::fs::write(
        dir.path().join("config/nahar.toml"),
        "[output]\ndir = \"from-config-dir\"\n",
    )
    .expect("write");
    let found = Run::of(nahar().current_dir(dir.path()).arg("check"));
    assert!(found.stdout.contains("from-config-dir"), "{}", found.stdout);
    std::fs::write(
        dir.path().join("nahar.toml"),
        "[output]\ndir = \"from-cwd\"\n",
    )
    .expect("write");
    let found = Run::of(nahar().current_dir(dir.path()).arg("check"));
    assert!(found.stdout.contains("from-cwd"), "{}", found.stdout);
    std::fs::write(
        dir.path().join("env.toml"),
        "[output]\ndir = \"from-env\"\n",
    )
    .expect("write");
    let found = Run::of(
        nahar()
            .current_dir(dir.path())
            .env("NAHAR_CONFIG", "env.toml")
            .arg("check"),
    );
    assert!(found.stdout.contains("from-env"), "{}", found.stdout);
}

#[test]
fn check_refuses_an_output_dir_it_cannot_use_and_warns_of_missing_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("afile"), "x").expect("write");
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        "[output]\ndir = \"afile\"\n\n[[source]]\nname = \"archive\"\nurl = \"file:archive/\"\n",
    )
    .expect("write");
    let config = config.display().to_string();
    let checked = run(&["check", "-c", &config]);
    assert_eq!(checked.code, 1, "{}", checked.stdout);
    assert!(
        checked.stderr.contains("[output] dir")
            && checked
                .stderr
                .contains("afile: exists and is not a directory"),
        "{}",
        checked.stderr
    );
    // `fetch` says the same, in the same words.
    let fetched = run(&["fetch", "-c", &config]);
    assert_eq!(fetched.code, 1);
    assert!(
        fetched
            .stderr
            .contains("afile: exists and is not a directory"),
        "{}",
        fetched.stderr
    );

    std::fs::write(
        dir.path().join("nahar.toml"),
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"archive\"\nurl = \"file:archive/\"\n",
    )
    .expect("write");
    let checked = run(&["check", "-c", &config]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(
        checked.stderr.contains("warning: source archive:")
            && checked.stderr.contains("/archive/ does not exist"),
        "{}",
        checked.stderr
    );
    assert!(
        !dir.path().join("out").exists(),
        "check created the output directory"
    );
}

#[cfg(unix)]
#[test]
fn the_lock_file_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("feed.xml"),
        "<rss version=\"2.0\"><channel><item><title>t</title><guid>1</guid></item></channel></rss>",
    )
    .expect("write");
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        "[output]\ndir = \"out\"\n[[source]]\nname = \"a\"\nurl = \"file:feed.xml\"\n",
    )
    .expect("write");
    let out = run(&["fetch", "-c", &config.display().to_string()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mode = std::fs::metadata(dir.path().join("out/nahar.lock"))
        .expect("lock")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// `printf '\377' | nahar detect` logs a warning (invalid UTF-8): with stderr a pipe, and under a
/// pseudo-terminal (`script`, in util-linux) with and without `NO_COLOR`.
#[test]
fn logs_are_coloured_only_on_a_terminal_and_never_with_no_color() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("input");
    std::fs::write(&input, b"\xff").expect("write");
    let piped = Run::of(
        nahar()
            .args(["detect", "--log-level", "warn"])
            .stdin(std::fs::File::open(&input).expect("open")),
    );
    assert!(piped.stderr.contains("not valid UTF-8"), "{}", piped.stderr);
    assert!(
        !piped.stderr.contains('\u{1b}'),
        "colour in piped logs: {:?}",
        piped.stderr
    );

    let under_terminal = |no_color: Option<&str>| -> String {
        let mut command = std::process::Command::new("script");
        command.args([
            "-qec",
            &format!(
                "printf '\\377' | {} detect --log-level warn",
                env!("CARGO_BIN_EXE_nahar")
            ),
            "/dev/null",
        ]);
        command.env_remove("NO_COLOR");
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let out = command.output().expect("script(1) from util-linux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = under_terminal(None);
    assert!(coloured.contains("not valid UTF-8"), "{coloured:?}");
    assert!(
        coloured.contains("\u{1b}["),
        "no colour on a terminal: {coloured:?}"
    );
    let plain = under_terminal(Some("1"));
    assert!(plain.contains("not valid UTF-8"), "{plain:?}");
    assert!(
        !plain.contains('\u{1b}'),
        "colour despite NO_COLOR: {plain:?}"
    );
}

#[test]
fn a_mistyped_command_gets_a_suggestion() {
    let out = run(&["fecth", "-c", "x.toml"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("unrecognized subcommand 'fecth'"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("similar subcommand exists: 'fetch'"),
        "{}",
        out.stderr
    );
}

/// Every `nahar SUBCOMMAND` the README shows is one the binary knows; the README says how to
/// install it and where it lands; the example configs' output is ignored by git; and no
/// document says source names are used in file names (they never are).
#[test]
fn the_readme_and_example_configs_tell_the_truth() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("README.md");
    let help = run(&["--help"]).stdout;
    let mut shown = 0;
    let mut in_code = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let Some(rest) = line.trim_start().strip_prefix("nahar ").filter(|_| in_code) else {
            continue;
        };
        let sub = rest.split_whitespace().next().unwrap_or_default();
        if sub.starts_with('-') || sub.starts_with('(') {
            continue;
        }
        assert!(
            help.contains(&format!("  {sub} ")),
            "README shows `nahar {sub}`, which --help does not list:\n{help}"
        );
        shown += 1;
    }
    assert!(shown >= 8, "only {shown} commands found in README");
    assert!(
        readme.contains("cargo install --locked --path ."),
        "README: how to install"
    );
    assert!(
        readme.contains("~/.cargo/bin/nahar"),
        "README: where the binary lands"
    );

    let gitignore = std::fs::read_to_string(repo(".gitignore")).expect(".gitignore");
    for example in ["config/demo.toml", "config/nahar.toml"] {
        let config =
            nahar::config::load(Path::new(&repo(example))).expect("an example config loads");
        let dir = std::path::absolute(&config.output.dir).expect("absolute");
        let dir = dir
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .expect("inside the repository");
        let dir = dir
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect::<std::path::PathBuf>();
        let normalized: Vec<_> = dir.components().fold(Vec::new(), |mut parts, c| {
            match c {
                std::path::Component::ParentDir => {
                    parts.pop();
                }
                other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
            }
            parts
        });
        let entry = format!("/{}", normalized.join("/"));
        assert!(
            gitignore.lines().any(|l| l.trim() == entry),
            "{example} writes to {entry}, which .gitignore does not list"
        );
    }
    for document in ["config/nahar.toml", "docs/SPEC.md", "README.md"] {
        let text = std::fs::read_to_string(repo(document)).expect("document");
        assert!(
            !text.contains("used in records and file names")
                && !text.contains("used in records and\n#                 file names"),
            "{document} says source names are used in file names"
        );
    }
}

/// `feed.xml` in `dir`: four items dated an hour apart (an `auto` source learns 30 minutes).
fn write_hourly_feed(dir: &Path) {
    let items: String = (0..4)
        .map(|h| {
            format!("<item><guid>{h}</guid><title>Item {h}</title><pubDate>Wed, 20 Nov 2024 {:02}:00:00 GMT</pubDate></item>", 10 + h)
        })
        .collect();
    std::fs::write(
        dir.join("feed.xml"),
        format!("<rss version=\"2.0\"><channel><title>t</title>{items}</channel></rss>"),
    )
    .expect("write");
}

/// `nahar check` shows the interval an `auto` source runs at: `[defaults] interval` until
/// something is learned, then half the gap between the items' dates.
#[test]
fn check_shows_the_interval_an_auto_source_runs_at() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_hourly_feed(dir.path());
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        "[output]\ndir = \"out\"\n[defaults]\ninterval = \"4s\"\nmin_interval = \"1s\"\n[[source]]\nname = \"a\"\nurl = \"file:feed.xml\"\ninterval = \"auto\"\n[[source]]\nname = \"b\"\nurl = \"file:feed.xml\"\ninterval = \"10m\"\n",
    )
    .expect("write");
    let config = config.display().to_string();
    let before = run(&["check", "-c", &config]);
    assert!(
        before.stdout.contains("interval=auto (4s until learned)"),
        "{}",
        before.stdout
    );
    assert!(before.stdout.contains("interval=10m "), "{}", before.stdout);
    assert_eq!(run(&["fetch", "-c", &config]).code, 0);
    let after = run(&["check", "-c", &config]);
    assert!(
        after
            .stdout
            .contains("interval=auto (30m, learned from item dates)"),
        "{}",
        after.stdout
    );
}

/// In a group the schedule is learned in the cluster, which `check` does not contact: it says
/// so instead of reading a local store left by an earlier run of files (stale for the group).
#[cfg(feature = "nats")]
#[test]
fn check_in_a_group_points_to_the_cluster_for_what_was_learned() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_hourly_feed(dir.path());
    let sources = "[defaults]\ninterval = \"4s\"\nmin_interval = \"1s\"\n[[source]]\nname = \"a\"\nurl = \"file:feed.xml\"\ninterval = \"auto\"\n";
    let config = dir.path().join("nahar.toml");
    std::fs::write(&config, format!("[output]\ndir = \"out\"\n{sources}")).expect("write");
    let config = config.display().to_string();
    // The local store learns the items' 1-hour gap.
    assert_eq!(run(&["fetch", "-c", &config]).code, 0);
    std::fs::write(
        &config,
        format!(
            "[output]\nkind = \"nats\"\ndir = \"out\"\n[nats]\nservers = [\"nats://127.0.0.1:4222\"]\n{sources}"
        ),
    )
    .expect("write");
    let group = run(&["check", "-c", &config]);
    assert_eq!(group.code, 0, "{}", group.stderr);
    assert!(
        group.stdout.contains(
            "interval=auto (4s until learned; what the group learned is in the cluster, on /health)"
        ),
        "{}",
        group.stdout
    );
}
