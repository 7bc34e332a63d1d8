//! The reference server's store: every resource in memory, indexed, and optionally made durable
//! in SQLite before a write is acknowledged.
//!
//! Reads never touch SQLite: the in-memory maps answer `GET` by id and the indexed lookups
//! (`userName`, `externalId`, `displayName`, `id`) that IdPs send before every create, so a
//! filtered lookup costs about what a read by id costs. A write runs under the one write lock:
//! the handler reads the current state, decides, and hands back [`Change`]s; those are committed
//! to SQLite in one transaction (when `--db` is given) and only then applied in memory and
//! acknowledged. A crash after the commit loses nothing that was acknowledged; a crash before it
//! loses only a write that was never acknowledged.

#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(not(feature = "sqlite"))]
#[path = "without_sqlite.rs"]
mod sqlite;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use jiff::Timestamp;
use serde_json::Value;

pub use sqlite::StoreError;

/// The two resource types the server holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    User,
    Group,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    pub fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }

    #[cfg(feature = "sqlite")]
    fn parse(text: &str) -> Option<Kind> {
        match text {
            "User" => Some(Kind::User),
            "Group" => Some(Kind::Group),
            _ => None,
        }
    }
}

/// One stored resource: its canonical body (no `id`, no `meta`) and its bookkeeping.
///
/// The body is also kept serialised, made once per write, so that a GET by id copies bytes
/// instead of cloning and re-serialising a JSON tree (see `server::render::render_json`).
/// Fields are read-only outside the store: build with [`Resource::new`] or
/// [`Resource::revised`], which keep the two forms in step.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: String,
    pub kind: Kind,
    /// Creation order, which is the order of unsorted lists.
    pub seq: u64,
    pub version: u64,
    pub created: Timestamp,
    pub last_modified: Timestamp,
    pub body: Value,
    body_json: Arc<str>,
}

impl Resource {
    pub fn new(
        id: String,
        kind: Kind,
        seq: u64,
        version: u64,
        created: Timestamp,
        last_modified: Timestamp,
        body: Value,
    ) -> Self {
        let body_json = Arc::from(body.to_string());
        Resource {
            id,
            kind,
            seq,
            version,
            created,
            last_modified,
            body,
            body_json,
        }
    }

    /// The next version of this resource, with a new body.
    pub fn revised(&self, body: Value, now: Timestamp) -> Self {
        Resource::new(
            self.id.clone(),
            self.kind,
            self.seq,
            self.version + 1,
            self.created,
            now,
            body,
        )
    }

    /// The body as JSON text: an object, `{…}`.
    pub fn body_json(&self) -> &str {
        &self.body_json
    }

    /// `W/"<version>"`, the value of `meta.version` and of the `ETag` header.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }

    /// The `value`s of a group's `members`.
    pub fn member_ids(&self) -> impl Iterator<Item = &str> {
        self.body
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|member| member.get("value").and_then(Value::as_str))
    }

    fn string_field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }
}

/// A write decided by a handler.
#[derive(Debug, Clone)]
pub enum Change {
    Put(Resource),
    Delete { kind: Kind, id: String },
}

/// Indexes over one kind. `userName` and `displayName` are keyed by their lowercase form since
/// both are case-insensitive (RFC 7643 §4.1.1, §4.2); `externalId` and `id` are case-exact.
#[derive(Debug, Default)]
struct Table {
    by_id: HashMap<String, Arc<Resource>>,
    order: BTreeMap<u64, String>,
    user_name: HashMap<String, BTreeSet<String>>,
    external_id: HashMap<String, BTreeSet<String>>,
    display_name: HashMap<String, BTreeSet<String>>,
}

fn index_insert(index: &mut HashMap<String, BTreeSet<String>>, key: Option<String>, id: &str) {
    if let Some(key) = key {
        index.entry(key).or_default().insert(id.to_owned());
    }
}

fn index_remove(index: &mut HashMap<String, BTreeSet<String>>, key: Option<String>, id: &str) {
    if let Some(key) = key
        && let Some(ids) = index.get_mut(&key)
    {
        ids.remove(id);
        if ids.is_empty() {
            index.remove(&key);
        }
    }
}

impl Table {
    fn insert(&mut self, resource: Resource) {
        self.remove(&resource.id.clone());
        let id = resource.id.clone();
        index_insert(
            &mut self.user_name,
            resource.string_field("userName").map(str::to_lowercase),
            &id,
        );
        index_insert(
            &mut self.external_id,
            resource.string_field("externalId").map(str::to_owned),
            &id,
        );
        index_insert(
            &mut self.display_name,
            resource.string_field("displayName").map(str::to_lowercase),
            &id,
        );
        self.order.insert(resource.seq, id.clone());
        self.by_id.insert(id, Arc::new(resource));
    }

    fn remove(&mut self, id: &str) -> Option<Arc<Resource>> {
        let old = self.by_id.remove(id)?;
        index_remove(
            &mut self.user_name,
            old.string_field("userName").map(str::to_lowercase),
            id,
        );
        index_remove(
            &mut self.external_id,
            old.string_field("externalId").map(str::to_owned),
            id,
        );
        index_remove(
            &mut self.display_name,
            old.string_field("displayName").map(str::to_lowercase),
            id,
        );
        self.order.remove(&old.seq);
        Some(old)
    }
}

/// An indexed attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Id,
    UserName,
    ExternalId,
    DisplayName,
}

/// The in-memory state. Readers hold it through [`Store::read`].
#[derive(Debug, Default)]
pub struct State {
    users: Table,
    groups: Table,
    /// member id → ids of the groups that list it directly.
    member_of: HashMap<String, BTreeSet<String>>,
    next_seq: u64,
}

impl State {
    fn table(&self, kind: Kind) -> &Table {
        match kind {
            Kind::User => &self.users,
            Kind::Group => &self.groups,
        }
    }

    fn table_mut(&mut self, kind: Kind) -> &mut Table {
        match kind {
            Kind::User => &mut self.users,
            Kind::Group => &mut self.groups,
        }
    }

    pub fn get(&self, kind: Kind, id: &str) -> Option<&Arc<Resource>> {
        self.table(kind).by_id.get(id)
    }

    /// A user or a group with this id.
    pub fn get_any(&self, id: &str) -> Option<&Arc<Resource>> {
        self.get(Kind::User, id)
            .or_else(|| self.get(Kind::Group, id))
    }

    /// Every resource of a kind, oldest first.
    pub fn all(&self, kind: Kind) -> impl Iterator<Item = &Arc<Resource>> {
        let table = self.table(kind);
        table.order.values().filter_map(|id| table.by_id.get(id))
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.table(kind).by_id.len()
    }

    /// The resources whose indexed attribute equals `key` (case-insensitively for `userName`
    /// and `displayName`), oldest first. `exact` keeps only byte-equal matches, for a server
    /// that compares `userName` case-sensitively.
    pub fn lookup(&self, kind: Kind, index: Index, key: &str, exact: bool) -> Vec<&Arc<Resource>> {
        let table = self.table(kind);
        let ids: Vec<&String> = match index {
            Index::Id => return table.by_id.get(key).into_iter().collect(),
            Index::UserName => table
                .user_name
                .get(&key.to_lowercase())
                .into_iter()
                .flatten()
                .collect(),
            Index::ExternalId => table.external_id.get(key).into_iter().flatten().collect(),
            Index::DisplayName => table
                .display_name
                .get(&key.to_lowercase())
                .into_iter()
                .flatten()
                .collect(),
        };
        let field = match index {
            Index::UserName => "userName",
            Index::DisplayName => "displayName",
            _ => "externalId",
        };
        let mut found: Vec<&Arc<Resource>> = ids
            .into_iter()
            .filter_map(|id| table.by_id.get(id))
            .filter(|resource| !exact || resource.string_field(field) == Some(key))
            .collect();
        found.sort_by_key(|resource| resource.seq);
        found
    }

    /// The groups that list `member_id` directly.
    pub fn groups_of(&self, member_id: &str) -> impl Iterator<Item = &Arc<Resource>> {
        self.member_of
            .get(member_id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.groups.by_id.get(id))
    }

    /// A sequence number for a new resource.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    fn apply(&mut self, change: Change) {
        match change {
            Change::Put(resource) => {
                self.next_seq = self.next_seq.max(resource.seq + 1);
                let kind = resource.kind;
                if kind == Kind::Group {
                    self.unlink_members(&resource.id);
                    for member in resource.member_ids() {
                        self.member_of
                            .entry(member.to_owned())
                            .or_default()
                            .insert(resource.id.clone());
                    }
                }
                self.table_mut(kind).insert(resource);
            }
            Change::Delete { kind, id } => {
                if kind == Kind::Group {
                    self.unlink_members(&id);
                }
                self.table_mut(kind).remove(&id);
            }
        }
    }

    fn unlink_members(&mut self, group_id: &str) {
        let Some(old) = self.groups.by_id.get(group_id).cloned() else {
            return;
        };
        for member in old.member_ids() {
            if let Some(groups) = self.member_of.get_mut(member) {
                groups.remove(group_id);
                if groups.is_empty() {
                    self.member_of.remove(member);
                }
            }
        }
    }
}

/// The store: state in memory, optionally persisted.
#[derive(Debug)]
pub struct Store {
    state: RwLock<State>,
    durable: Option<std::sync::Mutex<sqlite::Durable>>,
}

impl Store {
    /// An empty store that lives as long as the process.
    pub fn in_memory() -> Self {
        Store {
            state: RwLock::new(State::default()),
            durable: None,
        }
    }

    /// A store kept in the SQLite file at `path`, created if absent, loaded if present.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let durable = sqlite::Durable::open(path)?;
        let mut state = State::default();
        for resource in durable.load()? {
            state.apply(Change::Put(resource));
        }
        Ok(Store {
            state: RwLock::new(state),
            durable: Some(std::sync::Mutex::new(durable)),
        })
    }

    /// A consistent view for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        // A panic while holding the lock cannot leave the maps half-written (changes are
        // applied after every check has passed), so a poisoned lock is still sound to read.
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `decide` under the write lock; the changes it returns are made durable, then
    /// applied. An error from `decide` changes nothing.
    ///
    /// `decide` reads the clock itself, under the lock, for the time it stamps: writes are
    /// serialised here, so `meta.lastModified` then never goes back as `meta.version` goes up.
    pub fn write<T, E: From<StoreError>>(
        &self,
        decide: impl FnOnce(&State) -> Result<(T, Vec<Change>), E>,
    ) -> Result<T, E> {
        let mut state = self
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (outcome, changes) = decide(&state)?;
        if changes.is_empty() {
            return Ok(outcome);
        }
        if let Some(durable) = &self.durable {
            let mut durable = durable
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            durable.commit(&changes)?;
        }
        for change in changes {
            state.apply(change);
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(id: &str, seq: u64, user_name: &str) -> Resource {
        Resource::new(
            id.into(),
            Kind::User,
            seq,
            1,
            Timestamp::UNIX_EPOCH,
            Timestamp::UNIX_EPOCH,
            json!({"userName": user_name, "externalId": format!("ext-{id}")}),
        )
    }

    fn group(id: &str, seq: u64, members: &[&str]) -> Resource {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        Resource::new(
            id.into(),
            Kind::Group,
            seq,
            1,
            Timestamp::UNIX_EPOCH,
            Timestamp::UNIX_EPOCH,
            json!({"displayName": "G", "members": members}),
        )
    }

    fn put(store: &Store, resource: Resource) {
        store
            .write(|_| Ok::<_, StoreError>(((), vec![Change::Put(resource)])))
            .unwrap();
    }

    #[test]
    fn user_name_lookup_is_case_insensitive_unless_exact() {
        // Arrange
        let store = Store::in_memory();
        put(&store, user("1", 0, "Ada@Example.com"));

        // Act
        let state = store.read();
        let loose = state.lookup(Kind::User, Index::UserName, "ada@example.COM", false);
        let exact = state.lookup(Kind::User, Index::UserName, "ada@example.COM", true);

        // Assert
        assert_eq!(loose.len(), 1);
        assert!(exact.is_empty());
        assert_eq!(
            state
                .lookup(Kind::User, Index::ExternalId, "ext-1", false)
                .len(),
            1
        );
        assert!(
            state
                .lookup(Kind::User, Index::ExternalId, "EXT-1", false)
                .is_empty()
        );
    }

    #[test]
    fn renaming_moves_the_index_entry() {
        let store = Store::in_memory();
        put(&store, user("1", 0, "old"));
        put(&store, user("1", 0, "new"));
        let state = store.read();
        assert!(
            state
                .lookup(Kind::User, Index::UserName, "old", false)
                .is_empty()
        );
        assert_eq!(
            state
                .lookup(Kind::User, Index::UserName, "new", false)
                .len(),
            1
        );
    }

    #[test]
    fn membership_index_follows_group_writes_and_deletes() {
        let store = Store::in_memory();
        put(&store, user("u", 0, "u"));
        put(&store, group("g", 1, &["u"]));
        assert_eq!(store.read().groups_of("u").count(), 1);

        put(&store, group("g", 1, &[]));
        assert_eq!(store.read().groups_of("u").count(), 0);

        put(&store, group("g", 1, &["u"]));
        store
            .write(|_| {
                Ok::<_, StoreError>((
                    (),
                    vec![Change::Delete {
                        kind: Kind::Group,
                        id: "g".into(),
                    }],
                ))
            })
            .unwrap();
        assert_eq!(store.read().groups_of("u").count(), 0);
    }

    #[test]
    fn a_failed_decision_changes_nothing() {
        let store = Store::in_memory();
        let result: Result<(), StoreError> = store.write(|_| Err(StoreError::Corrupt("no".into())));
        assert!(result.is_err());
        assert_eq!(store.read().count(Kind::User), 0);
    }

    #[test]
    fn a_durable_store_reloads_what_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let store = Store::open(&path).unwrap();
            put(&store, user("1", 0, "ada"));
            put(&store, group("g", 1, &["1"]));
            put(&store, user("2", 2, "bob"));
            store
                .write(|_| {
                    Ok::<_, StoreError>((
                        (),
                        vec![Change::Delete {
                            kind: Kind::User,
                            id: "2".into(),
                        }],
                    ))
                })
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let state = store.read();
        assert_eq!(state.get(Kind::User, "1").unwrap().body["userName"], "ada");
        assert!(state.get(Kind::User, "2").is_none());
        assert_eq!(state.groups_of("1").count(), 1);
        assert_eq!(state.next_seq(), 2);
    }
}
