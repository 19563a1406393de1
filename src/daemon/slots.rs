//! The daemon's sources in memory: one [`Slot`] per configured source, in config order, and a
//! queue of due times, so that finding what is due next costs O(log sources) however many there
//! are.
//!
//! In: the slots (built from the config and the stored state), and each change of a slot's due
//! time. Out: the sources due now, most overdue first, and the instant the next one is due.
//! Never: walks every source to answer either question (a daemon with 50,000 sources does that
//! after every check otherwise), or starts a source that is being checked.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use tokio::time::Instant;

use super::{SourceHealth, schedule};
use crate::config::{Defaults, Interval, SourceConfig, format_duration};
use crate::state::Cadence;

/// One scheduled source.
#[derive(Debug)]
pub(super) struct Slot {
    pub(super) config: SourceConfig,
    pub(super) due: Instant,
    pub(super) checking: bool,
    /// Checks of this source so far (varies the jitter from one check to the next).
    pub(super) round: u64,
    pub(super) health: SourceHealth,
    pub(super) cadence: Option<Cadence>,
    /// Not before this, the server asked (`Retry-After`, cache hints): no reload hurries it.
    pub(super) not_before: Instant,
    /// Out of the queue: its host is another instance's (a group's member), until woken.
    pub(super) parked: bool,
}

impl Slot {
    pub(super) fn new(config: SourceConfig, due: Instant, health: SourceHealth) -> Slot {
        Slot {
            config,
            due,
            checking: false,
            round: 0,
            health,
            cadence: None,
            not_before: due,
            parked: false,
        }
    }

    /// The interval rule of the schedule for this source; its health says the interval it runs
    /// at and where that comes from, and a change of an `auto` interval is logged.
    pub(super) fn base(&mut self, defaults: &Defaults) -> schedule::Base {
        let (base, from) = schedule::base(self.config.interval, self.cadence, defaults);
        let interval = format_duration(schedule::running_interval(base, defaults));
        if interval != self.health.interval || from.as_str() != self.health.interval_from {
            if matches!(self.config.interval, Interval::Auto) {
                tracing::info!(
                    source = %self.config.name,
                    interval = %interval,
                    from = from.as_str(),
                    "Interval chosen."
                );
            }
            self.health.interval = interval;
            self.health.interval_from = from.as_str();
        }
        base
    }
}

/// Every source's slot and the queue of their due times.
#[derive(Debug, Default)]
pub(super) struct Slots {
    slots: Vec<Slot>,
    by_name: HashMap<String, usize>,
    /// (due, slot index) for every slot not being checked. An entry whose slot is being checked
    /// or has since been given another due time is stale and skipped when it comes up: changing
    /// a due time is a push, never a search.
    queue: BinaryHeap<Reverse<(Instant, usize)>>,
}

impl Slots {
    /// The slots in config order, all queued.
    pub(super) fn new(slots: Vec<Slot>) -> Slots {
        let by_name = slots
            .iter()
            .enumerate()
            .map(|(index, slot)| (slot.config.name.clone(), index))
            .collect();
        let queue = slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| !slot.checking && !slot.parked)
            .map(|(index, slot)| Reverse((slot.due, index)))
            .collect();
        Slots {
            slots,
            by_name,
            queue,
        }
    }

    /// Takes every slot out (a reload builds the next set from them).
    pub(super) fn into_slots(self) -> Vec<Slot> {
        self.slots
    }

    pub(super) fn get_mut(&mut self, index: usize) -> &mut Slot {
        &mut self.slots[index]
    }

    pub(super) fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub(super) fn health(&self) -> Vec<SourceHealth> {
        self.slots.iter().map(|slot| slot.health.clone()).collect()
    }

    /// Sets the slot's due time and queues it (it is no longer being checked).
    pub(super) fn schedule(&mut self, index: usize, due: Instant) {
        let slot = &mut self.slots[index];
        slot.due = due;
        slot.checking = false;
        self.queue.push(Reverse((due, index)));
    }

    /// Takes the slot out of the queue (a check under way finishes; it is not queued again)
    /// until [`Slots::wake`].
    pub(super) fn park(&mut self, index: usize) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.parked = true;
        }
    }

    /// Queues a parked slot again, due at `due`.
    pub(super) fn wake(&mut self, index: usize, due: Instant) {
        if let Some(slot) = self.slots.get_mut(index) {
            slot.parked = false;
            if !slot.checking {
                self.schedule(index, due);
            } else {
                slot.due = due;
            }
        }
    }

    pub(super) fn get(&self, index: usize) -> Option<&Slot> {
        self.slots.get(index)
    }

    /// The most overdue slot due by `now`, marked as being checked.
    pub(super) fn start_due(&mut self, now: Instant) -> Option<usize> {
        while let Some(&Reverse((due, index))) = self.queue.peek() {
            if self.is_stale(due, index) {
                self.queue.pop();
                continue;
            }
            if due > now {
                return None;
            }
            self.queue.pop();
            self.slots[index].checking = true;
            return Some(index);
        }
        None
    }

    /// When the next slot not being checked is due.
    pub(super) fn next_due(&mut self) -> Option<Instant> {
        while let Some(&Reverse((due, index))) = self.queue.peek() {
            if self.is_stale(due, index) {
                self.queue.pop();
                continue;
            }
            return Some(due);
        }
        None
    }

    fn is_stale(&self, due: Instant, index: usize) -> bool {
        self.slots
            .get(index)
            .is_none_or(|slot| slot.checking || slot.parked || slot.due != due)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn slot(name: &str, due: Instant) -> Slot {
        let config = crate::config::parse(
            &format!("[[source]]\nname = \"{name}\"\nurl = \"https://example.org/{name}\"\n"),
            std::path::Path::new("test.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .sources
        .remove(0);
        Slot::new(config, due, SourceHealth::default())
    }

    #[test]
    fn due_slots_come_most_overdue_first_and_once() {
        let now = Instant::now();
        let s = Duration::from_secs;
        let mut slots = Slots::new(vec![
            slot("later", now + s(60)),
            slot("late", now - s(5)),
            slot("latest", now - s(50)),
        ]);
        assert_eq!(slots.next_due(), Some(now - s(50)));
        assert_eq!(slots.start_due(now), Some(2));
        assert_eq!(slots.start_due(now), Some(1));
        assert_eq!(slots.start_due(now), None);
        assert_eq!(slots.next_due(), Some(now + s(60)));
        // Being checked: not due again until it is scheduled.
        assert_eq!(slots.start_due(now + s(3600)), Some(0));
        assert_eq!(slots.next_due(), None);
        slots.schedule(1, now + s(10));
        assert_eq!(slots.next_due(), Some(now + s(10)));
        assert_eq!(slots.index_of("late"), Some(1));
        assert_eq!(slots.index_of("gone"), None);
    }

    #[test]
    fn a_parked_slot_is_never_due_until_woken() {
        let now = Instant::now();
        let s = Duration::from_secs;
        let mut slots = Slots::new(vec![slot("a", now - s(10)), slot("b", now + s(50))]);
        slots.park(0);
        assert_eq!(slots.next_due(), Some(now + s(50)));
        assert_eq!(slots.start_due(now), None);
        // A check that finishes on a parked slot does not queue it.
        slots.schedule(0, now - s(5));
        assert_eq!(slots.start_due(now), None);
        slots.wake(0, now - s(1));
        assert_eq!(slots.start_due(now), Some(0));
        // Parked while being checked, woken before it finished: queued when it finishes.
        slots.park(0);
        slots.wake(0, now);
        assert_eq!(slots.start_due(now), None);
        slots.schedule(0, now);
        assert_eq!(slots.start_due(now), Some(0));
    }

    #[test]
    fn a_new_due_time_replaces_the_queued_one() {
        let now = Instant::now();
        let s = Duration::from_secs;
        let mut slots = Slots::new(vec![slot("a", now + s(100)), slot("b", now + s(50))]);
        // Brought forward, then pushed back: only the last time counts.
        slots.schedule(0, now + s(10));
        slots.schedule(0, now + s(200));
        assert_eq!(slots.next_due(), Some(now + s(50)));
        assert_eq!(slots.start_due(now + s(150)), Some(1));
        assert_eq!(slots.start_due(now + s(150)), None);
        assert_eq!(slots.start_due(now + s(200)), Some(0));
    }
}
