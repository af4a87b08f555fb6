//! Checking the case record's hash chain: which entry was edited, which
//! were deleted, since they were recorded.

use super::{CaseDb, Entry, GENESIS};
use crate::error::Error;

/// What is wrong with one place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub enum ChainFault {
    /// The entry's content no longer matches its hash.
    Edited { seq: i64, what: String },
    /// Entries `first..=last` are gone (a gap in the numbers, or numbers
    /// given and no longer there at the end).
    Deleted { first: i64, last: i64 },
    /// The entry does not follow the entry before it as recorded: that one
    /// was replaced with its hash recomputed, or removed and the rest
    /// renumbered.
    Relinked { seq: i64 },
}

impl std::fmt::Display for ChainFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainFault::Edited { seq, what } => write!(
                f,
                "第 {seq} 条（{what}）被改动 entry {seq} ({what}) was changed after it was recorded: its content no longer matches its hash"
            ),
            ChainFault::Deleted { first, last } if first == last => write!(
                f,
                "第 {first} 条被删除 entry {first} was deleted after it was recorded"
            ),
            ChainFault::Deleted { first, last } => write!(
                f,
                "第 {first}–{last} 条被删除 entries {first} to {last} were deleted after they were recorded"
            ),
            ChainFault::Relinked { seq } => write!(
                f,
                "第 {seq} 条之前的记录被替换 the entry before entry {seq} is not the one recorded there: it was replaced or removed and the rest renumbered"
            ),
        }
    }
}

/// The chain checked from its first entry to its last.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainCheck {
    pub entries: usize,
    /// The last entry's number and hash.
    pub head: Option<(i64, String)>,
    pub faults: Vec<ChainFault>,
}

impl ChainCheck {
    pub fn intact(&self) -> bool {
        self.faults.is_empty()
    }
}

/// An entry in words, for a fault: its number is beside it.
fn describe(entry: &Entry) -> String {
    let kind = entry.kind().map_or(entry.kind.as_str(), |k| k.label_zh());
    let mut words = kind.to_string();
    if let Some(case_no) = &entry.case_no {
        words.push_str(&format!(" 案卷 {case_no}"));
    }
    if let Some(parcel) = &entry.parcel {
        words.push_str(&format!(" 地块 {parcel}"));
    }
    words
}

impl CaseDb {
    /// Checks every entry's hash and link, and that no entry is missing
    /// between the first and the highest number ever given.
    pub fn verify(&self) -> Result<ChainCheck, Error> {
        let entries = self.entries_where("1", &[])?;
        let mut faults = Vec::new();
        let mut expected_seq = 1;
        let mut prev_hash = GENESIS.to_string();
        for entry in &entries {
            if entry.seq > expected_seq {
                faults.push(ChainFault::Deleted {
                    first: expected_seq,
                    last: entry.seq - 1,
                });
            } else if entry.prev_hash != prev_hash {
                faults.push(ChainFault::Relinked { seq: entry.seq });
            }
            if entry.computed_hash() != entry.hash {
                faults.push(ChainFault::Edited {
                    seq: entry.seq,
                    what: describe(entry),
                });
            }
            expected_seq = entry.seq + 1;
            prev_hash = entry.hash.clone();
        }
        let given = self.highest_seq_given()?;
        if given >= expected_seq {
            faults.push(ChainFault::Deleted {
                first: expected_seq,
                last: given,
            });
        }
        Ok(ChainCheck {
            entries: entries.len(),
            head: entries.last().map(|e| (e.seq, e.hash.clone())),
            faults,
        })
    }
}
