"""survsim: simulate live facial recognition in a city, from Python.

The command line's verbs as functions, on the same Rust library (no second
implementation): what they return is what ``survsim … --format json``
prints, byte for byte (``result.json_text``), read into Python objects,
with ``to_pandas()`` for tidy frames (pandas is optional).

    >>> import survsim
    >>> r = survsim.run("default", set={"matcher.threshold": 0.62}, reps=40)
    >>> r["totals"]["false_alerts"], r["ci95"]["false_alerts"]
    >>> frames = r.to_pandas()          # totals, ratios, replications, groups, …
    >>> s = survsim.sweep(vary={"matcher.threshold": "0.56:0.64:0.02"}, reps=20)
    >>> s.to_pandas()                   # results-long.csv

A scenario is ``None`` (the built-in default scenario), TOML text (a string
with a line break), a path (a string, or a ``pathlib.Path``), or a bundled
scenario's name (a string that is not an existing file: ``"met-essex-2019"``;
see :func:`scenarios`) — as the command line's SCENARIO.

Runs use all cores unless ``threads=``; results never depend on the thread
count. Ctrl-C (``KeyboardInterrupt``) or ``timeout=`` stops a run or sweep
before its next replication. Bad input raises :class:`ScenarioError` with
the command line's message.
"""

from __future__ import annotations

import pathlib
import tempfile
import time
import warnings as _warnings
from typing import Dict, Iterable, Optional, Union

from . import _args, _survsim
from ._args import ScenarioLike, SetLike, VaryLike
from ._errors import ScenarioError, SurvsimWarning, argument_error
from ._progress import ProgressLike, reporter
from ._results import (
    CheckResult,
    FitResult,
    Report,
    RunFrames,
    RunResult,
    SweepResult,
    ValidateResult,
)

__version__: str = _survsim.VERSION

__all__ = [
    "run",
    "check",
    "sweep",
    "validate",
    "fit",
    "scenarios",
    "default_scenario",
    "ScenarioError",
    "SurvsimWarning",
    "Report",
    "RunResult",
    "RunFrames",
    "CheckResult",
    "SweepResult",
    "ValidateResult",
    "FitResult",
]


def _warn(messages: Iterable[str]) -> None:
    for message in messages:
        # stacklevel 3: the caller of the verb.
        _warnings.warn(message, SurvsimWarning, stacklevel=3)


def run(
    scenario: ScenarioLike = None,
    *,
    set: SetLike = None,
    reps: int = 1,
    rep: Optional[int] = None,
    seed: Optional[int] = None,
    engine: Optional[str] = None,
    fixed_parameters: bool = False,
    threads: Optional[int] = None,
    timeout: Optional[float] = None,
    progress: ProgressLike = None,
) -> RunResult:
    """Simulate a scenario: ``survsim run SCENARIO --format json``.

    Args:
        scenario: ``None`` (the built-in default), TOML text (a string with
            a line break), a path, or a bundled scenario's name.
        set: Overrides of scenario keys, ``--set``: ``{"matcher.threshold":
            0.62, "simulation.duration": "12h"}``. Numbers, bools, lists and
            dicts are written as TOML; a string as written (as the command
            line reads it: TOML where it parses, else a string). Or a list
            of ``"KEY.PATH=VALUE"`` strings.
        reps: Independent replications, 1 to 100,000; totals are then means
            with a 95 % interval (``ci95``), and from 40 one run's range
            (``pi95``).
        rep: Run replication ``rep`` of the seed alone (``--rep``), reported
            as a one-replication run; not with ``reps``.
        seed: The seed (``--seed``), 0 to 2**63 - 1; else the scenario's.
        engine: ``"auto"``, ``"faces"`` or ``"residents"`` (``--engine``).
        fixed_parameters: Hold uncertain inputs at their nominal values
            (``--fixed-parameters``).
        threads: Worker threads; all cores by default, fewer where memory
            holds fewer engines. Results never depend on it.
        timeout: Seconds after which the run stops and ``TimeoutError`` is
            raised.
        progress: ``None``: a tqdm bar if tqdm is installed (shown after
            half a second); ``False``: none; ``True``: a tqdm bar;
            or a callable ``progress(done, total)``, whose exception stops
            the run.

    Returns:
        The report, read (:class:`RunResult`): ``result.json_text`` is
        ``run --format json``'s output byte for byte.

    Raises:
        ScenarioError: Bad input, with the command line's message.
        KeyboardInterrupt: Ctrl-C; the run stops after the replications
            running (Ctrl-C again to stop waiting for them).
        TimeoutError: ``timeout`` passed.
    """
    args = _args.scenario_args(scenario, set, seed, engine, fixed_parameters)
    reps = _args.whole("reps", reps, 1, _args.MAX_REPS)
    rep = _args.optional_whole("rep", rep, 0)
    if rep is not None and reps != 1:
        raise argument_error("rep", "runs one replication alone: drop reps")
    threads = _args.optional_whole("threads", threads, 0)
    seconds = _args.timeout(timeout)
    started = time.perf_counter()
    with reporter(progress, "run", "rep", 1 if rep is not None else reps) as callback:
        json_text, table, warnings, replications = _survsim.run(
            args, reps, rep, threads, seconds, callback
        )
    _warn(warnings)
    return RunResult(json_text, table, warnings, replications, time.perf_counter() - started)


def check(
    scenario: ScenarioLike = None,
    *,
    set: SetLike = None,
    seed: Optional[int] = None,
    engine: Optional[str] = None,
    fixed_parameters: bool = False,
    sensitivity: bool = False,
) -> CheckResult:
    """What follows from a scenario without simulating: ``survsim check --format json``.

    Rates at the threshold and list size, expected faces and alerts, each
    site's busiest hour, operator load, and each uncertain input's share of
    the variance of false alerts. Arguments as :func:`run`; with
    ``sensitivity=True``, as ``check --sensitivity``, the report's
    ``sensitivity`` gives what drives the uncertainty of each expected
    figure (Sobol indices, first-order and total, with intervals), and the
    table ends with it; without uncertain inputs there is none.

    Raises:
        ScenarioError: Bad input, with the command line's message.
    """
    args = _args.scenario_args(scenario, set, seed, engine, fixed_parameters)
    json_text, table, warnings = _survsim.check(args, bool(sensitivity))
    _warn(warnings)
    return CheckResult(json_text, table, warnings)


def sweep(
    scenario: ScenarioLike = None,
    *,
    vary: VaryLike,
    set: SetLike = None,
    reps: int = 10,
    seed: Optional[int] = None,
    engine: Optional[str] = None,
    fixed_parameters: bool = False,
    threads: Optional[int] = None,
    out: Union[str, pathlib.Path, None] = None,
    force: bool = False,
    html: bool = False,
    timeout: Optional[float] = None,
    progress: ProgressLike = None,
) -> SweepResult:
    """A grid of what-ifs: ``survsim sweep SCENARIO --vary … --out OUT``.

    Args:
        scenario: As :func:`run`.
        vary: The grid, ``--vary``, the first key outermost: ``{"matcher.threshold":
            "0.55:0.70:0.01", "watchlist.size": [1000, 10000]}`` — a string is
            the command line's (``START:STOP:STEP`` inclusive, or
            ``A,B,C``), a list gives the values. Linked keys vary together:
            ``{"watchlist.size,watchlist.wanted_present": [(1000, 2), (10000, 20)]}``.
            Or a list of ``"KEY=SPEC"`` strings.
        set, seed, engine, fixed_parameters, threads: As :func:`run`.
        reps: Replications per point, 1 to 100,000 (default 10).
        out: The directory the sweep writes (results, charts, point
            files); by default a temporary one, removed with the result.
            A sweep into an ``out`` that holds its finished points resumes
            from them.
        force: Discard another sweep's points in ``out``.
        html: Also write ``out/report.html``.
        timeout, progress: As :func:`run`; the progress counts replications
            of all points.

    Returns:
        :class:`SweepResult`: ``results.json`` read, and ``to_pandas()``
        for ``results-long.csv``.

    Raises:
        ScenarioError: Bad input, with the command line's message.
        KeyboardInterrupt, TimeoutError: As :func:`run`; finished points stay
            in ``out``.
    """
    args = _args.scenario_args(scenario, set, seed, engine, fixed_parameters)
    grid = _args.varies(vary)
    reps = _args.whole("reps", reps, 1, _args.MAX_REPS)
    threads = _args.optional_whole("threads", threads, 0)
    seconds = _args.timeout(timeout)
    keep = None
    if out is None:
        keep = tempfile.TemporaryDirectory(prefix="survsim-sweep-")
        directory = pathlib.Path(keep.name)
    else:
        directory = pathlib.Path(out)
    with reporter(progress, "sweep", "rep") as callback:
        summary, notes, grid_notes = _survsim.sweep(
            args, grid, reps, threads, directory, bool(force), bool(html), seconds, callback
        )
    _warn(grid_notes)
    return SweepResult(directory, summary, grid_notes + notes, keep)


def validate(*, threads: Optional[int] = None, timeout: Optional[float] = None) -> ValidateResult:
    """The bundled published records, reproduced: ``survsim validate --format json``.

    Runs the record's scenarios and checks each against what was published,
    and each record against a fit of the others (leave-one-out). Takes
    seconds.

    Args:
        threads: As :func:`run`.
        timeout: Seconds after which ``TimeoutError`` is raised; the work
            then finishes in the background (as after Ctrl-C).
    """
    threads = _args.optional_whole("threads", threads, 0)
    json_text, table, all_hold = _survsim.validate(threads, _args.timeout(timeout))
    return ValidateResult(json_text, table, all_hold)


def fit(
    records: Union[str, pathlib.Path, None] = None,
    *,
    matcher: str = "neoface-v4",
    out: Union[str, pathlib.Path, None] = None,
    loo: bool = False,
    seed: int = 2026,
    chains: int = 4,
    draws: int = 20_000,
    keep: int = 400,
    threads: Optional[int] = None,
    timeout: Optional[float] = None,
) -> FitResult:
    """Fit a matcher to published records: ``survsim fit [RECORDS] --format json``.

    Args:
        records: ``None`` (the bundled records), TOML text (a string with
            a line break) or a path to a records file.
        matcher: The matcher whose records are fitted.
        out: Write the fitted matcher profile there (``--out``); it is
            also ``result.profile_text``.
        loo: Also fit without each record in turn (``--loo``).
        seed: The chains' seed.
        chains: Chains, 2 to 64.
        draws: Warm-up and kept draws per chain, 100 to 1,000,000.
        keep: Posterior draws kept in the profile, 1 to 100,000.
        threads: As :func:`run`.
        timeout: As :func:`validate`.
    """
    if records is not None and not isinstance(records, (str, pathlib.PurePath)):
        raise argument_error("records", "expected None, TOML text or a path")
    given = _args.given(records)
    seed = _args.whole("seed", seed, 0, 2**64 - 1)
    chains = _args.whole("chains", chains, 2, 64)
    draws = _args.whole("draws", draws, 100, 1_000_000)
    keep = _args.whole("keep", keep, 1, 100_000)
    threads = _args.optional_whole("threads", threads, 0)
    if not isinstance(matcher, str):
        raise argument_error("matcher", f"expected a matcher's name, got {matcher!r}")
    command = "survsim.fit(" + ", ".join(
        f"{name}={value!r}"
        for name, value in [
            ("records", None if given[0] == "text" else records),
            ("matcher", matcher),
            ("loo", loo),
            ("seed", seed),
            ("chains", chains),
            ("draws", draws),
            ("keep", keep),
        ]
        if value is not None
    ) + ")"
    json_text, table, profile = _survsim.fit(
        given,
        matcher,
        bool(loo),
        seed,
        chains,
        draws,
        keep,
        threads,
        None if out is None else pathlib.Path(out),
        command,
        _args.timeout(timeout),
    )
    return FitResult(json_text, table, profile)


def scenarios() -> Dict[str, str]:
    """The bundled scenarios, name to one-line description (``survsim scenarios``)."""
    return _survsim.scenarios()


def default_scenario() -> str:
    """The built-in default scenario's TOML, a starting point (``survsim default``)."""
    return _survsim.default_scenario()

