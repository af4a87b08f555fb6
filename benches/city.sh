#!/usr/bin/env bash
# The city-scale benchmark: redline beside GeoPandas and PostGIS on the three
# jobs of benches/peers/city.py's world (ordinary parcels, industrial parks,
# linear corridors), each checked against Shapely/GEOS's truth, then the
# viewer's first pictures and frame times on the ordinary parcels.
#
#   benches/city.sh [--world /tmp/bench/city] [--frames 600] [--no-view] [run.sh options…]
#
# Writes the world (about 2 minutes, 1.5 GB) and its truth (about 6 minutes)
# when absent. Not part of CI: it needs the peers (benches/peers/README.md)
# and most of an hour of both cores.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PY:-/tmp/bench/.venv/bin/python}
WORLD=/tmp/bench/city; FRAMES=600; VIEW=1; PASS=()
while [ $# -gt 0 ]; do
  case $1 in
    --world) WORLD=$2; shift 2;;
    --frames) FRAMES=$2; shift 2;;
    --no-view) VIEW=0; shift;;
    *) PASS+=("$1"); shift;;
  esac
done
if [ ! -s "$WORLD/manifest.json" ]; then
  echo "[city] writing the world to $WORLD" >&2
  "$PY" "$HERE/peers/city.py" --out "$WORLD" || exit 1
fi
# The core-only build of run.sh must not replace the viewer's binary.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$(dirname "$HERE")/target/bench-core}
status=0
for job in parcels parks corridors; do
  echo
  echo "## $job"
  bash "$HERE/run.sh" --world "$WORLD/$job" --out "$WORLD/results/$job" "${PASS[@]}" || status=1
done
if [ $VIEW = 1 ]; then
  echo
  echo "## viewer, ordinary parcels"
  env -u CARGO_TARGET_DIR bash "$HERE/view.sh" --world "$WORLD/parcels" --frames "$FRAMES" || status=1
fi
exit $status
