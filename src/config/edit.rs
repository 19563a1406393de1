//! Adding sources to a config file's text without touching what is there.
//!
//! In: the file's text and the sources to add. Out: the new text — the old text byte for byte,
//! then one `[[source]]` table per new source (after a comment saying where they came from) —
//! or an [`EditError`]. Edited with `toml_edit` (the crate `toml` is built on), which keeps
//! comments, order and blank lines; the result is checked to begin with the old text.
//! Never: reads or writes a file (the command does, atomically), or removes or reorders anything.

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};
use url::Url;

/// A source to add: what an OPML import knows of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSource {
    /// Already valid and unique in the config.
    pub name: String,
    pub url: Url,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub site: Option<Url>,
}

/// Why sources could not be added to a config text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the config is not valid TOML: {0}")]
    Toml(String),
    #[error("`source` is not written as [[source]] tables; add the sources by hand")]
    SourceNotTables,
}

/// `text` with `sources` appended as `[[source]]` tables, the first one after `note` (a comment
/// line without its `#`).
pub fn append_sources(text: &str, sources: &[NewSource], note: &str) -> Result<String, EditError> {
    let mut document: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::Toml(e.to_string()))?;
    // New tables are printed after every table the file has, then the document's trailing
    // comments; moving those comments in front of the first new table keeps the old text a prefix.
    let last_position = last_table_position(document.as_table());
    let mut before = document.trailing().as_str().unwrap_or_default().to_owned();
    if !text.is_empty() && !text.ends_with('\n') && before.is_empty() {
        before.push('\n');
    }
    if !text.is_empty() {
        before.push('\n');
    }
    before.push_str(&format!("# {note}\n"));
    document.set_trailing("");
    let tables = match document.get_mut("source") {
        None => {
            document.insert("source", Item::ArrayOfTables(ArrayOfTables::new()));
            match document.get_mut("source") {
                Some(Item::ArrayOfTables(tables)) => tables,
                _ => return Err(EditError::SourceNotTables),
            }
        }
        Some(Item::ArrayOfTables(tables)) => tables,
        Some(_) => return Err(EditError::SourceNotTables),
    };
    for (i, source) in sources.iter().enumerate() {
        let mut table = Table::new();
        table.insert("name", value(source.name.as_str()));
        table.insert("url", value(source.url.as_str()));
        if let Some(title) = &source.title {
            table.insert("title", value(title.as_str()));
        }
        if !source.tags.is_empty() {
            let tags: Array = source.tags.iter().map(String::as_str).collect();
            table.insert("tags", value(tags));
        }
        if let Some(site) = &source.site {
            table.insert("site", value(site.as_str()));
        }
        let offset = isize::try_from(i).unwrap_or(isize::MAX);
        table.set_position(Some(last_position.saturating_add(1).saturating_add(offset)));
        let prefix = if i == 0 { before.as_str() } else { "\n" };
        table.decor_mut().set_prefix(prefix);
        tables.push(table);
    }
    let edited = document.to_string();
    // What the guarantee rests on, checked rather than assumed of toml_edit's printer.
    if edited.starts_with(text) {
        Ok(edited)
    } else {
        Err(EditError::Toml(
            "the file could not be extended without changing its text".to_owned(),
        ))
    }
}

/// The highest print position of any table in `table`, at any depth (0 when there is none).
fn last_table_position(table: &Table) -> isize {
    let mut last = table.position().unwrap_or(0);
    for (_, item) in table.iter() {
        match item {
            Item::Table(child) => last = last.max(last_table_position(child)),
            Item::ArrayOfTables(children) => {
                for child in children.iter() {
                    last = last.max(last_table_position(child));
                }
            }
            _ => {}
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, url: &str) -> NewSource {
        NewSource {
            name: name.to_owned(),
            url: Url::parse(url).unwrap(),
            title: None,
            tags: vec![],
            site: None,
        }
    }

    #[test]
    fn the_old_text_stays_a_prefix_whatever_comes_last() {
        let texts = [
            "",
            "[output]\ndir = \"x\"",
            "# only a comment\n",
            "[[source]]\nname = \"a\"\nurl = \"https://a.example/\"\n[source.select]\nitem = \"x\"\nlink = \"a@href\"\n\n[defaults]\ninterval = \"5m\"\n\n# trailing\n# comments\n",
            "[[source]]\nname = \"a\" # why\nurl = \"https://a.example/\"\n\n\n",
        ];
        for text in texts {
            let mut new = source("b", "https://b.example/feed?x=1&y=2");
            new.title = Some("בי \"quoted\"".to_owned());
            new.tags = vec!["News".to_owned(), "חדשות".to_owned()];
            new.site = Some(Url::parse("https://b.example/").unwrap());
            let edited = append_sources(
                text,
                &[new, source("c", "https://c.example/")],
                "from x.opml",
            )
            .unwrap();
            assert!(edited.starts_with(text), "{edited}");
            let added = &edited[text.len()..];
            assert!(
                added.contains("# from x.opml\n[[source]]\nname = \"b\"\nurl = \"https://b.example/feed?x=1&y=2\"\ntitle = 'בי \"quoted\"'\ntags = [\"News\", \"חדשות\"]\nsite = \"https://b.example/\"\n\n[[source]]\nname = \"c\"\nurl = \"https://c.example/\"\n"),
                "{added:?}"
            );
            let parsed: toml::Table = toml::from_str(&edited).unwrap();
            assert_eq!(
                parsed["source"].as_array().unwrap().last().unwrap()["name"].as_str(),
                Some("c")
            );
        }
    }

    #[test]
    fn source_written_otherwise_is_refused() {
        assert_eq!(
            append_sources("source = []\n", &[source("a", "https://a.example/")], "n"),
            Err(EditError::SourceNotTables)
        );
        assert!(matches!(
            append_sources("[output\n", &[], "n"),
            Err(EditError::Toml(_))
        ));
    }
}
