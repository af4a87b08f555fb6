#!/usr/bin/env python3
"""Environmental control units for a city.py world, and GeoPandas matching parcels to them.

  python units.py make --world DIR [--units 400]     # DIR/shp/units.shp and DIR/shp/admission.csv
  python units.py peer --world DIR --out OUT.csv     # parcel × unit overlaps

Why: a city's 三线一单 has hundreds of control units tiling its whole area, so every parcel meets
one or more; matching them is work on every parcel, not on a few. `make` tiles the world's extent
with Voronoi cells of random seeds (irregular, with 5-10 neighbours each, as real units are), a
class each (1/2/3) and a unit code, and writes an admission list of 60 clauses by class, by code and
for all units. `peer` is what an analyst would write: sjoin(intersects) and the intersection area of
each pair (the clause matching after it is a table join, not timed). One JSON line: read_s, core_s,
write_s.
"""
import argparse
import json
import os
import time

import geopandas as gpd
import numpy as np
import shapely


def make(world, n):
    parcels = gpd.read_file(os.path.join(world, "shp", "parcels.shp"), columns=["地块编号"])
    x0, y0, x1, y1 = parcels.total_bounds
    pad = 5_000.0
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    rng = np.random.default_rng(20261202)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)]))
    box = shapely.box(x0, y0, x1, y1)
    cells = [shapely.intersection(c, box) for c in shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))]
    # Real units follow roads, rivers and village borders: hundreds of
    # vertices each, not a Voronoi cell's handful.
    cells = [shapely.segmentize(c, 100.0) for c in cells if not c.is_empty]
    classes = rng.choice([1, 2, 3], size=len(cells), p=[0.3, 0.5, 0.2])
    codes = [f"ZH{500100 + i // 100:06d}{c}{i % 1000:04d}" for i, c in enumerate(classes)]
    gpd.GeoDataFrame(
        {"HJZHGKDYBM": codes, "HJZHGKDYMC": [f"单元{i}" for i in range(len(cells))], "ZHGKDYFL": [str(c) for c in classes]},
        geometry=cells, crs=parcels.crs,
    ).to_file(os.path.join(world, "shp", "units.shp"), encoding="utf-8")
    rows = ["编号,适用单元,管控维度,行业,效力,层级,施行日期,条款"]
    dims = ["空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率"]
    effects = ["禁止", "限制", "要求"]
    for i in range(60):
        scope = ["全部", "优先保护", "重点管控", "一般管控", codes[i * 5 % len(codes)]][i % 5]
        industry = ["*", "C26", "C39;C3985", "重金属", "C17;C19;C22"][i % 5]
        rows.append(f"K{i:02d},{scope},{dims[i % 4]},{industry},{effects[i % 3]},{['国家', '市', '区'][i % 3]},2021-01-01,条款{i}")
    with open(os.path.join(world, "shp", "admission.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    print(json.dumps({"units": len(cells), "vertices": int(sum(shapely.get_num_coordinates(c) for c in cells))}))


def peer(world, out):
    t0 = time.perf_counter()
    parcels = gpd.read_file(os.path.join(world, "shp", "parcels.shp"), columns=["地块编号"])
    units = gpd.read_file(os.path.join(world, "shp", "units.shp"), columns=["HJZHGKDYBM"])
    t1 = time.perf_counter()
    bad = ~parcels.is_valid
    parcels.loc[bad, "geometry"] = shapely.make_valid(parcels.geometry[bad].values)
    j = gpd.sjoin(parcels, units, predicate="intersects", how="inner")
    area = shapely.area(shapely.intersection(parcels.geometry.values[j.index.values], units.geometry.values[j["index_right"].values]))
    t2 = time.perf_counter()
    with open(out, "w", encoding="utf-8") as f:
        f.write("parcel_id,unit,overlap_m2\n")
        for pid, code, a in zip(j["地块编号"].values, j["HJZHGKDYBM"].values, area):
            f.write(f"{pid},{code},{a:.2f}\n")
    t3 = time.perf_counter()
    print(json.dumps({"read_s": t1 - t0, "core_s": t2 - t1, "write_s": t3 - t2, "pairs": len(j)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["make", "peer"])
    ap.add_argument("--world", required=True)
    ap.add_argument("--units", type=int, default=400)
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.what == "make":
        make(a.world, a.units)
    else:
        peer(a.world, a.out)


if __name__ == "__main__":
    main()
