//! `nahar opml import` and `nahar opml export` as a user runs them, on exports shaped like
//! Miniflux's, FreshRSS's and Feedly's (written from their documented formats, with Hebrew,
//! Arabic and Russian titles) and a nested OPML 2.0 file in ISO-8859-1.

use std::path::{Path, PathBuf};

use crate::binary::run;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/opml/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A config a person wrote: comments, blank lines, a `[defaults]` table after the sources, a
/// local source and one of the feeds the exports also list (ynet), so that it is "already there".
const EXISTING: &str = r#"# My sources.   Keep the comments!

[output]
dir = "out"   # records here

[[source]]
name = "local"
url = "file:local.xml"

# ynet, main news
[[source]]
name = "ynet-main"
url = "https://www.YNET.co.il:443/Integration/StoryRss2.xml"
lang_hint = "he"

[defaults]
interval = "15m"

# the end
"#;

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Dir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("local.xml"), "<rss/>").expect("write");
        Dir { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (url, title, category path, site) of every feed of an OPML text, in document order.
type FeedView = (String, Option<String>, Vec<String>, Option<String>);

fn feeds(opml: &str) -> Vec<FeedView> {
    nahar::opml::read(opml)
        .unwrap_or_else(|e| panic!("{e}\n{opml}"))
        .feeds
        .into_iter()
        .map(|f| {
            (
                f.url.to_string(),
                f.title,
                f.tags,
                f.site.map(|u| u.to_string()),
            )
        })
        .collect()
}

fn export(config: &str) -> String {
    let out = run(&["opml", "export", "-c", config]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn reader_exports_import_check_export_and_reimport_to_nothing_new() {
    // (file, new sources, already configured, listed twice, skipped outlines)
    let cases = [
        ("miniflux.opml", 5, 1, 0, 0),
        ("freshrss.opml", 4, 0, 0, 1),
        ("feedly.opml", 5, 1, 0, 0),
        ("nested.opml", 4, 0, 1, 0),
    ];
    for (file, new, already, twice, skipped) in cases {
        let dir = Dir::new();
        let config = dir.write("nahar.toml", EXISTING);
        let opml = fixture(file);

        let imported = run(&["opml", "import", &opml, "-c", &config]);
        assert_eq!(imported.code, 0, "{file}: {}", imported.stderr);
        let summary = format!(
            "{new} new, {already} already in {config}, {twice} listed more than once, {skipped} outlines skipped"
        );
        assert!(
            imported.stdout.contains(&summary),
            "{file}: {}",
            imported.stdout
        );
        assert_eq!(
            imported.stderr.matches("outline skipped").count(),
            skipped,
            "{file}: {}",
            imported.stderr
        );
        let text = read(&dir.path("nahar.toml"));
        assert!(
            text.starts_with(EXISTING),
            "{file}: the old text changed:\n{text}"
        );
        assert_eq!(text.matches("[[source]]").count(), 2 + new, "{file}");

        let checked = run(&["check", "-c", &config]);
        assert_eq!(checked.code, 0, "{file}: {}", checked.stderr);
        assert!(
            checked.stdout.contains(&format!("{} sources:", 2 + new)),
            "{}",
            checked.stdout
        );

        let again = run(&["opml", "import", &opml, "-c", &config]);
        assert_eq!(again.code, 0, "{file}: {}", again.stderr);
        assert!(
            again.stdout.starts_with("nothing to add"),
            "{file}: {}",
            again.stdout
        );
        assert_eq!(
            read(&dir.path("nahar.toml")),
            text,
            "{file}: a re-import changed the file"
        );

        // Round trip: export, import the export into a config that does not exist yet, export.
        let first = export(&config);
        let exported = dir.write("exported.opml", &first);
        let fresh = dir.path("fresh.toml").display().to_string();
        let reimported = run(&["opml", "import", &exported, "-c", &fresh]);
        assert_eq!(reimported.code, 0, "{file}: {}", reimported.stderr);
        let second = export(&fresh);
        // The first export also holds ynet-main, a source of the existing config.
        assert_eq!(feeds(&first).len(), new + 1, "{file}:\n{first}");
        assert_eq!(
            feeds(&second),
            feeds(&first),
            "{file}: the round trip changed the feeds"
        );
        let fresh_again = run(&["opml", "import", &exported, "-c", &fresh]);
        assert!(
            fresh_again.stdout.starts_with("nothing to add"),
            "{}",
            fresh_again.stdout
        );
    }
}

#[test]
fn names_titles_tags_and_sites_from_the_exports() {
    let dir = Dir::new();
    let config = dir.write("nahar.toml", "");
    for file in ["miniflux.opml", "freshrss.opml", "feedly.opml"] {
        let out = run(&["opml", "import", &fixture(file), "-c", &config]);
        assert_eq!(out.code, 0, "{file}: {}", out.stderr);
    }
    let config_text = read(&dir.path("nahar.toml"));
    let parsed = nahar::config::load(&dir.path("nahar.toml")).expect("a valid config");
    let find = |url: &str| {
        parsed
            .sources
            .iter()
            .find(|s| s.display_url() == url)
            .unwrap_or_else(|| panic!("no source for {url}:\n{config_text}"))
    };
    // A Latin title gives the name; a Hebrew or Arabic one leaves it to the host and path.
    let toi = find("https://www.timesofisrael.com/feed/");
    assert_eq!(toi.name, "the-times-of-israel");
    assert_eq!(toi.tags, vec!["English"]);
    assert_eq!(
        toi.site.as_ref().map(|u| u.as_str()),
        Some("https://www.timesofisrael.com/")
    );
    let arab48 = find("https://www.arab48.com/rss");
    assert_eq!(
        (arab48.name.as_str(), arab48.title.as_deref()),
        ("arab48-com", Some("عرب 48"))
    );
    assert_eq!(arab48.tags, vec!["عربي"]);
    let maariv = find("https://www.maariv.co.il/Rss/RssChadashot");
    assert_eq!(maariv.name, "maariv-co-il-rsschadashot");
    assert_eq!(maariv.tags, vec!["חדשות"]);
    // `&amp;` in an attribute is one `&` in the URL.
    find("https://rss.walla.co.il/feed/1?type=main&x=1");
    // FreshRSS's `Arabic &amp; Russian` folder and its Cyrillic title.
    let vesty = find("https://www.vesty.co.il/3rdparty/mobile/rss/vesty/13148/");
    assert_eq!(
        (vesty.title.as_deref(), vesty.tags.clone()),
        (Some("Вести"), vec!["Arabic & Russian".to_owned()])
    );
    // ynet is in Miniflux's and Feedly's exports: one source, the first file's title.
    assert_eq!(
        parsed
            .sources
            .iter()
            .filter(|s| s.display_url() == "https://www.ynet.co.il/Integration/StoryRss2.xml")
            .count(),
        1
    );
    let mut names: Vec<&str> = parsed.sources.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), parsed.sources.len(), "names are unique");
}

#[test]
fn a_dry_run_prints_and_writes_nothing() {
    let dir = Dir::new();
    let config = dir.write("nahar.toml", EXISTING);
    let out = run(&[
        "opml",
        "import",
        "--dry-run",
        &fixture("feedly.opml"),
        "-c",
        &config,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.matches("[[source]]").count(),
        5,
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("title = \"الجزيرة نت\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("dry run, nothing written"),
        "{}",
        out.stdout
    );
    assert_eq!(read(&dir.path("nahar.toml")), EXISTING);
    let missing = dir.path("new.toml").display().to_string();
    let out = run(&[
        "opml",
        "import",
        "--dry-run",
        &fixture("feedly.opml"),
        "-c",
        &missing,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !dir.path("new.toml").exists(),
        "a dry run created the config"
    );
}

#[test]
fn malformed_opml_is_an_error_at_its_line_and_column_and_nothing_is_written() {
    let dir = Dir::new();
    let config = dir.write("nahar.toml", EXISTING);
    let truncated = dir.write(
        "broken.opml",
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><body>\n  <outline text=\"News\">\n    <outline type=\"rss\" text=\"A\" xmlUrl=\"https://a.example/feed\"/>\n</body></opml>\n",
    );
    let out = run(&["opml", "import", &truncated, "-c", &config]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains(&format!("{truncated}:5:1: not well-formed XML")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("nothing was imported"),
        "{}",
        out.stderr
    );
    assert_eq!(read(&dir.path("nahar.toml")), EXISTING);

    let not_opml = dir.write("feed.opml", "<rss version=\"2.0\"><channel/></rss>");
    let fresh = dir.path("fresh.toml");
    let out = run(&[
        "opml",
        "import",
        &not_opml,
        "-c",
        &fresh.display().to_string(),
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(":1:1: not an OPML document"),
        "{}",
        out.stderr
    );
    assert!(
        !fresh.exists(),
        "a config was created for a file that is not OPML"
    );

    let invalid = dir.write(
        "invalid.toml",
        "[[source]]\nname = \"Bad Name\"\nurl = \"https://a.example/\"\n",
    );
    let out = run(&["opml", "import", &fixture("feedly.opml"), "-c", &invalid]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("invalid.toml:2:8: name must be lowercase"),
        "{}",
        out.stderr
    );
}

#[test]
fn export_leaves_out_page_and_file_sources_and_says_so() {
    let dir = Dir::new();
    let config = dir.write(
        "nahar.toml",
        "[[source]]\nname = \"feed\"\nurl = \"https://a.example/rss\"\ntitle = \"A & B <news>\"\ntags = [\"One\", \"Two\"]\nsite = \"https://a.example/\"\n\n[[source]]\nname = \"local\"\nurl = \"file:local.xml\"\n\n[[source]]\nname = \"listing\"\nkind = \"page\"\nurl = \"https://b.example/news/\"\n[source.select]\nitem = \"article\"\nlink = \"a@href\"\n",
    );
    let out = run(&["opml", "export", "-c", &config]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        feeds(&out.stdout),
        vec![(
            "https://a.example/rss".to_owned(),
            Some("A & B <news>".to_owned()),
            vec!["One".to_owned(), "Two".to_owned()],
            Some("https://a.example/".to_owned())
        )]
    );
    assert!(
        out.stdout
            .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">")
    );
    assert!(
        out.stdout.contains("text=\"A &amp; B &lt;news&gt;\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("left out of the OPML: local (a file: source"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("left out of the OPML: listing (a page source"),
        "{}",
        out.stderr
    );
}
