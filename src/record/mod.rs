//! The case record (留痕): every screening and every officer decision, kept
//! in one SQLite file a bureau can back up, so that what was checked, with
//! which data, and what was decided and why can be shown years later
//! (GB/T 39972-2021 asks that each review step be recorded automatically).
//!
//! Why one append-only table of entries, each carrying the hash of the one
//! before (a hash chain): one order for everything, one transaction per
//! screening (a process killed mid-write leaves the screening whole or
//! absent, never half), and any entry edited or deleted behind redline's
//! back breaks the chain at that entry, which [`CaseDb::verify`] names.
//! Triggers refuse updates and deletes from ordinary SQL; the chain catches
//! whoever drops them. Several viewers and command-line runs may write at
//! once: WAL lets readers go on, and each append takes the write lock before
//! it reads the chain's head, so two writers never fork it.

pub mod changes;
pub mod entries;
pub mod history;
pub mod verify;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::error::Error;
use sha2::{Digest, Sha256};

use crate::report::meta::hex;

pub use entries::{
    Case, DecisionRecord, FindingKey, FindingRecord, ParcelRecord, RecordedInput, RecordedOutput,
    Ruling, ScreeningRecord,
};

/// The schema this redline writes. A database at an older version is
/// migrated when opened; one at a newer version is refused, unchanged.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Each step from one schema version to the next; `MIGRATIONS[0]` is the
/// first schema. A step is never edited once released: a change is a new
/// step.
pub(crate) const MIGRATIONS: [&str; 3] = [
    // 1: the entries.
    "CREATE TABLE entry (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        at INTEGER NOT NULL,
        operator TEXT NOT NULL,
        case_no TEXT,
        screening INTEGER,
        parcel TEXT,
        body TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX entry_case ON entry(case_no, kind, seq);",
    // 2: a parcel's history and a screening's parcels without a scan, and
    // append-only enforced by the database itself.
    "CREATE INDEX entry_parcel ON entry(parcel, seq) WHERE parcel IS NOT NULL;
    CREATE INDEX entry_screening ON entry(screening) WHERE screening IS NOT NULL;
    CREATE TRIGGER entry_no_update BEFORE UPDATE ON entry BEGIN
        SELECT RAISE(ABORT, 'the case record is append-only: record a new entry instead of changing one');
    END;
    CREATE TRIGGER entry_no_delete BEFORE DELETE ON entry BEGIN
        SELECT RAISE(ABORT, 'the case record is append-only: entries are never deleted');
    END;",
    // 3: a screening of 200 000 parcels wrote each parcel's entry into three
    // indexes, a third of the time it took to record. A parcel's entry is
    // found by its parcel, or as one of its screening's, which follow the
    // screening in one run (`CaseDb::parcels_of`); cases, screenings,
    // decisions and outputs are indexed without the parcels among them
    // (a query names them with `kind <> 'parcel'`, which these indexes need).
    "DROP INDEX entry_screening;
    DROP INDEX entry_case;
    CREATE INDEX entry_case ON entry(case_no, kind, seq) WHERE kind <> 'parcel';
    CREATE INDEX entry_kind ON entry(kind, seq) WHERE kind <> 'parcel';",
];

/// Marks a SQLite file as a redline case record ("RDLN").
const APPLICATION_ID: i32 = 0x5244_4c4e;

/// How long a writer waits for another to finish before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A case opened, or its particulars or parcel files changed.
    Case,
    /// A screening: its inputs, parameters, counts and outputs.
    Screening,
    /// One parcel's result in a screening.
    Parcel,
    /// An officer's decision on a parcel or one of its findings.
    Decision,
    /// A report written after its screening (from the viewer), with its
    /// SHA-256.
    Output,
}

impl Kind {
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Case => "case",
            Kind::Screening => "screening",
            Kind::Parcel => "parcel",
            Kind::Decision => "decision",
            Kind::Output => "output",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Case => "案卷登记",
            Kind::Screening => "筛查",
            Kind::Parcel => "地块结果",
            Kind::Decision => "审查意见",
            Kind::Output => "输出文件",
        }
    }

    fn parse(keyword: &str) -> Option<Kind> {
        [
            Kind::Case,
            Kind::Screening,
            Kind::Parcel,
            Kind::Decision,
            Kind::Output,
        ]
        .into_iter()
        .find(|k| k.keyword() == keyword)
    }
}

/// One row of the record, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// The kind's keyword (kept as stored, so a tampered kind still verifies
    /// as tampered rather than failing to read).
    pub kind: String,
    /// When it was recorded, in seconds since 1970 UTC.
    pub at: i64,
    pub operator: String,
    /// The case's 受理编号, if the entry belongs to a case.
    pub case_no: Option<String>,
    /// The screening entry a parcel result belongs to.
    pub screening: Option<i64>,
    pub parcel: Option<String>,
    /// The entry's particulars, as JSON ([`entries`]).
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The hash the entry must carry: SHA-256 over every field but the
    /// hash itself, the previous entry's hash included, each field tagged
    /// (absent or present) and its text length-prefixed, so no two entries
    /// encode alike.
    pub fn computed_hash(&self) -> String {
        let mut hash = Sha256::new();
        let mut text = |value: Option<&str>| match value {
            None => hash.update([0u8]),
            Some(text) => {
                hash.update([1u8]);
                hash.update((text.len() as u64).to_le_bytes());
                hash.update(text.as_bytes());
            }
        };
        let seq = self.seq.to_string();
        let at = self.at.to_string();
        let screening = self.screening.map(|s| s.to_string());
        text(Some(&seq));
        text(Some(&self.kind));
        text(Some(&at));
        text(Some(&self.operator));
        text(self.case_no.as_deref());
        text(screening.as_deref());
        text(self.parcel.as_deref());
        text(Some(&self.body));
        text(Some(&self.prev_hash));
        hex(&hash.finalize())
    }

    pub fn kind(&self) -> Option<Kind> {
        Kind::parse(&self.kind)
    }

    /// The body read as `T`; an error names the entry.
    pub fn body<T: serde::de::DeserializeOwned>(&self, db: &Path) -> Result<T, Error> {
        serde_json::from_str(&self.body).map_err(|e| Error::Record {
            path: db.to_path_buf(),
            message: format!(
                "entry {} ({}) cannot be read: {e}; run `redline history --verify` to see whether it was altered",
                self.seq, self.kind
            ),
        })
    }

    fn from_row(row: &rusqlite::Row) -> rusqlite::Result<Entry> {
        Ok(Entry {
            seq: row.get(0)?,
            kind: row.get(1)?,
            at: row.get(2)?,
            operator: row.get(3)?,
            case_no: row.get(4)?,
            screening: row.get(5)?,
            parcel: row.get(6)?,
            body: row.get(7)?,
            prev_hash: row.get(8)?,
            hash: row.get(9)?,
        })
    }
}

/// The columns of [`Entry::from_row`], in its order.
const ENTRY_COLUMNS: &str =
    "seq, kind, at, operator, case_no, screening, parcel, body, prev_hash, hash";

/// An entry to append: what the caller says; the sequence number, the time
/// and the chain are the record's.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: Kind,
    pub case_no: Option<String>,
    pub screening: Option<i64>,
    pub parcel: Option<String>,
    pub body: String,
}

impl NewEntry {
    pub fn new(kind: Kind, body: &impl serde::Serialize) -> NewEntry {
        NewEntry {
            kind,
            case_no: None,
            screening: None,
            parcel: None,
            // Serialising plain data to a string cannot fail.
            body: serde_json::to_string(body).unwrap_or_default(),
        }
    }

    pub fn case(mut self, case_no: Option<&str>) -> NewEntry {
        self.case_no = case_no.map(str::to_string);
        self
    }

    pub fn parcel(mut self, parcel: &str) -> NewEntry {
        self.parcel = Some(parcel.to_string());
        self
    }
}

/// An open case record.
pub struct CaseDb {
    conn: Connection,
    path: PathBuf,
}

/// Where the case record lives unless `--db` says otherwise:
/// `REDLINE_DB`, else `cases.sqlite` in the user's data folder (the
/// viewer's settings folder: `$XDG_DATA_HOME/redline`,
/// `~/.local/share/redline`, `%APPDATA%\redline\data`,
/// `~/Library/Application Support/redline`).
pub fn default_path() -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os("REDLINE_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let dir = crate::user_folders::data_dir().ok_or_else(|| {
        Error::Usage(
            "no user data folder to keep the case record in (HOME is not set): give one with --db FILE or REDLINE_DB".to_string(),
        )
    })?;
    // The user's own data folder is made when first needed; a folder
    // given with --db is not (a typo should not make folders).
    std::fs::create_dir_all(&dir).map_err(|e| Error::Record {
        path: dir.clone(),
        message: format!("cannot create the folder: {e}; give another place with --db FILE"),
    })?;
    Ok(dir.join("cases.sqlite"))
}

impl CaseDb {
    /// Opens the record at `path` to read it: one that does not exist is
    /// refused, not made.
    pub fn open_existing(path: &Path) -> Result<CaseDb, Error> {
        if !path.exists() {
            return Err(Error::Record {
                path: path.to_path_buf(),
                message: "there is no case record here: nothing was recorded in it; give the record with --db FILE (or REDLINE_DB)".to_string(),
            });
        }
        CaseDb::open(path)
    }

    /// Opens the record at `path`, creating it when new (in a folder that
    /// exists), migrating an older schema; refuses a newer one and a file
    /// that is not a case record, leaving them as they were.
    pub fn open(path: &Path) -> Result<CaseDb, Error> {
        let fail = |message: String| Error::Record {
            path: path.to_path_buf(),
            message,
        };
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
        {
            return Err(fail(format!(
                "its folder {} does not exist; create it or give another place with --db",
                dir.display()
            )));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| fail(format!("cannot open: {e}")))?;
        let mut db = CaseDb {
            conn,
            path: path.to_path_buf(),
        };
        db.prepare()
            .map_err(|e| fail(format!("cannot open: {e}")))?
            .map_err(fail)?;
        Ok(db)
    }

    /// Pragmas, then the schema; the outer error is SQLite's, the inner
    /// one a refusal in words.
    fn prepare(&mut self) -> rusqlite::Result<Result<(), String>> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // A new record gets SQLite's largest pages: a screening of 200 000
        // parcels is 80 MB written to the log and again to the file, and
        // half of recording it went in the calls for 4 KB pages. Only a new
        // file takes it (before WAL is set); an older record keeps its own.
        self.conn.pragma_update(None, "page_size", 65536)?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Ok(Err(format!(
                "the database cannot use write-ahead logging (journal mode {mode}); keep it on a local disk"
            )));
        }
        // An audit trail outlives a power cut: every commit reaches the disk.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let application_id: i32 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let tables: i64 = tx.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            [],
            |r| r.get(0),
        )?;
        if tables > 0 && application_id != APPLICATION_ID {
            return Ok(Err(
                "this SQLite file is not a redline case record; give another file with --db (it was not changed)".to_string(),
            ));
        }
        if version > SCHEMA_VERSION {
            return Ok(Err(format!(
                "made by a newer redline (schema version {version}; redline {} reads up to {SCHEMA_VERSION}): use that version of redline or a later one (the file was not changed)",
                env!("CARGO_PKG_VERSION")
            )));
        }
        for step in &MIGRATIONS[usize::try_from(version).unwrap_or(0)..] {
            tx.execute_batch(step)?;
        }
        if version < SCHEMA_VERSION {
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()?;
        Ok(Ok(()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql_error(&self, e: rusqlite::Error) -> Error {
        Error::Record {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Appends `make(first_seq)`'s entries in one transaction, chained to
    /// the record's head at that moment; `first_seq` is the number the first
    /// of them gets (parcel results point to their screening with it).
    /// Returns the numbers given. All are written, or none.
    pub fn append<I: IntoIterator<Item = NewEntry>>(
        &mut self,
        operator: &str,
        make: impl FnOnce(i64) -> I + Send,
    ) -> Result<Vec<i64>, Error> {
        let at = time::OffsetDateTime::now_utc().unix_timestamp();
        append_at(&mut self.conn, at, operator, make).map_err(|e| self.sql_error(e))
    }

    /// Every entry matching `filter` (an SQL condition on the entry's
    /// columns with `?` parameters), in order.
    pub fn entries_where(
        &self,
        filter: &str,
        values: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Entry>, Error> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entry WHERE {filter} ORDER BY seq");
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.sql_error(e))?;
        let rows = statement
            .query_map(values, Entry::from_row)
            .map_err(|e| self.sql_error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.sql_error(e))
    }

    /// The entries after `seq`, in order, while `belongs` says they do.
    pub fn entries_after(
        &self,
        seq: i64,
        belongs: impl Fn(&Entry) -> bool,
    ) -> Result<Vec<Entry>, Error> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entry WHERE seq > ? ORDER BY seq");
        let mut statement = self.conn.prepare(&sql).map_err(|e| self.sql_error(e))?;
        let mut rows = statement
            .query_map([seq], Entry::from_row)
            .map_err(|e| self.sql_error(e))?;
        let mut entries = Vec::new();
        for entry in rows.by_ref() {
            let entry = entry.map_err(|e| self.sql_error(e))?;
            if !belongs(&entry) {
                break;
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    /// The entry numbered `seq`, if the record has it.
    pub fn entry(&self, seq: i64) -> Result<Option<Entry>, Error> {
        self.conn
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM entry WHERE seq = ?"),
                [seq],
                Entry::from_row,
            )
            .optional()
            .map_err(|e| self.sql_error(e))
    }

    /// The highest number SQLite ever gave an entry: above the last entry's
    /// when entries were deleted from the end.
    pub(crate) fn highest_seq_given(&self) -> Result<i64, Error> {
        self.conn
            .query_row(HIGHEST_SEQ_GIVEN, [], |r| r.get(0))
            .map_err(|e| self.sql_error(e))
    }
}

/// The highest entry number SQLite has given (AUTOINCREMENT keeps it).
const HIGHEST_SEQ_GIVEN: &str =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'entry'), 0)";

/// [`CaseDb::append`] on a connection at any schema version, at a given time.
/// The entries are made and chained on a thread of their own while SQLite
/// inserts them: serialising and hashing 200 000 parcel results is a fifth
/// of recording them.
pub(crate) fn append_at<I: IntoIterator<Item = NewEntry>>(
    conn: &mut Connection,
    at: i64,
    operator: &str,
    make: impl FnOnce(i64) -> I + Send,
) -> rusqlite::Result<Vec<i64>> {
    // The write lock first: the head read below stays the head.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (mut seq, mut prev_hash) = tx
        .query_row(
            "SELECT seq, hash FROM entry ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.to_string()));
    // A number deleted from the end is not given again.
    let given: i64 = tx.query_row(HIGHEST_SEQ_GIVEN, [], |r| r.get(0))?;
    seq = seq.max(given);
    let numbers = std::thread::scope(|scope| {
        let (chained, entries) = std::sync::mpsc::sync_channel::<Entry>(1024);
        scope.spawn(move || {
            for new in make(seq + 1) {
                seq += 1;
                let mut entry = Entry {
                    seq,
                    kind: new.kind.keyword().to_string(),
                    at,
                    operator: operator.to_string(),
                    case_no: new.case_no,
                    screening: new.screening,
                    parcel: new.parcel,
                    body: new.body,
                    prev_hash: std::mem::take(&mut prev_hash),
                    hash: String::new(),
                };
                entry.hash = entry.computed_hash();
                prev_hash.clone_from(&entry.hash);
                // Inserting failed: its error is the one returned.
                if chained.send(entry).is_err() {
                    break;
                }
            }
        });
        let mut insert = tx.prepare(
            "INSERT INTO entry (seq, kind, at, operator, case_no, screening, parcel, body, prev_hash, hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )?;
        entries
            .into_iter()
            .map(|entry| {
                insert.execute(params![
                    entry.seq,
                    entry.kind,
                    entry.at,
                    entry.operator,
                    entry.case_no,
                    entry.screening,
                    entry.parcel,
                    entry.body,
                    entry.prev_hash,
                    entry.hash
                ])?;
                Ok(entry.seq)
            })
            .collect::<rusqlite::Result<Vec<i64>>>()
    })?;
    tx.commit()?;
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::verify::ChainFault;
    use super::*;

    fn case(number: &str) -> Case {
        Case {
            number: number.to_string(),
            name: "某某产业园项目".to_string(),
            applicant: "某某公司".to_string(),
            parcel_files: vec![PathBuf::from("parcels.geojson")],
        }
    }

    fn db_in(dir: &tempfile::TempDir) -> CaseDb {
        CaseDb::open(&dir.path().join("cases.sqlite")).unwrap()
    }

    /// Tampering as someone with the file and the sqlite3 shell would:
    /// the append-only triggers dropped first.
    fn tamper(path: &Path, sql: &str) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS entry_no_update; DROP TRIGGER IF EXISTS entry_no_delete;",
        )
        .unwrap();
        conn.execute_batch(sql).unwrap();
    }

    #[test]
    fn an_intact_record_verifies_and_its_cases_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = db_in(&dir);
        db.save_case(&case("2026-0001"), "张三").unwrap();
        let mut renamed = case("2026-0001");
        renamed.name = "某某产业园项目（二期）".to_string();
        db.save_case(&renamed, "李四").unwrap();
        db.save_case(&case("2026-0002"), "张三").unwrap();
        let check = db.verify().unwrap();
        assert!(check.intact(), "{:?}", check.faults);
        assert_eq!(check.entries, 3);
        assert_eq!(check.head.as_ref().map(|h| h.0), Some(3));
        let cases = db.cases().unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].body.name, "某某产业园项目（二期）");
        assert_eq!(cases[0].entry.operator, "李四");
    }

    #[test]
    fn the_chain_names_an_edited_entry() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = db_in(&dir);
        for n in 1..=4 {
            db.save_case(&case(&format!("2026-000{n}")), "张三")
                .unwrap();
        }
        drop(db);
        let path = dir.path().join("cases.sqlite");
        tamper(&path, "UPDATE entry SET operator = '王五' WHERE seq = 2");
        let check = CaseDb::open(&path).unwrap().verify().unwrap();
        assert_eq!(check.faults.len(), 1, "{:?}", check.faults);
        assert!(
            matches!(&check.faults[0], ChainFault::Edited { seq: 2, what } if what.contains("2026-0002"))
        );

        // Edited with its hash recomputed: the next entry no longer follows it.
        let fixed = CaseDb::open(&path).unwrap().entry(2).unwrap().unwrap();
        tamper(
            &path,
            &format!(
                "UPDATE entry SET hash = '{}' WHERE seq = 2",
                fixed.computed_hash()
            ),
        );
        let check = CaseDb::open(&path).unwrap().verify().unwrap();
        assert_eq!(check.faults, vec![ChainFault::Relinked { seq: 3 }]);
    }

    #[test]
    fn the_chain_names_deleted_entries_in_the_middle_and_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = db_in(&dir);
        for n in 1..=6 {
            db.save_case(&case(&format!("2026-000{n}")), "张三")
                .unwrap();
        }
        drop(db);
        let path = dir.path().join("cases.sqlite");
        tamper(&path, "DELETE FROM entry WHERE seq IN (3, 4)");
        let check = CaseDb::open(&path).unwrap().verify().unwrap();
        assert_eq!(
            check.faults,
            vec![ChainFault::Deleted { first: 3, last: 4 }]
        );
        tamper(&path, "DELETE FROM entry WHERE seq = 6");
        let check = CaseDb::open(&path).unwrap().verify().unwrap();
        assert_eq!(
            check.faults,
            vec![
                ChainFault::Deleted { first: 3, last: 4 },
                ChainFault::Deleted { first: 6, last: 6 }
            ]
        );
        // A new entry after the deletion does not reuse the number or hide it.
        let mut db = CaseDb::open(&path).unwrap();
        assert_eq!(db.save_case(&case("2026-0007"), "张三").unwrap(), 7);
        let faults = db.verify().unwrap().faults;
        assert!(
            faults.contains(&ChainFault::Deleted { first: 6, last: 6 }),
            "{faults:?}"
        );
    }

    #[test]
    fn the_database_refuses_updates_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = db_in(&dir);
        db.save_case(&case("2026-0001"), "张三").unwrap();
        let conn = Connection::open(dir.path().join("cases.sqlite")).unwrap();
        let update = conn.execute("UPDATE entry SET operator = 'x'", []);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = conn.execute("DELETE FROM entry", []);
        assert!(delete.unwrap_err().to_string().contains("append-only"));
    }

    #[test]
    fn a_first_schema_record_is_migrated_with_its_entries_and_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.sqlite");
        {
            // The record as the first schema wrote it.
            let mut conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            for n in 1..=3 {
                let entry = NewEntry::new(Kind::Case, &case(&format!("2025-000{n}")))
                    .case(Some(&format!("2025-000{n}")));
                append_at(&mut conn, 1_750_000_000 + n, "张三", |_| vec![entry]).unwrap();
            }
        }
        let mut db = CaseDb::open(&path).unwrap();
        let version: i32 = db
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        assert_eq!(db.cases().unwrap().len(), 3);
        db.save_case(&case("2026-0004"), "李四").unwrap();
        let check = db.verify().unwrap();
        assert!(check.intact(), "{:?}", check.faults);
        assert_eq!(check.entries, 4);
        // The second schema's guard is in place on the migrated file.
        let err = db.conn.execute("DELETE FROM entry", []).unwrap_err();
        assert!(err.to_string().contains("append-only"));
        // The third's indexes, which leave parcel results out.
        let indexes: Vec<String> = db
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entry' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(indexes, ["entry_case", "entry_kind", "entry_parcel"]);
        // Its pages stay as they were made; a new record's are the largest.
        let page_size = |db: &CaseDb| -> i64 {
            db.conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(page_size(&db), 4096);
        assert_eq!(page_size(&db_in(&tempfile::tempdir().unwrap())), 65536);
    }

    #[test]
    fn a_newer_record_and_a_foreign_database_are_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.sqlite");
        drop(CaseDb::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = CaseDb::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer redline"), "{err}");
        assert!(
            err.contains(&format!("schema version {}", SCHEMA_VERSION + 1)),
            "{err}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);

        let other = dir.path().join("other.sqlite");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE parcels (id TEXT)")
            .unwrap();
        let err = CaseDb::open(&other).err().unwrap().to_string();
        assert!(err.contains("not a redline case record"), "{err}");
    }

    fn screening_of(parcels: &[ParcelRecord]) -> ScreeningRecord {
        ScreeningRecord {
            source: "命令行 command line".to_string(),
            tool_version: "0".to_string(),
            plan: "plan".to_string(),
            inputs: Vec::new(),
            parameters: Default::default(),
            counts: [("clear".to_string(), parcels.len())].into(),
            unscreened: Vec::new(),
            outputs: Vec::new(),
        }
    }

    fn parcel(id: &str) -> ParcelRecord {
        ParcelRecord {
            id: id.to_string(),
            name: String::new(),
            file: PathBuf::from("parcels.shp"),
            verdict: "clear".to_string(),
            area_m2: 1.0,
            findings: Vec::new(),
        }
    }

    /// A screening's parcel results are found as the entries after it,
    /// whatever comes next; cases, screenings and decisions through indexes
    /// that hold no parcel result, and a parcel's history through its own.
    #[test]
    fn entries_are_found_through_indexes_and_a_screenings_parcels_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = db_in(&dir);
        db.save_case(&case("2026-0001"), "张三").unwrap();
        let first: Vec<ParcelRecord> = ["A-1", "A-2", "A-3"].map(parcel).into();
        let second: Vec<ParcelRecord> = ["B-1"].map(parcel).into();
        let a = db
            .record_screening(Some("2026-0001"), "张三", &screening_of(&first), &first)
            .unwrap();
        let b = db
            .record_screening(None, "张三", &screening_of(&second), &second)
            .unwrap();
        let empty = db
            .record_screening(None, "张三", &screening_of(&[]), &[])
            .unwrap();
        let output = RecordedOutput {
            path: PathBuf::from("report.pdf"),
            sha256: GENESIS.to_string(),
        };
        db.record_output(None, "张三", Some(empty), &output)
            .unwrap();
        let ids = |seq| -> Vec<String> {
            db.parcels_of(seq)
                .unwrap()
                .into_iter()
                .map(|p| p.body.id)
                .collect()
        };
        assert_eq!(ids(a), ["A-1", "A-2", "A-3"]);
        assert_eq!(ids(b), ["B-1"]);
        assert!(ids(empty).is_empty());
        assert_eq!(db.screenings(Some("2026-0001")).unwrap().len(), 1);
        assert_eq!(db.screenings(None).unwrap().len(), 3);

        let plan = |filter: &str| -> String {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {ENTRY_COLUMNS} FROM entry WHERE {filter} ORDER BY seq"
            );
            let mut statement = db.conn.prepare(&sql).unwrap();
            let unbound = vec![rusqlite::types::Null; statement.parameter_count()];
            let details: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(unbound), |r| {
                    r.get::<_, String>(3)
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            details.join("; ")
        };
        for (filter, index) in [
            (entries::OF_CASE, "entry_case"),
            (entries::OF_KIND, "entry_kind"),
            ("parcel = ?1", "entry_parcel"),
            (
                "at >= ?1 AND case_no = ?2 AND kind <> 'parcel'",
                "entry_case",
            ),
        ] {
            let used = plan(filter);
            assert!(
                used.contains(&format!("USING INDEX {index}")),
                "{filter}: {used}"
            );
        }
    }

    #[test]
    fn writers_on_threads_lose_no_entry_and_keep_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.sqlite");
        drop(CaseDb::open(&path).unwrap());
        std::thread::scope(|scope| {
            for writer in 0..4 {
                let path = &path;
                scope.spawn(move || {
                    let mut db = CaseDb::open(path).unwrap();
                    for n in 0..25 {
                        db.save_case(&case(&format!("W{writer}-{n:02}")), "张三")
                            .unwrap();
                    }
                });
            }
        });
        let db = CaseDb::open(&path).unwrap();
        let check = db.verify().unwrap();
        assert!(check.intact(), "{:?}", check.faults);
        assert_eq!(check.entries, 100);
        assert_eq!(db.cases().unwrap().len(), 100);
    }
}
