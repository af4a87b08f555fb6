//! The plan as data: `catalog.toml` names the working CRS, the protected
//! layers, the rule each one carries and the clause of the plan behind it.
//!
//! Nothing about a particular plan lives in code. A wrong catalog is refused
//! with the line and the fix, before any layer is read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::crs::Crs;
use crate::error::Error;
use crate::procedure::{Condition, Procedure};
use crate::project::{Attribute, ProjectFields};

/// What a layer's features mean for a parcel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Any overlap is a conflict (禁止).
    Prohibit,
    /// Any overlap needs review (限制).
    Restrict,
    /// Distance to a water line: below `conflict_m` a conflict, below
    /// `review_m` a review (退距).
    Setback { conflict_m: f64, review_m: f64 },
    /// Environmental control units (环境管控单元): the overlap is noted,
    /// and the unit's admission clauses decide ([`crate::admission`]).
    Units,
    /// Drawn only, never screened (仅显示).
    Display,
}

impl Rule {
    /// The word used in catalogs and outputs.
    pub fn keyword(&self) -> &'static str {
        match self {
            Rule::Prohibit => "prohibit",
            Rule::Restrict => "restrict",
            Rule::Setback { .. } => "setback",
            Rule::Units => "units",
            Rule::Display => "display",
        }
    }

    /// The word a Chinese-reading officer sees.
    pub fn label_zh(&self) -> &'static str {
        match self {
            Rule::Prohibit => "禁止",
            Rule::Restrict => "限制",
            Rule::Setback { .. } => "退距",
            Rule::Units => "管控单元",
            Rule::Display => "仅显示",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LayerSpec {
    pub id: String,
    pub name: String,
    pub path: PathBuf,
    pub rule: Rule,
    /// The plan clause quoted in reports.
    pub basis: String,
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    /// Used only when the file carries no CRS of its own.
    pub crs: Option<Crs>,
    pub target_area_km2: Option<f64>,
    pub target_share_pct: Option<f64>,
    /// The plan map's colour for the layer, `#rrggbb`; absent, one is chosen by rule.
    pub color: Option<[u8; 3]>,
    /// What the catalog calls the file's columns (`[layer.fields]`, column =
    /// name): a shapefile's DLMC is 地类名称 to the officer.
    pub field_names: BTreeMap<String, String>,
    /// Units layers: the field holding a unit's class (ZHGKDYFL).
    pub class_field: Option<String>,
    /// Units layers: the admission list (a CSV, see [`crate::admission`]).
    pub admission: Option<PathBuf>,
}

impl LayerSpec {
    /// A column's name as the catalog gives it, else the column's own.
    pub fn field_name<'a>(&'a self, column: &'a str) -> &'a str {
        self.field_names.get(column).map_or(column, String::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub path: PathBuf,
    pub name: String,
    pub working_crs: Crs,
    /// Overlaps at or below this are boundary contact, not conflict or review.
    pub sliver_m2: f64,
    pub boundary: Option<PathBuf>,
    pub layers: Vec<LayerSpec>,
    /// Which parcel fields hold the project's attributes (`[project]`).
    pub project_fields: ProjectFields,
    /// The plan's approval procedures (`[[procedure]]`), in catalog order.
    pub procedures: Vec<Procedure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    plan: PlanSection,
    #[serde(default)]
    layer: Vec<Spanned<LayerSection>>,
    /// `<attribute>_field = "column"`, e.g. `industry_field = "HYDM"`.
    #[serde(default)]
    project: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    procedure: Vec<ProcedureSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcedureSection {
    id: String,
    name: String,
    #[serde(default)]
    basis: String,
    applies_when: Spanned<Vec<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanSection {
    name: String,
    crs: Spanned<String>,
    sliver_m2: Option<Spanned<f64>>,
    boundary: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerSection {
    id: Spanned<String>,
    name: String,
    /// A file, relative to the catalog; or else `source`.
    path: Option<Spanned<String>>,
    /// A database: a `postgresql://` URI, with `table` or `query`.
    source: Option<Spanned<String>>,
    query: Option<Spanned<String>>,
    geometry_column: Option<String>,
    rule: Spanned<String>,
    #[serde(default)]
    basis: String,
    id_field: Option<String>,
    name_field: Option<String>,
    crs: Option<Spanned<String>>,
    setback_m: Option<Spanned<SetbackSection>>,
    target_area_km2: Option<f64>,
    target_share_pct: Option<f64>,
    color: Option<Spanned<String>>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    class_field: Option<String>,
    admission: Option<Spanned<String>>,
    /// The feature table of a GeoPackage `path`, or a database's table.
    table: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetbackSection {
    conflict: f64,
    review: f64,
}

impl Catalog {
    pub fn load(path: &Path) -> Result<Catalog, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Catalog::parse(path, &text)
    }

    /// Parses catalog text; relative paths resolve against `path`'s folder.
    pub fn parse(path: &Path, text: &str) -> Result<Catalog, Error> {
        let refuse = |span: Option<std::ops::Range<usize>>, message: String| Error::Catalog {
            path: path.to_path_buf(),
            line: span.map(|s| line_of(text, s.start)),
            message,
        };
        let file: CatalogFile = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            refuse(e.span(), message)
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let resolve = |relative: &Spanned<String>| -> Result<PathBuf, Error> {
            let p = dir.join(relative.get_ref());
            // `plan.gpkg:boundary` is a table in a file that must exist.
            if crate::io::gpkg::split_table(&p).0.exists() {
                Ok(p)
            } else {
                Err(refuse(
                    Some(relative.span()),
                    format!(
                        "file {} not found (paths are relative to the catalog's folder); fix the path or add the file",
                        p.display()
                    ),
                ))
            }
        };

        let working_crs = Crs::parse(file.plan.crs.get_ref())
            .map_err(|e| refuse(Some(file.plan.crs.span()), e))?;
        if !working_crs.is_projected_metres() {
            return Err(refuse(
                Some(file.plan.crs.span()),
                format!(
                    "the working CRS {working_crs} is not a projected CRS in metres, so areas would be in degrees; \
                     use a projected CRS such as EPSG:4544 (CGCS2000 3-degree Gauss-Kruger CM 105E)"
                ),
            ));
        }
        let sliver_m2 = match &file.plan.sliver_m2 {
            Some(s) if !(s.get_ref().is_finite() && *s.get_ref() >= 0.0) => {
                return Err(refuse(
                    Some(s.span()),
                    "sliver_m2 must be a number ≥ 0".to_string(),
                ))
            }
            Some(s) => *s.get_ref(),
            None => 0.0,
        };
        let boundary = file.plan.boundary.as_ref().map(&resolve).transpose()?;

        let mut layers: Vec<LayerSpec> = Vec::new();
        for spanned in &file.layer {
            let section = spanned.get_ref();
            let id = section.id.get_ref().trim().to_string();
            if id.is_empty() {
                return Err(refuse(
                    Some(section.id.span()),
                    "a layer id must not be empty".to_string(),
                ));
            }
            if layers.iter().any(|l| l.id == id) {
                return Err(refuse(
                    Some(section.id.span()),
                    format!("layer id {id:?} is used twice; every layer needs its own id"),
                ));
            }
            let rule = match (section.rule.get_ref().as_str(), &section.setback_m) {
                ("setback", Some(s)) => {
                    let SetbackSection { conflict, review } = *s.get_ref();
                    if !(conflict.is_finite() && review.is_finite() && conflict >= 0.0 && review >= conflict && review > 0.0) {
                        return Err(refuse(
                            Some(s.span()),
                            "setback_m needs 0 ≤ conflict ≤ review, in metres, e.g. { conflict = 30.0, review = 50.0 }".to_string(),
                        ));
                    }
                    Rule::Setback { conflict_m: conflict, review_m: review }
                }
                ("setback", None) => {
                    return Err(refuse(
                        Some(section.rule.span()),
                        format!("layer {id:?} has rule = \"setback\" but no distances; add setback_m = {{ conflict = 30.0, review = 50.0 }}"),
                    ))
                }
                (_, Some(s)) => {
                    return Err(refuse(
                        Some(s.span()),
                        format!("setback_m only applies to rule = \"setback\"; remove it from layer {id:?} or change its rule"),
                    ))
                }
                ("prohibit", None) => Rule::Prohibit,
                ("restrict", None) => Rule::Restrict,
                ("units", None) => Rule::Units,
                ("display", None) => Rule::Display,
                (other, None) => {
                    return Err(refuse(
                        Some(section.rule.span()),
                        format!("unknown rule {other:?}; use one of prohibit, restrict, setback, units, display"),
                    ))
                }
            };
            if rule != Rule::Units {
                if let Some(a) = &section.admission {
                    return Err(refuse(
                        Some(a.span()),
                        format!("admission only applies to rule = \"units\"; remove it from layer {id:?} or change its rule"),
                    ));
                }
                if section.class_field.is_some() {
                    return Err(refuse(
                        Some(section.rule.span()),
                        format!("class_field only applies to rule = \"units\"; remove it from layer {id:?} or change its rule"),
                    ));
                }
            }
            let crs = section
                .crs
                .as_ref()
                .map(|c| Crs::parse(c.get_ref()).map_err(|e| refuse(Some(c.span()), e)))
                .transpose()?;
            let color = section
                .color
                .as_ref()
                .map(|c| {
                    parse_hex_color(c.get_ref()).ok_or_else(|| {
                        refuse(
                            Some(c.span()),
                            format!("color {:?} is not a colour; write it as \"#rrggbb\", e.g. \"#d7191c\"", c.get_ref()),
                        )
                    })
                })
                .transpose()?;
            let path = match (&section.path, &section.source) {
                (Some(file), None) => {
                    let mut path = resolve(file)?;
                    if let Some(query) = &section.query {
                        return Err(refuse(
                            Some(query.span()),
                            format!("query only applies to a database source; remove it from layer {id:?}"),
                        ));
                    }
                    if let Some(table) = &section.table {
                        if !crate::io::gpkg::is_gpkg(&path) {
                            return Err(refuse(
                                Some(table.span()),
                                format!("table only applies to a GeoPackage (.gpkg) path or a database source; remove it from layer {id:?}"),
                            ));
                        }
                        // The source a GeoPackage reader reads: the file and the table.
                        path = PathBuf::from(format!("{}:{}", path.display(), table.get_ref()));
                    }
                    path
                }
                (None, Some(source)) => database_source(section, source).map_err(|message| {
                    refuse(Some(source.span()), format!("layer {id:?}: {message}"))
                })?,
                _ => {
                    return Err(refuse(
                        Some(section.id.span()),
                        format!("layer {id:?} needs either path = \"file\" (relative to the catalog) or source = \"postgresql://…\" (a database), not both"),
                    ))
                }
            };
            layers.push(LayerSpec {
                id,
                name: section.name.clone(),
                path,
                rule,
                basis: section.basis.clone(),
                id_field: section.id_field.clone(),
                name_field: section.name_field.clone(),
                crs,
                target_area_km2: section.target_area_km2,
                target_share_pct: section.target_share_pct,
                color,
                field_names: section.fields.clone(),
                class_field: section.class_field.clone(),
                admission: section.admission.as_ref().map(&resolve).transpose()?,
            });
        }
        if layers.is_empty() {
            return Err(refuse(
                None,
                "the catalog has no [[layer]]; add the plan's protected layers".to_string(),
            ));
        }
        let mut mapped = Vec::new();
        for (key, field) in &file.project {
            let attribute = Attribute::ALL
                .into_iter()
                .find(|a| a.field_key() == *key)
                .ok_or_else(|| {
                    let keys: Vec<String> = Attribute::ALL.iter().map(|a| a.field_key()).collect();
                    refuse(
                        Some(field.span()),
                        format!(
                            "[project] has no key {key:?}; use one of {}",
                            keys.join(", ")
                        ),
                    )
                })?;
            mapped.push((attribute, field.get_ref().clone()));
        }
        let mut procedures: Vec<Procedure> = Vec::new();
        for section in &file.procedure {
            if procedures.iter().any(|p| p.id == section.id) {
                return Err(refuse(
                    Some(section.applies_when.span()),
                    format!(
                        "procedure id {:?} is used twice; every procedure needs its own id",
                        section.id
                    ),
                ));
            }
            let applies_when = section
                .applies_when
                .get_ref()
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|c| {
                            Condition::parse(c.get_ref()).map_err(|e| refuse(Some(c.span()), e))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            if applies_when.iter().any(Vec::is_empty) || applies_when.is_empty() {
                return Err(refuse(
                    Some(section.applies_when.span()),
                    format!("procedure {:?}: applies_when needs groups of conditions, e.g. [[\"land_taken_m2 < 5000\", \"cut_fill_m3 < 1000\"]]", section.id),
                ));
            }
            procedures.push(Procedure {
                id: section.id.clone(),
                name: section.name.clone(),
                basis: section.basis.clone(),
                applies_when,
            });
        }
        Ok(Catalog {
            path: path.to_path_buf(),
            name: file.plan.name,
            working_crs,
            sliver_m2,
            boundary,
            layers,
            project_fields: ProjectFields::with(mapped),
            procedures,
        })
    }
}

fn parse_hex_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The path a database layer is read from: its URI with the table or
/// query (and the geometry column) it names.
fn database_source(section: &LayerSection, source: &Spanned<String>) -> Result<PathBuf, String> {
    use crate::io::postgis::{source_path, Relation, Source};
    if !crate::io::postgis::is_postgis(Path::new(source.get_ref())) {
        return Err(
            "source must be a PostgreSQL URI, postgresql://user@host:port/database".to_string(),
        );
    }
    let relation = match (&section.table, &section.query) {
        (Some(table), None) => Relation::Table(table.get_ref().clone()),
        (None, Some(query)) => Relation::Query(query.get_ref().clone()),
        _ => {
            return Err(
                "a database layer names either table = \"schema.name\" or query = \"SELECT …\""
                    .to_string(),
            )
        }
    };
    let path = source_path(
        source.get_ref(),
        &relation,
        section.geometry_column.as_deref(),
    );
    // Refuses a password in the catalog before anything connects.
    Source::parse(&path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        for f in files {
            std::fs::write(dir.path().join(f), "{}").unwrap_or_else(|e| panic!("{e}"));
        }
        dir
    }

    fn parse_in(dir: &Path, text: &str) -> Result<Catalog, String> {
        Catalog::parse(&dir.join("catalog.toml"), text).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"[plan]
name = "示意规划"
crs = "EPSG:4544"
sliver_m2 = 1.0

[[layer]]
id = "eco_redline"
name = "生态保护红线"
path = "red.geojson"
rule = "prohibit"
basis = "第四章第一节"

[[layer]]
id = "rivers"
name = "河道"
path = "rivers.geojson"
rule = "setback"
setback_m = { conflict = 30.0, review = 50.0 }
"#;

    #[test]
    fn reads_a_good_catalog() {
        let dir = dir_with(&["red.geojson", "rivers.geojson"]);
        let c = parse_in(dir.path(), GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.working_crs.code(), 4544);
        assert_eq!(c.sliver_m2, 1.0);
        assert_eq!(c.layers[0].rule, Rule::Prohibit);
        assert_eq!(
            c.layers[1].rule,
            Rule::Setback {
                conflict_m: 30.0,
                review_m: 50.0
            }
        );
        assert_eq!(c.layers[1].path, dir.path().join("rivers.geojson"));
    }

    #[test]
    fn field_names_come_from_the_catalog_where_it_gives_them() {
        let dir = dir_with(&["red.geojson", "rivers.geojson"]);
        let text = GOOD.replace(
            "basis = \"第四章第一节\"\n",
            "basis = \"第四章第一节\"\nfields = { DLMC = \"地类名称\", BSM = \"标识码\" }\n",
        );
        let c = parse_in(dir.path(), &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.layers[0].field_name("DLMC"), "地类名称");
        assert_eq!(c.layers[0].field_name("BSM"), "标识码");
        assert_eq!(c.layers[0].field_name("QSDWMC"), "QSDWMC");
        assert_eq!(c.layers[1].field_name("DLMC"), "DLMC");
    }

    #[test]
    fn reads_a_layer_colour_and_refuses_a_bad_one() {
        let dir = dir_with(&["red.geojson", "rivers.geojson"]);
        let with = |color: &str| {
            GOOD.replace(
                "basis = \"第四章第一节\"",
                &format!("basis = \"第四章第一节\"\ncolor = \"{color}\""),
            )
        };
        let c = parse_in(dir.path(), &with("#D7191c")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.layers[0].color, Some([0xd7, 0x19, 0x1c]));
        assert_eq!(c.layers[1].color, None);
        let err = parse_in(dir.path(), &with("red")).unwrap_err();
        assert!(err.contains("catalog.toml:12:"), "{err}");
        assert!(err.contains("#rrggbb"), "{err}");
    }

    #[test]
    fn refuses_an_unknown_rule_naming_the_line() {
        let dir = dir_with(&["red.geojson", "rivers.geojson"]);
        let err = parse_in(dir.path(), &GOOD.replace("\"prohibit\"", "\"forbid\"")).unwrap_err();
        assert!(err.contains("catalog.toml:10:"), "{err}");
        assert!(
            err.contains("unknown rule \"forbid\"")
                && err.contains("prohibit, restrict, setback, units, display"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_missing_file_naming_the_line() {
        let dir = dir_with(&["red.geojson"]);
        let err = parse_in(dir.path(), GOOD).unwrap_err();
        assert!(
            err.contains("catalog.toml:16:") && err.contains("rivers.geojson not found"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_setback_without_distances() {
        let dir = dir_with(&["red.geojson", "rivers.geojson"]);
        let err = parse_in(
            dir.path(),
            &GOOD.replace("setback_m = { conflict = 30.0, review = 50.0 }\n", ""),
        )
        .unwrap_err();
        assert!(
            err.contains("no distances") && err.contains("catalog.toml:17:"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_geographic_working_crs() {
        let dir = dir_with(&["red.geojson", "rivers.geojson"]);
        let err = parse_in(dir.path(), &GOOD.replace("EPSG:4544", "EPSG:4326")).unwrap_err();
        assert!(
            err.contains("catalog.toml:3:") && err.contains("not a projected CRS in metres"),
            "{err}"
        );
    }

    #[test]
    fn refuses_a_misspelt_key() {
        let dir = dir_with(&["red.geojson", "rivers.geojson"]);
        let err = parse_in(dir.path(), &GOOD.replace("basis =", "basys =")).unwrap_err();
        assert!(
            err.contains("catalog.toml:11:") && err.contains("basys"),
            "{err}"
        );
    }
}
