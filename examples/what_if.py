"""A threshold and watchlist what-if from Python, as a notebook would do it.

    pip install ./python pandas matplotlib
    python examples/what_if.py [CHART.png]

Compares the default city's day with a stricter threshold and a four times
larger watchlist (the wanted people on it growing with it), as a table with
95 % intervals; then sweeps the threshold for two list sizes and charts
false alerts against wanted people found. The chart is written to CHART.png,
or to a temporary directory. The test suite runs this file
(python/tests/test_example.py).
"""

from __future__ import annotations

import pathlib
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import survsim  # noqa: E402

SEED = 2026
REPS = 40  # from 40 replications, one day's 95 % range (pi95) as well
COUNTS = ["false_alerts", "true_alerts", "wrongful_stops", "false_arrests"]


def what_if_table() -> pd.DataFrame:
    """Baseline against the what-if: each count's mean and 95 % interval."""
    baseline = survsim.run(reps=REPS, seed=SEED, progress=False)
    what_if = survsim.run(
        set={
            "matcher.threshold": 0.62,
            "watchlist.size": 20_000,
            "watchlist.wanted_present": 40,
        },
        reps=REPS,
        seed=SEED,  # the same seed: the same faces, replication by replication
        progress=False,
    )
    columns = {}
    for name, result in [("baseline", baseline), ("0.62, 20,000 entries", what_if)]:
        totals = result.to_pandas().totals.loc[COUNTS]
        columns[name] = [
            f"{row.mean:,.1f} [{row.ci95_lo:,.1f}, {row.ci95_hi:,.1f}]"
            for row in totals.itertuples()
        ]
    return pd.DataFrame(columns, index=pd.Index(COUNTS, name="per day, mean [95 % CI]"))


def threshold_sweep() -> pd.DataFrame:
    """False and true alerts per day by threshold, for two list sizes."""
    sweep = survsim.sweep(
        vary={
            "watchlist.size,watchlist.wanted_present": [(5_000, 10), (20_000, 40)],
            "matcher.threshold": "0.56:0.66:0.02",
        },
        reps=20,
        seed=SEED,
        progress=False,
    )
    long = sweep.to_pandas()  # results-long.csv: one figure a row
    points = sweep.to_pandas("points")[["watchlist.size", "matcher.threshold"]]
    per_day = (
        long[(long.group == "all") & long.metric.isin(["false_alerts", "true_alerts"])]
        .pivot_table(index="point", columns="metric", values="value", aggfunc="mean")
        .join(points)
    )
    return per_day


def chart(per_day: pd.DataFrame, path: pathlib.Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for size, line in per_day.groupby("watchlist.size"):
        line = line.sort_values("matcher.threshold")
        ax.plot(line.false_alerts, line.true_alerts, marker="o", label=f"{size:,} entries")
        for x, y, threshold in zip(line.false_alerts, line.true_alerts, line["matcher.threshold"]):
            ax.annotate(
                f"{threshold:.2f}",
                (x, y),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=7,
            )
    ax.set_xscale("log")
    ax.set_xlabel("False alerts per day (log scale)")
    ax.set_ylabel("True alerts per day")
    ax.set_title("Default city: the threshold's trade-off, by watchlist size")
    ax.legend(title="Watchlist")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    print(what_if_table().to_string())
    per_day = threshold_sweep()
    print()
    print(per_day.round({"false_alerts": 1, "true_alerts": 1}).to_string())
    if len(sys.argv) > 1:
        path = pathlib.Path(sys.argv[1])
    else:
        path = pathlib.Path(tempfile.mkdtemp(prefix="survsim-what-if-")) / "what_if.png"
    chart(per_day, path)
    print(f"\nchart: {path}")


if __name__ == "__main__":
    main()
