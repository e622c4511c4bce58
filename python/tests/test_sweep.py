"""survsim.sweep against `survsim sweep`: the same files, the same frame."""

from __future__ import annotations

import gc
import pathlib

import pandas as pd
import pytest

import survsim
from survsim import _args

VARY = ["matcher.threshold=0.58:0.62:0.02", "watchlist.size,watchlist.wanted_present=1000,2;5000,10"]


def test_the_long_frame_is_the_binarys_results_long_csv(cli, tmp_path):
    cli("sweep", *sum((["--vary", v] for v in VARY), []), "--reps", "3", "--seed", "9",
        "--out", "cli", "-q")
    result = survsim.sweep(
        vary={
            "matcher.threshold": "0.58:0.62:0.02",
            "watchlist.size,watchlist.wanted_present": [(1000, 2), (5000, 10)],
        },
        reps=3,
        seed=9,
        progress=False,
    )
    expected = pd.read_csv(tmp_path / "cli" / "results-long.csv")
    frame = result.to_pandas()
    # Every replication of every point, each with the same figures.
    sizes = frame.groupby(["point", "replication"]).size()
    assert list(sizes.index) == [(p, r) for p in range(6) for r in range(3)]
    assert sizes.nunique() == 1
    pd.testing.assert_frame_equal(frame, expected)
    # And the rest of the directory: the results, point by point.
    for name in ["results.json", "results.csv", "results-long.csv"]:
        assert (result.out / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert result.json_text == (tmp_path / "cli" / "results.json").read_text()
    # The command that reproduces it is the command line's.
    assert result["command"] == (
        "survsim sweep --vary matcher.threshold=0.58:0.62:0.02 "
        "--vary 'watchlist.size,watchlist.wanted_present=1000,2;5000,10' --reps 3 --seed 9"
    )
    pd.testing.assert_frame_equal(
        result.to_pandas("points"),
        pd.read_csv(tmp_path / "cli" / "results.csv").rename_axis("point"),
    )


def test_a_sweeps_summary_and_notes_are_the_binarys(cli, tmp_path):
    done = cli("sweep", "--vary", "watchlist.size=1000,2000", "--reps", "2", "--out", "cli")
    with pytest.warns(survsim.SurvsimWarning, match="keeps watchlist.wanted_present fixed"):
        result = survsim.sweep(vary=["watchlist.size=1000,2000"], reps=2, out=tmp_path / "py")
    assert str(result) == done.stdout
    assert [f"survsim: note: {n}" for n in result.notes[:1]] == [
        line for line in done.stderr.splitlines() if line.startswith("survsim: note: ")
    ]
    # out= is kept, and a second call with it reuses its finished points.
    assert (tmp_path / "py" / "results-long.csv").is_file()
    with pytest.warns(survsim.SurvsimWarning):
        again = survsim.sweep(vary=["watchlist.size=1000,2000"], reps=2, out=tmp_path / "py",
                              progress=False)
    assert "2 already done" in again.notes[-2]
    assert again.json_text == result.json_text


def test_a_temporary_directory_goes_with_its_result():
    result = survsim.sweep(vary={"matcher.threshold": [0.6, 0.62]}, reps=1, progress=False)
    out = result.out
    assert (out / "results-long.csv").is_file()
    del result
    gc.collect()
    assert not out.exists()


def test_html_is_written_when_asked(tmp_path):
    result = survsim.sweep(vary={"matcher.threshold": [0.6]}, reps=1, out=tmp_path / "s",
                           html=True, progress=False)
    assert (result.out / "report.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "vary, expected",
    [
        ({"matcher.threshold": "0.55:0.70:0.01"}, ["matcher.threshold=0.55:0.70:0.01"]),
        ({"matcher.threshold": [0.6, 0.62]}, ["matcher.threshold=0.6,0.62"]),
        ({"watchlist.size": range(1000, 3001, 1000)}, ["watchlist.size=1000,2000,3000"]),
        ({"matcher.profile": ["neoface-v4", "neoface-early"]},
         ["matcher.profile=neoface-v4,neoface-early"]),
        ({"a,b": [(1, 2), (3, 4)]}, ["a,b=1,2;3,4"]),
        ({"x": [[1, 2], {"k": "v"}]}, ['x=[1, 2],{ k = "v" }']),
        (["a=1,2", "b=3"], ["a=1,2", "b=3"]),
        ("a=1,2", ["a=1,2"]),
    ],
)
def test_vary_is_written_as_the_command_lines(vary, expected):
    assert _args.varies(vary) == expected


@pytest.mark.parametrize(
    "value, text",
    [
        (True, "true"),
        (3, "3"),
        (0.1, "0.1"),
        (1e-9, "1e-09"),
        (float("inf"), "inf"),
        ("12h", "12h"),
        ([1, "a b"], '[1, "a b"]'),
        ({"dist": "exponential", "mean": "45s"}, '{ dist = "exponential", mean = "45s" }'),
        ({"odd key": 1}, '{ "odd key" = 1 }'),
    ],
)
def test_set_values_as_toml(value, text):
    assert _args.toml_value(value) == text


def test_a_path_is_a_scenario_file(tmp_path):
    assert _args.given(pathlib.Path("x")) == ("path", "x")
    assert _args.given("met-essex-2019") == ("path", "met-essex-2019")
    assert _args.given("[simulation]\nname = 'x'\n")[0] == "text"
    assert _args.given(None) == ("default", None)
