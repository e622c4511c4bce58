"""Shared helpers: the command-line binary the package is compared with."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from typing import List

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]

# A child Python that imports survsim: the interpreter running the tests.
PYTHON = sys.executable


def binary() -> pathlib.Path:
    """`survsim`, as `cargo build --release` builds it (or $SURVSIM_BIN)."""
    path = pathlib.Path(os.environ.get("SURVSIM_BIN", REPO / "target" / "release" / "survsim"))
    if not path.is_file():
        pytest.fail(
            f"no survsim binary at {path}: run `cargo build --release` first, or set SURVSIM_BIN"
        )
    return path


class Cli:
    """Runs the binary in a directory, as a user would."""

    def __init__(self, cwd: pathlib.Path) -> None:
        self.path = binary()
        self.cwd = cwd

    def __call__(self, *args: str, status: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(self.path), *args],
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == status, done.stderr
        return done

    def error(self, *args: str) -> str:
        """The message of a command refused as bad input (exit status 2)."""
        stderr = self(*args, status=2).stderr
        errors = [line for line in stderr.splitlines() if line.startswith("survsim: error: ")]
        assert len(errors) == 1, stderr
        return errors[0][len("survsim: error: ") :]


@pytest.fixture
def cli(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The binary, run in `tmp_path`; the test's own calls run there too."""
    monkeypatch.chdir(tmp_path)
    return Cli(tmp_path)


def child(code: str, *args: str) -> List[str]:
    """The argv of a child Python running `code`."""
    return [PYTHON, "-c", code, *args]
