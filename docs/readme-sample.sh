#!/usr/bin/env bash
# Regenerates the sample outputs in README.md from the current build — "What a
# run prints" (`survsim run --reps 100`), the `survsim validate` table and the
# `survsim stress` knee — after any change that moves their figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
run="$(./target/release/survsim run --reps 100 -q)"
validate="$(./target/release/survsim validate)"
stress_args=(neoface-300fps-stadium --target p99-decision-latency=2s --target drop-rate=0.001)
stress="$ survsim stress ${stress_args[*]}
$(./target/release/survsim stress "${stress_args[@]}")"
python3 - "$run" "$validate" "$stress" <<'PY'
import sys
run, validate, stress = sys.argv[1], sys.argv[2], sys.argv[3]
readme = open("README.md").read()

def replace_block(text, marker, output):
    """Replaces the ```text block that follows `marker` with `output`."""
    at = text.index(marker)
    start = text.index("```text\n", at) + len("```text\n")
    end = text.index("```", start)
    return text[:start] + output + "\n" + text[end:]

readme = replace_block(readme, "## What a run prints", "$ survsim run --reps 100\n" + run)
readme = replace_block(readme, "Output of\n`survsim validate`", validate)
readme = replace_block(readme, "The bundled `neoface-300fps-stadium` shows the knee:", stress)
open("README.md", "w").write(readme)
PY
