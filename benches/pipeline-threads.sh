#!/usr/bin/env bash
# A pipeline replication on one thread and on two (issue 12): bench-city with
# a 400-matcher pool, one replication, so that --threads 2 lends the second
# thread to the hourly sort of the faces. Runs alternate (1, 2, 1, 2, ...);
# each line gives the wall time, peak RSS and the load average before it, and
# the medians come last. The two reports must be identical byte for byte.
#
#   cargo build --release && benches/pipeline-threads.sh     # RUNS=5 for more
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SURVSIM:-target/release/survsim}
runs=${RUNS:-3}
args=(run bench-city --format json --engine faces --reps 1
  --set 'pipeline.pools=[{ name = "city", servers = 400 }]'
  --set pipeline.detection_faces_per_s=1000)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "$(date -u '+%F %H:%M UTC'); $(nproc) cores; ${runs} runs each"
echo "command: $bin ${args[*]} --threads T"
for i in $(seq "$runs"); do
  for t in 1 2; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    /usr/bin/time -f '%e s %M KB' -o "$tmp/time" "$bin" "${args[@]}" --threads "$t" \
      > "$tmp/report-$t.json" 2> "$tmp/note"
    rate=$(grep -o '([0-9.]* M faces/s' "$tmp/note" | tr -d '(')
    faces=$(grep -o 'simulated [0-9,]* faces' "$tmp/note" | tr -dc 0-9)
    echo "threads $t run $i: $(cat "$tmp/time"), $rate (load $load)"
    echo "$(cut -d' ' -f1 "$tmp/time")" >> "$tmp/wall-$t"
  done
  cmp -s "$tmp/report-1.json" "$tmp/report-2.json" || { echo "reports differ" >&2; exit 1; }
done
for t in 1 2; do
  median=$(sort -n "$tmp/wall-$t" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "threads $t: median wall ${median} s ($(awk -v m="$median" -v n="$faces" 'BEGIN {printf "%.2f", n / m / 1e6}') M faces/s)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
