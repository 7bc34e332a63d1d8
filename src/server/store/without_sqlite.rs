//! The durable store in a build without SQLite (the `sqlite` feature off): opening one says
//! so, and nothing else can be reached, since no store is ever made durable.

use std::path::Path;

use super::{Change, Resource};

/// Why the store could not open or write its database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: this build has no SQLite (the `sqlite` feature)")]
    Open { path: String },
}

/// A durable store: none can exist in this build.
#[derive(Debug)]
pub(super) enum Durable {}

impl Durable {
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        Err(StoreError::Open {
            path: path.display().to_string(),
        })
    }

    pub(super) fn load(&self) -> Result<Vec<Resource>, StoreError> {
        match *self {}
    }

    pub(super) fn commit(&mut self, _changes: &[Change]) -> Result<(), StoreError> {
        match *self {}
    }
}
