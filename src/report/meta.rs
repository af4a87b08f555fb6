//! What a report says about itself: when it was made, by whom, with which
//! version, from which exact input files (SHA-256), so a reader a year later
//! can prove what was checked.
//!
//! The report time is an input like any other: `SOURCE_DATE_EPOCH` or an
//! explicit override fixes it, so the same inputs give a byte-identical
//! report (reproducible-builds convention).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

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

/// A shapefile is several files; each of them is an input.
fn with_sidecars(path: &Path) -> Vec<PathBuf> {
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
            let bytes = std::fs::read(&input.path).map_err(|e| Error::io(&input.path, e))?;
            let sha256 = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Ok(HashedInput {
                input: input.clone(),
                sha256,
            })
        })
        .collect()
}

/// Who made a report, when, with what, from what.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    pub operator: String,
    pub time: ReportTime,
    pub tool_version: String,
    pub inputs: Vec<HashedInput>,
}

/// The operator when none is named: the OS user.
pub fn default_operator() -> String {
    ["USER", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "未知 unknown".to_string())
}

/// Beijing time, the time every report states (UTC+8, no daylight saving).
const BEIJING_OFFSET_S: i64 = 8 * 3600;

/// A moment, in seconds since 1970-01-01 UTC.
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
                .map(|unix_seconds| ReportTime { unix_seconds })
                .map_err(|_| {
                    format!("SOURCE_DATE_EPOCH={epoch:?} is not a number of seconds since 1970-01-01 UTC; fix or unset it")
                });
        }
        let unix_seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Ok(ReportTime { unix_seconds })
    }

    /// Seconds since 1970-01-01 UTC, or `YYYY-MM-DD HH:MM[:SS]` (also with
    /// `T`) in Beijing time, or the same ending in `Z` (UTC) or `±HH:MM`.
    pub fn parse(text: &str) -> Result<ReportTime, String> {
        let text = text.trim();
        if let Ok(unix_seconds) = text.parse::<i64>() {
            return Ok(ReportTime { unix_seconds });
        }
        let bad = || {
            format!("cannot read {text:?} as a time; write e.g. 2025-06-01T09:30:00+08:00 or seconds since 1970")
        };
        let (stamp, offset_s) = if let Some(s) = text.strip_suffix(['Z', 'z']) {
            (s, 0)
        } else if text.len() > 6 && matches!(&text[text.len() - 6..text.len() - 5], "+" | "-") {
            let (s, zone) = text.split_at(text.len() - 6);
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let h: i64 = zone[1..3].parse().map_err(|_| bad())?;
            let m: i64 = zone[4..6].parse().map_err(|_| bad())?;
            (s, sign * (h * 3600 + m * 60))
        } else {
            (text, BEIJING_OFFSET_S)
        };
        let numbers: Vec<i64> = stamp
            .split(['-', ' ', 'T', 't', ':'])
            .map(|n| n.parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        let (date, clock) = match numbers.as_slice() {
            [y, mo, d, h, mi] => ((*y, *mo, *d), (*h, *mi, 0)),
            [y, mo, d, h, mi, s] => ((*y, *mo, *d), (*h, *mi, *s)),
            _ => return Err(bad()),
        };
        let valid = (1..=12).contains(&date.1)
            && (1..=31).contains(&date.2)
            && (0..24).contains(&clock.0)
            && (0..60).contains(&clock.1)
            && (0..61).contains(&clock.2);
        if !valid {
            return Err(bad());
        }
        let days = days_from_civil(date.0, date.1, date.2);
        Ok(ReportTime {
            unix_seconds: days * 86400 + clock.0 * 3600 + clock.1 * 60 + clock.2 - offset_s,
        })
    }

    /// The moment in Beijing time.
    pub fn beijing(&self) -> Civil {
        let local = self.unix_seconds + BEIJING_OFFSET_S;
        let (days, secs) = (local.div_euclid(86400), local.rem_euclid(86400));
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (secs / 3600) as u8,
            minute: (secs % 3600 / 60) as u8,
            second: (secs % 60) as u8,
        }
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

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_beijing_time() {
        let t = ReportTime::parse("2025-06-01T09:30:00+08:00").unwrap();
        assert_eq!(t.unix_seconds, 1_748_741_400);
        assert_eq!(ReportTime::parse("2025-06-01 09:30").unwrap(), t);
        assert_eq!(ReportTime::parse("2025-06-01T01:30:00Z").unwrap(), t);
        assert_eq!(ReportTime::parse("1748741400").unwrap(), t);
        assert_eq!(t.display_zh(), "2025-06-01 09:30:00（北京时间 UTC+8）");
        let leap = ReportTime::parse("2024-02-29T23:59:59+08:00").unwrap();
        assert_eq!(leap.beijing().day, 29);
        assert!(ReportTime::parse("yesterday").is_err());
        assert!(ReportTime::parse("2025-13-01 00:00").is_err());
    }
}
