//! A parcel typed or clicked in by hand rather than read from a file: how an
//! officer checks a site while a developer reads its corners over the phone.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use crate::crs::{axes_look_swapped, looks_like_lonlat, Crs, GkZone, Transformer};
use crate::geometry::clean_area;
use crate::io::Feature;

/// Corners typed or pasted, in the working CRS, and what was done to them
/// to get there, for the user to see.
#[derive(Debug, Clone, PartialEq)]
pub struct TypedCorners {
    pub corners: Vec<Coord>,
    pub notes: Vec<String>,
}

/// Reads one corner per line, `x, y` (also separated by spaces, tabs or a
/// Chinese comma), in the working CRS. Corners in surveyor order (X the
/// northing first, as every 坐标txt and 界址点成果表 writes them) are
/// swapped, eastings carrying the working zone's number lose it, and a
/// list that looks like lon/lat in degrees is taken as CGCS2000 lon/lat
/// and moved into the working CRS; each with a note saying so.
pub fn parse_coordinate_pairs(text: &str, working_crs: &Crs) -> Result<TypedCorners, String> {
    let mut coords = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let numbers: Vec<&str> = line
            .split(|c: char| c == ',' || c == '，' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        let parsed: Option<Vec<f64>> = numbers
            .iter()
            .map(|s| s.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect();
        match parsed.as_deref() {
            Some([x, y]) => coords.push(Coord { x: *x, y: *y }),
            _ => {
                return Err(format!(
                    "第 {} 行 line {}: {line:?} is not two numbers; write one corner per line as `x, y`",
                    n + 1,
                    n + 1
                ))
            }
        }
    }
    let mut notes = Vec::new();
    let bounds =
        |coords: &[Coord]| geo::BoundingRect::bounding_rect(&LineString::from(coords.to_vec()));
    if bounds(&coords).is_some_and(|b| axes_look_swapped(&b)) {
        coords = coords
            .into_iter()
            .map(|c| Coord { x: c.y, y: c.x })
            .collect();
        notes.push(
            "坐标已交换 columns swapped: the first column holds northings and the second eastings (surveyor order, X = 北 first); read as easting, northing"
                .to_string(),
        );
    }
    if let Some(zone) = GkZone::of_epsg(working_crs.code()).filter(|z| !z.prefixed) {
        let prefix = f64::from(zone.zone) * 1.0e6;
        let prefixed = |c: &Coord| (c.x / 1.0e6).floor() == f64::from(zone.zone);
        if !coords.is_empty() && coords.iter().all(prefixed) {
            coords.iter_mut().for_each(|c| c.x -= prefix);
            notes.push(format!(
                "带号前缀 zone prefix {} removed from the eastings: the plan's {working_crs} is that zone without it",
                zone.zone
            ));
        }
    }
    if bounds(&coords).is_some_and(|b| looks_like_lonlat(&b)) {
        let lonlat = Crs::from_epsg(4490)?;
        let to_working = Transformer::new(&lonlat, working_crs);
        coords = coords
            .into_iter()
            .map(|c| to_working.transform_coord(c))
            .collect::<Result<_, _>>()?;
    }
    Ok(TypedCorners {
        corners: coords,
        notes,
    })
}

/// A parcel from its corners in the working CRS, validated (and repaired,
/// with a note) like any parcel read from a file.
pub fn sketch_feature(
    index: usize,
    id: String,
    name: String,
    corners: &[Coord],
) -> Result<Feature, String> {
    if corners.len() < 3 {
        return Err(format!(
            "a parcel needs at least 3 corners, {} given",
            corners.len()
        ));
    }
    let polygon = Polygon::new(LineString::from(corners.to_vec()), Vec::new());
    let cleaned = clean_area(MultiPolygon(vec![polygon]))?;
    Ok(Feature {
        index,
        id,
        name,
        attributes: Vec::new(),
        shape: cleaned.shape,
        notes: cleaned.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Shape;

    #[test]
    fn reads_working_crs_corners_in_the_usual_separators() {
        let crs = Crs::from_epsg(4544).unwrap();
        let coords =
            parse_coordinate_pairs("625000, 3276000\n625100 3276000\n\n625100，3276100\n", &crs)
                .unwrap()
                .corners;
        assert_eq!(coords.len(), 3);
        assert_eq!(
            coords[2],
            Coord {
                x: 625100.0,
                y: 3276100.0
            }
        );
    }

    #[test]
    fn moves_lonlat_corners_into_the_working_crs() {
        let crs = Crs::from_epsg(4544).unwrap();
        let coords = parse_coordinate_pairs("106.3, 29.6\n106.31 29.6\n106.31 29.61", &crs)
            .unwrap()
            .corners;
        // PROJ 9.1 cs2cs: 106.3°E 29.6°N -> E 625937.7104, N 3276479.5459.
        assert!(
            (coords[0].x - 625_937.710_4).abs() < 1e-3,
            "{:?}",
            coords[0]
        );
        assert!(
            (coords[0].y - 3_276_479.545_9).abs() < 1e-3,
            "{:?}",
            coords[0]
        );
    }

    #[test]
    fn corners_in_surveyor_order_or_zone_prefixed_are_read_as_eastings_northings_with_a_note() {
        let crs = Crs::from_epsg(4544).unwrap();
        let square = [
            Coord {
                x: 625_000.0,
                y: 3_276_000.0,
            },
            Coord {
                x: 625_100.0,
                y: 3_276_000.0,
            },
            Coord {
                x: 625_100.0,
                y: 3_276_100.0,
            },
        ];
        let plain =
            parse_coordinate_pairs("625000, 3276000\n625100, 3276000\n625100, 3276100", &crs)
                .unwrap();
        assert_eq!(plain.corners, square);
        assert!(plain.notes.is_empty());
        // X = northing first, as a 界址点成果表 lists them.
        let surveyor =
            parse_coordinate_pairs("3276000, 625000\n3276000, 625100\n3276100, 625100", &crs)
                .unwrap();
        assert_eq!(surveyor.corners, square);
        assert!(
            surveyor.notes[0].contains("坐标已交换"),
            "{:?}",
            surveyor.notes
        );
        // With the zone number (35) before the easting, in either order.
        for text in [
            "35625000, 3276000\n35625100, 3276000\n35625100, 3276100",
            "3276000, 35625000\n3276000, 35625100\n3276100, 35625100",
        ] {
            let typed = parse_coordinate_pairs(text, &crs).unwrap();
            assert_eq!(typed.corners, square, "{text}");
            assert!(
                typed.notes.iter().any(|n| n.contains("带号前缀")),
                "{:?}",
                typed.notes
            );
        }
        // Another zone's prefix is not the plan's: nothing is taken off.
        let other = parse_coordinate_pairs(
            "36625000, 3276000\n36625100, 3276000\n36625100, 3276100",
            &crs,
        )
        .unwrap();
        assert_eq!(other.corners[0].x, 36_625_000.0);
    }

    #[test]
    fn refuses_a_line_that_is_not_two_numbers_naming_it() {
        let crs = Crs::from_epsg(4544).unwrap();
        let err = parse_coordinate_pairs("625000, 3276000\n625100, abc\n", &crs).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("x, y"), "{err}");
    }

    #[test]
    fn a_sketched_bow_tie_is_repaired_and_noted() {
        let corners = [
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 10.0, y: 10.0 },
            Coord { x: 10.0, y: 0.0 },
            Coord { x: 0.0, y: 10.0 },
        ];
        let f = sketch_feature(0, "草图-1".into(), "手绘地块".into(), &corners).unwrap();
        assert!((f.shape.area_m2() - 50.0).abs() < 1e-9);
        assert!(matches!(f.shape, Shape::Area(_)));
        assert_eq!(f.notes.len(), 1);
        assert!(sketch_feature(0, "x".into(), String::new(), &corners[..2]).is_err());
    }
}
