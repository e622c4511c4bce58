"""A small run's cost from Python against the command line's.

    python python/bench/overhead.py [PATH/TO/survsim]

Times `survsim.run("default", reps=1)` in this interpreter and `survsim run
default --reps 1 --format json` as a process, 20 calls each after one
warm-up, alternating, and prints the medians (and the range); then the same
for a town of 1,000 residents over one second, where the simulation is
next to nothing and what is left is each call's own cost. Prints the date,
the machine's cores and its load average with the figures.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import statistics
import subprocess
import sys
import time

import survsim

CALLS = 20
REPO = pathlib.Path(__file__).resolve().parents[2]
BINARY = sys.argv[1] if len(sys.argv) > 1 else str(REPO / "target" / "release" / "survsim")
TOWN = {"population.residents": 1000, "simulation.duration": "1s"}


def python_call(sets: dict) -> float:
    started = time.perf_counter()
    survsim.run("default", set=sets, reps=1, progress=False)
    return time.perf_counter() - started


def cli_call(sets: dict) -> float:
    command = [BINARY, "run", "default", "--reps", "1", "--format", "json"]
    for key, value in sets.items():
        command += ["--set", f"{key}={value}"]
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - started


def ms(xs: list[float]) -> str:
    return f"{1e3 * statistics.median(xs):.1f} ms ({1e3 * min(xs):.1f}–{1e3 * max(xs):.1f})"


def compare(sets: dict) -> tuple[list[float], list[float]]:
    python_call(sets), cli_call(sets)  # warm-up: caches, the page cache
    py, cli = [], []
    for _ in range(CALLS):
        py.append(python_call(sets))
        cli.append(cli_call(sets))
    return py, cli


def main() -> None:
    load = os.getloadavg()[0]
    city = compare({})
    town = compare(TOWN)
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} cores, load average {load:.1f}–{os.getloadavg()[0]:.1f}, "
          f"median of {CALLS} calls (range)")
    print(f"survsim.run('default', reps=1)                    {ms(city[0])}")
    print(f"survsim run default --reps 1 --format json        {ms(city[1])}")
    print(f"the same, 1,000 residents for 1 s: from Python    {ms(town[0])}")
    print(f"                                   the binary     {ms(town[1])}")


if __name__ == "__main__":
    main()
