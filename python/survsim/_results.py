"""What the verbs return: the command line's reports as Python objects, and tidy frames."""

from __future__ import annotations

import io
import json
import math
import pathlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Sequence

if TYPE_CHECKING:  # pandas is optional: imported when a frame is asked for.
    import pandas as pd

    from ._survsim import Replications

__all__ = [
    "Report",
    "RunResult",
    "RunFrames",
    "CheckResult",
    "SweepResult",
    "ValidateResult",
    "FitResult",
]

# Columns of the interval frames.
INTERVAL_COLUMNS = ["mean", "ci95_lo", "ci95_hi", "pi95_lo", "pi95_hi", "expected"]


def _pandas():  # type: ignore[no-untyped-def]
    try:
        import pandas
    except ImportError as e:
        raise ImportError(
            "to_pandas() needs pandas, which survsim does not require: pip install pandas"
        ) from e
    return pandas


class Report(Mapping[str, Any]):
    """A JSON report, read: a mapping of its top-level keys.

    Attributes:
        json_text: The report's JSON exactly as the command line prints it
            with ``--format json``, final newline included.
        report: The same, parsed (``json.loads``): dicts in the report's
            key order, lists, numbers, ``None`` for JSON's ``null``.
        table: The table the command line prints without ``--format``.
    """

    json_text: str
    report: Dict[str, Any]
    table: str

    def __init__(self, json_text: str, table: str) -> None:
        self.json_text = json_text
        self.report = json.loads(json_text)
        self.table = table

    def __getitem__(self, key: str) -> Any:
        return self.report[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.report)

    def __len__(self) -> int:
        return len(self.report)

    def __str__(self) -> str:
        return self.table

    def __repr__(self) -> str:
        return f"<survsim.{type(self).__name__}: {len(self.json_text):,} bytes of JSON>"


@dataclass(frozen=True)
class RunFrames:
    """A run's report as pandas frames, long where a key has several figures.

    Attributes:
        totals: One row per key of ``totals`` (index ``metric``): ``mean``
            (the count, for one replication), ``ci95_lo``/``ci95_hi`` (the
            mean's 95 % interval, from 2 replications), ``pi95_lo``/
            ``pi95_hi`` (one replication's 95 % range, from 40), and
            ``expected`` (the closed form, where there is one).
        ratios: One row per key of ``ratios`` (index ``ratio``): ``value``,
            ``ci95_lo``/``ci95_hi``, ``pi95_lo``/``pi95_hi``. An interval's
            missing upper bound is ``inf`` (no true alert in some
            replication); a ratio or interval that is undefined is NaN.
        replications: One row per replication (index ``replication``), one
            column per run-wide count: the ``all`` rows of ``long``.
        long: ``run --format csv``: ``point, replication, group, metric,
            value``, every replication's raw counts, run-wide (``group ==
            "all"``) and per group; the same columns as a sweep's
            ``results-long.csv``.
        groups: One row per group and figure (index ``group, metric``): the
            group's counts (columns as ``totals``), its model rates
            (``fmr``, ``fpir``, ``tpir``), its equity rates,
            ``disparity_vs_reference.<rate>`` with its interval, and, where
            the report has them, ``shares.<count>`` (the group's share of
            the errors) with theirs.
        deployments: With a deployment schedule, one row per deployment
            and count (index ``deployment, metric``) with ``mean``,
            ``ci95_lo``, ``ci95_hi`` and ``expected``, and the deployment's
            settings (``day``, ``start_s``, ``end_s``, ``threshold``,
            ``watchlist_size``, …) repeated on each of its rows; several
            lists' counts are ``watchlists.<name>.<count>``. Empty without
            a schedule.
    """

    totals: "pd.DataFrame"
    ratios: "pd.DataFrame"
    replications: "pd.DataFrame"
    long: "pd.DataFrame"
    groups: "pd.DataFrame"
    deployments: "pd.DataFrame"


def _pair(interval: Any) -> Sequence[float]:
    """A JSON ``[low, high]`` as two floats: a missing high is unbounded."""
    if not isinstance(interval, list) or len(interval) != 2:
        return (math.nan, math.nan)
    low, high = interval
    if low is None:
        return (math.nan, math.nan)
    return (float(low), math.inf if high is None else float(high))


def _number(x: Any) -> float:
    return math.nan if x is None else float(x)


def _interval_row(
    mean: Any, ci: Any = None, pi: Any = None, expected: Any = None
) -> List[float]:
    return [_number(mean), *_pair(ci), *_pair(pi), _number(expected)]


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class RunResult(Report):
    """What ``survsim.run`` returns: ``run --format json``'s report, read.

    A mapping of the report's keys (``result["totals"]["false_alerts"]``);
    ``str(result)`` is the command line's table; ``result.to_pandas()``
    gives tidy frames.

    Attributes:
        warnings: What the command line prints as ``survsim: warning:``
            (also issued as :class:`survsim.SurvsimWarning`).
        elapsed_s: Wall-clock seconds the call took (never in the report).
    """

    warnings: List[str]
    elapsed_s: float

    def __init__(
        self,
        json_text: str,
        table: str,
        warnings: List[str],
        replications: "Replications",
        elapsed_s: float,
    ) -> None:
        super().__init__(json_text, table)
        self.warnings = warnings
        self.elapsed_s = elapsed_s
        self._replications = replications
        self._long_csv: Optional[str] = None

    def __repr__(self) -> str:
        s = self.report["scenario"]
        n = s["replications"]
        return (
            f"<survsim.RunResult {s['name']}: {n:,} replication{'s' if n != 1 else ''}, "
            f"seed {s['seed']}, {s['engine']} engine>"
        )

    @property
    def long_csv(self) -> str:
        """``survsim run --format csv``'s text: every replication's raw counts."""
        if self._long_csv is None:
            self._long_csv = self._replications.long_csv()
        return self._long_csv

    def to_pandas(self) -> RunFrames:
        """The report as tidy pandas frames (see :class:`RunFrames`). Needs pandas."""
        pd = _pandas()
        r = self.report
        totals = pd.DataFrame(
            [
                _interval_row(
                    value,
                    r.get("ci95", {}).get(key),
                    r.get("pi95", {}).get(key),
                    r["expected"].get(key),
                )
                for key, value in r["totals"].items()
            ],
            index=pd.Index(list(r["totals"]), name="metric"),
            columns=INTERVAL_COLUMNS,
        )
        ratios = pd.DataFrame(
            [
                [
                    _number(value),
                    *_pair(r.get("ratios_ci95", {}).get(key)),
                    *_pair(r.get("ratios_pi95", {}).get(key)),
                ]
                for key, value in r["ratios"].items()
            ],
            index=pd.Index(list(r["ratios"]), name="ratio"),
            columns=["value", "ci95_lo", "ci95_hi", "pi95_lo", "pi95_hi"],
        )
        long = pd.read_csv(io.StringIO(self.long_csv))
        everyone = long[long["group"] == "all"]
        replications = everyone.pivot(index="replication", columns="metric", values="value")
        replications = replications[list(dict.fromkeys(everyone["metric"]))]
        replications.columns.name = None
        return RunFrames(
            totals=totals,
            ratios=ratios,
            replications=replications,
            long=long,
            groups=_groups_frame(pd, r),
            deployments=_deployments_frame(pd, r),
        )


def _groups_frame(pd: Any, r: Mapping[str, Any]) -> "pd.DataFrame":
    rows = []
    equity = {g["name"]: g for g in r.get("equity", {}).get("groups", [])}
    for group in r["groups"]:
        name = group["name"]
        for key, value in group.items():
            if _is_number(value):
                rows.append(
                    [
                        name,
                        key,
                        *_interval_row(
                            value,
                            group.get("ci95", {}).get(key),
                            group.get("pi95", {}).get(key),
                            group.get("expected", {}).get(key),
                        ),
                    ]
                )
        fair = equity.get(name, {})
        for key, value in fair.items():
            if _is_number(value) and key not in group and key != "captures":
                rows.append([name, key, *_interval_row(value)])
        # Each group's share of the errors (main's equity `shares`).
        for key, share in fair.get("shares", {}).items():
            rows.append(
                [
                    name,
                    f"shares.{key}",
                    *_interval_row(share.get("share"), share.get("ci95"), share.get("pi95")),
                ]
            )
        for rate, disparity in fair.get("disparity_vs_reference", {}).items():
            rows.append(
                [
                    name,
                    f"disparity_vs_reference.{rate}",
                    *_interval_row(disparity.get("ratio"), disparity.get("ci95")),
                ]
            )
    frame = pd.DataFrame(rows, columns=["group", "metric", *INTERVAL_COLUMNS])
    frame = frame.set_index(["group", "metric"])
    frame.attrs["reference_group"] = r.get("equity", {}).get("reference_group")
    return frame


DEPLOYMENT_SETTINGS = [
    "day",
    "start_s",
    "end_s",
    "sites",
    "watchlist_size",
    "threshold",
    "wanted_on_list",
    "operators",
    "officers",
    "faces_given",
]


def _deployments_frame(pd: Any, r: Mapping[str, Any]) -> "pd.DataFrame":
    rows = []
    for d in r.get("deployments", []):
        settings = [
            ", ".join(d[k]) if isinstance(d.get(k), list) else d.get(k)
            for k in DEPLOYMENT_SETTINGS
        ]
        ci, expected = d.get("ci95", {}), d.get("expected", {})
        for key, value in d["totals"].items():
            rows.append(
                [d["name"], key, *settings, _number(value), *_pair(ci.get(key)),
                 _number(expected.get(key))]
            )
        for w in d.get("watchlists", []):
            for key, value in w.get("totals", {}).items():
                rows.append(
                    [
                        d["name"],
                        f"watchlists.{w['name']}.{key}",
                        *settings,
                        _number(value),
                        *_pair(w.get("ci95", {}).get(key)),
                        _number(w.get("expected", {}).get(key)),
                    ]
                )
    columns = ["deployment", "metric", *DEPLOYMENT_SETTINGS, "mean", "ci95_lo", "ci95_hi",
               "expected"]
    return pd.DataFrame(rows, columns=columns).set_index(["deployment", "metric"])


class CheckResult(Report):
    """What ``survsim.check`` returns: ``check --format json``'s report, read.

    Attributes:
        warnings: What the command line prints as ``survsim: warning:``.
    """

    warnings: List[str]

    def __init__(self, json_text: str, table: str, warnings: List[str]) -> None:
        super().__init__(json_text, table)
        self.warnings = warnings


class SweepResult(Report):
    """What ``survsim.sweep`` returns: its directory's ``results.json``, read.

    A mapping of ``results.json``'s keys; ``str(result)`` is the summary
    table the command line prints; ``result.to_pandas()`` is
    ``results-long.csv`` as a frame.

    Attributes:
        out: The sweep's directory (``results.csv``, ``results-long.csv``,
            ``charts/``, …): ``out=`` if given, else a temporary directory
            removed when this object is.
        notes: The command line's notes on standard error: the grid's
            (also issued as :class:`survsim.SurvsimWarning`), the timing,
            where the results are.
    """

    out: pathlib.Path
    notes: List[str]

    def __init__(self, out: pathlib.Path, summary: str, notes: List[str], keep: Any) -> None:
        super().__init__((out / "results.json").read_text(encoding="utf-8"), summary)
        self.out = out
        self.notes = notes
        self._keep = keep  # the temporary directory, alive as long as this

    def __repr__(self) -> str:
        return (
            f"<survsim.SweepResult {len(self.report['points']):,} points × "
            f"{self.report['replications']:,} replications in {self.out}>"
        )

    def to_pandas(self, which: str = "long") -> "pd.DataFrame":
        """A frame of the sweep's results. Needs pandas.

        Args:
            which: ``"long"`` (default): ``results-long.csv`` — ``point,
                replication, group, metric, value``, every replication's raw
                counts, as ``pd.read_csv`` reads the file. ``"points"``:
                ``results.csv``, one row per point (index ``point``), the
                varied keys then each headline metric's mean and intervals.
        """
        pd = _pandas()
        if which == "long":
            return pd.read_csv(self.out / "results-long.csv")
        if which == "points":
            return pd.read_csv(self.out / "results.csv").rename_axis("point")
        raise ValueError(f"which: expected 'long' or 'points', got {which!r}")


class ValidateResult(Report):
    """What ``survsim.validate`` returns: ``validate --format json``'s report, read.

    Attributes:
        all_expected_hold: Whether every check expected to hold did (the
            command line exits with status 1 when one does not).
    """

    all_expected_hold: bool

    def __init__(self, json_text: str, table: str, all_expected_hold: bool) -> None:
        super().__init__(json_text, table)
        self.all_expected_hold = all_expected_hold


class FitResult(Report):
    """What ``survsim.fit`` returns: ``fit --format json``'s report, read.

    Attributes:
        profile_text: The matcher profile the fit writes with ``out=``
            (``--out``), for ``[matcher] profile_file``.
    """

    profile_text: str

    def __init__(self, json_text: str, table: str, profile_text: str) -> None:
        super().__init__(json_text, table)
        self.profile_text = profile_text
