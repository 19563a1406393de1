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
//! - [`config`]: the TOML file, validated, every error at once.
//! - [`fetch`]: HTTP and `file://` sources, capped and polite, decoded by the charset chain.
//! - [`parse`]: a document's items (feed-rs), with stable identities and canonical links.
//! - [`extract`]: an item's article as plain text blocks.
//! - [`text`]: the text core — normalization, script runs, language and direction. Pure: no I/O,
//!   no async, never fails.
//! - [`record`]: the SPEC.md record of one item.
//! - `cluster` (feature `nats`): the NATS JetStream cluster several instances share — one
//!   connection, the key-value buckets, the instances and the hosts each holds.
//! - [`state`]: what was written before (revisions), HTTP validators, source health — in the
//!   output directory, or in the cluster's buckets.
//! - [`sink`]: durable JSON Lines, torn-line repair, the output-directory lock.
//! - [`pipeline`]: the only code that knows the order of the stages; `nahar fetch` and the daemon
//!   both call [`pipeline::Ingester::ingest_source`].
//! - [`report`]: per-source outcomes, the run summary and its exit status.
//! - [`daemon`]: `nahar run` — the scheduler, signals, reloads, `/health` and `/metrics`.
//! - [`opml`]: the feed readers' subscription lists, in and out of the config (beside the
//!   pipeline, not in it).
//! - [`markup`]: CSS selectors with errors in words, `sel@attr` fields, and the cost guard that
//!   keeps hostile nesting from the HTML parser (a leaf the stages share).
//! - [`dates`]: timestamps as feeds and pages write them (a leaf the stages share).
//! - [`hash`]: the hashes nahar persists (record ids, content and source hashes), one function
//!   per format.
//! - [`files`]: file-system operations shared by several parts (atomic replacement).
//! - [`cli`]: the command line's types (no logic).

pub mod config;
pub mod fetch;
pub mod parse;
pub mod extract;
pub mod links;
pub mod text;
pub mod record;
#[cfg(feature = "nats")]
pub mod cluster;
pub mod state;
pub mod sink;
pub mod pipeline;
pub mod report;
pub mod daemon;

pub mod opml;
pub mod dates;
pub mod hash;
pub mod markup;
pub mod files;
pub mod shown;
pub mod cli;
#[cfg(test)]
mod test_corpus;
