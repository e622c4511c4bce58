"""Ctrl-C, timeouts and a raising callback stop a long run, and Python goes on.

Each long call runs in a child interpreter, bounded by HANG_S: a run that
failed to stop would take many minutes (100,000 replications of the default
city), so a child still running then is a failure, not a wait.
"""

from __future__ import annotations

import signal
import subprocess
import threading

import pytest

from conftest import child

# Generous: the children stop within a replication (milliseconds here).
HANG_S = 120

LONG = "reps=100_000"

# The OS threads of the process, to see that a stopped run's are gone.
THREADS = "import os; threads = lambda: len(os.listdir('/proc/self/task'))"


def run_child(code: str) -> subprocess.CompletedProcess:
    done = subprocess.run(child(code), capture_output=True, text=True, timeout=HANG_S)
    assert done.returncode == 0, done.stderr
    return done


def test_ctrl_c_stops_a_run_and_python_goes_on():
    code = f"""
import sys, time, survsim
{THREADS}
before = threads()
said = False
def progress(done, total):
    global said
    if done >= 2 and not said:
        said = True
        print("running", total, flush=True)
try:
    survsim.run({LONG}, progress=progress)
except KeyboardInterrupt:
    print("interrupted", flush=True)
else:
    print("finished", flush=True)
    sys.exit(1)
# The run's threads have ended (allowing them a moment to exit).
for _ in range(300):
    if threads() == before:
        break
    time.sleep(0.1)
print("threads", threads() - before, flush=True)
print(survsim.run(progress=False)["scenario"]["replications"], flush=True)
"""
    proc = subprocess.Popen(child(code), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(HANG_S, proc.kill)
    watchdog.start()
    try:
        # Interrupted only once it is running, as a user would.
        assert proc.stdout.readline() == "running 100000\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate()
    finally:
        watchdog.cancel()
    assert proc.returncode == 0, err
    assert out == "interrupted\nthreads 0\n1\n"


def test_a_timeout_stops_a_run():
    done = run_child(f"""
import survsim
try:
    survsim.run({LONG}, timeout=0.5, progress=False)
except TimeoutError as e:
    print(e)
print(survsim.run(progress=False)["scenario"]["replications"])
""")
    first, second = done.stdout.splitlines()
    assert first.startswith("survsim run stopped at its timeout of 0.5 s, ")
    assert first.endswith(" of 100000 replications done; no result")
    assert second == "1"


def test_a_timeout_stops_a_sweep_and_keeps_no_partial_point(tmp_path):
    out = tmp_path / "sweep"
    done = run_child(f"""
import survsim
try:
    survsim.sweep(vary={{"matcher.threshold": [0.6, 0.62]}}, {LONG}, timeout=0.5,
                  out={str(out)!r}, progress=False)
except TimeoutError as e:
    print(e)
""")
    assert done.stdout.startswith("survsim sweep stopped at its timeout of 0.5 s")
    # The manifest, no point (none finished), no temporary file, no results.
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "points"]
    assert list((out / "points").iterdir()) == []


def test_a_raising_callback_stops_a_run():
    done = run_child(f"""
import survsim
def progress(done, total):
    if done >= 2:
        raise RuntimeError("enough")
try:
    survsim.run({LONG}, progress=progress)
except RuntimeError as e:
    print(e)
""")
    assert done.stdout == "enough\n"


@pytest.mark.parametrize("call", ["validate(timeout=0.1)", "fit(draws=1_000_000, timeout=0.1)"])
def test_a_timeout_returns_from_work_that_cannot_stop(call):
    # validate and fit cannot stop midway: the call returns, and they finish
    # (or the process ends) on their own.
    done = run_child(f"""
import survsim
try:
    survsim.{call}
except TimeoutError as e:
    print(e)
""")
    verb = call.split("(")[0]
    assert done.stdout.startswith(f"survsim {verb} gave no result within its timeout of 0.1 s")
