//! Source states set but not stored yet, for both stores.
//!
//! In: each state a pass or the daemon sets. Out: the newest per source, and after a store
//! wrote a snapshot, only what was set since. Never: stores anything itself.

use std::collections::HashMap;

use super::SourceState;

/// The newest state set per source, each with the number of the set, so that a save removes
/// only what it stored (a newer set during the save stays).
#[derive(Debug, Default)]
pub(super) struct Unsaved {
    sets: u64,
    sources: HashMap<String, (u64, SourceState)>,
}

impl Unsaved {
    pub(super) fn get(&self, source: &str) -> Option<&SourceState> {
        self.sources.get(source).map(|(_, state)| state)
    }

    pub(super) fn set(&mut self, source: &str, state: &SourceState) {
        self.sets += 1;
        self.sources
            .insert(source.to_owned(), (self.sets, state.clone()));
    }

    pub(super) fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Every unsaved state with its set number, for a store to write.
    pub(super) fn snapshot(&self) -> Vec<(String, u64, SourceState)> {
        self.sources
            .iter()
            .map(|(name, (set, state))| (name.clone(), *set, state.clone()))
            .collect()
    }

    /// Drops what a committed write stored, unless set again since.
    pub(super) fn forget(&mut self, saved: &[(String, u64)]) {
        for (name, set) in saved {
            if self.sources.get(name).is_some_and(|(now, _)| now == set) {
                self.sources.remove(name);
            }
        }
    }

    /// Drops a source's unsaved state (a store wrote a newer one itself).
    pub(super) fn remove(&mut self, source: &str) {
        self.sources.remove(source);
    }
}
