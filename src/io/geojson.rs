//! GeoJSON reader: FeatureCollection, Feature or bare geometry, with the
//! legacy `crs` member that Chinese data often carries.
//!
//! Features are parsed one at a time from the JSON tree so that one broken
//! feature is reported and skipped instead of failing the whole file.

use std::path::Path;

use geo_types::Geometry;
use geojson::{GeometryValue, JsonObject, JsonValue};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{RawFeature, RawFile};
use crate::crs::Crs;
use crate::error::{Error, Problem};

pub fn read(path: &Path) -> Result<RawFile, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
        .map_err(|e| {
            Error::format(
                path,
                format!("not UTF-8 text ({e}); GeoJSON must be UTF-8 (RFC 7946): re-save the file as UTF-8"),
            )
        })?;
    parse(path, text)
}

/// The top level of a FeatureCollection with each feature left as its text:
/// a JSON tree of a 200 000-parcel file costs several times the file's size
/// in memory, while one feature's tree at a time costs next to nothing, and
/// features can then be parsed in parallel.
#[derive(serde::Deserialize)]
struct LazyCollection<'a> {
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    crs: Option<JsonValue>,
    #[serde(borrow)]
    features: Option<&'a RawValue>,
}

/// Parses GeoJSON text; `path` only names the source in messages.
pub fn parse(path: &Path, text: &str) -> Result<RawFile, Error> {
    if let Some(file) = parse_collection_lazily(path, text)? {
        return Ok(file);
    }
    parse_tree(path, text)
}

/// A FeatureCollection read one feature at a time; `None` when the text is
/// something else, which [`parse_tree`] then reads (and explains) as a whole.
fn parse_collection_lazily(path: &Path, text: &str) -> Result<Option<RawFile>, Error> {
    let Ok(root) = serde_json::from_str::<LazyCollection>(text) else {
        return Ok(None);
    };
    if root.kind != Some("FeatureCollection") {
        return Ok(None);
    }
    let Some(Ok(features)) = root
        .features
        .map(|f| serde_json::from_str::<Vec<&RawValue>>(f.get()))
    else {
        return Ok(None);
    };
    let mut crs_member = JsonObject::new();
    if let Some(crs) = root.crs {
        crs_member.insert("crs".to_string(), crs);
    }
    let declared_crs = legacy_crs(path, &crs_member)?;
    let parsed: Vec<Result<RawFeature, Problem>> = features
        .par_iter()
        .enumerate()
        .map(|(i, raw)| {
            // The whole text is valid JSON, so each element is too.
            let value: JsonValue = serde_json::from_str(raw.get()).unwrap_or(JsonValue::Null);
            feature(i + 1, &value).map_err(|message| {
                Problem::feature(
                    path,
                    i + 1,
                    value.get("id").map(json_text).as_deref(),
                    message,
                )
            })
        })
        .collect();
    let mut out = RawFile {
        declared_crs,
        ..RawFile::default()
    };
    for outcome in parsed {
        match outcome {
            Ok(f) => out.features.push(f),
            Err(p) => out.problems.push(p),
        }
    }
    Ok(Some(out))
}

/// Parses GeoJSON text as one JSON tree: a single Feature, a bare geometry,
/// or anything malformed, which it names precisely.
fn parse_tree(path: &Path, text: &str) -> Result<RawFile, Error> {
    let root: JsonValue = serde_json::from_str(text).map_err(|e| {
        Error::format(
            path,
            format!("not valid JSON: {e}; the file is truncated or damaged, export it again"),
        )
    })?;
    let JsonValue::Object(root) = root else {
        return Err(Error::format(
            path,
            "the top level is not a JSON object, so not GeoJSON",
        ));
    };
    let declared_crs = legacy_crs(path, &root)?;
    let mut out = RawFile {
        declared_crs,
        ..RawFile::default()
    };
    match root.get("type").and_then(JsonValue::as_str) {
        Some("FeatureCollection") => {
            let Some(JsonValue::Array(features)) = root.get("features") else {
                return Err(Error::format(
                    path,
                    "FeatureCollection without a \"features\" array",
                ));
            };
            for (i, value) in features.iter().enumerate() {
                match feature(i + 1, value) {
                    Ok(f) => out.features.push(f),
                    Err(message) => out.problems.push(Problem::feature(
                        path,
                        i + 1,
                        value.get("id").map(json_text).as_deref(),
                        message,
                    )),
                }
            }
        }
        Some("Feature") => {
            let value = JsonValue::Object(root.clone());
            out.features.push(
                feature(1, &value).map_err(|m| Error::format(path, format!("feature 1: {m}")))?,
            );
        }
        Some(_) => {
            let (geometry, notes) =
                geometry(&JsonValue::Object(root.clone())).map_err(|m| Error::format(path, m))?;
            out.features.push(RawFeature {
                index: 1,
                native_id: None,
                attributes: Vec::new(),
                geometry,
                notes,
            });
        }
        None => {
            return Err(Error::format(
                path,
                "no \"type\" member at the top level, so not GeoJSON",
            ))
        }
    }
    Ok(out)
}

/// The legacy (GeoJSON 2008) `crs` member, e.g.
/// `{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4544"}}`.
fn legacy_crs(path: &Path, root: &JsonObject) -> Result<Option<Crs>, Error> {
    let Some(crs) = root.get("crs") else {
        return Ok(None);
    };
    if crs.is_null() {
        return Ok(None);
    }
    let name = crs
        .get("properties")
        .and_then(|p| p.get("name").or_else(|| p.get("code")))
        .map(json_text);
    match name {
        Some(name) => Crs::parse(&name).map(Some).map_err(|e| {
            Error::crs(path, format!("its \"crs\" member: {e}"))
        }),
        None => Err(Error::crs(
            path,
            "its \"crs\" member has no properties.name; write {\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4544\"}}",
        )),
    }
}

fn feature(index: usize, value: &JsonValue) -> Result<RawFeature, String> {
    let JsonValue::Object(object) = value else {
        return Err("is not a JSON object".to_string());
    };
    if object.get("type").and_then(JsonValue::as_str) != Some("Feature") {
        return Err("its \"type\" is not \"Feature\"".to_string());
    }
    let native_id = object.get("id").filter(|v| !v.is_null()).map(json_text);
    let attributes = match object.get("properties") {
        Some(JsonValue::Object(props)) => props
            .iter()
            .map(|(k, v)| (k.clone(), json_text(v)))
            .collect(),
        Some(JsonValue::Null) | None => Vec::new(),
        Some(_) => return Err("\"properties\" is not an object".to_string()),
    };
    let geometry_value = match object.get("geometry") {
        None | Some(JsonValue::Null) => {
            return Err("has no geometry; draw or import its boundary".to_string())
        }
        Some(g) => g,
    };
    let (geometry, notes) = geometry(geometry_value)?;
    Ok(RawFeature {
        index,
        native_id,
        attributes,
        geometry,
        notes,
    })
}

fn geometry(value: &JsonValue) -> Result<(Geometry, Vec<String>), String> {
    let parsed = geojson::Geometry::deserialize(value).map_err(|e| format!("bad geometry: {e}"))?;
    let mut notes = Vec::new();
    let mut value = parsed.value;
    close_rings(&mut value, &mut notes)?;
    let geometry = Geometry::<f64>::try_from(&value).map_err(|e| format!("bad geometry: {e}"))?;
    Ok((geometry, notes))
}

/// RFC 7946 rings repeat their first position at the end. Files that forget
/// are common; close them, and say so.
fn close_rings(value: &mut GeometryValue, notes: &mut Vec<String>) -> Result<(), String> {
    let mut close = |rings: &mut Vec<Vec<geojson::Position>>| -> Result<(), String> {
        for ring in rings.iter_mut() {
            if ring.iter().any(|p| p.len() < 2) {
                return Err("a position has fewer than two numbers".to_string());
            }
            if ring.len() >= 3 && ring.first() != ring.last() {
                if let Some(first) = ring.first().cloned() {
                    ring.push(first);
                    notes.push("环未闭合，已闭合 unclosed ring closed".to_string());
                }
            }
        }
        Ok(())
    };
    match value {
        GeometryValue::Polygon { coordinates } => close(coordinates),
        GeometryValue::MultiPolygon { coordinates } => {
            coordinates.iter_mut().try_for_each(&mut close)
        }
        GeometryValue::GeometryCollection { geometries } => geometries
            .iter_mut()
            .try_for_each(|g| close_rings(&mut g.value, notes)),
        _ => Ok(()),
    }
}

/// Attribute text as a user would read it: strings without quotes.
fn json_text(value: &JsonValue) -> String {
    match value {
        JsonValue::String(s) => s.clone(),
        JsonValue::Null => String::new(),
        other => other.to_string(),
    }
}

/// A feature to be written as GeoJSON.
#[derive(Debug, Clone)]
pub struct OutFeature {
    pub id: Option<String>,
    pub properties: JsonObject,
    pub geometry: Geometry,
}

/// A FeatureCollection as text. Without `legacy_crs` the coordinates must be
/// WGS84 lon/lat (RFC 7946); with it, the legacy `crs` member names the CRS
/// of the coordinates, as Chinese GIS data often does. Keys are sorted and
/// numbers printed in their shortest exact form, so the text is reproducible.
/// An empty `GeometryCollection` is written as a null geometry.
pub fn to_text(features: &[OutFeature], legacy_crs: Option<&Crs>) -> String {
    let features: Vec<JsonValue> = features
        .iter()
        .map(|f| {
            let mut object = JsonObject::new();
            object.insert("type".into(), "Feature".into());
            if let Some(id) = &f.id {
                object.insert("id".into(), id.clone().into());
            }
            object.insert("properties".into(), JsonValue::Object(f.properties.clone()));
            // An empty collection has no location: RFC 7946 §3.2 writes it as null.
            let unlocated =
                matches!(&f.geometry, Geometry::GeometryCollection(gc) if gc.0.is_empty());
            let geometry = if unlocated {
                JsonValue::Null
            } else {
                serde_json::to_value(geojson::Geometry::from(&f.geometry))
                    .unwrap_or(JsonValue::Null)
            };
            object.insert("geometry".into(), geometry);
            JsonValue::Object(object)
        })
        .collect();
    let mut root = JsonObject::new();
    root.insert("type".into(), "FeatureCollection".into());
    if let Some(crs) = legacy_crs {
        root.insert(
            "crs".into(),
            serde_json::json!({"type": "name", "properties": {"name": format!("urn:ogc:def:crs:EPSG::{}", crs.code())}}),
        );
    }
    root.insert("features".into(), JsonValue::Array(features));
    // One feature per line: diffable, and still small.
    let mut text = String::from("{");
    let mut first = true;
    for (key, value) in &root {
        if !first {
            text.push(',');
        }
        first = false;
        text.push_str(&format!("\n{}:", JsonValue::String(key.clone())));
        match value {
            JsonValue::Array(items) => {
                text.push('[');
                for (i, item) in items.iter().enumerate() {
                    text.push_str(if i == 0 { "\n" } else { ",\n" });
                    text.push_str(&item.to_string());
                }
                text.push_str("\n]");
            }
            other => text.push_str(&other.to_string()),
        }
    }
    text.push_str("\n}\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn parse_ok(text: &str) -> RawFile {
        parse(Path::new("t.geojson"), text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reads_the_legacy_crs_member() {
        let f = parse_ok(
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4544"}},
            "features":[{"type":"Feature","id":7,"properties":{"名称":"某厂房","面积":12.5},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#,
        );
        assert_eq!(f.declared_crs.map(|c| c.code()), Some(4544));
        assert_eq!(f.features[0].native_id.as_deref(), Some("7"));
        assert_eq!(
            f.features[0].attributes[0],
            ("名称".to_string(), "某厂房".to_string())
        );
        assert_eq!(f.features[0].attributes[1].1, "12.5");
    }

    #[test]
    fn a_bad_feature_is_reported_and_the_rest_loads() {
        let f = parse_ok(
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
            {"type":"Feature","id":"bad","properties":{},"geometry":{"type":"Polygon","coordinates":"oops"}},
            {"type":"Feature","properties":{},"geometry":null}]}"#,
        );
        assert_eq!(f.features.len(), 1);
        assert_eq!(f.problems.len(), 2);
        assert_eq!(f.problems[0].locator(), "feature 2 (id bad)");
        assert!(f.problems[1].message.contains("no geometry"));
    }

    #[test]
    fn closes_unclosed_rings_and_says_so() {
        let f = parse_ok(r#"{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2]]]}"#);
        assert_eq!(f.features[0].notes.len(), 1);
        let Geometry::Polygon(p) = &f.features[0].geometry else {
            panic!("not a polygon")
        };
        assert_eq!(p.exterior().0.len(), 5);
    }

    #[test]
    fn written_text_reads_back_exactly() {
        let polygon: Geometry = polygon![(x: 625937.7104, y: 3276479.5459), (x: 626000.1, y: 3276479.5459), (x: 626000.1, y: 3276600.0)].into();
        let mut properties = JsonObject::new();
        properties.insert("名称".into(), "白鹭自然公园".into());
        let text = to_text(
            &[OutFeature {
                id: Some("ZR-03".into()),
                properties,
                geometry: polygon.clone(),
            }],
            Some(&Crs::from_epsg(4544).unwrap()),
        );
        let back = parse(Path::new("t.geojson"), &text).unwrap();
        assert_eq!(back.declared_crs.map(|c| c.code()), Some(4544));
        assert_eq!(back.features[0].geometry, polygon);
        assert_eq!(back.features[0].native_id.as_deref(), Some("ZR-03"));
        assert_eq!(back.features[0].attributes[0].1, "白鹭自然公园");
    }

    #[test]
    fn truncated_json_names_the_file() {
        let err = parse(
            Path::new("parcels.geojson"),
            r#"{"type":"FeatureCollection","features":[{"#,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.starts_with("parcels.geojson: not valid JSON"), "{err}");
    }
}
