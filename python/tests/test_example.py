"""examples/what_if.py runs, prints its table and writes its chart."""

from __future__ import annotations

import subprocess

from conftest import PYTHON, REPO


def test_the_what_if_example(tmp_path):
    chart = tmp_path / "what_if.png"
    done = subprocess.run(
        [PYTHON, str(REPO / "examples" / "what_if.py"), str(chart)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["baseline", "0.62,", "20,000", "entries"]
    assert lines[2].startswith("false_alerts ")
    assert lines[-1] == f"chart: {chart}"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Twelve points: six thresholds for each of two lists.
    assert sum(1 for line in lines if line.split()[:1] and line.split()[0].isdigit()) == 12
