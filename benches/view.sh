#!/usr/bin/env bash
# The viewer's frame-time benchmark on a world written by benches/peers/gen.py:
# opens the real window (under Xvfb when there is no display), waits for the
# plan and the parcels to be loaded and screened, flies a scripted camera over
# the whole world for N frames and prints frame-build median, p95, p99, max.
#
#   benches/view.sh --world /tmp/bench/large [--frames 600] [--fmt shp|geojson]
#
# Not part of CI (minutes on 2 cores for the large world); tests/view_window.rs
# runs the same mode for 30 frames on the sample plan.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/catalog.sh"
REPO=$(dirname "$HERE")
WORLD=""; FRAMES=600; FMT=shp
while [ $# -gt 0 ]; do
  case $1 in
    --world) WORLD=$2; shift 2;;
    --frames) FRAMES=$2; shift 2;;
    --fmt) FMT=$2; shift 2;;
    *) echo "usage: $0 --world DIR [--frames N] [--fmt shp|geojson]" >&2; exit 2;;
  esac
done
[ -n "$WORLD" ] && [ -d "$WORLD/shp" ] || { echo "--world DIR: a folder written by gen.py" >&2; exit 2; }
WORLD=$(cd "$WORLD" && pwd)
case $FMT in
  shp) EXT=shp; DIR=$WORLD/shp;;
  geojson) EXT=geojson; DIR=$WORLD/geojson_4544;;
  *) echo "--fmt shp|geojson" >&2; exit 2;;
esac

(cd "$REPO" && cargo build --release --quiet --bin redline)
REDLINE=${CARGO_TARGET_DIR:-$REPO/target}/release/redline
# Every screening is recorded in a case record (README: the case record),
# its cost counted in the times: a record of the run's own, not the user's.
export REDLINE_DB="${REDLINE_DB:-$(mktemp -d)/bench-cases.sqlite}"

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
CATALOG=$OUT/catalog_$FMT.toml
write_catalog "$WORLD" "$DIR" "$EXT" > "$CATALOG"

RUN=()
if [ -z "${DISPLAY:-}" ]; then RUN=(xvfb-run -a -s "-screen 0 1600x1000x24"); fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$OUT}
echo "world: $WORLD ($FMT), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$REPO" rev-parse --short HEAD)"
"${RUN[@]}" "$REDLINE" view --catalog "$CATALOG" --parcels "$DIR/parcels.$EXT" --bench-frames "$FRAMES"
