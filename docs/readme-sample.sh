#!/usr/bin/env bash
# Regenerates the sample output in README.md ("What a run prints") from the
# current build: run after any change that moves the default scenario's figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
out="$(./target/release/survsim run --reps 100 -q)"
python3 - "$out" <<'PY'
import sys, re
out = sys.argv[1]
readme = open("README.md").read()
start = readme.index("$ survsim run --reps 100\n") + len("$ survsim run --reps 100\n")
end = readme.index("```", start)
open("README.md", "w").write(readme[:start] + out + "\n" + readme[end:])
PY
