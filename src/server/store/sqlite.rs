//! The durable half of the store: one SQLite table, written in one transaction per request.
//!
//! `journal_mode=WAL` with `synchronous=FULL` makes a committed transaction survive the process
//! being killed (and the machine losing power), and the server acknowledges a write only after
//! the commit returns. The table holds each resource whole, as JSON: SQLite is the log that
//! rebuilds memory on start, never the place queries run.

use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::{Change, Kind, Resource};

/// Why the durable store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the database holds a row that cannot be read: {0}")]
    Corrupt(String),
}

#[derive(Debug)]
pub(super) struct Durable {
    connection: Connection,
}

impl Durable {
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let connection = Connection::open(path).map_err(open_error)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 CREATE TABLE IF NOT EXISTS resources (
                     id            TEXT    NOT NULL,
                     kind          TEXT    NOT NULL,
                     seq           INTEGER NOT NULL,
                     version       INTEGER NOT NULL,
                     created       TEXT    NOT NULL,
                     last_modified TEXT    NOT NULL,
                     body          TEXT    NOT NULL,
                     PRIMARY KEY (kind, id)
                 );",
            )
            .map_err(open_error)?;
        Ok(Durable { connection })
    }

    pub(super) fn load(&self) -> Result<Vec<Resource>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT id, kind, seq, version, created, last_modified, body FROM resources ORDER BY seq",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?;
        let mut resources = Vec::new();
        for row in rows {
            let (id, kind, seq, version, created, last_modified, body) = row?;
            let corrupt = |what: &str| StoreError::Corrupt(format!("{kind} {id}: {what}"));
            let time = |text: &str| {
                text.parse::<Timestamp>()
                    .map_err(|_| corrupt("bad timestamp"))
            };
            resources.push(Resource::new(
                id.clone(),
                Kind::parse(&kind).ok_or_else(|| corrupt("unknown kind"))?,
                u64::try_from(seq).map_err(|_| corrupt("negative seq"))?,
                u64::try_from(version).map_err(|_| corrupt("negative version"))?,
                time(&created)?,
                time(&last_modified)?,
                serde_json::from_str(&body).map_err(|_| corrupt("body is not JSON"))?,
            ));
        }
        Ok(resources)
    }

    pub(super) fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        {
            let mut upsert = transaction.prepare_cached(
                "INSERT OR REPLACE INTO resources (id, kind, seq, version, created, last_modified, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut delete =
                transaction.prepare_cached("DELETE FROM resources WHERE kind = ?1 AND id = ?2")?;
            for change in changes {
                match change {
                    Change::Put(resource) => {
                        upsert.execute(params![
                            resource.id,
                            resource.kind.as_str(),
                            i64::try_from(resource.seq).unwrap_or(i64::MAX),
                            i64::try_from(resource.version).unwrap_or(i64::MAX),
                            resource.created.to_string(),
                            resource.last_modified.to_string(),
                            resource.body_json(),
                        ])?;
                    }
                    Change::Delete { kind, id } => {
                        delete.execute(params![kind.as_str(), id])?;
                    }
                }
            }
        }
        transaction.commit()?;
        Ok(())
    }
}
