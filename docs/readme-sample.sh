#!/usr/bin/env bash
# Regenerates the sample outputs in README.md from the current build — "What a
# run prints" (`survsim run --reps 100`) and the `survsim validate` table —
# after any change that moves their figures.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
run="$(./target/release/survsim run --reps 100 -q)"
validate="$(./target/release/survsim validate)"
python3 - "$run" "$validate" <<'PY'
import sys
run, validate = sys.argv[1], sys.argv[2]
readme = open("README.md").read()

def replace_block(text, marker, output):
    """Replaces the ```text block that follows `marker` with `output`."""
    at = text.index(marker)
    start = text.index("```text\n", at) + len("```text\n")
    end = text.index("```", start)
    return text[:start] + output + "\n" + text[end:]

readme = replace_block(readme, "## What a run prints", "$ survsim run --reps 100\n" + run)
readme = replace_block(readme, "Output of\n`survsim validate`", validate)
open("README.md", "w").write(readme)
PY
