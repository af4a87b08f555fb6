//! What changed between two screenings of a case: a finding new, gone, or
//! with another area, distance or verdict; a parcel new or gone. What an
//! officer re-screening against today's layers needs to read first.

use std::collections::BTreeMap;

use super::entries::{FindingKey, FindingRecord, ParcelRecord};
use crate::report::two_decimals;

/// Measures closer than this are the same (the reports' two decimals).
const SAME_MEASURE: f64 = 0.005;

/// One difference.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    ParcelNew {
        parcel: String,
        verdict: String,
    },
    ParcelGone {
        parcel: String,
    },
    VerdictChanged {
        parcel: String,
        before: String,
        after: String,
    },
    FindingNew {
        parcel: String,
        finding: FindingRecord,
    },
    FindingGone {
        parcel: String,
        finding: FindingRecord,
    },
    FindingChanged {
        parcel: String,
        before: FindingRecord,
        after: FindingRecord,
    },
}

fn measure(finding: &FindingRecord) -> String {
    match (finding.overlap_m2, finding.distance_m) {
        (Some(a), _) => format!("{} m²", two_decimals(a)),
        (None, Some(d)) => format!("{} m", two_decimals(d)),
        (None, None) => String::new(),
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::ParcelNew { parcel, verdict } => {
                write!(f, "地块 {parcel}: 新增 new parcel, {verdict}")
            }
            Change::ParcelGone { parcel } => {
                write!(f, "地块 {parcel}: 不再筛查 no longer screened")
            }
            Change::VerdictChanged {
                parcel,
                before,
                after,
            } => {
                write!(f, "地块 {parcel}: 结论 verdict {before} → {after}")
            }
            Change::FindingNew { parcel, finding } => write!(
                f,
                "地块 {parcel}: 新发现 new finding {} {} {}",
                finding.key,
                finding.verdict,
                measure(finding)
            ),
            Change::FindingGone { parcel, finding } => write!(
                f,
                "地块 {parcel}: 发现消失 finding gone {} (was {} {})",
                finding.key,
                finding.verdict,
                measure(finding)
            ),
            Change::FindingChanged {
                parcel,
                before,
                after,
            } => write!(
                f,
                "地块 {parcel}: 发现变化 finding changed {}: {} {} → {} {}",
                after.key,
                before.verdict,
                measure(before),
                after.verdict,
                measure(after)
            ),
        }
    }
}

fn differs(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() >= SAME_MEASURE,
        (a, b) => a.is_some() != b.is_some(),
    }
}

/// The changes from `before` to `after`, parcel by parcel in `after`'s
/// order, then the parcels gone.
pub fn between(before: &[ParcelRecord], after: &[ParcelRecord]) -> Vec<Change> {
    let before_by_id: BTreeMap<&str, &ParcelRecord> =
        before.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut changes = Vec::new();
    for parcel in after {
        let id = parcel.id.clone();
        let Some(old) = before_by_id.get(parcel.id.as_str()) else {
            changes.push(Change::ParcelNew {
                parcel: id,
                verdict: parcel.verdict.clone(),
            });
            continue;
        };
        if old.verdict != parcel.verdict {
            changes.push(Change::VerdictChanged {
                parcel: id.clone(),
                before: old.verdict.clone(),
                after: parcel.verdict.clone(),
            });
        }
        let old_findings: BTreeMap<&FindingKey, &FindingRecord> =
            old.findings.iter().map(|f| (&f.key, f)).collect();
        for finding in &parcel.findings {
            match old_findings.get(&finding.key) {
                None => changes.push(Change::FindingNew {
                    parcel: id.clone(),
                    finding: finding.clone(),
                }),
                Some(was)
                    if was.verdict != finding.verdict
                        || differs(was.overlap_m2, finding.overlap_m2)
                        || differs(was.distance_m, finding.distance_m) =>
                {
                    changes.push(Change::FindingChanged {
                        parcel: id.clone(),
                        before: (*was).clone(),
                        after: finding.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        for finding in &old.findings {
            if !parcel.findings.iter().any(|f| f.key == finding.key) {
                changes.push(Change::FindingGone {
                    parcel: id.clone(),
                    finding: finding.clone(),
                });
            }
        }
    }
    let after_ids: std::collections::BTreeSet<&str> = after.iter().map(|p| p.id.as_str()).collect();
    for old in before {
        if !after_ids.contains(old.id.as_str()) {
            changes.push(Change::ParcelGone {
                parcel: old.id.clone(),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(layer: &str, verdict: &str, overlap_m2: Option<f64>) -> FindingRecord {
        FindingRecord {
            key: FindingKey {
                layer: layer.to_string(),
                feature: "F-1".to_string(),
            },
            verdict: verdict.to_string(),
            overlap_m2,
            distance_m: None,
        }
    }

    fn parcel(id: &str, verdict: &str, findings: Vec<FindingRecord>) -> ParcelRecord {
        ParcelRecord {
            id: id.to_string(),
            name: String::new(),
            file: "p.geojson".into(),
            verdict: verdict.to_string(),
            area_m2: 100.0,
            findings,
        }
    }

    #[test]
    fn every_kind_of_change_is_told_and_a_rounding_difference_is_not() {
        let before = vec![
            parcel(
                "A",
                "review",
                vec![finding("wetlands", "review", Some(50.0))],
            ),
            parcel("B", "clear", vec![]),
            parcel(
                "C",
                "conflict",
                vec![finding("eco", "conflict", Some(10.0))],
            ),
        ];
        let after = vec![
            parcel(
                "A",
                "review",
                vec![finding("wetlands", "review", Some(50.004))],
            ),
            parcel(
                "C",
                "conflict",
                vec![
                    finding("eco", "conflict", Some(12.5)),
                    finding("reserve", "review", Some(1.0)),
                ],
            ),
            parcel("D", "clear", vec![]),
        ];
        let told: Vec<String> = between(&before, &after)
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            told,
            [
                "地块 C: 发现变化 finding changed eco:F-1: conflict 10.00 m² → conflict 12.50 m²",
                "地块 C: 新发现 new finding reserve:F-1 review 1.00 m²",
                "地块 D: 新增 new parcel, clear",
                "地块 B: 不再筛查 no longer screened",
            ]
        );
        assert!(between(&after, &after).is_empty());
    }
}
