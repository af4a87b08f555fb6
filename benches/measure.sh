# Sourced by the bench scripts: one clock for every contestant, the same
# /usr/bin/time -v around a process, its outputs under $OUT.
#
#   T NAME CMD...   runs CMD; NAME.log has its output, NAME.time the measures
#   wall NAME       its wall-clock seconds
#   rss_mb NAME     its peak resident memory, MB
#
# What the contestant before wrote reaches the disk first (`sync`), so that
# none pays for another's writeback: after PostGIS's load, gigabytes of it
# were still being written while redline synced its case record.
T() { local name=$1; shift; sync; /usr/bin/time -v -o "$OUT/$name.time" "$@" > "$OUT/$name.log" 2>&1; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$OUT/$1.time"; }
rss_mb() { awk -F': ' '/Maximum resident/ { printf "%.0f", $2 / 1024 }' "$OUT/$1.time"; }
