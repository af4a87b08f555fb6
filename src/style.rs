//! How plan layers and verdicts look on a map. The viewer and the PDF report
//! share it, so an officer sees the same colours on screen and on paper.

use crate::catalog::{LayerSpec, Rule};
use crate::screen::Verdict;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerStyle {
    /// The layer's colour: outline at full strength, fill translucent.
    pub rgb: [u8; 3],
    /// Opacity of the fill, 0–255.
    pub fill_alpha: u8,
    /// No-build zones are hatched, as on the plan's own maps.
    pub hatch: bool,
}

impl LayerStyle {
    pub fn for_layer(spec: &LayerSpec) -> LayerStyle {
        let by_rule = match spec.rule {
            Rule::Prohibit => [0xd7, 0x19, 0x1c],
            Rule::Restrict => [0x43, 0xa0, 0x47],
            Rule::Setback { .. } => [0x1e, 0x88, 0xe5],
            Rule::Display => [0x75, 0x75, 0x75],
            Rule::Units => [0x7b, 0x1f, 0xa2],
        };
        LayerStyle {
            rgb: spec.color.unwrap_or(by_rule),
            fill_alpha: match spec.rule {
                Rule::Prohibit => 90,
                Rule::Restrict => 70,
                Rule::Setback { .. } | Rule::Display => 40,
                // Units tile the whole plan: a tint would cover every zone.
                Rule::Units => 12,
            },
            hatch: spec.rule == Rule::Prohibit,
        }
    }
}

/// Setback bands around water lines: the conflict band darker than the review band.
pub const SETBACK_CONFLICT_ALPHA: u8 = 70;
pub const SETBACK_REVIEW_ALPHA: u8 = 35;

/// Red, amber, green: what every officer reads without a legend; a parcel
/// outside the plan area in dark cyan, unlike any of them and any zone.
pub fn verdict_rgb(verdict: Verdict) -> [u8; 3] {
    match verdict {
        Verdict::Conflict => [0xe5, 0x39, 0x35],
        Verdict::Review => [0xff, 0xa0, 0x00],
        Verdict::Clear => [0x2e, 0x9d, 0x4f],
        Verdict::Outside => [0x00, 0x83, 0x8f],
    }
}

/// A parcel that could not be screened.
pub const UNSCREENED_RGB: [u8; 3] = [0x8e, 0x24, 0xaa];
/// Parcels read and shown while they are being screened: no verdict yet.
pub const PENDING_RGB: [u8; 3] = [0x9a, 0x9a, 0x9a];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use std::path::Path;

    #[test]
    fn the_sample_plan_has_its_own_colours_and_hatches_no_build_zones() {
        let catalog = Catalog::load(Path::new("layers/catalog.toml")).unwrap();
        let style =
            |id: &str| LayerStyle::for_layer(catalog.layers.iter().find(|l| l.id == id).unwrap());
        assert_eq!(style("eco_redline").rgb, [0xd7, 0x19, 0x1c]);
        assert!(style("eco_redline").hatch);
        assert!(style("barriers").hatch);
        assert!(!style("nature_reserves").hatch);
        assert_ne!(style("barriers").rgb, style("nature_reserves").rgb);
    }
}
