//! Writing a config's feed sources as OPML 2.0 (UTF-8).
//!
//! Every `kind = "feed"` source with an http(s) URL becomes
//! `<outline type="rss" text=… title=… xmlUrl=… htmlUrl=…/>` (title from `title`, else the
//! name; `htmlUrl` from `site` when set), inside nested folder outlines named by its `tags`
//! (its category path), folders and feeds in config order. `page` sources (a feed reader cannot
//! read a listing page without nahar's selectors) and `file:` sources (paths on this machine)
//! are left out and named in [`Exported::left_out`].

use std::fmt::Write as _;

use crate::config::{Config, SourceConfig, SourceKind, SourceLocation};

/// The OPML text and the sources it does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub opml: String,
    /// `(name, why)` of every source left out.
    pub left_out: Vec<(String, &'static str)>,
}

/// A folder of the export: its sub-folders in the order first met, then its feeds in config
/// order.
#[derive(Debug, Default)]
struct Folder<'c> {
    name: String,
    folders: Vec<Folder<'c>>,
    feeds: Vec<(&'c SourceConfig, &'c url::Url)>,
}

impl<'c> Folder<'c> {
    /// The sub-folder `path` (created as needed).
    fn folder(&mut self, path: &[String]) -> &mut Folder<'c> {
        let Some((first, rest)) = path.split_first() else {
            return self;
        };
        let at = match self.folders.iter().position(|f| &f.name == first) {
            Some(at) => at,
            None => {
                self.folders.push(Folder {
                    name: first.clone(),
                    ..Folder::default()
                });
                self.folders.len() - 1
            }
        };
        self.folders[at].folder(rest)
    }
}

/// `config`'s feed sources as an OPML 2.0 document; `created` is its `dateCreated`.
pub fn write(config: &Config, created: chrono::DateTime<chrono::Utc>) -> Exported {
    let mut root = Folder::default();
    let mut left_out = Vec::new();
    for source in &config.sources {
        match (&source.kind, &source.location) {
            (SourceKind::Page, _) => left_out.push((
                source.name.clone(),
                "a page source (a listing page read with CSS selectors) is not a feed",
            )),
            (SourceKind::Feed, SourceLocation::File(_)) => left_out.push((
                source.name.clone(),
                "a file: source names a path on this machine",
            )),
            (SourceKind::Feed, SourceLocation::Http(url)) => {
                root.folder(&source.tags).feeds.push((source, url));
            }
        }
    }
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n");
    let _ = writeln!(
        out,
        "    <title>nahar sources ({})</title>",
        escape(&config.path.display().to_string())
    );
    let _ = writeln!(
        out,
        "    <dateCreated>{}</dateCreated>",
        created.to_rfc2822()
    );
    out.push_str("  </head>\n  <body>\n");
    write_contents(&mut out, &root, 2);
    out.push_str("  </body>\n</opml>\n");
    Exported {
        opml: out,
        left_out,
    }
}

/// The folders and feeds of `folder`, indented `depth` steps.
fn write_contents(out: &mut String, folder: &Folder<'_>, depth: usize) {
    let indent = "  ".repeat(depth);
    for sub in &folder.folders {
        let name = escape(&sub.name);
        let _ = writeln!(out, "{indent}<outline text=\"{name}\" title=\"{name}\">");
        write_contents(out, sub, depth + 1);
        let _ = writeln!(out, "{indent}</outline>");
    }
    for (source, url) in &folder.feeds {
        let title = escape(source.title.as_deref().unwrap_or(&source.name));
        let _ = write!(
            out,
            "{indent}<outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{}\"",
            escape(url.as_str())
        );
        if let Some(site) = &source.site {
            let _ = write!(out, " htmlUrl=\"{}\"", escape(site.as_str()));
        }
        out.push_str("/>\n");
    }
}

/// Text as an XML attribute value: the five markup characters escaped, tab and line ends as
/// character references (a parser would fold them to spaces), other characters XML 1.0 forbids
/// dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_and_drops_what_xml_forbids() {
        assert_eq!(
            escape("a&b <c> \"d\" 'e'\tf\u{1}ג"),
            "a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;&#9;fג"
        );
    }
}
