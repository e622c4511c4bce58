"""survsim.run against `survsim run`: the same bytes, the same rows."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest

import survsim


def test_run_json_is_the_binarys_byte_for_byte(cli):
    # A bundled scenario, an override, a seed and enough replications for
    # every interval (pi95 needs 40).
    args = ["met-essex-2019", "--set", "review.p_confirm_true=0.9", "--seed", "11"]
    expected = cli("run", *args, "--reps", "40", "--format", "json", "-q").stdout
    result = survsim.run(
        "met-essex-2019", set={"review.p_confirm_true": 0.9}, seed=11, reps=40, progress=False
    )
    assert result.json_text == expected
    assert result["scenario"]["replications"] == 40
    assert result["totals"] == result.report["totals"]
    # The table is the one `run` prints without --format.
    assert str(result) == cli("run", *args, "--reps", "40", "-q").stdout


def test_the_default_scenario_and_one_replication(cli):
    assert survsim.run(progress=False).json_text == cli("run", "--format", "json", "-q").stdout
    # --rep R: replication R alone, with its own draw of the uncertain inputs.
    one = survsim.run(rep=3, fixed_parameters=True, engine="faces", progress=False)
    assert one.json_text == cli(
        "run", "--rep", "3", "--fixed-parameters", "--engine", "faces", "--format", "json", "-q"
    ).stdout


def test_results_do_not_depend_on_threads():
    one = survsim.run(reps=4, threads=1, progress=False)
    two = survsim.run(reps=4, threads=2, progress=False)
    assert one.json_text == two.json_text


def test_long_rows_are_the_binarys_csv(cli):
    result = survsim.run("base-rate-100k", reps=3, seed=5, progress=False)
    assert result.long_csv == cli(
        "run", "base-rate-100k", "--reps", "3", "--seed", "5", "--format", "csv", "-q"
    ).stdout


def test_frames_hold_the_reports_figures():
    result = survsim.run(reps=40, seed=3, progress=False)
    frames = result.to_pandas()
    r = result.report
    totals = frames.totals
    assert list(totals.index) == list(r["totals"])
    for metric in ["false_alerts", "true_alerts", "faces_captured"]:
        assert totals.loc[metric, "mean"] == r["totals"][metric]
        assert [totals.loc[metric, "ci95_lo"], totals.loc[metric, "ci95_hi"]] == r["ci95"][metric]
        assert [totals.loc[metric, "pi95_lo"], totals.loc[metric, "pi95_hi"]] == r["pi95"][metric]
    assert totals.loc["false_alerts", "expected"] == r["expected"]["false_alerts"]
    assert math.isnan(totals.loc["stops", "expected"])
    # Each replication's counts (from the long rows) average to the totals.
    reps = frames.replications
    assert list(reps.index) == list(range(40))
    assert reps["false_alerts"].mean() == pytest.approx(r["totals"]["false_alerts"])
    assert frames.long.columns.tolist() == ["point", "replication", "group", "metric", "value"]
    # Groups: counts with intervals, rates, equity and disparities.
    groups = frames.groups
    first = r["groups"][0]
    assert groups.loc[(first["name"], "false_alerts"), "mean"] == first["false_alerts"]
    assert groups.loc[(first["name"], "false_alerts"), "ci95_hi"] == first["ci95"]["false_alerts"][1]
    assert groups.loc[(first["name"], "fpir"), "mean"] == first["fpir"]
    worst = r["equity"]["groups"][-1]
    ratio = worst["disparity_vs_reference"]["false_alerts_per_100k_captures"]
    row = groups.loc[(worst["name"], "disparity_vs_reference.false_alerts_per_100k_captures")]
    assert [row["mean"], row["ci95_lo"], row["ci95_hi"]] == [ratio["ratio"], *ratio["ci95"]]
    assert frames.deployments.empty
    ratios = frames.ratios
    assert ratios.loc["alert_precision", "value"] == r["ratios"]["alert_precision"]


def test_a_schedules_deployments_frame():
    result = survsim.run("met-2024-25-deployments", reps=2, progress=False)
    deployments = result.to_pandas().deployments
    first = result["deployments"][0]
    row = deployments.loc[(first["name"], "false_alerts")]
    assert row["mean"] == first["totals"]["false_alerts"]
    assert row["expected"] == first["expected"]["false_alerts"]
    assert row["threshold"] == first["threshold"]
    # Every deployment's counts add up to the run's.
    faces = deployments.xs("faces_captured", level="metric")["mean"].sum()
    assert faces == pytest.approx(result["totals"]["faces_captured"])


def test_an_unbounded_interval_is_infinite():
    # pi95 of faces per true alert has no upper bound when some replication
    # has no true alert: null in JSON, inf in the frame.
    result = survsim.run(reps=40, progress=False)
    assert result["ratios_pi95"]["faces_per_true_alert"][1] is None
    assert result.to_pandas().ratios.loc["faces_per_true_alert", "pi95_hi"] == math.inf


def test_scenario_text_and_paths(tmp_path):
    text = survsim.default_scenario()
    from_text = survsim.run(text, progress=False)
    assert from_text["scenario"]["source"] == "<scenario text>"
    path = tmp_path / "city.toml"
    path.write_text(text)
    from_path = survsim.run(path, progress=False)
    assert from_path["scenario"]["source"] == str(path)
    # The same scenario, whatever it is called.
    assert from_text["totals"] == from_path["totals"] == survsim.run(progress=False)["totals"]


def test_set_values_are_written_as_toml(cli):
    sets = {
        "simulation.duration": "12h",
        "review.review_time": {"dist": "exponential", "mean": "45s"},
        "watchlist.size": 20_000,
        "population.activity_spread.shape": 0.5,
    }
    args = [
        "--set", "simulation.duration=12h",
        "--set", 'review.review_time={ dist = "exponential", mean = "45s" }',
        "--set", "watchlist.size=20000",
        "--set", "population.activity_spread.shape=0.5",
    ]
    result = survsim.run(set=sets, engine="faces", progress=False)
    assert result.json_text == cli(
        "run", *args, "--engine", "faces", "--format", "json", "-q"
    ).stdout
    # The overrides as written, then --engine's.
    assert result["scenario"]["overrides"] == [a for a in args if a != "--set"] + [
        'simulation.engine="faces"'
    ]


def test_check_is_the_binarys(cli):
    result = survsim.check("london-borough-day", set=["matcher.threshold=0.62"])
    args = ["check", "london-borough-day", "--set", "matcher.threshold=0.62"]
    assert result.json_text == cli(*args, "--format", "json").stdout
    assert result.table == cli(*args).stdout


def test_warnings_are_the_binarys(cli):
    with pytest.warns(survsim.SurvsimWarning) as caught:
        result = survsim.check(set={"matcher.threshold": 0.7})
    stderr = cli("check", "--set", "matcher.threshold=0.7").stderr
    assert [f"survsim: warning: {w}" for w in result.warnings] == stderr.splitlines()
    assert [str(w.message) for w in caught] == result.warnings


def test_listing_and_default_are_the_binarys(cli):
    listed = cli("scenarios").stdout.splitlines()
    names = survsim.scenarios()
    assert [line.split()[0] for line in listed] == list(names)
    assert [" ".join(line.split()[1:]) for line in listed] == [
        " ".join(d.split()) for d in names.values()
    ]
    assert survsim.default_scenario() == cli("default").stdout


def test_long_rows_read_back_as_the_file_would(cli):
    result = survsim.run(reps=2, progress=False)
    frame = result.to_pandas().long
    pd.testing.assert_frame_equal(frame, pd.read_csv(io.StringIO(result.long_csv)))


def test_equity_shares_become_group_rows():
    # A report whose equity gives each group's share of the errors.
    import json

    from survsim._results import _groups_frame

    report = json.loads(survsim.run(reps=2, progress=False).json_text)
    shares = {"false_alerts": {"share": 0.25, "ci95": [0.2, 0.3], "pi95": None}}
    for group in report["equity"]["groups"]:
        group["shares"] = shares
    groups = _groups_frame(pd, report)
    row = groups.loc[(report["groups"][0]["name"], "shares.false_alerts")]
    assert [row["mean"], row["ci95_lo"], row["ci95_hi"]] == [0.25, 0.2, 0.3]
    assert math.isnan(row["pi95_lo"])


def test_check_sensitivity_is_the_binarys(cli):
    result = survsim.check(sensitivity=True)
    assert result.json_text == cli("check", "--sensitivity", "--format", "json").stdout
    assert result.table == cli("check", "--sensitivity").stdout
    assert "sensitivity" in result
    assert "sensitivity" not in survsim.check()
