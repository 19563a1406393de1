//! nahar's integration-test binary (`tests/memory.rs` is the other: it runs alone): the real binary as a child process, the public corpus
//! against its ground truth, and the quality gates pinned in CI.

// A failed expectation in a test is a panic with its message: that is the report.
// Fixture files are written with `std::fs::write`: its non-atomicity matters for records and state, not for tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

mod binary;
mod records;
mod record_schema;
mod opml;
mod operator;
mod upgrade;
mod layout;
mod cli_detect;
mod corpus;
mod feed_corpus;
mod text_accuracy;
mod text_conformance;
mod cli_fetch;
mod articles;
mod extract_corpus;
mod embed_corpus;
mod hardening;
mod fidelity;
mod hostile;
mod daemon;
mod fetch_http;
mod fetch_links;
mod serve;
#[path = "../support/peak.rs"]
mod peak;
#[path = "../support/nats_server.rs"]
#[cfg(feature = "nats")]
mod nats_server;
mod nats;
mod group;
