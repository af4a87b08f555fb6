#!/usr/bin/env bash
# How redline's time and memory grow with the parcel count and with the
# zones' vertex count, on worlds written by benches/peers/gen.py.
#
#   benches/scaling.sh WORLD_DIR... [--gpd]
#
# e.g. worlds of 20 000, 200 000 and 1 000 000 parcels, and one of 200 000
# parcels with four times the zone vertices (gen.py --zone-vertices). Each
# world's row: parcels, zone vertices, redline's phases and wall time
# (/usr/bin/time), time per parcel, peak RSS and memory per parcel; with
# --gpd, GeoPandas's end-to-end time on the same world in the same run and
# the ratio. Same catalog and CLI as benches/run.sh; not part of CI.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/catalog.sh"
REPO=$(dirname "$HERE")
BENCH=${BENCH:-$HERE/peers}
PY=${PY:-/tmp/bench/.venv/bin/python}
WORLDS=(); GPD=0
for a in "$@"; do
  case $a in
    --gpd) GPD=1;;
    -*) echo "usage: $0 WORLD_DIR... [--gpd]" >&2; exit 2;;
    *) WORLDS+=("$(cd "$a" && pwd)");;
  esac
done
[ ${#WORLDS[@]} -gt 0 ] || { echo "usage: $0 WORLD_DIR... [--gpd]" >&2; exit 2; }

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
(cd "$REPO" && cargo build --release --quiet --no-default-features --bin redline) || exit 1
REDLINE=$CARGO_TARGET_DIR/release/redline
# Every screening is recorded in a case record (README: the case record),
# its cost counted in the times: a record of the run's own, not the user's.
export REDLINE_DB="${REDLINE_DB:-$(mktemp -d)/bench-cases.sqlite}"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
rss_mb() { awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$1"; }
manifest() { "$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["layers"]["parcels"]["features"], m["params"]["zone_vertices"])' "$1/manifest.json"; }

echo "| parcels | zone vertices | read s | index s | screen s | redline wall s | µs per parcel | peak RSS MB | KB per parcel |$([ $GPD = 1 ] && echo ' GeoPandas wall s | ratio |')"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|$([ $GPD = 1 ] && echo '---:|---:|')"
for world in "${WORLDS[@]}"; do
  read -r parcels zone_vertices < <(manifest "$world")
  catalog=$OUT/catalog.toml
  write_catalog "$world" "$world/shp" shp > "$catalog"
  /usr/bin/time -v -o "$OUT/rl.time" "$REDLINE" screen --catalog "$catalog" --parcels "$world/shp/parcels.shp" \
    --id-field 地块编号 --csv "$OUT/rl.csv" --force --timings > "$OUT/rl.log" 2>&1 || { cat "$OUT/rl.log" >&2; exit 1; }
  t() { grep -o "$1=[0-9.]*" "$OUT/rl.log" | cut -d= -f2; }
  read_s=$(awk -v a="$(t load_plan_s)" -v b="$(t read_parcels_s)" 'BEGIN{printf "%.2f", a+b}')
  w=$(wall "$OUT/rl.time"); m=$(rss_mb "$OUT/rl.time")
  row="| $parcels | $zone_vertices | $read_s | $(t index_s) | $(t screen_s) | $w | $(awk -v w="$w" -v n="$parcels" 'BEGIN{printf "%.1f", w/n*1e6}') | $m | $(awk -v m="$m" -v n="$parcels" 'BEGIN{printf "%.2f", m*1024/n}') |"
  if [ $GPD = 1 ]; then
    gw=0
    for task in overlap river_dwithin; do
      /usr/bin/time -v -o "$OUT/gpd.time" "$PY" "$BENCH/baseline_gpd.py" --data "$world" --fmt shp --task $task \
        --out "$OUT/gpd.csv" > "$OUT/gpd.log" 2>&1 || { cat "$OUT/gpd.log" >&2; exit 1; }
      gw=$(awk -v a="$gw" -v b="$(wall "$OUT/gpd.time")" 'BEGIN{print a+b}')
    done
    row="$row $gw | $(awk -v a="$gw" -v b="$w" 'BEGIN{printf "%.1f×", a/b}') |"
  fi
  echo "$row"
done
