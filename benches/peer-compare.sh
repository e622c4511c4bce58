#!/usr/bin/env bash
# survsim against the SimPy implementation of the same model (benches/simpy/,
# its README says where it came from), side by side in one run, on the peer's
# two scenarios, one day each for 10 M residents at 500 sites:
#   peer-10m     sites all of one constant footfall (≈ 19 M faces);
#   peer-shapes  sites in four classes of different hourly shapes (≈ 20 M).
# Each program is timed as a whole process (start-up, model, run, report):
# SimPy once (it takes most of a minute), survsim RUNS times (default 3,
# the median). Both hold the matcher at its nominal rates (survsim's
# `--fixed-parameters`: the peer has no uncertain inputs).
#
# Then the counts: SimPy's run, survsim's timed run, and survsim's mean and
# standard deviation over REPS replications (default 40); z is SimPy's run
# against that spread (sd·√(1 + 1/REPS)), so |z| ≲ 3 is agreement within
# Monte Carlo noise. (benches/simpy/README.md has the many-seed
# cross-check.)
#
# Needs `pip install simpy`.
#
#   benches/peer-compare.sh            # RUNS=5 REPS=100 benches/peer-compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
reps="${REPS:-40}"
peer=benches/simpy
cargo build --release --quiet
bin=./target/release/survsim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common=(--capture 0.8 --hours 24 --watchlist 10000 --residents 10000000
    --wanted-present 200 --fmr 1.683348691435089e-08 --group-b-share 0.3
    --group-b-fmr-mult 10 --tpir 0.89 --operators 1 --review-s 60
    --p-confirm-true 0.9 --p-confirm-false 0.4 --officers 2 --window-s 180
    --stop-s 600 --p-arrest-true 0.8 --p-arrest-false 0.2 --walk-past)
# shellcheck disable=SC2207 # the classes' arguments hold no spaces
shapes=($(python3 "$peer/shapes.py" args))

micros() { echo $(($(date +%s%N) / 1000)); }

wall() { # prints the median wall time of RUNS runs of a command, in seconds
    # (to the microsecond: survsim's runs take tens of milliseconds, below
    # GNU time's 10 ms resolution)
    local n="$1"
    shift
    for _ in $(seq "$n"); do
        local start end
        start=$(micros)
        "$@" >/dev/null 2>&1
        end=$(micros)
        awk -v d="$((end - start))" 'BEGIN { printf "%.6f\n", d / 1e6 }'
    done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

simpy() { # name, peer arguments: times one run, keeps its counts
    local name="$1" start end
    shift
    start=$(micros)
    python3 "$peer/lfr_simpy_custody.py" "${common[@]}" "$@" >"$out/$name.simpy.json"
    end=$(micros)
    awk -v d="$((end - start))" 'BEGIN { printf "%.6f\n", d / 1e6 }' >"$out/$name.simpy.s"
}

survsim() { # name: times RUNS runs on one thread and on all, keeps the counts
    local name="$1" file="benches/$1.toml"
    local flags=(-q --engine residents --fixed-parameters)
    wall "$runs" "$bin" run "$file" "${flags[@]}" --threads 1 >"$out/$name.r1.s"
    wall "$runs" "$bin" run "$file" "${flags[@]}" >"$out/$name.r.s"
    wall 1 "$bin" run "$file" -q --engine faces --fixed-parameters --threads 1 >"$out/$name.f1.s"
    "$bin" run "$file" "${flags[@]}" --threads 1 --format json >"$out/$name.survsim.json" 2>/dev/null
    "$bin" run "$file" "${flags[@]}" --reps "$reps" --format csv >"$out/$name.reps.csv" 2>/dev/null
}

simpy peer-10m --sites 500 --footfall-per-hour 2000
survsim peer-10m
simpy peer-shapes "${shapes[@]}"
survsim peer-shapes

echo "peer comparison, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "whole-process wall time; SimPy: benches/simpy/lfr_simpy_custody.py --walk-past, one run"
python3 - "$out" "$reps" "$(nproc)" <<'EOF'
import csv, json, math, statistics, sys
out, reps, cores = sys.argv[1], int(sys.argv[2]), sys.argv[3]
read = lambda path: float(open(f"{out}/{path}").read())
# The peer's key, survsim's metric.
COUNTS = [("faces", "faces_captured"), ("alerts", "alerts"), ("false_alerts", "false_alerts"),
          ("stops", "stops"), ("arrests", "arrests"), ("false_arrests", "false_arrests")]
for name in ["peer-10m", "peer-shapes"]:
    s = read(f"{name}.simpy.s")
    print(f"\n{name}")
    for label, key in [("survsim, residents engine, 1 thread", "r1"),
                       (f"survsim, residents engine, {cores} threads", "r"),
                       ("survsim, face engine, 1 thread", "f1")]:
        t = read(f"{name}.{key}.s")
        print(f"  {label:40s} {t:9.4f} s  {s / t:7.0f}× SimPy")
    print(f"  {'SimPy 4 (one run)':40s} {s:9.2f} s")
    peer = json.load(open(f"{out}/{name}.simpy.json"))
    peer["alerts"] = peer["true_alerts"] + peer["false_alerts"]
    one = json.load(open(f"{out}/{name}.survsim.json"))["totals"]
    by_rep = {}
    for row in csv.DictReader(open(f"{out}/{name}.reps.csv")):
        if row["group"] == "all":
            by_rep.setdefault(row["metric"], []).append(float(row["value"]))
    print(f"  {'count':14s} {'SimPy':>12s} {'survsim':>12s} {f'mean of {reps}':>14s} {'sd':>10s} {'z':>6s}")
    for key, metric in COUNTS:
        xs = by_rep[metric]
        mean, sd = statistics.fmean(xs), statistics.stdev(xs)
        z = (peer[key] - mean) / (sd * math.sqrt(1 + 1 / len(xs))) if sd > 0 else float("nan")
        print(f"  {key:14s} {peer[key]:12,.0f} {one[metric]:12,.0f} {mean:14,.1f} {sd:10,.1f} {z:6.2f}")
EOF
