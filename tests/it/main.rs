//! nahar's one integration-test binary: the real binary as a child process, the public corpus
//! against its ground truth, and the quality gates pinned in CI.

mod cli_detect;
mod corpus;
mod text_accuracy;
mod text_conformance;
