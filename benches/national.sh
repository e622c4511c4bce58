#!/usr/bin/env bash
# Issue 27's targets, measured side by side in one run: the default scenario
# (whole process), bench-city on the residents engine (one thread and both
# cores), the face engine on one thread, a UK-scale day, a UK-scale year at the
# Met's 16,000-image list, and `uk-national-year`. Each command runs RUNS
# times (default 3; the two years YEAR_RUNS times, default 1), and with
# BEFORE=path/to/an/older/survsim each run of this build alternates with a run
# of that one, so both see the same machine. Prints wall, CPU (user + system)
# and peak RSS per run, the medians, and the date, machine and load.
# Needs GNU time at /usr/bin/time.
#
#   benches/national.sh
#   BEFORE=/tmp/old/target/release/survsim RUNS=5 benches/national.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
year_runs="${YEAR_RUNS:-1}"
cargo build --release --quiet
after=./target/release/survsim
before="${BEFORE:-}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# measure N NAME ARGS…: N runs of `survsim ARGS…` (alternating with BEFORE),
# one line per run: build, name, wall s, CPU s, peak KB, exit status.
measure() {
    local n="$1" name="$2"
    shift 2
    for _ in $(seq "$n"); do
        for build in after ${before:+before}; do
            local bin="$after"
            [ "$build" = before ] && bin="$before"
            local status=0
            /usr/bin/time -f "%e %U %S %M" -o "$out/time" "$bin" "$@" >/dev/null 2>"$out/err" ||
                status=$?
            read -r wall user sys kb < <(tail -n1 "$out/time")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$build" "$name" "$wall" \
                "$(awk "BEGIN { print $user + $sys }")" "$kb" "$status" \
                "$(grep -m1 '^simulated' "$out/err" || true)" >>"$out/runs.tsv"
            if [ "$status" != 0 ]; then
                echo "$build, $name: exit $status: $(grep -m1 . "$out/err")" >&2
            fi
        done
    done
}

measure "$runs" "default (whole process)" run -q
measure "$runs" "bench-city, residents, 1 thread" run bench-city --format json --engine residents --threads 1
measure "$runs" "bench-city, residents, 2 threads" run bench-city --format json --engine residents --threads 2
measure "$runs" "bench-city, face engine, 1 thread" run bench-city --format json --engine faces --threads 1
measure "$runs" "UK-scale day" run benches/uk-scale.toml --format json
measure "$year_runs" "UK-scale year, 16,000-image list" run benches/uk-scale.toml --format json \
    --set simulation.duration=365d --set watchlist.size=16000
measure "$year_runs" "uk-national-year" run uk-national-year --format json

echo "survsim issue 27 targets, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)${before:+, against $before}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "load average at the end (1, 5, 15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out/runs.tsv" <<'PY'
import re, statistics, sys
from collections import OrderedDict

runs = OrderedDict()
for line in open(sys.argv[1]):
    build, name, wall, cpu, kb, status, said = line.rstrip("\n").split("\t")
    # "simulated 50,428,792 faces in 1.45 s (34.7 M faces/s on 1 thread, …)"
    rate = re.search(r"\(([\d.]+) M faces/s", said)
    runs.setdefault(name, {}).setdefault(build, []).append(
        (float(wall), float(cpu), int(kb), int(status), float(rate.group(1)) if rate else None))

def med(xs):
    return statistics.median(xs)

print(f"\n{'what':<36} {'build':<7} {'wall s (median [min-max])':<28} {'CPU s':>8} {'peak RSS':>10} {'M faces/s':>10}")
for name, builds in runs.items():
    for build, rs in builds.items():
        if any(r[3] for r in rs):
            print(f"{name:<36} {build:<7} refused or failed (exit {rs[0][3]})")
            continue
        walls = [r[0] for r in rs]
        print(f"{name:<36} {build:<7} {med(walls):>7.3f} [{min(walls):.3f}-{max(walls):.3f}]"
              f"{'':<9} {med([r[1] for r in rs]):>8.2f} {med([r[2] for r in rs]) / 1024:>7.0f} MB"
              f" {med([r[4] for r in rs]) if rs[0][4] else 0:>10.1f}")
PY
