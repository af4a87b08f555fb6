#!/usr/bin/env bash
# Screening inside PostGIS (redline screen --in-database) beside screening
# here (--parcels from the same table), on parcels that live in the
# database, at growing parcel counts: where does sending the overlay to the
# server pay? Both runs read the same rows and write the same findings CSV,
# compared cell by cell (0.01 m², 0.01 m).
#
#   benches/in_database.sh [--world /tmp/bench/large] [--counts "1000 10000 100000"]
#                          [--pg postgresql://postgres@127.0.0.1:55432/bench]
#
# Needs a gen.py world (benches/peers/README.md) and a PostGIS server (the
# throwaway cluster of benches/peers/postgis.md). The parcels are loaded
# into the table redline_parcels once. Not part of CI.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/catalog.sh"
. "$HERE/measure.sh"
REPO=$(dirname "$HERE")
WORLD=/tmp/bench/large; COUNTS="1000 10000 100000"
PG=postgresql://postgres@127.0.0.1:55432/bench
while [ $# -gt 0 ]; do
  case $1 in
    --world) WORLD=$2; shift 2;;
    --counts) COUNTS=$2; shift 2;;
    --pg) PG=$2; shift 2;;
    *) echo "usage: $0 [--world DIR] [--counts \"N …\"] [--pg URI]" >&2; exit 2;;
  esac
done
OUT=$WORLD/results/in_database
mkdir -p "$OUT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target/bench-core}
(cd "$REPO" && cargo build --release --quiet --no-default-features --bin redline) || exit 1
REDLINE=$CARGO_TARGET_DIR/release/redline
# Every screening is recorded in a case record (README: the case record),
# its cost counted in the times: a record of the run's own, not the user's.
export REDLINE_DB="${REDLINE_DB:-$(mktemp -d)/bench-cases.sqlite}"
write_catalog "$WORLD" "$WORLD/shp" shp > "$OUT/catalog.toml"

# The parcels into the database, once (GDAL recodes the GBK .dbf to UTF-8).
PSQL=(psql -X -q -tA "$PG")
if [ "$("${PSQL[@]}" -c "SELECT count(*) FROM pg_tables WHERE tablename = 'redline_parcels'")" != 1 ]; then
  echo "[in_database] loading $WORLD/shp/parcels.shp into redline_parcels" >&2
  ogr2ogr -f PostgreSQL "PG:$("${PSQL[@]}" -c "SELECT 'host=' || host(inet_server_addr()) || ' port=' || inet_server_port() || ' dbname=' || current_database() || ' user=' || current_user")" \
    "$WORLD/shp/parcels.shp" -nln redline_parcels -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom \
    -lco FID=gid -a_srs EPSG:4544 --config PG_USE_COPY YES || exit 1
fi

encode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
same() {  # two findings CSVs: every cell equal, numbers to 0.01
  python3 - "$1" "$2" <<'PY'
import csv, sys
a, b = (list(csv.reader(open(p, encoding="utf-8-sig"))) for p in sys.argv[1:3])
def eq(x, y):
    try:
        return abs(float(x) - float(y)) <= 0.01 + 1e-9
    except ValueError:
        return x == y
bad = len(a) != len(b) or any(not all(eq(x, y) for x, y in zip(r, s)) or len(r) != len(s) for r, s in zip(a, b))
print(f"{'DIFFER' if bad else 'equal'} ({len(a) - 1} rows)")
PY
}

printf '%-9s %12s %12s %8s  %s\n' parcels here_s in_db_s ratio "findings"
for N in $COUNTS; do
  rm -f "$OUT/here_$N.csv" "$OUT/server_$N.csv"
  SRC="$PG?query=$(encode "SELECT * FROM redline_parcels WHERE gid <= $N ORDER BY gid")"
  T "here_$N" "$REDLINE" screen --catalog "$OUT/catalog.toml" --parcels "$SRC" \
    --id-field 地块编号 --csv "$OUT/here_$N.csv" --timings
  T "server_$N" "$REDLINE" screen --catalog "$OUT/catalog.toml" --in-database "$SRC" \
    --id-field 地块编号 --csv "$OUT/server_$N.csv" --timings
  for run in "here_$N" "server_$N"; do
    grep -q '^timings:' "$OUT/$run.log" || { echo "$run failed:" >&2; cat "$OUT/$run.log" >&2; exit 1; }
  done
  here=$(wall "here_$N"); server=$(wall "server_$N")
  printf '%-9s %12s %12s %8s  %s\n' "$N" "$here" "$server" \
    "$(awk -v a="$server" -v b="$here" 'BEGIN { printf "%.2f", a / b }')" \
    "$(same "$OUT/here_$N.csv" "$OUT/server_$N.csv")"
done
