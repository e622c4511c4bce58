#!/usr/bin/env bash
# Writes every user-visible output of the bundled scenarios into one directory,
# so that a refactor can be checked byte for byte:
#   dev/snapshot.sh target/release/survsim /tmp/before
#   ... change the code, rebuild ...
#   dev/snapshot.sh target/release/survsim /tmp/after && diff -r /tmp/before /tmp/after
# Timing lines go to stderr and are dropped (-q); everything else must match.
set -euo pipefail
bin=$(realpath "$1"); out=$2
rm -rf "$out"; mkdir -p "$out"; cd "$out"
for s in $("$bin" scenarios | awk '{print $1}'); do
  [ "$s" = bench-city ] && reps=1 || reps=3
  "$bin" run "$s" -q > "run-$s.txt"
  "$bin" run "$s" -q --reps "$reps" --format json > "run-$s-reps.json"
  "$bin" run "$s" -q --reps "$reps" > "run-$s-reps.txt"
  "$bin" check "$s" > "check-$s.txt"
  "$bin" check "$s" --format json > "check-$s.json"
  if [ "$s" != bench-city ]; then
    # Event logs run to gigabytes: keep their digests.
    # A scenario the face engine cannot run (events need it) refuses:
    # the refusal is output too.
    { "$bin" run "$s" -q --events - -o "events-$s-report.txt" | sha256sum > "events-$s.sha256"; } \
      2> "events-$s.err" || echo "exit $?" >> "events-$s.err"
    { "$bin" run "$s" -q --events - --events-kinds alert,review,stop,arrest,lost -o /dev/stdout | head -c 2000000 > "events-$s-head.ndjson"; } \
      2>> "events-$s.err" || echo "exit $?" >> "events-$s.err"
    "$bin" run "$s" -q --reps 2 --latency-log "latency-$s.hlog" -o /dev/stdout > /dev/null
  fi
done
"$bin" run --rep 4 -q --format json > run-rep4.json
"$bin" default > default.toml
"$bin" validate > validate.txt
"$bin" validate --format json > validate.json
"$bin" sweep -q --vary matcher.threshold=0.58:0.64:0.02 --vary watchlist.size=1000,10000 --reps 4 --out sweep > sweep.txt
"$bin" sweep -q --vary matcher.threshold=0.58:0.64:0.02 --reps 3 --shard 1/2 --out shard1 > shard1.txt
"$bin" sweep -q --vary matcher.threshold=0.58:0.64:0.02 --reps 3 --shard 2/2 --out shard2 > shard2.txt
"$bin" merge shard1 shard2 --out merged > merge.txt
"$bin" stress neoface-300fps-stadium --target p99-decision-latency=2s --set simulation.duration=1h > stress.txt
"$bin" stress neoface-300fps-stadium --target p99-decision-latency=2s --set simulation.duration=1h --format json > stress.json
# Errors, too, are output.
for args in "run --set matcher.thresold=0.6" "run --set watchlist.size=-1" "sweep --vary matcher.threshold=0.7:0.6:0.1 --out x" "check /nonexistent.toml"; do
  f="err-$(echo "$args" | tr ' /' '__').out"
  "$bin" $args > "$f" 2>&1 || echo "exit $?" >> "$f"
done
sed -i "s|$out|OUT|g" err-* 2>/dev/null || true
