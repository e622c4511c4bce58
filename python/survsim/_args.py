"""From Python arguments to the command line's: scenarios, ``--set``, ``--vary``."""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

from ._errors import argument_error

ScenarioLike = Union[str, "os.PathLike[str]", None]
"""A scenario: ``None`` (the built-in default), TOML text, a path, or a bundled name."""

SetLike = Union[Mapping[str, Any], Iterable[str], str, None]
"""Overrides: ``{"matcher.threshold": 0.62}``, or ``["matcher.threshold=0.62"]``."""

VaryLike = Union[Mapping[str, Any], Iterable[str], str]
"""A grid: ``{"matcher.threshold": "0.56:0.64:0.02"}``, or ``["KEY=SPEC", ...]``."""

ENGINES = ("auto", "faces", "residents")
MAX_REPS = 100_000
MAX_SEED = 2**63 - 1

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def given(scenario: ScenarioLike) -> Tuple[str, Optional[str]]:
    """Where a scenario comes from, as ``(kind, value)`` for the extension.

    ``None`` is the built-in default; a path-like object is a file; a
    string with a line break is TOML text; any other string is what the
    command line's SCENARIO is: an existing file, else a bundled
    scenario's name.
    """
    if scenario is None:
        return ("default", None)
    if isinstance(scenario, os.PathLike):
        return ("path", os.fspath(scenario))
    if isinstance(scenario, str):
        if "\n" in scenario:
            return ("text", scenario)
        return ("path", scenario)
    raise argument_error(
        "scenario",
        "expected None, TOML text, a path or a bundled scenario's name, "
        f"got {type(scenario).__name__}",
    )


def toml_value(value: Any, inside: bool = False) -> str:
    """A Python value as ``--set`` types it: TOML, as the file would write it.

    A string at the top is passed as written (``"12h"``, ``"neoface-v4"``,
    ``"{ dist = \\"exponential\\", mean = \\"45s\\" }"``): the command line
    reads it as TOML, and as a string where it is not valid TOML. Inside a
    list or table a string is quoted.
    """
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if inside else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(value, Mapping):
        items = ", ".join(
            f"{_toml_key(str(k))} = {toml_value(v, inside=True)}" for k, v in value.items()
        )
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, (list, tuple, range)):
        return "[" + ", ".join(toml_value(v, inside=True) for v in value) + "]"
    if hasattr(value, "tolist"):  # a NumPy array or scalar
        return toml_value(value.tolist(), inside)
    raise argument_error(
        "set",
        f"cannot write a {type(value).__name__} as a TOML value: give a string, "
        "number, bool, list or dict",
    )


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def sets(overrides: SetLike) -> List[str]:
    """``set=`` as the command line's ``--set KEY.PATH=VALUE`` arguments."""
    if overrides is None:
        return []
    if isinstance(overrides, str):
        return [overrides]
    if isinstance(overrides, Mapping):
        return [f"{key}={toml_value(value)}" for key, value in overrides.items()]
    out = []
    for item in overrides:
        if not isinstance(item, str):
            raise argument_error(
                "set", f"expected a dict or 'KEY=VALUE' strings, got {type(item).__name__}"
            )
        out.append(item)
    return out


def varies(grid: VaryLike) -> List[str]:
    """``vary=`` as the command line's ``--vary`` arguments.

    A string value is the command line's own (``"0.55:0.70:0.01"``,
    ``"1000,10000"``); a list gives the values. Linked keys
    (``"watchlist.size,watchlist.wanted_present"``) take a list of tuples,
    one a point.
    """
    if isinstance(grid, str):
        return [grid]
    if not isinstance(grid, Mapping):
        out = list(grid)
        for item in out:
            if not isinstance(item, str):
                raise argument_error(
                    "vary", f"expected a dict or 'KEY=SPEC' strings, got {type(item).__name__}"
                )
        return out
    out = []
    for key, spec in grid.items():
        if isinstance(spec, str):
            out.append(f"{key}={spec}")
            continue
        linked = "," in key
        values = list(spec.tolist() if hasattr(spec, "tolist") else spec)
        if linked:
            points = []
            for point in values:
                if isinstance(point, str) or not isinstance(point, (list, tuple)):
                    raise argument_error(
                        "vary",
                        f"linked keys `{key}` take one tuple of values a point, got {point!r}",
                    )
                points.append(",".join(toml_value(v) for v in point))
            out.append(f"{key}={';'.join(points)}")
        else:
            out.append(f"{key}={','.join(toml_value(v) for v in values)}")
    return out


def whole(name: str, value: Any, low: int, high: Optional[int] = None) -> int:
    """``value`` as a whole number in ``low..=high``, or a ScenarioError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise argument_error(name, f"expected a whole number, got {value!r}")
    n = int(value)
    if n < low or (high is not None and n > high):
        span = f"from {low:,} to {high:,}" if high is not None else f"of at least {low:,}"
        raise argument_error(name, f"expected a whole number {span}, got {n:,}")
    return n


def optional_whole(name: str, value: Any, low: int, high: Optional[int] = None) -> Optional[int]:
    """As :func:`whole`, ``None`` passing through."""
    return None if value is None else whole(name, value, low, high)


def engine(name: Optional[str]) -> Optional[str]:
    """``engine=``, checked against the command line's choices."""
    if name is None or name in ENGINES:
        return name
    raise argument_error("engine", f"expected one of {', '.join(ENGINES)}, got {name!r}")


def timeout(seconds: Optional[float]) -> Optional[float]:
    """``timeout=`` in seconds, above 0."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise argument_error("timeout", f"expected a number of seconds, got {seconds!r}")
    s = float(seconds)
    if not (math.isfinite(s) and s > 0):
        raise argument_error("timeout", f"expected a number of seconds above 0, got {seconds!r}")
    return s


def scenario_args(
    scenario: ScenarioLike,
    overrides: SetLike,
    seed: Optional[int],
    engine_name: Optional[str],
    fixed_parameters: bool,
) -> Tuple[Tuple[str, Optional[str]], List[str], Optional[int], Optional[str], bool]:
    """The command line's scenario arguments, checked, for the extension."""
    return (
        given(scenario),
        sets(overrides),
        optional_whole("seed", seed, 0, MAX_SEED),
        engine(engine_name),
        bool(fixed_parameters),
    )
