#!/usr/bin/env bash
# survsim against the SimPy implementation of the same model
# (../shared/peers/simpy/, or $SIMPY_PEER), side by side in one run, on the
# peer's own scenario: 10 M residents, 500 sites, one day (≈ 19 M faces).
# Each program is timed as a whole process (start-up, model, run, report),
# RUNS times (default 3; SimPy once, as it takes most of a minute), and the
# script prints the medians and the ratios, with the date and the machine.
# Needs `pip install simpy`.
#
#   benches/peer-compare.sh            # RUNS=5 benches/peer-compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
peer="${SIMPY_PEER:-../shared/peers/simpy}"
cargo build --release --quiet
bin=./target/release/survsim
common=(--footfall-per-hour 2000 --capture 0.8 --hours 24 --watchlist 10000
    --fmr 1.683348691435089e-08 --group-b-share 0.3 --group-b-fmr-mult 10 --tpir 0.89
    --operators 1 --review-s 60 --p-confirm-true 0.9 --p-confirm-false 0.4 --officers 2
    --window-s 180 --stop-s 600 --p-arrest-true 0.8 --p-arrest-false 0.2)

wall() { # prints the median wall time of RUNS runs of a command, in seconds
    # (to the microsecond: survsim's runs take tens of milliseconds, below
    # GNU time's 10 ms resolution)
    local n="$1"
    shift
    for _ in $(seq "$n"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        echo "$(( (end - start) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }'
    done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

simpy=$(wall 1 python3 "$peer/lfr_simpy.py" --residents 10000000 --sites 500 \
    --wanted-present 200 "${common[@]}")
faces=$(wall "$runs" "$bin" run "$peer/peer-10m.toml" -q --engine faces --threads 1)
residents_1=$(wall "$runs" "$bin" run "$peer/peer-10m.toml" -q --engine residents --threads 1)
residents=$(wall "$runs" "$bin" run "$peer/peer-10m.toml" -q --engine residents)

echo "peer comparison, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "scenario: peer-10m (10 M residents, 500 sites, one day); whole-process wall time"
awk -v s="$simpy" -v f="$faces" -v r1="$residents_1" -v r="$residents" -v n="$(nproc)" 'BEGIN {
    printf "  SimPy (one run)                 %8.2f s\n", s
    printf "  survsim, face engine, 1 thread   %8.4f s   %6.0f× SimPy\n", f, s / f
    printf "  survsim, residents, 1 thread     %8.4f s   %6.0f× SimPy\n", r1, s / r1
    printf "  survsim, residents, %d threads    %8.4f s   %6.0f× SimPy\n", n, r, s / r
}'
