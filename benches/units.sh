#!/usr/bin/env bash
# A city's environmental control units with an admission list: what they
# add to redline's screening, beside GeoPandas matching the same parcels to
# the same units (benches/peers/units.py), on the same files, in one run.
#
#   benches/units.sh [--world /tmp/bench/city/parcels] [--units 400]
#
# redline runs twice, with and without the units layer in its catalog; the
# difference is the units' cost (the overlays, then the clauses). The
# overlaps are compared pair by pair (0.01 m²). Not part of CI: it needs
# the peers.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/catalog.sh"
. "$HERE/measure.sh"
REPO=$(dirname "$HERE")
PY=${PY:-/tmp/bench/.venv/bin/python}
WORLD=/tmp/bench/city/parcels; UNITS=400
while [ $# -gt 0 ]; do
  case $1 in
    --world) WORLD=$2; shift 2;;
    --units) UNITS=$2; shift 2;;
    *) echo "usage: $0 [--world DIR] [--units N]" >&2; exit 2;;
  esac
done
OUT=$WORLD/results/units
mkdir -p "$OUT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-core}
(cd "$REPO" && cargo build --release --quiet --no-default-features --bin redline) || exit 1
REDLINE=$CARGO_TARGET_DIR/release/redline
# Every screening is recorded in a case record (README: the case record),
# its cost counted in the times: a record of the run's own, not the user's.
export REDLINE_DB="${REDLINE_DB:-$(mktemp -d)/bench-cases.sqlite}"
[ -s "$WORLD/shp/units.shp" ] || "$PY" "$HERE/peers/units.py" make --world "$WORLD" --units "$UNITS" || exit 1

write_catalog "$WORLD" "$WORLD/shp" shp > "$OUT/without.toml"
cp "$OUT/without.toml" "$OUT/with.toml"
cat >> "$OUT/with.toml" <<TOML

[[layer]]
id = "units"
name = "units"
path = "$WORLD/shp/units.shp"
rule = "units"
id_field = "HJZHGKDYBM"
name_field = "HJZHGKDYMC"
class_field = "ZHGKDYFL"
admission = "$WORLD/shp/admission.csv"
TOML
for c in without with; do
  T "redline_$c" "$REDLINE" screen --catalog "$OUT/$c.toml" --parcels "$WORLD/shp/parcels.shp" --id-field 地块编号 \
    --csv "$OUT/redline_$c.csv" --timings || { echo "redline failed: $OUT/redline_$c.log" >&2; exit 1; }
done
T gpd "$PY" "$HERE/peers/units.py" peer --world "$WORLD" --out "$OUT/gpd.csv" || { echo "GeoPandas failed: $OUT/gpd.log" >&2; exit 1; }

# Agreement: every parcel × unit overlap above the plan's sliver (1 m²), to 0.01 m².
agree=$("$PY" - "$OUT/redline_with.csv" "$OUT/gpd.csv" <<'PYEOF'
import csv, sys
ours = {(r["parcel_id"], r["feature_id"]): float(r["overlap_m2"])
        for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))
        if r["layer_id"] == "units" and not r["clause_id"] and float(r["overlap_m2"]) > 1.0}
theirs = {(r["parcel_id"], r["unit"]): float(r["overlap_m2"])
          for r in csv.DictReader(open(sys.argv[2], encoding="utf-8")) if float(r["overlap_m2"]) > 1.0}
missing, extra = theirs.keys() - ours.keys(), ours.keys() - theirs.keys()
wrong = [k for k in ours.keys() & theirs.keys() if abs(ours[k] - theirs[k]) > 0.011]
clauses = sum(1 for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")) if r["clause_id"])
print(f"pairs={len(theirs)} missing={len(missing)} extra={len(extra)} wrong={len(wrong)} clause_rows={clauses}")
PYEOF
)
phase() { grep -o "$2=[0-9.]*" "$OUT/$1.log" | cut -d= -f2; }
gpd_core=$("$PY" -c 'import json,sys; print(round(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["core_s"], 2))' "$OUT/gpd.log")
echo "world: $WORLD, $(grep -c . "$WORLD/shp/admission.csv") clause rows, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), redline $(git -C "$REPO" rev-parse --short HEAD)"
echo
echo "| run | end to end s | index s | screen s | write s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|---:|"
for c in without with; do
  echo "| redline, $c units | $(wall redline_$c) | $(phase redline_$c index_s) | $(phase redline_$c screen_s) | $(phase redline_$c write_s) | $(rss_mb redline_$c) |"
done
echo "| GeoPandas: sjoin + intersection area, units only | $(wall gpd) | | core $gpd_core | | $(rss_mb gpd) |"
echo
added=$(awk -v a="$(phase redline_with screen_s)" -v b="$(phase redline_without screen_s)" 'BEGIN{printf "%.2f", a-b}')
echo "units in redline's screening phase (with − without): $added s; GeoPandas core / that: $(awk -v a="$gpd_core" -v b="$added" 'BEGIN{ if (b > 0) printf "%.1f×", a / b; else print "–" }')"
echo "agreement: $agree"
echo "$agree" | grep -q "missing=0 extra=0 wrong=0" || { echo "overlaps DISAGREE: see $OUT" >&2; exit 1; }
