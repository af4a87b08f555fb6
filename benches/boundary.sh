#!/usr/bin/env bash
# Placing parcels against a city-shaped plan boundary: what the boundary adds
# to redline's screening, beside GeoPandas doing the same placement alone
# (benches/peers/boundary.py), on the same files, in one run.
#
#   benches/boundary.sh [--world /tmp/bench/city/parcels] [--vertices 200000]
#
# redline runs twice, with and without `boundary =` in its catalog; the
# difference is its placement cost. Both answers — which parcels lie wholly
# outside, and how far — are compared (redline's note states the distance in
# whole metres, or in km to 0.1 km). Not part of CI: it needs the peers.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/catalog.sh"
. "$HERE/measure.sh"
REPO=$(dirname "$HERE")
PY=${PY:-/tmp/bench/.venv/bin/python}
WORLD=/tmp/bench/city/parcels; VERTICES=200000
while [ $# -gt 0 ]; do
  case $1 in
    --world) WORLD=$2; shift 2;;
    --vertices) VERTICES=$2; shift 2;;
    *) echo "usage: $0 [--world DIR] [--vertices N]" >&2; exit 2;;
  esac
done
OUT=$WORLD/results/boundary
mkdir -p "$OUT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-core}
(cd "$REPO" && cargo build --release --quiet --no-default-features --bin redline) || exit 1
REDLINE=$CARGO_TARGET_DIR/release/redline
# Every screening is recorded in a case record (README: the case record),
# its cost counted in the times: a record of the run's own, not the user's.
export REDLINE_DB="${REDLINE_DB:-$(mktemp -d)/bench-cases.sqlite}"
[ -s "$WORLD/shp/boundary.shp" ] || "$PY" "$HERE/peers/boundary.py" make --world "$WORLD" --vertices "$VERTICES" || exit 1

write_catalog "$WORLD" "$WORLD/shp" shp > "$OUT/without.toml"
sed "s|^sliver_m2 = 1.0|&\nboundary = \"$WORLD/shp/boundary.shp\"|" "$OUT/without.toml" > "$OUT/with.toml"
for c in without with; do
  T "redline_$c" "$REDLINE" screen --catalog "$OUT/$c.toml" --parcels "$WORLD/shp/parcels.shp" --id-field 地块编号 \
    --summary-csv "$OUT/redline_$c.csv" --timings || { echo "redline failed: $OUT/redline_$c.log" >&2; exit 1; }
done
T gpd "$PY" "$HERE/peers/boundary.py" peer --world "$WORLD" --out "$OUT/gpd.csv" || { echo "GeoPandas failed: $OUT/gpd.log" >&2; exit 1; }

# Agreement: the same parcels wholly outside, at the same distance to the note's precision.
agree=$("$PY" - "$OUT/redline_with.csv" "$OUT/gpd.csv" <<'PYEOF'
import csv, re, sys
ours = {}
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")):
    m = re.search(r"outside the plan area: wholly outside, ([0-9.]+) (km|m) from", r["note"])
    if m:
        ours[r["parcel_id"]] = (float(m.group(1)) * (1000 if m.group(2) == "km" else 1), m.group(2))
theirs = {r["parcel_id"]: float(r["distance_m"]) for r in csv.DictReader(open(sys.argv[2], encoding="utf-8"))}
missing, extra = theirs.keys() - ours.keys(), ours.keys() - theirs.keys()
wrong = [p for p in ours.keys() & theirs.keys()
         if abs(ours[p][0] - theirs[p]) > (50.0 if ours[p][1] == "km" else 0.5)]
print(f"outside={len(theirs)} missing={len(missing)} extra={len(extra)} wrong_distance={len(wrong)}")
PYEOF
)
phase() { grep -o "$2=[0-9.]*" "$OUT/$1.log" | cut -d= -f2; }
place=$(awk -v a="$(wall redline_with)" -v b="$(wall redline_without)" 'BEGIN{printf "%.2f", a-b}')
gpd_core=$("$PY" -c 'import json,sys; print(round(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["core_s"], 2))' "$OUT/gpd.log")
echo "world: $WORLD, boundary of $VERTICES vertices, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), redline $(git -C "$REPO" rev-parse --short HEAD)"
echo
echo "| run | end to end s | screen phase s | peak RSS MB |"
echo "|---|---:|---:|---:|"
for c in without with; do
  echo "| redline, $c boundary | $(wall redline_$c) | $(phase redline_$c screen_s) | $(rss_mb redline_$c) |"
done
echo "| GeoPandas placement alone (prepared intersects + STRtree nearest) | $(wall gpd) | core $gpd_core | $(rss_mb gpd) |"
echo
echo "placement in redline (with − without, end to end): $place s; GeoPandas placement core / redline's: $(awk -v a="$gpd_core" -v b="$place" 'BEGIN{ if (b > 0) printf "%.1f×", a / b; else print "redline added no measurable time" }')"
echo "agreement: $agree"
echo "$agree" | grep -q "missing=0 extra=0 wrong_distance=0" || { echo "placements DISAGREE: see $OUT" >&2; exit 1; }
