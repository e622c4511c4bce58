"""The other verbs against the binary; progress; stubs and docstrings."""

from __future__ import annotations

import ast
import inspect
import pathlib
import pydoc
import sys

import pytest

import survsim
from survsim import _survsim


def test_fit_is_the_binarys(cli, tmp_path):
    args = ["--draws", "200", "--chains", "2", "--seed", "7"]
    result = survsim.fit(draws=200, chains=2, seed=7, out=tmp_path / "profile.toml")
    assert result.json_text == cli("fit", *args, "--format", "json").stdout
    assert result.table == cli("fit", *args).stdout
    written = (tmp_path / "profile.toml").read_text()
    assert written == result.profile_text
    assert "# Written by `survsim.fit(matcher='neoface-v4', loo=False, seed=7" in written
    # The profile the CLI writes differs only in the command that wrote it.
    cli("fit", *args, "--out", "cli.toml")
    theirs = (tmp_path / "cli.toml").read_text().splitlines()
    ours = written.splitlines()
    assert [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b] == [1]
    assert len(ours) == len(theirs)


def test_fit_reads_records_as_text_and_refuses_bad_ones(cli, tmp_path):
    path = tmp_path / "records.toml"
    path.write_text("[[records]]\nkind = \"nonsense\"\n")
    with pytest.raises(survsim.ScenarioError) as caught:
        survsim.fit(path, draws=100, chains=2)
    assert str(caught.value) == cli.error("fit", str(path), "--draws", "100", "--chains", "2")
    with pytest.raises(survsim.ScenarioError) as caught:
        survsim.fit(path.read_text(), draws=100, chains=2)
    assert caught.value.source == "<records text>"


def test_validate():
    # The binary's own tests hold its figures; `validate --format json` and
    # this share their rendering (drive::validate::validation, json_text),
    # so running the binary again (seconds) would tell nothing more.
    result = survsim.validate()
    assert result.all_expected_hold
    assert list(result) == ["survsim", "checks", "record_fit"]
    assert result.table.count("\n") > 10


def test_progress_is_reported_to_the_end():
    seen = []
    survsim.run(reps=5, threads=1, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5, 5)
    assert all(total == 5 for _, total in seen)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})
    seen.clear()
    survsim.sweep(vary={"matcher.threshold": [0.6, 0.62]}, reps=3,
                  progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (6, 6)


def test_a_tqdm_bar_where_tqdm_is_installed(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    # Shown at once, not after half a second, so that this run shows one.
    monkeypatch.setattr("survsim._progress.BAR_DELAY_S", 0)
    survsim.run(reps=3, threads=1)
    bar = capsys.readouterr().err
    assert "survsim run: " in bar and "/3 [" in bar
    survsim.run(reps=3, progress=False)
    assert capsys.readouterr().err == ""


def test_without_tqdm_no_bar_unless_asked(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails
    assert survsim.run(reps=2)["scenario"]["replications"] == 2
    with pytest.raises(ImportError, match="pip install tqdm"):
        survsim.run(reps=2, progress=True)


def test_without_pandas_to_pandas_says_so(monkeypatch):
    result = survsim.run(progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        result.to_pandas()
    # The rest needs no pandas.
    assert result["scenario"]["name"] == "default-city"


def stubbed() -> dict:
    """The stub file's functions and their parameter names."""
    tree = ast.parse((pathlib.Path(survsim.__file__).parent / "_survsim.pyi").read_text())
    names = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names[node.name] = [a.arg for a in node.args.args]
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    names[f"{node.name}.{item.name}"] = [a.arg for a in item.args.args][1:]
    return names


def test_the_stubs_are_the_extensions():
    stubs = stubbed()
    native = {
        name: list(inspect.signature(obj).parameters)
        for name, obj in vars(_survsim).items()
        if callable(obj) and not isinstance(obj, type)
    }
    native["Replications.long_csv"] = list(
        inspect.signature(_survsim.Replications.long_csv).parameters
    )[1:]
    native["Replications.__len__"] = []
    assert stubs == native
    assert isinstance(_survsim.VERSION, str)


def test_every_public_name_is_documented():
    for name in survsim.__all__:
        obj = getattr(survsim, name)
        assert inspect.getdoc(obj), name
    # help() shows the arguments and what is raised.
    page = pydoc.render_doc(survsim.run)
    for word in ["Args:", "Returns:", "Raises:", "ScenarioError", "timeout"]:
        assert word in page, word
    assert survsim.__version__ == survsim.run(progress=False)["survsim"]
