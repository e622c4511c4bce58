#!/usr/bin/env bash
# Measures the figures README.md quotes — engine speed on bench-city (faces/s
# and peak memory), the README's 48 × 20 sweep (wall and CPU time), and
# `survsim validate` (time and peak memory) — and prints them with the date
# and the machine, to paste beside the figures after a change that moves
# them. Each figure is the median of RUNS runs (default 3), with the range.
# The sweep's charts replace the README's pictures in docs/img/.
# Needs GNU time at /usr/bin/time (`%M`: peak resident set size in KB).
#
#   docs/readme-figures.sh            # RUNS=5 docs/readme-figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
cargo build --release --quiet
bin=./target/release/survsim
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# One command, RUNS times: a line "wall_s cpu_s peak_kb stderr…" per run.
measure() {
    local name="$1"
    shift
    for _ in $(seq "$runs"); do
        rm -rf "$out/sweep" # a sweep resumes from what it finds: start afresh
        /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$@" >/dev/null 2>"$out/err"
        read -r wall user sys kb <"$out/time"
        printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$(awk "BEGIN { print $user + $sys }")" "$kb" \
            "$(grep -m1 '^simulated' "$out/err" || true)" >>"$out/runs.tsv"
    done
}

bench=("$bin" run bench-city --format json --engine faces)
measure "engine" "${bench[@]}"
measure "1,000,000-entry watchlist" "${bench[@]}" \
    --set watchlist.size=1000000 --set matcher.threshold=0.6551
measure "lookalikes" "${bench[@]}" --set population.lookalike_spread=1
measure "uneven mobility" "${bench[@]}" --set population.activity_spread.shape=0.5
# A pipeline replication lends spare threads to its sort and merge (issue
# 12): one thread, then both cores (benches/pipeline-threads.sh alternates).
pipeline=(--set 'pipeline.pools=[{ name = "city", servers = 400 }]'
    --set pipeline.detection_faces_per_s=1000)
measure "pipeline, 400 matchers" "${bench[@]}" "${pipeline[@]}" --threads 1
measure "pipeline, 400 matchers, both cores" "${bench[@]}" "${pipeline[@]}" --threads 2
# The residents engine (issue 12): one replication shared over the cores.
residents=("$bin" run bench-city --format json --engine residents)
measure "residents, 1 thread" "${residents[@]}" --threads 1
measure "residents, all cores" "${residents[@]}"
measure "uk-scale day, residents" "$bin" run benches/uk-scale.toml --format json
measure "uk-scale year, 1,000 watchlist" "$bin" run benches/uk-scale.toml --format json \
    --set simulation.duration=365d --set watchlist.size=1000 --set watchlist.wanted_present=100
measure "sweep" "$bin" sweep --vary matcher.threshold=0.55:0.70:0.01 \
    --vary watchlist.size=1000,10000,100000 --reps 20 -q --out "$out/sweep"
cp "$out/sweep/charts/false_alerts.svg" docs/img/sweep-false-alerts.svg
cp "$out/sweep/charts/tradeoff.svg" docs/img/sweep-tradeoff.svg
measure "validate" "$bin" validate

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
cache="$(grep -m1 'cache size' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
mem="$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "survsim README figures, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, ${cpu} (cache size ${cache}), ${mem} memory; $(rustc --version | cut -d' ' -f1-2)"
# Other work on the machine slows every figure: say how busy it was.
echo "load average at the end (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of ${runs} runs [min–max]"
python3 - "$out/runs.tsv" <<'PY'
import re, statistics, sys
from collections import OrderedDict

runs = OrderedDict()
for line in open(sys.argv[1]):
    name, wall, cpu, kb, said = (line.rstrip("\n").split("\t") + [""])[:5]
    runs.setdefault(name, []).append((float(wall), float(cpu), int(kb), said))

def fig(values, fmt):
    lo, mid, hi = min(values), statistics.median(values), max(values)
    return f"{fmt(mid)} [{fmt(lo)}–{fmt(hi)}]"

mb = lambda kb: f"{kb / 1024:.0f} MB"
secs = lambda s: f"{s:.1f} s"
print("\nspeed: survsim run SCENARIO --format json (one replication; the face engine on one thread)")
for name, rs in runs.items():
    if name in ("sweep", "validate"):
        continue
    # "simulated 50,428,792 faces in 1.45 s (34.7 M faces/s on 1 thread)"
    speeds = [float(re.search(r"\(([\d.]+) M faces/s", r[3]).group(1)) for r in rs]
    print(f"  {name:<30} {fig(speeds, lambda v: f'{v:.1f} M'):>26} faces/s"
          f"   wall {fig([r[0] for r in rs], secs)}   peak RSS {fig([r[2] for r in rs], mb)}")
sweep = runs["sweep"]
points = 16 * 3
print(f"\nsweep: 48 points × 20 replications of the default scenario (sweep … -q)")
print(f"  wall {fig([r[0] for r in sweep], secs)}, CPU {fig([r[1] for r in sweep], secs)}, "
      f"{fig([points / r[0] for r in sweep], lambda v: f'{v:.1f}')} points/s, "
      f"peak RSS {fig([r[2] for r in sweep], mb)}")
v = runs["validate"]
print(f"\nvalidate: wall {fig([r[0] for r in v], secs)}, CPU {fig([r[1] for r in v], secs)}, "
      f"peak RSS {fig([r[2] for r in v], mb)}")
PY
