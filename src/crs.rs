//! Coordinate reference systems: naming them, recognising them in files, and
//! moving coordinates into the plan's working CRS.
//!
//! All areas and distances are measured in a projected CRS in metres. This
//! module is the only place that knows geographic coordinates exist; it uses
//! `proj4rs` (pure Rust, the PROJ algorithms) so that a clean build needs no
//! C++ toolchain.

use geo::{Coord, MapCoordsInPlace};
use geo_types::Geometry;
use proj4rs::Proj;

/// A CRS known by its EPSG code.
#[derive(Clone)]
pub struct Crs {
    code: u16,
    proj: Proj,
}

impl std::fmt::Debug for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EPSG:{}", self.code)
    }
}

impl PartialEq for Crs {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EPSG:{}", self.code)
    }
}

pub const WGS84: u16 = 4326;
pub const CGCS2000_GEOGRAPHIC: u16 = 4490;

impl Crs {
    pub fn from_epsg(code: u16) -> Result<Crs, String> {
        let proj = Proj::from_epsg_code(code).map_err(|e| {
            format!("EPSG:{code} is not a CRS redline knows ({e}); use e.g. EPSG:4544 (CGCS2000 3-degree Gauss-Kruger CM 105E) or EPSG:4326")
        })?;
        Ok(Crs { code, proj })
    }

    /// Parses the ways files and users name a CRS: `EPSG:4544`, `4544`,
    /// `urn:ogc:def:crs:EPSG::4544`, `urn:ogc:def:crs:OGC:1.3:CRS84`.
    pub fn parse(name: &str) -> Result<Crs, String> {
        let trimmed = name.trim();
        let upper = trimmed.to_ascii_uppercase();
        if upper.ends_with("CRS84") || upper.ends_with("CRS:84") {
            return Crs::from_epsg(WGS84);
        }
        let digits = upper
            .rsplit([':', '/'])
            .next()
            .filter(|_| upper.contains("EPSG") || upper.chars().all(|c| c.is_ascii_digit()))
            .and_then(|d| d.parse::<u16>().ok());
        match digits {
            Some(code) => Crs::from_epsg(code),
            None => Err(format!(
                "cannot understand the CRS name {trimmed:?}; write it as EPSG:<code>, e.g. EPSG:4544"
            )),
        }
    }

    /// Recognises the WKT of a shapefile's `.prj`: its EPSG authority code
    /// when present, else the CGCS2000 / WGS84 definitions by their parameters
    /// (ESRI-style WKT carries no authority).
    pub fn from_wkt(wkt: &str) -> Result<Crs, String> {
        if let Some(code) = wkt_authority_code(wkt) {
            return Crs::from_epsg(code);
        }
        let upper = wkt.to_ascii_uppercase();
        let is_cgcs2000 = upper.contains("CGCS")
            || upper.contains("CHINA_2000")
            || upper.contains("CHINA GEODETIC");
        let is_wgs84 =
            upper.contains("WGS_1984") || upper.contains("WGS 84") || upper.contains("WGS84");
        if upper.trim_start().starts_with("GEOGCS") {
            if is_cgcs2000 {
                return Crs::from_epsg(CGCS2000_GEOGRAPHIC);
            }
            if is_wgs84 {
                return Crs::from_epsg(WGS84);
            }
        } else if upper.trim_start().starts_with("PROJCS")
            && (upper.contains("TRANSVERSE_MERCATOR") || upper.contains("GAUSS_KRUGER"))
            && is_cgcs2000
        {
            let central_meridian = wkt_parameter(&upper, "CENTRAL_MERIDIAN");
            let false_easting = wkt_parameter(&upper, "FALSE_EASTING");
            if let (Some(cm), Some(fe)) = (central_meridian, false_easting) {
                if let Some(code) = cgcs2000_gauss_kruger_code(cm, fe) {
                    return Crs::from_epsg(code);
                }
            }
        }
        let name = wkt.split('"').nth(1).unwrap_or("?");
        Err(format!(
            "the .prj names a CRS redline cannot map to an EPSG code ({name}); \
             supported: WGS84, CGCS2000 and its Gauss-Kruger zones (EPSG:4490, 4491-4554). \
             Reproject the file to one of them, or remove the .prj and declare the CRS in the catalog (`crs = \"EPSG:xxxx\"`) or with --parcels-crs"
        ))
    }

    pub fn code(&self) -> u16 {
        self.code
    }

    pub fn is_geographic(&self) -> bool {
        self.proj.is_latlong()
    }

    /// The OGC WKT definition of the CRS, from the EPSG table proj4rs reads
    /// its parameters from; none for a code that table lacks.
    pub fn wkt(&self) -> Option<&'static str> {
        crs_definitions::from_code(self.code).map(|def| def.wkt)
    }

    /// A working CRS must be projected with metre units, or areas would be in
    /// square degrees.
    pub fn is_projected_metres(&self) -> bool {
        !self.proj.is_latlong()
            && !self.proj.is_geocent()
            && (self.proj.to_meter() - 1.0).abs() < 1e-12
    }
}

fn wkt_authority_code(wkt: &str) -> Option<u16> {
    // The top-level object's AUTHORITY is the last one in the text.
    let upper = wkt.to_ascii_uppercase();
    let at = upper.rfind("AUTHORITY[\"EPSG\"")?;
    let rest = &upper[at + "AUTHORITY[\"EPSG\"".len()..];
    let code: String = rest
        .trim_start_matches([',', ' ', '"'])
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    // Only accept it when it closes the whole definition, not a datum or unit.
    let tail = rest.trim_start_matches(|c: char| c != ']');
    if tail.trim_start_matches(']').trim().is_empty() {
        code.parse().ok()
    } else {
        None
    }
}

fn wkt_parameter(upper_wkt: &str, name: &str) -> Option<f64> {
    let key = format!("PARAMETER[\"{name}\"");
    let at = upper_wkt.find(&key)?;
    let rest = &upper_wkt[at + key.len()..];
    let value: String = rest
        .trim_start_matches([',', ' '])
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'E'))
        .collect();
    value.parse().ok()
}

/// EPSG code of a CGCS2000 Gauss-Kruger zone from its central meridian and
/// false easting: 3-degree zones EPSG:4513-4533 (zone-prefixed eastings) and
/// 4534-4554 (no prefix); 6-degree zones EPSG:4491-4501 (prefixed).
pub fn cgcs2000_gauss_kruger_code(central_meridian: f64, false_easting: f64) -> Option<u16> {
    let cm = central_meridian.round();
    if (central_meridian - cm).abs() > 1e-9 || !(75.0..=135.0).contains(&cm) {
        return None;
    }
    let cm = cm as i32;
    let prefix = ((false_easting - 500_000.0) / 1_000_000.0).round() as i32;
    if (false_easting - (prefix as f64 * 1_000_000.0 + 500_000.0)).abs() > 1e-6 {
        return None;
    }
    if cm % 3 != 0 {
        return None;
    }
    if prefix == 0 {
        return u16::try_from(4534 + (cm - 75) / 3).ok();
    }
    if prefix == cm / 3 {
        return u16::try_from(4513 + (prefix - 25)).ok();
    }
    if (cm - 3) % 6 == 0 && prefix == (cm + 3) / 6 {
        return u16::try_from(4491 + (prefix - 13)).ok();
    }
    None
}

/// A CGCS2000 Gauss-Kruger zone as surveyors name it: the zone width (3 or
/// 6 degrees), the zone number (带号) and whether eastings carry it as a
/// prefix (35 625 937.71 rather than 625 937.71).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GkZone {
    pub width: u8,
    pub zone: u8,
    pub prefixed: bool,
}

impl GkZone {
    pub fn central_meridian(&self) -> f64 {
        match self.width {
            6 => f64::from(self.zone) * 6.0 - 3.0,
            _ => f64::from(self.zone) * 3.0,
        }
    }

    pub fn false_easting(&self) -> f64 {
        if self.prefixed {
            f64::from(self.zone) * 1_000_000.0 + 500_000.0
        } else {
            500_000.0
        }
    }

    /// The EPSG code; a 6-degree zone without prefix has the same
    /// projection as the 3-degree one on its central meridian, and that code
    /// is returned.
    pub fn epsg(&self) -> Option<u16> {
        cgcs2000_gauss_kruger_code(self.central_meridian(), self.false_easting())
    }

    /// The zone of a CGCS2000 Gauss-Kruger EPSG code (4491-4554).
    pub fn of_epsg(code: u16) -> Option<GkZone> {
        let zone = |first: u16, base: u16| u8::try_from(code - first + base).ok();
        let (width, zone, prefixed) = match code {
            4491..=4501 => (6, zone(4491, 13)?, true),
            4502..=4512 => (6, zone(4502, 13)?, false),
            4513..=4533 => (3, zone(4513, 25)?, true),
            4534..=4554 => (3, zone(4534, 25)?, false),
            _ => return None,
        };
        Some(GkZone {
            width,
            zone,
            prefixed,
        })
    }
}

/// CGCS2000 3-degree zones are numbered 25-45 and 6-degree zones 13-23, so a
/// zone number alone tells the zoning.
fn zone_width_of(zone: u32) -> Option<u8> {
    match zone {
        25..=45 => Some(3),
        13..=23 => Some(6),
        _ => None,
    }
}

/// What a coordinate file says about its CRS in words, e.g. the header of a
/// construction-land coordinate text file (坐标系, 几度分带, 带号).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GridHints {
    /// 坐标系, e.g. "2000国家大地坐标系", "1980西安坐标系"; `None` when blank.
    pub datum: Option<String>,
    /// 几度分带: 3 or 6.
    pub zone_width: Option<u32>,
    /// 带号.
    pub zone: Option<u32>,
    /// 中央子午线 in degrees, which some files give instead of 带号.
    pub central_meridian: Option<f64>,
}

/// Whether a northing (y) looks like an easting and an easting (x) like a
/// northing: the two columns of a surveyor's file read the wrong way round.
/// In China northings are 1 000 km to 6 200 km, eastings below 1 000 km or
/// prefixed with a zone number of 13 or more, so the two cannot be confused.
pub fn axes_look_swapped(bounds: &geo::Rect) -> bool {
    let northing = |v: f64| (1.0e6..6.2e6).contains(&v);
    let easting = |v: f64| (0.0..1.0e6).contains(&v) || (13.0e6..46.0e6).contains(&v);
    let (min, max) = (bounds.min(), bounds.max());
    northing(min.x) && northing(max.x) && easting(min.y) && easting(max.y)
}

/// What the plan tells of a coordinate file read for it.
#[derive(Debug, Clone, Copy)]
pub struct PlanGrid<'a> {
    /// The plan's working CRS: the likeliest for a file that names no zone.
    pub crs: &'a Crs,
    /// Where the plan's parcels may lie (its extent, with a margin): a file
    /// that names no zone and whose coordinates, read in `crs`, fall here is
    /// read in `crs`.
    pub area: Option<geo::Rect>,
}

/// The CRS of Gauss-Kruger (or lon/lat) coordinates from their magnitudes
/// and what the file says. `Ok` is the EPSG code and, in words, why it was
/// chosen; `Err` says why it cannot be told and what is likely. Unprefixed
/// eastings with no zone are read in the plan's CRS when they then lie in
/// the plan's area, and it is suggested otherwise. `bounds` is in GIS
/// order: x easting, y northing.
pub fn infer_gauss_kruger(
    bounds: &geo::Rect,
    hints: &GridHints,
    plan: Option<PlanGrid>,
) -> Result<(u16, String), String> {
    let datum_said = check_datum(hints.datum.as_deref())?;
    let (min, max) = (bounds.min(), bounds.max());
    let range = format!(
        "eastings {:.2}..{:.2}, northings {:.2}..{:.2}",
        min.x, max.x, min.y, max.y
    );
    if looks_like_lonlat(bounds) {
        return Ok((
            CGCS2000_GEOGRAPHIC,
            format!("coordinates in degrees, taken as CGCS2000 lon/lat{datum_said}"),
        ));
    }
    if !(1.0e6..6.2e6).contains(&min.y) || !(1.0e6..6.2e6).contains(&max.y) {
        return Err(format!(
            "the coordinates ({range}) are neither Gauss-Kruger metres in China nor lon/lat"
        ));
    }
    let zone_of_hints = || -> Result<Option<GkZone>, String> {
        let width = hints
            .zone_width
            .or_else(|| hints.zone.and_then(zone_width_of).map(u32::from));
        match (hints.zone, width, hints.central_meridian) {
            (Some(zone), Some(width @ (3 | 6)), _) => {
                let zone_ok = u8::try_from(zone)
                    .ok()
                    .filter(|_| zone_width_of(zone) == Some(width as u8));
                match zone_ok {
                    Some(zone) => Ok(Some(GkZone {
                        width: width as u8,
                        zone,
                        prefixed: false,
                    })),
                    None => Err(format!(
                        "带号 {zone} is not a CGCS2000 {width}-degree zone (3-degree zones are 25-45, 6-degree 13-23)"
                    )),
                }
            }
            (_, _, Some(cm)) if cm % 3.0 == 0.0 && (75.0..=135.0).contains(&cm) => {
                Ok(Some(GkZone {
                    width: 3,
                    zone: (cm / 3.0) as u8,
                    prefixed: false,
                }))
            }
            (Some(zone), _, _) => Err(format!(
                "带号 {zone} is not a CGCS2000 zone (3-degree zones are 25-45, 6-degree 13-23)"
            )),
            _ => Ok(None),
        }
    };
    if min.x >= 1.0e7 {
        let (first, last) = ((min.x / 1.0e6).floor(), (max.x / 1.0e6).floor());
        if first != last {
            return Err(format!(
                "the eastings carry two zone prefixes, {first} and {last} ({range}); one file holds one zone"
            ));
        }
        let prefix = first as u32;
        let Some(width) = zone_width_of(prefix) else {
            return Err(format!(
                "the eastings ({range}) start with {prefix}, which is not a CGCS2000 zone number (3-degree 25-45, 6-degree 13-23)"
            ));
        };
        if let Some(said) = hints.zone_width.filter(|w| *w != u32::from(width)) {
            return Err(format!(
                "几度分带 says {said}-degree zones but the eastings' prefix {prefix} is a {width}-degree zone number"
            ));
        }
        if let Some(said) = hints.zone.filter(|z| *z != prefix) {
            return Err(format!(
                "带号 says zone {said} but the eastings ({range}) carry the zone prefix {prefix}"
            ));
        }
        let zone = GkZone {
            width,
            zone: prefix as u8,
            prefixed: true,
        };
        return match zone.epsg() {
            Some(code) => Ok((
                code,
                format!(
                    "CGCS2000 {width}-degree Gauss-Kruger zone {prefix} (CM {}E) from the zone prefix of the eastings{datum_said}",
                    zone.central_meridian()
                ),
            )),
            None => Err(format!("no EPSG code for zone prefix {prefix}")),
        };
    }
    if max.x >= 1.0e6 || min.x <= 0.0 {
        return Err(format!(
            "the eastings ({range}) are neither 6-digit Gauss-Kruger eastings nor zone-prefixed ones"
        ));
    }
    if let Some(zone) = zone_of_hints()? {
        return match zone.epsg() {
            Some(code) => Ok((
                code,
                format!(
                    "CGCS2000 {}-degree Gauss-Kruger zone {} (CM {}E), eastings without zone prefix, from the file's 带号/几度分带{datum_said}",
                    zone.width,
                    zone.zone,
                    zone.central_meridian()
                ),
            )),
            None => Err(format!("no EPSG code for zone {}", zone.zone)),
        };
    }
    let plan_zone = plan.and_then(|p| Some((p, GkZone::of_epsg(p.crs.code())?)));
    if let Some((
        PlanGrid {
            crs,
            area: Some(area),
        },
        zone,
    )) = plan_zone
    {
        let inside = area.min().x <= min.x
            && area.min().y <= min.y
            && max.x <= area.max().x
            && max.y <= area.max().y;
        if inside && !zone.prefixed {
            return Ok((
                crs.code(),
                format!(
                    "the plan's own {crs} (CGCS2000 3-degree Gauss-Kruger CM {}E): the file names no zone (带号) and the eastings carry no prefix, and read in it the coordinates ({range}) lie in the plan area{datum_said}",
                    zone.central_meridian()
                ),
            ));
        }
    }
    let guess = match plan_zone {
        Some((plan, zone)) if !zone.prefixed => format!(
            "most likely the plan's own {} (CGCS2000 3-degree Gauss-Kruger CM {}E), but the coordinates do not lie in the plan area in it; otherwise EPSG:4534-4554 by central meridian (4534 + (CM - 75) / 3)",
            plan.crs,
            zone.central_meridian()
        ),
        _ => "one of EPSG:4534-4554 (CGCS2000 3-degree Gauss-Kruger, no prefix; 4534 + (CM - 75) / 3, e.g. EPSG:4544 for CM 105E)".to_string(),
    };
    Err(format!(
        "the coordinates ({range}) have no zone prefix on the eastings and the file gives no 带号, so the Gauss-Kruger zone cannot be told: {guess}"
    ))
}

/// `Ok` with words to add to the reason when the datum is CGCS2000 (or
/// WGS84, the same to a few centimetres) or unstated; `Err` for a datum
/// redline cannot transform from, named.
fn check_datum(said: Option<&str>) -> Result<String, String> {
    let Some(text) = said.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(", 坐标系 not stated: CGCS2000 assumed".to_string());
    };
    let upper = text.to_uppercase();
    if upper.contains("2000") || upper.contains("CGCS") {
        return Ok(String::new());
    }
    if upper.contains("WGS") {
        return Ok(format!(
            ", 坐标系 {text} taken as CGCS2000 (the same to a few centimetres)"
        ));
    }
    let cannot = |name: &str| {
        Err(format!(
            "坐标系={text} is {name}; redline measures in CGCS2000 and cannot transform it exactly \
             (the shift is tens of metres and needs local parameters): have the surveyor deliver \
             the file in 2000国家大地坐标系 (CGCS2000)"
        ))
    };
    if upper.contains("西安")
        || upper.contains("XIAN")
        || upper.contains("XI'AN")
        || upper.contains("1980")
        || upper.contains("80")
    {
        return cannot("the Xi'an 1980 coordinate system (1980西安坐标系)");
    }
    if upper.contains("北京")
        || upper.contains("BEIJING")
        || upper.contains("1954")
        || upper.contains("54")
    {
        return cannot("the Beijing 1954 coordinate system (1954北京坐标系)");
    }
    cannot("not a coordinate system redline knows (a local or city grid?)")
}

/// Moves coordinates from one CRS to another. Geographic coordinates are in
/// degrees on both sides of this API (proj4rs itself wants radians).
#[derive(Clone, Debug)]
pub struct Transformer {
    source: Crs,
    target: Crs,
}

impl Transformer {
    pub fn new(source: &Crs, target: &Crs) -> Transformer {
        Transformer {
            source: source.clone(),
            target: target.clone(),
        }
    }

    pub fn is_identity(&self) -> bool {
        self.source == self.target
    }

    pub fn transform_coord(&self, pt: Coord) -> Result<Coord, String> {
        if self.is_identity() {
            return Ok(pt);
        }
        let (mut x, mut y) = (pt.x, pt.y);
        if self.source.is_geographic() {
            x = x.to_radians();
            y = y.to_radians();
        }
        let (mut tx, mut ty) =
            proj4rs::adaptors::transform_xy(&self.source.proj, &self.target.proj, x, y).map_err(
                |e| {
                    format!(
                        "cannot transform ({}, {}) from {} to {}: {e}",
                        pt.x, pt.y, self.source, self.target
                    )
                },
            )?;
        if self.target.is_geographic() {
            tx = tx.to_degrees();
            ty = ty.to_degrees();
        }
        if tx.is_finite() && ty.is_finite() {
            Ok(Coord { x: tx, y: ty })
        } else {
            Err(format!(
                "({}, {}) has no position in {} (outside its area of use?)",
                pt.x, pt.y, self.target
            ))
        }
    }

    pub fn transform_geometry(&self, geometry: &mut Geometry) -> Result<(), String> {
        if self.is_identity() {
            return Ok(());
        }
        // `try_map_coords_in_place` overflows the compiler's recursion limit
        // on Geometry, so the first failure is carried out through a cell.
        let failure = std::cell::RefCell::new(None);
        let failure_ref = &failure;
        geometry.map_coords_in_place(|c| match self.transform_coord(c) {
            Ok(t) => t,
            Err(e) => {
                failure_ref.borrow_mut().get_or_insert(e);
                c
            }
        });
        failure.into_inner().map_or(Ok(()), Err)
    }
}

/// Whether all coordinates could be longitude/latitude in degrees.
pub fn looks_like_lonlat(bounds: &geo::Rect) -> bool {
    let (min, max) = (bounds.min(), bounds.max());
    min.x >= -180.0 && max.x <= 180.0 && min.y >= -90.0 && max.y <= 90.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to(code: u16, lon: f64, lat: f64, from: u16) -> Coord {
        let t = Transformer::new(
            &Crs::from_epsg(from).unwrap_or_else(|e| panic!("{e}")),
            &Crs::from_epsg(code).unwrap_or_else(|e| panic!("{e}")),
        );
        t.transform_coord(Coord { x: lon, y: lat })
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn matches_proj_cs2cs_to_a_millimetre() {
        // PROJ 9.1 cs2cs: (106.3E, 29.6N) -> EPSG:4544 and EPSG:4523.
        for from in [WGS84, CGCS2000_GEOGRAPHIC] {
            let p = to(4544, 106.3, 29.6, from);
            assert!((p.x - 625937.7104).abs() < 1e-3, "{p:?}");
            assert!((p.y - 3276479.5459).abs() < 1e-3, "{p:?}");
            let z = to(4523, 106.3, 29.6, from);
            assert!((z.x - 35625937.7104).abs() < 1e-3, "{z:?}");
            assert!((z.y - 3276479.5459).abs() < 1e-3, "{z:?}");
        }
    }

    #[test]
    fn round_trips_back_to_degrees() {
        let p = to(4544, 106.3, 29.6, WGS84);
        let back = Transformer::new(
            &Crs::from_epsg(4544).unwrap_or_else(|e| panic!("{e}")),
            &Crs::from_epsg(WGS84).unwrap_or_else(|e| panic!("{e}")),
        )
        .transform_coord(p)
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            (back.x - 106.3).abs() < 1e-9 && (back.y - 29.6).abs() < 1e-9,
            "{back:?}"
        );
    }

    #[test]
    fn parses_the_names_files_use() {
        for name in [
            "EPSG:4544",
            "epsg:4544",
            "4544",
            "urn:ogc:def:crs:EPSG::4544",
            "urn:ogc:def:crs:EPSG:9.1:4544",
        ] {
            assert_eq!(Crs::parse(name).map(|c| c.code()), Ok(4544), "{name}");
        }
        assert_eq!(
            Crs::parse("urn:ogc:def:crs:OGC:1.3:CRS84").map(|c| c.code()),
            Ok(4326)
        );
        assert!(Crs::parse("Xian 1980").is_err());
    }

    #[test]
    fn knows_geographic_from_projected() {
        let crs = |c| Crs::from_epsg(c).unwrap_or_else(|e| panic!("{e}"));
        assert!(crs(4326).is_geographic() && !crs(4326).is_projected_metres());
        assert!(crs(4490).is_geographic());
        assert!(crs(4544).is_projected_metres() && crs(4523).is_projected_metres());
    }

    #[test]
    fn maps_gauss_kruger_parameters_to_epsg_codes() {
        assert_eq!(cgcs2000_gauss_kruger_code(105.0, 500_000.0), Some(4544));
        assert_eq!(cgcs2000_gauss_kruger_code(105.0, 35_500_000.0), Some(4523));
        assert_eq!(cgcs2000_gauss_kruger_code(75.0, 25_500_000.0), Some(4513));
        assert_eq!(cgcs2000_gauss_kruger_code(135.0, 500_000.0), Some(4554));
        assert_eq!(cgcs2000_gauss_kruger_code(105.0, 18_500_000.0), Some(4496));
        assert_eq!(cgcs2000_gauss_kruger_code(104.5, 500_000.0), None);
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> geo::Rect {
        geo::Rect::new(Coord { x: x0, y: y0 }, Coord { x: x1, y: y1 })
    }

    #[test]
    fn infers_the_zone_from_a_prefix_or_the_header() {
        let none = GridHints::default();
        let prefixed = rect(35_625_937.71, 3_276_479.5, 35_626_037.71, 3_276_679.5);
        assert_eq!(
            infer_gauss_kruger(&prefixed, &none, None).map(|r| r.0),
            Ok(4523)
        );
        let six = rect(18_625_937.71, 3_276_479.5, 18_626_037.71, 3_276_679.5);
        assert_eq!(infer_gauss_kruger(&six, &none, None).map(|r| r.0), Ok(4496));
        let plain = rect(625_937.71, 3_276_479.5, 626_037.71, 3_276_679.5);
        let zone35 = GridHints {
            zone: Some(35),
            ..GridHints::default()
        };
        assert_eq!(
            infer_gauss_kruger(&plain, &zone35, None).map(|r| r.0),
            Ok(4544)
        );
        let zone18 = GridHints {
            zone: Some(18),
            zone_width: Some(6),
            ..GridHints::default()
        };
        assert_eq!(
            infer_gauss_kruger(&plain, &zone18, None).map(|r| r.0),
            Ok(4544)
        );
        let cm = GridHints {
            central_meridian: Some(108.0),
            ..GridHints::default()
        };
        assert_eq!(infer_gauss_kruger(&plain, &cm, None).map(|r| r.0), Ok(4545));
        // A 带号 that disagrees with the prefix is an error, not a guess.
        let zone36 = GridHints {
            zone: Some(36),
            ..GridHints::default()
        };
        let err = infer_gauss_kruger(&prefixed, &zone36, None)
            .err()
            .unwrap_or_default();
        assert!(err.contains("36") && err.contains("35"), "{err}");
        // No zone anywhere: the plan's CRS is taken where the coordinates
        // lie in the plan area in it, and only suggested where they do not.
        let working = Crs::from_epsg(4544).unwrap();
        let plan = |area| {
            Some(PlanGrid {
                crs: &working,
                area: Some(area),
            })
        };
        let around = rect(600_000.0, 3_250_000.0, 650_000.0, 3_300_000.0);
        let (code, why) = infer_gauss_kruger(&plain, &none, plan(around)).unwrap();
        assert_eq!(code, 4544);
        assert!(
            why.contains("plan's own EPSG:4544") && why.contains("带号"),
            "{why}"
        );
        let elsewhere = rect(400_000.0, 3_250_000.0, 450_000.0, 3_300_000.0);
        let err = infer_gauss_kruger(&plain, &none, plan(elsewhere))
            .err()
            .unwrap_or_default();
        assert!(err.contains("EPSG:4544") && err.contains("带号"), "{err}");
        assert!(err.contains("do not lie in the plan area"), "{err}");
    }

    #[test]
    fn names_datums_it_cannot_transform() {
        let plain = rect(625_937.71, 3_276_479.5, 626_037.71, 3_276_679.5);
        let said = |datum: &str| GridHints {
            datum: Some(datum.to_string()),
            zone: Some(35),
            ..GridHints::default()
        };
        assert!(infer_gauss_kruger(&plain, &said("2000国家大地坐标系"), None).is_ok());
        assert!(infer_gauss_kruger(&plain, &said("CGCS2000"), None).is_ok());
        let err = infer_gauss_kruger(&plain, &said("1980西安坐标系"), None)
            .err()
            .unwrap_or_default();
        assert!(err.contains("Xi'an 1980"), "{err}");
        let err = infer_gauss_kruger(&plain, &said("1954北京坐标系"), None)
            .err()
            .unwrap_or_default();
        assert!(err.contains("Beijing 1954"), "{err}");
    }

    #[test]
    fn knows_swapped_axes() {
        assert!(axes_look_swapped(&rect(
            3_276_479.5,
            625_937.71,
            3_276_679.5,
            626_037.71
        )));
        assert!(axes_look_swapped(&rect(
            3_276_479.5,
            35_625_937.71,
            3_276_679.5,
            35_626_037.71
        )));
        assert!(!axes_look_swapped(&rect(
            625_937.71,
            3_276_479.5,
            626_037.71,
            3_276_679.5
        )));
        assert!(!axes_look_swapped(&rect(106.3, 29.6, 106.4, 29.7)));
    }

    #[test]
    fn zones_and_codes_map_both_ways() {
        for code in 4491..=4554 {
            let zone = GkZone::of_epsg(code).unwrap_or_else(|| panic!("{code}"));
            let expected = if (4502..=4512).contains(&code) {
                // Same projection as the 3-degree zone on that meridian.
                4534 + (zone.central_meridian() as u16 - 75) / 3
            } else {
                code
            };
            assert_eq!(zone.epsg(), Some(expected), "{code} {zone:?}");
        }
        assert_eq!(GkZone::of_epsg(4326), None);
    }

    #[test]
    fn reads_esri_and_ogc_prj_wkt() {
        let esri = r#"PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        assert_eq!(Crs::from_wkt(esri).map(|c| c.code()), Ok(4544));
        let esri_zone = esri.replace("500000.0", "35500000.0");
        assert_eq!(Crs::from_wkt(&esri_zone).map(|c| c.code()), Ok(4523));
        let ogc = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 105E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",105],PARAMETER["false_easting",500000],UNIT["metre",1],AUTHORITY["EPSG","4544"]]"#;
        assert_eq!(Crs::from_wkt(ogc).map(|c| c.code()), Ok(4544));
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert_eq!(Crs::from_wkt(wgs).map(|c| c.code()), Ok(4326));
        let xian = r#"PROJCS["Xian_1980_3_Degree_GK_CM_105E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]]],PROJECTION["Gauss_Kruger"],PARAMETER["Central_Meridian",105.0],PARAMETER["False_Easting",500000.0]]"#;
        let err = Crs::from_wkt(xian).err().unwrap_or_default();
        assert!(err.contains("Xian_1980_3_Degree_GK_CM_105E"), "{err}");
    }
}
