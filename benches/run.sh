#!/usr/bin/env bash
# redline against its peers (GeoPandas, PostGIS) on one world written by
# benches/peers/gen.py or city.py, on the same files, in one run, alternating.
#
#   benches/run.sh --world /tmp/bench/large [--rounds N] [--out DIR] [--no-postgis] [--no-gpd]
#
# Why a script and not `cargo bench`: two of the three contestants are a
# Python process and a database server; the fair clock for all three is the
# same one, /usr/bin/time -v around a process (wall time, max RSS). redline
# itself runs as its release `redline screen` CLI, with `--timings` for its
# phases. Not part of CI: it needs the peers installed (see
# benches/peers/README.md) and minutes of both cores.
#
# Every result is checked against truth.py's answer with compare.py
# (0.01 m², 0.01 m), so speed never comes from skipping work.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/catalog.sh"
. "$HERE/measure.sh"
REPO=$(dirname "$HERE")
BENCH=${BENCH:-$HERE/peers}
PY=${PY:-/tmp/bench/.venv/bin/python}
WORLD=""; ROUNDS=1; OUT=""; PG=1; GPD=1; FMT=shp
while [ $# -gt 0 ]; do
  case $1 in
    --world) WORLD=$2; shift 2;;
    --rounds) ROUNDS=$2; shift 2;;
    --out) OUT=$2; shift 2;;
    --fmt) FMT=$2; shift 2;;
    --no-postgis) PG=0; shift;;
    --no-gpd) GPD=0; shift;;
    *) echo "usage: $0 --world DIR [--rounds N] [--out DIR] [--fmt shp|geojson] [--no-postgis] [--no-gpd]" >&2; exit 2;;
  esac
done
[ -n "$WORLD" ] && [ -d "$WORLD/shp" ] || { echo "--world DIR: a folder written by $BENCH/gen.py" >&2; exit 2; }
WORLD=$(cd "$WORLD" && pwd)
OUT=${OUT:-$WORLD/results}
mkdir -p "$OUT"
log() { echo "[bench] $*" >&2; }

# --- redline: release build of the core (the viewer does not take part in screening)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
log "building redline (release, core only)"
(cd "$REPO" && cargo build --release --quiet --no-default-features --bin redline) || exit 1
REDLINE=$CARGO_TARGET_DIR/release/redline
# Every screening is recorded in a case record (README: the case record),
# its cost counted in the times: a record of the run's own, not the user's.
export REDLINE_DB="${REDLINE_DB:-$(mktemp -d)/bench-cases.sqlite}"

case $FMT in
  shp) EXT=shp; DIR=$WORLD/shp;;
  geojson) EXT=geojson; DIR=$WORLD/geojson_4544;;
  *) echo "--fmt shp|geojson" >&2; exit 2;;
esac
CATALOG=$OUT/catalog_$FMT.toml
write_catalog "$WORLD" "$DIR" "$EXT" > "$CATALOG"

# --- reference answers (not timed against anyone)
if [ ! -s "$WORLD/truth.csv" ]; then
  log "truth.py (once per world)"
  "$PY" "$BENCH/truth.py" --data "$WORLD" --out "$WORLD/truth.csv" || exit 1
fi

json() { "$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])' "$OUT/$1.log" "$2"; }

# redline's findings CSV -> compare.py's columns. Kept: every finding row,
# boundary contacts included (truth has them as optional "touch" rows, and a
# contact with an area must match truth's area). Dropped: a parcel's single
# row when it has no finding (empty layer), and nothing else; an unscreened
# parcel (verdict error) is counted and fails the check.
adapt() {
  "$PY" - "$1" "$2" <<'PYEOF'
import csv, sys
src, dst = sys.argv[1], sys.argv[2]
errors = 0
with open(src, encoding="utf-8-sig", newline="") as f, open(dst, "w", encoding="utf-8", newline="") as g:
    w = csv.writer(g, lineterminator="\n")
    w.writerow(["parcel_id", "layer", "feature_id", "overlap_m2", "distance_m"])
    for r in csv.DictReader(f):
        if r["parcel_verdict"] == "error":
            errors += 1
        if r["layer_id"]:
            w.writerow([r["parcel_id"], r["layer_id"], r["feature_id"], r["overlap_m2"], r["distance_m"]])
print(errors)
PYEOF
}

if [ $PG = 1 ] && ! pg_isready -h 127.0.0.1 -p 55432 -q; then
  log "PostGIS not reachable on 127.0.0.1:55432 (see $BENCH/postgis.md): skipped"; PG=0
fi
if [ $PG = 1 ]; then
  log "PostGIS load (ogr2ogr, make-valid, GiST, ST_Subdivide 256)"
  T pg_load bash "$BENCH/baseline_postgis.sh" load "$WORLD" || { log "PostGIS load failed: $OUT/pg_load.log"; PG=0; }
fi

declare -A best
keep_min() { local k=$1 v=$2; if [ -z "${best[$k]:-}" ] || awk -v a="$v" -v b="${best[$k]}" 'BEGIN{exit !(a<b)}'; then best[$k]=$v; fi; }
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: redline"
  T redline "$REDLINE" screen --catalog "$CATALOG" --parcels "$DIR/parcels.$EXT" --id-field 地块编号 \
    --csv "$OUT/redline_findings.csv" --timings || { log "redline failed: $OUT/redline.log"; exit 1; }
  keep_min redline_wall "$(wall redline)"; keep_min redline_rss "$(rss_mb redline)"
  for k in load_plan_s index_s read_parcels_s screen_s write_s; do
    keep_min "redline_$k" "$(grep -o "$k=[0-9.]*" "$OUT/redline.log" | cut -d= -f2)"
  done
  if [ $GPD = 1 ]; then
    for t in overlap river_dwithin; do
      log "round $round/$ROUNDS: GeoPandas $t"
      T gpd_$t "$PY" "$BENCH/baseline_gpd.py" --data "$WORLD" --fmt "$FMT" --task $t --out "$OUT/gpd_$t.csv" \
        || { log "GeoPandas failed: $OUT/gpd_$t.log"; exit 1; }
    done
    keep_min gpd_wall "$(awk -v a="$(wall gpd_overlap)" -v b="$(wall gpd_river_dwithin)" 'BEGIN{print a+b}')"
    keep_min gpd_rss "$(rss_mb gpd_overlap)"; keep_min gpd_river_rss "$(rss_mb gpd_river_dwithin)"
    keep_min gpd_read "$(awk -v a="$(json gpd_overlap read_s)" -v b="$(json gpd_river_dwithin read_s)" 'BEGIN{print a+b}')"
    keep_min gpd_core "$(awk -v a="$(json gpd_overlap core_s)" -v b="$(json gpd_river_dwithin core_s)" 'BEGIN{print a+b}')"
    keep_min gpd_write "$(awk -v a="$(json gpd_overlap write_s)" -v b="$(json gpd_river_dwithin write_s)" 'BEGIN{print a+b}')"
  fi
  if [ $PG = 1 ]; then
    log "round $round/$ROUNDS: PostGIS query on ST_Subdivide pieces"
    T pg_query_sub bash "$BENCH/baseline_postgis.sh" query_sub "$OUT/pg_query_sub" \
      || { log "PostGIS query failed: $OUT/pg_query_sub.log"; exit 1; }
    q=$(awk '/^Time:/ { s += $2 } END { printf "%.3f", s / 1000 }' "$OUT/pg_query_sub.log")
    keep_min pg_query "$q"; keep_min pg_wall "$(wall pg_query_sub)"
    keep_min pg_rss "$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "$OUT/pg_query_sub.log")"
  fi
done

# --- agreement with the truth, on the last round's outputs
log "checking results against truth.csv (compare.py: 0.01 m², 0.01 m)"
ZL=eco_redline,nature_reserve,green_structure
errors=$(adapt "$OUT/redline_findings.csv" "$OUT/redline.csv")
check() { local what=$1 file=$2 layers=$3; local line; line=$("$PY" "$BENCH/compare.py" "$WORLD/truth.csv" "$file" --layers "$layers" | head -1); echo "| $what | $line |"; }
checks=$(
  check "redline zones" "$OUT/redline.csv" $ZL
  check "redline river" "$OUT/redline.csv" river
  if [ $GPD = 1 ]; then check "GeoPandas zones" "$OUT/gpd_overlap.csv" $ZL; check "GeoPandas river" "$OUT/gpd_river_dwithin.csv" river; fi
  if [ $PG = 1 ]; then check "PostGIS zones" "$OUT/pg_query_sub_overlap.csv" $ZL; check "PostGIS river" "$OUT/pg_query_sub_river.csv" river; fi
)

# --- the table
parcels=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"]["parcels"]["features"])' "$WORLD/manifest.json" 2>/dev/null || echo "?")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f×", a / b; else print "–" }'; }
rl_load=$(awk -v a="${best[redline_load_plan_s]}" -v b="${best[redline_read_parcels_s]}" 'BEGIN{printf "%.2f", a+b}')
echo
echo "world: $WORLD ($parcels parcels, $FMT files), rounds: $ROUNDS (best of), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| tool | load s | index s | query s | end to end s | peak RSS MB | redline is faster by |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf "| redline %s (screen CLI, %s cores) | %s | %s | %s | %s | %s | |\n" "$(git -C "$REPO" rev-parse --short HEAD)" "$(nproc)" \
  "$rl_load" "${best[redline_index_s]}" "${best[redline_screen_s]}" "${best[redline_wall]}" "${best[redline_rss]}"
if [ $GPD = 1 ]; then
  printf "| GeoPandas sjoin + intersection area, sjoin dwithin 50 + distance (2 processes) | %s | – | %s | %s | %s | end to end %s |\n" \
    "${best[gpd_read]}" "${best[gpd_core]}" "${best[gpd_wall]}" "${best[gpd_rss]}" "$(ratio "${best[gpd_wall]}" "${best[redline_wall]}")"
fi
if [ $PG = 1 ]; then
  printf "| PostGIS ST_Subdivide(256) pieces, GiST (query alone; load %s s) | %s | (in load) | %s | %s | %s (backend) | query %s; query vs redline index+query %s |\n" \
    "$(wall pg_load)" "$(wall pg_load)" "${best[pg_query]}" \
    "$(awk -v a="$(wall pg_load)" -v b="${best[pg_wall]}" 'BEGIN{print a+b}')" "${best[pg_rss]}" \
    "$(ratio "${best[pg_query]}" "${best[redline_screen_s]}")" \
    "$(ratio "${best[pg_query]}" "$(awk -v a="${best[redline_index_s]}" -v b="${best[redline_screen_s]}" 'BEGIN{print a+b}')")"
fi
[ $GPD = 1 ] && echo && echo "peak memory: redline ${best[redline_rss]} MB vs GeoPandas ${best[gpd_rss]} MB (overlap process; river process ${best[gpd_river_rss]} MB)"
echo
echo "| agreement with truth.csv | compare.py |"
echo "|---|---|"
echo "$checks"
echo "redline unscreened parcels: $errors"
if echo "$checks" | grep -Eq "missing=[1-9]|extra=[1-9]|wrong=[1-9]" || [ "$errors" != 0 ]; then
  log "results DISAGREE with the truth: see $OUT"; exit 1
fi
