#!/usr/bin/env python3
"""A city-scale world: the layers an officer of a municipality really loads.

Deterministic (seeded numpy; coordinates on the mm grid) and shaped like the real thing, not like a tidy demo:

  * a square of --extent-km (290 km: a municipality) in EPSG:4544 around 106.3E 29.6N;
  * eco_redline: >= 2 000 jagged patches covering ~20 % of the square with >= 3 million vertices, one in ten
    with a hole (patches sit in their own cells of a jittered grid, so they never overlap);
  * nature_reserve: large jagged reserves laid over the red line; green_structure: two long mountain barriers,
    a corridor axis, a green heart and parks (一心一轴两屏);
  * river: a dendritic network of >= 2 000 lines (main stems across the square, tributaries of three orders,
    each starting on its parent), vertices every ~50 m;
  * three parcel sets, each a world of its own (the zone files hard-linked, so every peer script that reads a
    gen.py world reads these unchanged):
      parcels/    ordinary parcels (rectangles and small polygons, 1 000-200 000 m²), --parcels of them;
      parks/      industrial parks of 1-10 km² with 2 000-50 000 vertices, --parks of them;
      corridors/  linear projects (roads, pipelines, power lines) 10-80 km long and 30-100 m wide, --corridors.

  python city.py --out /tmp/bench/city             # ~290 km, 100 000 parcels, 200 parks, 100 corridors
  python city.py --out DIR --scale 0.1             # the same shapes, a tenth of the counts (a quick check)

Truth for each set: truth.py --data DIR/parcels --out DIR/parcels/truth.csv (likewise parks, corridors).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import pyproj
import shapely
from shapely import LineString, MultiLineString, Polygon

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import (LANDUSE, PARCEL_FIELDS, PLACE, RIVER_FIELDS, RIVER_NAMES, ZONE_FIELDS, ZONE_NAMES,  # noqa: E402
                 meander, rnd, sha256, snap, star_blob, write_geojson, write_shp)

ZONE_LAYERS = ["eco_redline", "nature_reserve", "green_structure"]


def blob_of_area(rng, cx, cy, area, n, stretch=1.0, rot=0.0, rough=0.5):
    """A jagged simple polygon of exactly-ish `area` m² (star_blob scaled after the fact)."""
    unit = star_blob(rng, 0.0, 0.0, 1000.0, n, rough=rough, stretch=stretch, rot=rot)
    k = math.sqrt(area / unit.area)
    xy = np.asarray(unit.exterior.coords)[:-1] * k
    return Polygon(rnd(xy + [cx, cy]))


class City:
    def __init__(self, a):
        self.a = a
        self.rng = np.random.default_rng(a.seed)
        t = pyproj.Transformer.from_crs(4326, 4544, always_xy=True)
        cx, cy = t.transform(106.3, 29.6)
        self.cx, self.cy = float(rnd(cx)), float(rnd(cy))
        self.E = a.extent_km * 1000.0
        self.minx, self.miny = self.cx - self.E / 2, self.cy - self.E / 2
        self.box = shapely.box(self.minx, self.miny, self.minx + self.E, self.miny + self.E)
        self.layers = {k: [] for k in ZONE_LAYERS}  # (props, geom)
        self.rivers = []
        self.sets = {"parcels": [], "parks": [], "corridors": []}

    def zone(self, layer, g, name, level):
        prefix = {"eco_redline": "HX", "nature_reserve": "BHD", "green_structure": "LD"}[layer]
        fid = f"{prefix}-{len(self.layers[layer]) + 1:05d}"
        assert g.is_valid, (layer, fid, shapely.is_valid_reason(g))
        self.layers[layer].append(({"要素编号": fid, "名称": name, "类别": layer, "级别": level}, g))

    def red_line(self):
        rng, a = self.rng, self.a
        side = max(2, math.ceil(math.sqrt(a.patches / 0.9)))
        cell = self.E / side
        cells = rng.choice(side * side, size=a.patches, replace=False)
        # Sizes spread like real patches, each capped so that it stays inside its own cell; the scale is
        # solved so that the patches cover 20 % of the square (less only if the caps forbid it).
        target, cap = 0.20 * self.E ** 2, 0.33 * cell ** 2
        w = np.exp(rng.normal(0, 0.6, a.patches))
        lo, hi = 0.0, 10 * target / w.sum()
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if np.minimum(w * mid, cap).sum() < target else (lo, mid)
        areas = np.minimum(w * lo, cap)
        verts = np.maximum(300, (np.sqrt(areas) / np.sqrt(areas).sum() * a.redline_vertices)).astype(int)
        names = ZONE_NAMES["eco_redline"]
        for i, (c, area, n) in enumerate(zip(cells, areas, verts)):
            col, row = divmod(int(c), side)
            x = self.minx + (col + 0.5) * cell + rng.uniform(-0.02, 0.02) * cell
            y = self.miny + (row + 0.5) * cell + rng.uniform(-0.02, 0.02) * cell
            g = blob_of_area(rng, x, y, area, n, stretch=rng.uniform(1.0, 1.1), rot=rng.uniform(0, math.pi),
                             rough=0.2)
            if i % 10 == 3:
                hole = blob_of_area(rng, x, y, 0.01 * area, max(40, n // 20), rough=0.2)
                with_hole = Polygon(g.exterior.coords, [hole.exterior.coords])
                if with_hole.is_valid:
                    g = with_hole
            if not g.is_valid:
                g = snap(shapely.make_valid(g))
            self.zone("eco_redline", g, names[i % len(names)] + f"生态保护红线{i + 1}", "国家级")

    def reserves_and_green(self):
        rng, a, E = self.rng, self.a, self.E
        for i in range(a.reserves):
            x, y = self.minx + rng.uniform(0.05, 0.95) * E, self.miny + rng.uniform(0.05, 0.95) * E
            area = float(np.exp(rng.normal(math.log(60e6), 0.6)))
            g = blob_of_area(rng, x, y, area, 3000, stretch=rng.uniform(1.0, 2.0), rot=rng.uniform(0, math.pi))
            # Reserves are laid over one another in real plans too, but a layer's features are kept apart.
            if any(g.intersects(h) for _, h in self.layers["nature_reserve"]):
                continue
            names = ZONE_NAMES["nature_reserve"]
            self.zone("nature_reserve", g, names[i % len(names)] + f"{i + 1}", ["国家级", "市级", "区县级"][i % 3])
        # 一心一轴两屏: two long barriers, an axis, a heart; then parks.
        for fx, name in ((0.3, "缙云山生态屏障"), (0.7, "中梁山生态屏障")):
            g = blob_of_area(rng, self.minx + fx * E, self.cy, 0.01 * E * E, 8000, stretch=8.0,
                             rot=math.pi / 2 + rng.uniform(-0.1, 0.1), rough=0.2)
            self.zone("green_structure", g, name, "市级")
        axis = meander(rng, self.minx + 0.5 * E, self.miny + 0.15 * E, math.pi / 2, 0.7 * E, 200.0,
                       sigma=0.004, pull=0.08)
        self.zone("green_structure", snap(axis.buffer(400.0, quad_segs=4)), "科学大道景观轴", "市级")
        self.zone("green_structure", blob_of_area(rng, self.cx + 0.05 * E, self.cy, 20e6, 6000), "寨山坪城市绿心",
                  "市级")
        for i in range(a.parks_green):
            x, y = self.minx + rng.uniform(0.05, 0.95) * E, self.miny + rng.uniform(0.05, 0.95) * E
            g = blob_of_area(rng, x, y, float(np.exp(rng.normal(math.log(2e6), 0.7))), 800)
            if any(g.intersects(h) for _, h in self.layers["green_structure"]):
                continue
            self.zone("green_structure", g, f"郊野公园{i + 1}", "区县级")

    def river_net(self):
        rng, a, E = self.rng, self.a, self.E
        lines = []

        def grow(x, y, heading, length, order):
            line = meander(rng, x, y, heading, length, a.river_step, sigma=0.02, pull=0.03)
            line = line.intersection(self.box)
            if line.is_empty or line.length < 100:
                return
            lines.append((line, order))
            if order >= 3:
                return
            parts = list(shapely.get_parts(line))
            coords = np.concatenate([np.asarray(p.coords) for p in parts])
            n_trib = [0, a.tributaries, 6, 2][order + 1] if order < 3 else 0
            for _ in range(n_trib):
                j = int(rng.integers(1, len(coords) - 1))
                dx, dy = coords[j + 1] - coords[j - 1]
                h = math.atan2(dy, dx) + rng.choice([-1, 1]) * rng.uniform(0.5, 1.3)
                sub = length * rng.uniform(0.08, 0.2)
                grow(float(coords[j][0]), float(coords[j][1]), h, sub, order + 1)

        for k in range(a.main_rivers):
            # Main stems flow north across the valley floor, like 梁滩河 to the 嘉陵江.
            x = self.minx + (k + 0.5) / a.main_rivers * E + rng.uniform(-0.02, 0.02) * E
            grow(x, self.miny + 1.0, math.pi / 2 + rng.uniform(-0.3, 0.3), 1.1 * E, 0)
        grade = ["干流", "一级支流", "二级支流", "三级支流"]
        for i, (line, order) in enumerate(lines):
            props = {"要素编号": f"HL-{i + 1:05d}", "名称": RIVER_NAMES[i % len(RIVER_NAMES)] + f"{i + 1}",
                     "河道等级": grade[order], "违规距离": 30.0, "复核距离": 50.0}
            g = line if line.geom_type in ("LineString", "MultiLineString") else MultiLineString(
                [p for p in shapely.get_parts(line) if p.geom_type == "LineString"])
            self.rivers.append((props, g))

    def parcel(self, set_name, g, use):
        prefix = {"parcels": "DK", "parks": "YQ", "corridors": "XX"}[set_name]
        i = len(self.sets[set_name]) + 1
        props = {"地块编号": f"{prefix}-{i:06d}", "名称": PLACE[i % len(PLACE)] + f"{use}{i}", "用地性质": use,
                 "面积公顷": round(g.area / 1e4, 4)}
        self.sets[set_name].append((props, g))

    def parcels(self):
        rng, a, E = self.rng, self.a, self.E
        for _ in range(a.parcels):
            x, y = self.minx + rng.uniform(0.01, 0.99) * E, self.miny + rng.uniform(0.01, 0.99) * E
            area = float(np.clip(np.exp(rng.normal(math.log(12000), 1.0)), 1000, 200000))
            if rng.uniform() < 0.7:
                asp = rng.uniform(1.0, 3.0)
                w, h = math.sqrt(area * asp), math.sqrt(area / asp)
                ang = rng.uniform(0, math.pi)
                c, s = math.cos(ang), math.sin(ang)
                loc = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
                g = Polygon(rnd(np.column_stack([x + c * loc[:, 0] - s * loc[:, 1], y + s * loc[:, 0] + c * loc[:, 1]])))
            else:
                g = blob_of_area(rng, x, y, area, int(rng.integers(5, 40)), rough=0.2)
            self.parcel("parcels", g, LANDUSE[int(rng.integers(0, len(LANDUSE)))])
        for _ in range(a.parks):
            x, y = self.minx + rng.uniform(0.05, 0.95) * E, self.miny + rng.uniform(0.05, 0.95) * E
            area = float(np.exp(rng.uniform(math.log(1e6), math.log(10e6))))
            n = int(np.exp(rng.uniform(math.log(2000), math.log(50000))))
            g = blob_of_area(rng, x, y, area, n, stretch=rng.uniform(1.0, 2.5), rot=rng.uniform(0, math.pi),
                             rough=0.4)
            self.parcel("parks", g, "工业用地")
        for _ in range(a.corridors):
            x, y = self.minx + rng.uniform(0.1, 0.9) * E, self.miny + rng.uniform(0.1, 0.9) * E
            length = float(rng.uniform(10e3, 80e3))
            width = float(rng.uniform(30.0, 100.0))
            centre = meander(rng, x, y, rng.uniform(0, 2 * math.pi), length, 150.0, sigma=0.006, pull=0.05)
            centre = centre.intersection(self.box.buffer(-200.0))
            if centre.geom_type != "LineString" or centre.length < 5e3:
                continue
            g = snap(centre.buffer(width / 2, quad_segs=2, cap_style="flat", join_style="round"))
            if g.geom_type != "Polygon" or not g.is_valid:
                continue
            self.parcel("corridors", g, "道路与交通设施用地")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every count (not the extent)")
    ap.add_argument("--extent-km", type=float, default=290.0)
    a = ap.parse_args()
    s = a.scale
    cfg = dict(patches=int(2100 * s), redline_vertices=int(3.2e6 * s), reserves=int(60 * s) or 1,
               parks_green=int(40 * s) or 1, main_rivers=max(2, int(14 * s)), tributaries=12,
               river_step=50.0, parcels=int(100_000 * s), parks=int(200 * s) or 1,
               corridors=int(100 * s) or 1)
    args = argparse.Namespace(seed=a.seed, extent_km=a.extent_km, **cfg)
    t0 = time.time()
    c = City(args)
    c.red_line()
    c.reserves_and_green()
    c.river_net()
    c.parcels()
    print(f"generated in {time.time() - t0:.1f}s", file=sys.stderr)

    zones_dir = os.path.join(a.out, "zones")
    for sub in ("geojson_4544", "shp"):
        os.makedirs(os.path.join(zones_dir, sub), exist_ok=True)
    layers = {k: (c.layers[k], "poly", ZONE_FIELDS) for k in ZONE_LAYERS}
    layers["river"] = (c.rivers, "line", RIVER_FIELDS)
    for stem, (feats, kind, fields) in layers.items():
        write_geojson(os.path.join(zones_dir, "geojson_4544", stem + ".geojson"), feats, True)
        write_shp(os.path.join(zones_dir, "shp", stem), feats, fields, kind)
    manifest = {"generator": "city.py", "params": vars(args), "crs": "EPSG:4544",
                "extent_4544": [c.minx, c.miny, c.minx + c.E, c.miny + c.E],
                "layers": {}, "sets": {},
                "versions": {"shapely": shapely.__version__, "geos": shapely.geos_version_string,
                             "numpy": np.__version__, "pyproj": pyproj.__version__}}
    for stem, (feats, _, _) in layers.items():
        manifest["layers"][stem] = {
            "features": len(feats),
            "vertices": int(sum(shapely.get_num_coordinates(g) for _, g in feats)),
            "area_km2": round(sum(g.area for _, g in feats) / 1e6, 1),
            "length_km": round(sum(g.length for _, g in feats) / 1e3, 1)}
    for name, feats in c.sets.items():
        world = os.path.join(a.out, name)
        for sub, ext in (("geojson_4544", [".geojson"]), ("shp", [".shp", ".shx", ".dbf", ".prj", ".cpg"])):
            os.makedirs(os.path.join(world, sub), exist_ok=True)
            for stem in layers:
                for e in ext:
                    dst = os.path.join(world, sub, stem + e)
                    if os.path.exists(dst):
                        os.remove(dst)
                    os.link(os.path.join(zones_dir, sub, stem + e), dst)
        write_geojson(os.path.join(world, "geojson_4544", "parcels.geojson"), feats, True)
        write_shp(os.path.join(world, "shp", "parcels"), feats, PARCEL_FIELDS, "poly")
        info = {"features": len(feats), "vertices": int(sum(shapely.get_num_coordinates(g) for _, g in feats)),
                "area_km2": round(sum(g.area for _, g in feats) / 1e6, 1)}
        manifest["sets"][name] = info
        with open(os.path.join(world, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump({"generator": "city.py", "set": name, "layers": {**manifest["layers"], "parcels": info}}, f,
                      ensure_ascii=False, indent=1)
    files = {}
    for root, _, fs in os.walk(zones_dir):
        for fn in sorted(fs):
            files[os.path.relpath(os.path.join(root, fn), a.out)] = sha256(os.path.join(root, fn))
    manifest["sha256"] = dict(sorted(files.items()))
    with open(os.path.join(a.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
    print(json.dumps({k: manifest[k] for k in ("layers", "sets")}, ensure_ascii=False), file=sys.stderr)
    print(f"done in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
