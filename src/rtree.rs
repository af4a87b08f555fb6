//! Boxes in rstar's R-trees: one way to turn a `geo::Rect` into a tree
//! entry or a query envelope, shared by the zone index, the validation of
//! long rings and large parcels.

use geo::Rect;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::AABB;

/// A box in an R-tree, with the position of what it bounds.
pub(crate) type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

pub(crate) fn entry(bounds: Rect, index: usize) -> Entry {
    GeomWithData::new(
        Rectangle::from_corners(
            [bounds.min().x, bounds.min().y],
            [bounds.max().x, bounds.max().y],
        ),
        index,
    )
}

pub(crate) fn envelope(bounds: &Rect) -> AABB<[f64; 2]> {
    AABB::from_corners(
        [bounds.min().x, bounds.min().y],
        [bounds.max().x, bounds.max().y],
    )
}
