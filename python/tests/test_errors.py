"""Bad input raises survsim.ScenarioError with the command line's message."""

from __future__ import annotations

import pickle
import subprocess

import pytest

import survsim
from conftest import child

# The default scenario with its second group's share above 1.
BAD_SHARE = survsim.default_scenario().replace("share = 0.18", "share = 1.4")


def raised(call, *args, **kwargs) -> survsim.ScenarioError:
    with pytest.raises(survsim.ScenarioError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_files_error_is_the_binarys(cli, tmp_path):
    path = tmp_path / "city.toml"
    path.write_text(survsim.default_scenario().replace("size = 5_000", "size = -5"))
    error = raised(survsim.run, str(path), progress=False)
    assert str(error) == cli.error("run", str(path))
    assert error.source == str(path)
    assert error.key == "watchlist.size"
    assert (error.line, error.column) == (85, 8)
    assert str(error) == f"{path}:85:8: key `watchlist.size`: {error.reason}"
    # check and sweep read it alike.
    assert str(raised(survsim.check, path)) == str(error)
    assert str(raised(survsim.sweep, path, vary={"matcher.threshold": "0.6,0.62"})) == str(error)


def test_a_sets_error_is_the_binarys(cli):
    error = raised(survsim.run, set={"matcher.nope": 1}, progress=False)
    assert str(error) == cli.error("run", "--set", "matcher.nope=1")
    assert error.key == "matcher.nope"
    assert "(with --set matcher.nope=1)" in error.source
    error = raised(survsim.run, set={"population.residents": "abc"}, progress=False)
    assert str(error) == cli.error("run", "--set", "population.residents=abc")


def test_an_unknown_scenario_name_is_the_binarys(cli):
    error = raised(survsim.run, "met-essex-2091", progress=False)
    assert str(error) == cli.error("run", "met-essex-2091")
    assert "did you mean `met-essex-2019`" in str(error)


def test_a_grids_error_is_the_binarys(cli):
    error = raised(survsim.sweep, vary={"matcher.threshold": "0.6:0.5:0.01"})
    assert str(error) == cli.error(
        "sweep", "--vary", "matcher.threshold=0.6:0.5:0.01", "--out", "sw"
    )


def test_text_is_placed_by_line_and_column():
    error = raised(survsim.check, BAD_SHARE)
    assert error.source == "<scenario text>"
    assert error.key == "population.groups[1].share"
    assert (error.line, error.column) == (33, 9)
    assert str(error) == (
        "<scenario text>:33:9: key `population.groups[1].share`: "
        "expected a share in [0, 1], got 1.4"
    )


@pytest.mark.parametrize(
    "call, kwargs, name",
    [
        (survsim.run, {"reps": 0}, "reps"),
        (survsim.run, {"reps": 100_001}, "reps"),
        (survsim.run, {"reps": 2.5}, "reps"),
        (survsim.run, {"rep": 1, "reps": 3}, "rep"),
        (survsim.run, {"seed": -1}, "seed"),
        (survsim.run, {"engine": "fast"}, "engine"),
        (survsim.run, {"timeout": 0}, "timeout"),
        (survsim.run, {"progress": "yes"}, "progress"),
        (survsim.run, {"set": {"watchlist.size": object()}}, "set"),
        (survsim.run, {"scenario": 42}, "scenario"),
        (survsim.fit, {"chains": 1}, "chains"),
        (survsim.sweep, {"vary": {"watchlist.size,watchlist.wanted_present": [1, 2]}}, "vary"),
    ],
)
def test_bad_arguments_are_scenario_errors(call, kwargs, name):
    error = raised(call, **kwargs)
    assert error.source == name
    assert str(error).startswith(f"{name}: ")
    assert isinstance(error, ValueError)


def test_an_error_pickles_with_its_fields():
    error = raised(survsim.check, BAD_SHARE)
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.key, copy.line, copy.column, copy.reason) == (
        str(error),
        error.key,
        error.line,
        error.column,
        error.reason,
    )


def test_the_interpreter_lives_on_after_errors():
    # Many refusals, then a run: no crash, no state left behind.
    code = """
import survsim
for i in range(50):
    try:
        survsim.run(set={"matcher.nope": i}, progress=False)
    except survsim.ScenarioError:
        pass
print(survsim.run(progress=False)["scenario"]["name"])
"""
    done = subprocess.run(child(code), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "default-city\n"
