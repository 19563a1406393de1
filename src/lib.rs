//! nahar ingests news from feeds and web pages, works out the language and writing direction of
//! every piece of text — Hebrew posts embedded in English articles, English names inside Hebrew
//! headlines — normalizes it, and writes clean records to disk.
//!
//! The pipeline, in order (each module's own documentation says what it takes and gives):
//!
//! ```text
//! SourceConfig ─fetch─▶ Document ─parse─▶ FeedEntry ─extract─▶ Article ─text─▶ Analysis
//!                                                            ─record─▶ Record ─state─▶ Change ─sink─▶ JSONL
//! ```
//!
//! - [`text`]: the text core — normalization, script runs, language and direction. Pure: no I/O,
//!   no async, never fails.
//! - [`cli`]: the command line's types (no logic).

pub mod config;
pub mod extract;
pub mod fetch;
pub mod links;
pub mod parse;
pub mod text;

pub mod cli;
