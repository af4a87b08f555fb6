//! GeoJSON reader: FeatureCollection, Feature or bare geometry, with the
//! legacy `crs` member that Chinese data often carries.
//!
//! Features are parsed one at a time from the JSON tree so that one broken
//! feature is reported and skipped instead of failing the whole file.

use std::borrow::Borrow;
use std::io::BufRead;
use std::path::Path;

use geo_types::Geometry;
use geojson::{GeometryValue, JsonObject, JsonValue};
use rayon::prelude::*;
use serde::de::DeserializeSeed;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{RawFeature, RawFile, RejectedFeature, Streamed};
use crate::crs::Crs;
use crate::error::Error;

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

/// Streams a FeatureCollection from the file in batches of features, never
/// holding more than one batch's text. Anything else (a single Feature, a
/// bare geometry, bare NaN, broken JSON) is read whole by [`read`], which
/// explains what is wrong, and comes back as [`Streamed::Whole`].
pub fn stream(
    path: &Path,
    batch_features: usize,
    sink: &mut dyn FnMut(RawFile) -> Result<(), Error>,
) -> Result<Streamed, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let bom = reader
        .fill_buf()
        .map_err(|e| Error::io(path, e))?
        .starts_with(b"\xEF\xBB\xBF");
    if bom {
        reader.consume(3);
    }
    // The JSON text is split into features on a thread of its own while
    // the batch before is parsed and screened: the split is serial.
    let (sender, batches) = std::sync::mpsc::sync_channel::<(usize, Vec<Box<RawValue>>)>(1);
    let (streamed, sink_error) = std::thread::scope(|scope| {
        let splitter = scope.spawn(move || {
            let mut collection = CollectionSeed {
                batch_features,
                sender,
                features_seen: 0,
            };
            let mut json = serde_json::Deserializer::from_reader(reader);
            (&mut collection)
                .deserialize(&mut json)
                .and_then(|root| json.end().map(|()| root))
        });
        let mut sink_error = None;
        for (first, texts) in batches {
            if let Err(e) = sink(parse_features(texts, first)) {
                // Dropping the receiver stops the splitter.
                sink_error = Some(e);
                break;
            }
        }
        (splitter.join(), sink_error)
    });
    if let Some(e) = sink_error {
        return Err(e);
    }
    let streamed = streamed.map_err(|_| {
        Error::format(
            path,
            "the GeoJSON reader stopped unexpectedly; read the file again",
        )
    })?;
    match streamed {
        Ok(root) if root.kind.as_deref() == Some("FeatureCollection") && root.had_features => {
            let mut crs_member = JsonObject::new();
            if let Some(crs) = root.crs {
                crs_member.insert("crs".to_string(), crs);
            }
            Ok(Streamed::Batches(RawFile {
                declared_crs: legacy_crs(path, &crs_member)?,
                ..RawFile::default()
            }))
        }
        _ => read(path).map(Streamed::Whole),
    }
}

/// A FeatureCollection's members other than its features.
struct CollectionRoot {
    kind: Option<String>,
    crs: Option<JsonValue>,
    had_features: bool,
}

/// Deserialises a FeatureCollection's top level, sending its `features`
/// on, as text, a batch at a time with the position of the first.
struct CollectionSeed {
    batch_features: usize,
    sender: std::sync::mpsc::SyncSender<(usize, Vec<Box<RawValue>>)>,
    features_seen: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for &mut CollectionSeed {
    type Value = CollectionRoot;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<CollectionRoot, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for &mut CollectionSeed {
    type Value = CollectionRoot;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a GeoJSON FeatureCollection")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<CollectionRoot, A::Error> {
        let mut root = CollectionRoot {
            kind: None,
            crs: None,
            had_features: false,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" if root.kind.is_none() => root.kind = Some(map.next_value()?),
                "crs" if root.crs.is_none() => root.crs = Some(map.next_value()?),
                "features" if !root.had_features => {
                    root.had_features = true;
                    map.next_value_seed(FeaturesSeed(&mut *self))?;
                }
                // A repeated member is left to the whole-file reader.
                "type" | "crs" | "features" => {
                    return Err(serde::de::Error::custom("repeated member"))
                }
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(root)
    }
}

/// The `features` array, parsed a batch at a time.
struct FeaturesSeed<'a>(&'a mut CollectionSeed);

impl<'de> serde::de::DeserializeSeed<'de> for FeaturesSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FeaturesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let seed = self.0;
        let mut batch: Vec<Box<RawValue>> = Vec::new();
        let flush = |batch: &mut Vec<Box<RawValue>>, seed: &mut CollectionSeed| {
            let first = seed.features_seen + 1;
            seed.features_seen += batch.len();
            seed.sender
                .send((first, std::mem::take(batch)))
                .map_err(|_| serde::de::Error::custom("the reader of the features stopped"))
        };
        while let Some(feature) = seq.next_element::<Box<RawValue>>()? {
            batch.push(feature);
            if batch.len() >= seed.batch_features {
                flush(&mut batch, seed)?;
            }
        }
        if !batch.is_empty() {
            flush(&mut batch, seed)?;
        }
        Ok(())
    }
}

/// Features from their JSON text, in parallel; `first` is the 1-based
/// position of the first in the file.
fn parse_features<T: Borrow<RawValue> + Sync>(texts: Vec<T>, first: usize) -> RawFile {
    let parsed: Vec<Result<RawFeature, RejectedFeature>> = texts
        .par_iter()
        .enumerate()
        .map(|(i, raw)| {
            // The text was read as valid JSON, so it parses.
            let value: JsonValue =
                serde_json::from_str(raw.borrow().get()).unwrap_or(JsonValue::Null);
            feature(first + i, &value)
        })
        .collect();
    let mut out = RawFile::default();
    for outcome in parsed {
        match outcome {
            Ok(f) => out.features.push(f),
            Err(r) => out.rejected.push(r),
        }
    }
    out
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
    let text = quote_non_finite_numbers(text);
    if let Some(file) = parse_collection_lazily(path, &text)? {
        return Ok(file);
    }
    parse_tree(path, &text)
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
    Ok(Some(RawFile {
        declared_crs,
        ..parse_features(features, 1)
    }))
}

/// Parses GeoJSON text as one JSON tree: a single Feature, a bare geometry,
/// or anything malformed, which it names precisely.
fn parse_tree(path: &Path, text: &str) -> Result<RawFile, Error> {
    let root: JsonValue = serde_json::from_str(text).map_err(|e| {
        let fix = if e.is_eof() {
            "the file is truncated: export it again"
        } else {
            "the file is damaged or not JSON: fix the text at that place, or export it again"
        };
        Error::format(path, format!("not valid JSON: {e}; {fix}"))
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
                    Err(r) => out.rejected.push(r),
                }
            }
        }
        Some("Feature") => {
            let value = JsonValue::Object(root.clone());
            out.features.push(
                feature(1, &value)
                    .map_err(|r| Error::format(path, format!("feature 1: {}", r.message)))?,
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

fn feature(index: usize, value: &JsonValue) -> Result<RawFeature, RejectedFeature> {
    let native_id = value.get("id").filter(|v| !v.is_null()).map(json_text);
    let reject = |attributes: Vec<(String, String)>, message: &str| RejectedFeature {
        index,
        native_id: native_id.clone(),
        attributes,
        message: message.to_string(),
    };
    let JsonValue::Object(object) = value else {
        return Err(reject(Vec::new(), "is not a JSON object"));
    };
    if object.get("type").and_then(JsonValue::as_str) != Some("Feature") {
        return Err(reject(Vec::new(), "its \"type\" is not \"Feature\""));
    }
    let attributes = match object.get("properties") {
        Some(JsonValue::Object(props)) => props
            .iter()
            .map(|(k, v)| (k.clone(), json_text(v)))
            .collect(),
        Some(JsonValue::Null) | None => Vec::new(),
        Some(_) => return Err(reject(Vec::new(), "\"properties\" is not an object")),
    };
    let geometry_value = match object.get("geometry") {
        None | Some(JsonValue::Null) => {
            return Err(reject(
                attributes,
                "has no geometry; draw or import its boundary",
            ))
        }
        Some(g) => g,
    };
    let (geometry, notes) = match geometry(geometry_value) {
        Ok(g) => g,
        Err(message) => return Err(reject(attributes, &message)),
    };
    Ok(RawFeature {
        index,
        native_id,
        attributes,
        geometry,
        notes,
    })
}

fn geometry(value: &JsonValue) -> Result<(Geometry, Vec<String>), String> {
    if let Some(problem) = coordinates_problem(value) {
        return Err(problem);
    }
    // Deserialised from the borrowed value: no copy of a large geometry.
    let parsed = geojson::Geometry::deserialize(value).map_err(|e| {
        format!(
            "bad geometry: {e}; a geometry is {{\"type\": \"Polygon\", \"coordinates\": [[[x, y], …]]}} \
             (or MultiPolygon, LineString, MultiLineString)"
        )
    })?;
    let mut notes = Vec::new();
    let mut value = parsed.value;
    close_rings(&mut value, &mut notes)?;
    let geometry = Geometry::<f64>::try_from(&value).map_err(|e| format!("bad geometry: {e}"))?;
    Ok((geometry, notes))
}

/// What is wrong with a geometry's coordinates, checked before conversion:
/// the GeoJSON library indexes positions without checking their length.
fn coordinates_problem(geometry: &JsonValue) -> Option<String> {
    let depth = match geometry.get("type").and_then(JsonValue::as_str)? {
        "Point" => 1,
        "LineString" | "MultiPoint" => 2,
        "Polygon" | "MultiLineString" => 3,
        "MultiPolygon" => 4,
        "GeometryCollection" => {
            return geometry
                .get("geometries")?
                .as_array()?
                .iter()
                .find_map(coordinates_problem)
        }
        _ => return None,
    };
    nesting_problem(geometry.get("coordinates")?, depth)
}

/// `depth` 1 is a position; more is an array of what is one level down.
fn nesting_problem(value: &JsonValue, depth: usize) -> Option<String> {
    let JsonValue::Array(items) = value else {
        return Some(if depth == 1 {
            format!("position {value} is not an array; write each position as [x, y]")
        } else {
            format!("{value} stands where an array of positions belongs; check the nesting of \"coordinates\"")
        });
    };
    if depth > 1 {
        return items
            .iter()
            .find_map(|item| nesting_problem(item, depth - 1));
    }
    if let Some(bad) = items.iter().find(|v| !v.is_number()) {
        return Some(format!(
            "coordinate {bad} is not a number; write each position as [x, y] with plain numbers \
             (NaN, Infinity, quoted numbers and out-of-range values such as 1e999 are not coordinates)"
        ));
    }
    (items.len() < 2).then(|| {
        format!("position {value} has fewer than two numbers; write each position as [x, y]")
    })
}

/// JSON has no NaN or Infinity, yet Python's `json` module and some GIS
/// exports write them bare, and a literal such as `1e999` overflows: each
/// would make the whole file unreadable. Quoting them (outside strings) turns
/// them into a bad coordinate of one feature, reported and skipped, while the
/// rest of the file loads. Text without them is returned untouched.
fn quote_non_finite_numbers(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let starts_token = b == b'-' || b == b'N' || b == b'I' || b.is_ascii_digit();
        if !starts_token {
            i += 1;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.')))
            .map_or(bytes.len(), |n| i + n);
        let token = &text[i..end];
        let non_finite = matches!(token, "NaN" | "-NaN" | "Infinity" | "-Infinity")
            || (b != b'N' && b != b'I' && token.parse::<f64>().is_ok_and(|v| !v.is_finite()));
        if non_finite {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
            out.push_str(&text[copied..i]);
            out.push('"');
            out.push_str(token);
            out.push('"');
            copied = end;
        }
        i = end.max(i + 1);
    }
    match out {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            std::borrow::Cow::Owned(out)
        }
        None => std::borrow::Cow::Borrowed(text),
    }
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

    /// What [`stream`] gives for `text` in a file, its batches of two
    /// features merged (or the file read whole), whether it came in batches,
    /// and what [`read`] gives for the same file.
    fn streamed_and_read(text: &str) -> (RawFile, bool, RawFile) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.geojson");
        std::fs::write(&path, text).unwrap();
        let mut merged = RawFile::default();
        let outcome = stream(&path, 2, &mut |batch| {
            merged.features.extend(batch.features);
            merged.rejected.extend(batch.rejected);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let whole = read(&path).unwrap_or_else(|e| panic!("{e}"));
        match outcome {
            Streamed::Batches(tail) => {
                let raw = RawFile {
                    declared_crs: tail.declared_crs,
                    ..merged
                };
                (raw, true, whole)
            }
            Streamed::Whole(raw) => (raw, false, whole),
        }
    }

    #[test]
    fn a_collection_streams_in_batches_as_it_parses_whole_and_anything_else_is_read_whole() {
        let feature = |i: usize| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":"P{i}"}},"geometry":{{"type":"Polygon","coordinates":[[[{i},0],[{i}.5,0],[{i}.5,1],[{i},0]]]}}}}"#
            )
        };
        let five = (1..=5).map(feature).collect::<Vec<_>>().join(",");
        let cases = [
            // Members in any order, a member redline does not know, a bad feature.
            (
                format!(
                    r#"{{"features":[{five},{{"type":"Feature","geometry":null}}],"bbox":[0,0,1,1],"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:4544"}}}}}}"#
                ),
                true,
            ),
            (
                format!("\u{feff}{{\"type\":\"FeatureCollection\",\"features\":[{five}]}}"),
                true,
            ),
            // Read whole: NaN, a repeated member, a single feature, a bare geometry.
            (
                format!(
                    r#"{{"type":"FeatureCollection","features":[{five},{}]}}"#,
                    feature(6).replace("[6,0]", "[NaN,0]")
                ),
                false,
            ),
            (
                format!(
                    r#"{{"type":"FeatureCollection","features":[{five}],"features":[{five}]}}"#
                ),
                false,
            ),
            (feature(1), false),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#.to_string(),
                false,
            ),
        ];
        for (text, in_batches) in cases {
            let (raw, batched, whole) = streamed_and_read(&text);
            assert_eq!(batched, in_batches, "{text}");
            assert_eq!(
                format!("{:?}", raw.declared_crs),
                format!("{:?}", whole.declared_crs)
            );
            assert_eq!(
                format!("{:?}", raw.features),
                format!("{:?}", whole.features),
                "{text}"
            );
            assert_eq!(
                format!("{:?}", raw.rejected),
                format!("{:?}", whole.rejected),
                "{text}"
            );
        }
    }

    #[test]
    fn a_truncated_collection_is_refused_as_when_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[{"type":"Feature""#,
        )
        .unwrap();
        let error = stream(&path, 2, &mut |_| Ok(()))
            .err()
            .map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("truncated")),
            "{error:?}"
        );
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
        assert_eq!(f.rejected.len(), 2);
        assert_eq!(
            (f.rejected[0].index, f.rejected[0].native_id.as_deref()),
            (2, Some("bad"))
        );
        assert!(f.rejected[1].message.contains("no geometry"));
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
