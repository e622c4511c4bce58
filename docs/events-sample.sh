#!/usr/bin/env bash
# Regenerates the sample lines of docs/events.md — one line of each kind, and
# one wanted person's journey from capture to arrest — from the current build,
# with the command the document quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
./target/release/survsim run \
    --set 'pipeline={pools=[{name="matchers",faces_per_s=3,queue_capacity=30}]}' \
    --set intervention.officers=1 --set review.operators=1 \
    --set intervention.p_arrest_wrongful=0.1 --events - -q >"$log"
python3 - "$log" <<'PY'
import json, re, sys

lines = open(sys.argv[1]).read().splitlines()
events = [json.loads(l) for l in lines]

def first(pred):
    return next(i for i, e in enumerate(events) if pred(e))

def of_alert(kind, alert):
    return first(lambda e: e["kind"] == kind and e.get("alert") == alert)

# One line of each kind: the first capture and its search, the first drop,
# the first false alert and its review, the first dispatch and its stop, the
# first arrest, the first loss, and the end line.
capture = first(lambda e: e["kind"] == "capture")
search = first(lambda e: e["kind"] == "search" and e["face"] == events[capture]["face"])
alert = first(lambda e: e["kind"] == "alert" and not e["true_alert"])
dispatch = first(lambda e: e["kind"] == "dispatch")
picked = [
    capture,
    search,
    first(lambda e: e["kind"] == "drop"),
    alert,
    of_alert("review", events[alert]["alert"]),
    dispatch,
    of_alert("stop", events[dispatch]["alert"]),
    first(lambda e: e["kind"] == "arrest"),
    first(lambda e: e["kind"] == "lost"),
    len(lines) - 1,
]
kinds = "\n".join(lines[i] for i in picked)

# A wanted person's journey: the first correct arrest, every line of its face.
arrested = events[first(lambda e: e["kind"] == "arrest" and e["outcome"] == "arrest")]["alert"]
journey = "\n".join(
    l for l, e in zip(lines, events) if e.get("face") == arrested or e.get("alert") == arrested
)

doc = open("docs/events.md").read()

def replace_block(text, marker, output):
    """Replaces the ```json block that follows `marker` with `output`."""
    at = text.index(marker)
    start = text.index("```json\n", at) + len("```json\n")
    end = text.index("```", start)
    return text[:start] + output + "\n" + text[end:]

doc = replace_block(doc, "### One line of each kind", kinds)
doc = re.sub(r'"\(face\|alert\)":\d+\[,\}\]', f'"(face|alert)":{arrested}[,}}]', doc)
doc = replace_block(doc, "One wanted person's journey", journey)
open("docs/events.md", "w").write(doc)
PY
