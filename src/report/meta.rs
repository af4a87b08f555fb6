//! What a report says about itself: when it was made, by whom, with which
//! version, from which exact input files (SHA-256), so a reader a year later
//! can prove what was checked.
//!
//! The report time is an input like any other: `SOURCE_DATE_EPOCH` or an
//! explicit override fixes it, so the same inputs give a byte-identical
//! report (reproducible-builds convention).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::error::Error;
use crate::plan::LoadedPlan;

/// One file a screening read, and what it was to the screening.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// In words for the report: 规划目录, 图层 eco_redline, 地块 …
    pub role: String,
    pub path: PathBuf,
}

/// Every file a screening read: the catalog, each layer (a shapefile with
/// its .shx/.dbf/.prj/.cpg), the boundary, then the parcel files.
pub fn inputs(plan: &LoadedPlan, parcel_files: &[PathBuf]) -> Vec<Input> {
    let catalog = &plan.catalog;
    let mut out = vec![Input {
        role: "规划目录".to_string(),
        path: catalog.path.clone(),
    }];
    let mut add = |role: String, path: &Path| {
        out.extend(with_sidecars(path).into_iter().map(|path| Input {
            role: role.clone(),
            path,
        }))
    };
    for layer in &catalog.layers {
        add(format!("图层 {}", layer.id), &layer.path);
    }
    if let Some(boundary) = &catalog.boundary {
        add("规划范围".to_string(), boundary);
    }
    for parcels in parcel_files {
        add("地块".to_string(), parcels);
    }
    out
}

/// A shapefile is several files; each of them is an input. A GeoPackage
/// table's input is its file.
fn with_sidecars(path: &Path) -> Vec<PathBuf> {
    let (path, _) = crate::io::gpkg::split_table(path);
    let path = path.as_path();
    let is_shp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    let mut files = vec![path.to_path_buf()];
    if is_shp {
        files.extend(
            ["shx", "dbf", "prj", "cpg"]
                .iter()
                .map(|e| path.with_extension(e))
                .filter(|p| p.exists()),
        );
    }
    files
}

/// An input with the SHA-256 of its bytes, in lowercase hex.
#[derive(Debug, Clone, PartialEq)]
pub struct HashedInput {
    pub input: Input,
    pub sha256: String,
}

pub fn hash_inputs(inputs: &[Input]) -> Result<Vec<HashedInput>, Error> {
    inputs
        .iter()
        .map(|input| {
            let sha256 = if crate::io::postgis::is_postgis(&input.path) {
                // A database that stopped answering since the plan was
                // loaded has no hash to give, and the report says so.
                crate::io::postgis::content_sha256(&input.path)
                    .unwrap_or_else(|_| "数据不可用 unavailable".to_string())
            } else {
                sha256_file(&input.path).map_err(|e| Error::io(&input.path, e))?
            };
            Ok(HashedInput {
                input: input.clone(),
                sha256,
            })
        })
        .collect()
}

/// The SHA-256 of `bytes` in lowercase hex, as every report and the case
/// record write it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The SHA-256 of a file's bytes in lowercase hex, read a megabyte at a
/// time: a city's red line is a 50 MB file, and read whole, its copy
/// added as much to the screening's peak memory.
pub fn sha256_file(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(hex(&hasher.finalize())),
            Ok(read) => hasher.update(&buffer[..read]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Bytes in lowercase hex. Written digit by digit: a `format!` a byte was
/// a fifth of the case record's time (two hashes for each parcel's entry).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    text
}

/// Who made a report, when, with what, from what.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    pub operator: String,
    pub time: ReportTime,
    pub tool_version: String,
    pub inputs: Vec<HashedInput>,
    /// Parcels drawn or typed in the viewer: inputs without a file.
    pub sketches: Vec<SketchInput>,
    /// The case screened, with the officer decisions that stand on it.
    pub case: Option<CaseInReport>,
    /// The basemap printed under the maps, when one is configured.
    pub basemap: Option<BasemapInReport>,
}

/// A basemap as a report prints it: its tiles at hand (cache, package),
/// faded to `opacity` over the paper.
#[derive(Clone)]
pub struct BasemapInReport {
    pub basemap: std::sync::Arc<crate::basemap::Basemap>,
    pub projection: crate::basemap::grid::Reprojection,
    pub opacity: f32,
}

impl std::fmt::Debug for BasemapInReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} at {}", self.basemap, self.opacity)
    }
}

impl PartialEq for BasemapInReport {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.basemap, &other.basemap) && self.opacity == other.opacity
    }
}

/// A case as a report shows it: its particulars, and the decisions that
/// stand, beside the verdicts the tool computed.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseInReport {
    pub case: crate::record::Case,
    pub decisions: Vec<crate::record::entries::Recorded<crate::record::DecisionRecord>>,
}

/// A parcel drawn or typed in the viewer: what the report states of it in
/// place of a file's hash — when, and its corners.
#[derive(Debug, Clone, PartialEq)]
pub struct SketchInput {
    pub id: String,
    /// When it was drawn, as reports print times.
    pub drawn: String,
    /// Its corners in the working CRS, in order, the ring not closed.
    pub corners: Vec<(f64, f64)>,
}

/// The operator when none is named on the command line: the OS user.
pub fn default_operator() -> String {
    os_user().unwrap_or_else(|| "未知 unknown".to_string())
}

/// The user the OS names, if any.
pub fn os_user() -> Option<String> {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
}

/// Beijing time, the time every report states (UTC+8, no daylight saving).
const BEIJING: UtcOffset = time::macros::offset!(+8);

/// A moment, in seconds since 1970-01-01 UTC, within the years 1–9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportTime {
    pub unix_seconds: i64,
}

/// A civil date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// What a time may be written as, for messages.
const TIME_FORMS: &str = "write 2025-06-01T09:30:00+08:00, 2025-06-01 09:30 (Beijing time), 2025-06-01T01:30:00Z (UTC), or seconds since 1970-01-01 UTC";

impl ReportTime {
    /// `text` when given (see [`ReportTime::parse`]), else
    /// `SOURCE_DATE_EPOCH`, else the clock.
    pub fn resolve(text: Option<&str>) -> Result<ReportTime, String> {
        if let Some(text) = text {
            return ReportTime::parse(text).map_err(|e| format!("--report-time: {e}"));
        }
        if let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") {
            return epoch
                .trim()
                .parse()
                .ok()
                .and_then(|s| ReportTime::from_unix_seconds(s).ok())
                .ok_or_else(|| {
                    format!("SOURCE_DATE_EPOCH={epoch:?} is not a number of seconds since 1970-01-01 UTC within the years 1–9999; fix or unset it")
                });
        }
        Ok(ReportTime {
            unix_seconds: OffsetDateTime::now_utc().unix_timestamp(),
        })
    }

    fn from_unix_seconds(unix_seconds: i64) -> Result<ReportTime, String> {
        let moment =
            OffsetDateTime::from_unix_timestamp(unix_seconds).map_err(|e| e.to_string())?;
        if moment.year() < 1 {
            return Err(format!("{unix_seconds} s is before the year 1"));
        }
        Ok(ReportTime { unix_seconds })
    }

    /// Seconds since 1970-01-01 UTC, or `YYYY-MM-DD HH:MM[:SS]` (also with
    /// `T`) in Beijing time, or the same ending in `Z` (UTC) or `±HH:MM`.
    /// Dates are checked as dates (no 02-31), years are 1–9999.
    pub fn parse(text: &str) -> Result<ReportTime, String> {
        let text = text.trim();
        let bad = |why: &str| format!("cannot read {text:?} as a time ({why}); {TIME_FORMS}");
        if let Ok(unix_seconds) = text.parse::<i64>() {
            return ReportTime::from_unix_seconds(unix_seconds).map_err(|e| bad(&e));
        }
        let (stamp, offset) = match split_offset(text) {
            Some((stamp, zone)) => (stamp, zone.map_err(|e| bad(&e))?),
            None => (text, BEIJING),
        };
        let stamp = stamp.replacen(['T', 't'], " ", 1);
        let with_seconds = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        let without = format_description!("[year]-[month]-[day] [hour]:[minute]");
        let local = PrimitiveDateTime::parse(&stamp, with_seconds)
            .or_else(|_| PrimitiveDateTime::parse(&stamp, without))
            .map_err(|e| bad(&e.to_string()))?;
        if local.year() < 1 {
            return Err(bad("years start at 1"));
        }
        Ok(ReportTime {
            unix_seconds: local.assume_offset(offset).unix_timestamp(),
        })
    }

    /// The day in Beijing: the date a plan's admission lists are read as of.
    pub fn date_in_beijing(&self) -> time::Date {
        OffsetDateTime::from_unix_timestamp(self.unix_seconds)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(BEIJING)
            .date()
    }

    /// The moment in Beijing time.
    pub fn beijing(&self) -> Civil {
        let local = OffsetDateTime::from_unix_timestamp(self.unix_seconds)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(BEIJING);
        Civil {
            year: i64::from(local.year()),
            month: u8::from(local.month()),
            day: local.day(),
            hour: local.hour(),
            minute: local.minute(),
            second: local.second(),
        }
    }

    /// e.g. "20250601_0930" (Beijing time), for file names.
    pub fn file_stamp(&self) -> String {
        let c = self.beijing();
        format!(
            "{:04}{:02}{:02}_{:02}{:02}",
            c.year, c.month, c.day, c.hour, c.minute
        )
    }

    /// e.g. "2025-06-01 09:30:00（北京时间 UTC+8）".
    pub fn display_zh(&self) -> String {
        let c = self.beijing();
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}（北京时间 UTC+8）",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

/// A time's text without its UTC offset, and the offset: `Z` (UTC) or
/// `±HH:MM` at the end. `None` when it names none (Beijing time then).
fn split_offset(text: &str) -> Option<(&str, Result<UtcOffset, String>)> {
    if let Some(stamp) = text.strip_suffix(['Z', 'z']) {
        return Some((stamp, Ok(UtcOffset::UTC)));
    }
    let at = text.len().checked_sub(6)?;
    let (stamp, zone) = (text.get(..at)?, text.get(at..)?);
    if !zone.starts_with(['+', '-']) {
        return None;
    }
    let offset = UtcOffset::parse(
        zone,
        format_description!("[offset_hour sign:mandatory]:[offset_minute]"),
    )
    .map_err(|e| format!("offset {zone:?}: {e}"))
    .and_then(|offset| {
        // Real zones lie within ±14 hours; more is a typo.
        if offset.whole_hours().abs() > 14 {
            Err(format!("offset {zone:?} is beyond ±14:00"))
        } else {
            Ok(offset)
        }
    });
    Some((stamp, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_hashed_a_megabyte_at_a_time_has_the_hash_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eco_redline.shp");
        // Two and a half reads, and a last one that is not whole.
        let bytes: Vec<u8> = (0..(5 << 19) + 7).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&bytes));
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(hex(&[0x00, 0x0f, 0xd7, 0xa0, 0xff]), "000fd7a0ff");
        let missing = sha256_file(&dir.path().join("rivers.shp")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn reads_and_writes_beijing_time() {
        let t = ReportTime::parse("2025-06-01T09:30:00+08:00").unwrap();
        assert_eq!(t.unix_seconds, 1_748_741_400);
        assert_eq!(ReportTime::parse("2025-06-01 09:30").unwrap(), t);
        assert_eq!(ReportTime::parse("2025-06-01T01:30:00Z").unwrap(), t);
        assert_eq!(ReportTime::parse("1748741400").unwrap(), t);
        assert_eq!(t.display_zh(), "2025-06-01 09:30:00（北京时间 UTC+8）");
        assert_eq!(t.file_stamp(), "20250601_0930");
        let leap = ReportTime::parse("2024-02-29T23:59:59+08:00").unwrap();
        assert_eq!(leap.beijing().day, 29);
        assert!(ReportTime::parse("yesterday").is_err());
        assert!(ReportTime::parse("2025-13-01 00:00").is_err());
    }

    #[test]
    fn what_is_not_a_time_is_refused_naming_the_forms_never_a_panic() {
        for text in [
            "2025-06-01 09:30 北京时间",
            "北京时间 2025-06-01 09:30",
            "2025-02-31 09:30",
            "2023-02-29 09:30",
            "99999-01-01 00:00",
            "2025-06-01T09:30:00+25:00",
            "9999999999999999",
            "-99999999999999",
            "2025-06-01T09:30+08",
            "",
        ] {
            let error = ReportTime::parse(text).unwrap_err();
            assert!(
                error.contains("2025-06-01T09:30:00+08:00"),
                "{text}: {error}"
            );
        }
        // The offset is honoured, with or without seconds.
        let t = ReportTime::parse("2025-06-01 01:30-00:00").unwrap();
        assert_eq!(t, ReportTime::parse("2025-06-01T09:30:00+08:00").unwrap());
    }
}
