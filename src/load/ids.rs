//! The one thing a load run keeps per object: the id the target gave it.

use std::sync::OnceLock;

/// Target ids by index, written once each by whichever worker provisioned the object.
#[derive(Debug)]
pub struct Ids {
    slots: Box<[OnceLock<Box<str>>]>,
}

impl Ids {
    pub fn new(count: u64) -> Self {
        Ids {
            slots: (0..count).map(|_| OnceLock::new()).collect(),
        }
    }

    pub fn set(&self, index: u64, id: &str) {
        if let Some(slot) = self.slots.get(index as usize) {
            let _ = slot.set(id.into());
        }
    }

    pub fn get(&self, index: u64) -> Option<&str> {
        self.slots.get(index as usize)?.get().map(|id| &**id)
    }

    pub fn len(&self) -> u64 {
        self.slots.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many objects got an id.
    pub fn provisioned(&self) -> u64 {
        self.slots.iter().filter(|s| s.get().is_some()).count() as u64
    }
}
