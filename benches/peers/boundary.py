#!/usr/bin/env python3
"""A city-shaped plan boundary for a gen.py/city.py world, and GeoPandas placing the parcels against it.

  python boundary.py make --world DIR [--vertices 200000]     # writes DIR/shp/boundary.shp (EPSG:4544)
  python boundary.py peer --world DIR --out OUT.csv           # parcels wholly outside, with their distance

Why: a real plan boundary (a city's or a district's) is one jagged polygon of 10^5 vertices or more, and
every parcel is placed against it. `make` draws one around the world's centre: a radius with slow lobes,
fast wiggles and a random walk, so that about a sixth of the parcels lie beyond it, some just beyond and
some kilometres away. `peer` is what an analyst would write: one prepared boundary, a vectorised
intersects, then the distance of the disjoint parcels to the boundary's rings cut into pieces in an STRtree. It prints one JSON line with read_s / core_s /
write_s, as baseline_gpd.py does; OUT.csv has parcel_id,distance_m.
"""
import argparse
import json
import os
import time

import geopandas as gpd
import numpy as np
import shapely


def make(world, vertices):
    parcels = gpd.read_file(os.path.join(world, "shp", "parcels.shp"), columns=["地块编号"])
    x0, y0, x1, y1 = parcels.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    rng = np.random.default_rng(20261202)
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    walk = np.cumsum(rng.normal(0, 1, vertices))
    walk -= np.linspace(0, walk[-1], vertices)  # closes the ring without a jump
    walk *= 0.02 / max(np.abs(walk).max(), 1e-9)
    radius = min(x1 - x0, y1 - y0) / 2 * (0.86 + 0.08 * np.sin(5 * theta) + 0.02 * np.sin(61 * theta) + walk)
    ring = np.column_stack([cx + radius * np.cos(theta), cy + radius * np.sin(theta)])
    poly = shapely.make_valid(shapely.Polygon(ring))
    out = os.path.join(world, "shp", "boundary.shp")
    gpd.GeoDataFrame({"名称": ["规划范围"]}, geometry=[poly], crs=parcels.crs).to_file(out, encoding="utf-8")
    print(json.dumps({"boundary": out, "vertices": int(shapely.get_num_coordinates(poly))}))


def peer(world, out):
    t0 = time.perf_counter()
    parcels = gpd.read_file(os.path.join(world, "shp", "parcels.shp"), columns=["地块编号"])
    boundary = gpd.read_file(os.path.join(world, "shp", "boundary.shp")).geometry.union_all()
    t1 = time.perf_counter()
    shapely.prepare(boundary)
    geoms = parcels.geometry.values
    outside = ~shapely.intersects(boundary, geoms)
    # shapely.distance against the whole boundary is brute force (every parcel
    # times every boundary edge: 7 minutes here); the competent analyst cuts
    # the rings into 256-vertex pieces and asks an STRtree for the nearest.
    pieces = []
    for ring in [boundary.exterior, *boundary.interiors] if boundary.geom_type == "Polygon" else [
            r for p in boundary.geoms for r in [p.exterior, *p.interiors]]:
        xy = shapely.get_coordinates(ring)
        pieces += [shapely.LineString(xy[i:i + 257]) for i in range(0, len(xy) - 1, 256)]
    tree = shapely.STRtree(pieces)
    which, dist = tree.query_nearest(geoms[outside], return_distance=True, all_matches=False)
    distance = np.empty(int(outside.sum()))
    distance[which[0]] = dist
    t2 = time.perf_counter()
    with open(out, "w", encoding="utf-8") as f:
        f.write("parcel_id,distance_m\n")
        for pid, d in zip(parcels["地块编号"].values[outside], distance):
            f.write(f"{pid},{d:.3f}\n")
    t3 = time.perf_counter()
    print(json.dumps({"read_s": t1 - t0, "core_s": t2 - t1, "write_s": t3 - t2, "outside": int(outside.sum())}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["make", "peer"])
    ap.add_argument("--world", required=True)
    ap.add_argument("--vertices", type=int, default=200_000)
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.what == "make":
        make(a.world, a.vertices)
    else:
        peer(a.world, a.out)


if __name__ == "__main__":
    main()
