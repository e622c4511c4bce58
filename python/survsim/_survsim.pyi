"""Type stubs for the extension module: the library behind the package's verbs.

Call the package's functions (``survsim.run``, …), which check and prepare
these arguments; these are its private interface.
"""

from os import PathLike
from typing import Callable, Dict, List, Optional, Tuple

VERSION: str

Given = Tuple[str, Optional[str]]
ScenarioArgs = Tuple[Given, List[str], Optional[int], Optional[str], bool]
Progress = Optional[Callable[[int, int], object]]

class Replications:
    """Each replication's counts of a run, kept for its long results."""

    def long_csv(self) -> str:
        """``survsim run --format csv``'s text."""
    def __len__(self) -> int: ...

def run(
    scenario: ScenarioArgs,
    reps: int,
    rep: Optional[int],
    threads: Optional[int],
    timeout: Optional[float],
    progress: Progress,
) -> Tuple[str, str, List[str], Replications]: ...
def check(scenario: ScenarioArgs, sensitivity: bool) -> Tuple[str, str, List[str]]: ...
def sweep(
    scenario: ScenarioArgs,
    vary: List[str],
    reps: int,
    threads: Optional[int],
    out: "PathLike[str]",
    force: bool,
    html: bool,
    timeout: Optional[float],
    progress: Progress,
) -> Tuple[str, List[str], List[str]]: ...
def validate(threads: Optional[int], timeout: Optional[float]) -> Tuple[str, str, bool]: ...
def fit(
    records: Given,
    matcher: str,
    loo: bool,
    seed: int,
    chains: int,
    draws: int,
    keep: int,
    threads: Optional[int],
    out: Optional["PathLike[str]"],
    command: str,
    timeout: Optional[float],
) -> Tuple[str, str, str]: ...
def scenarios() -> Dict[str, str]: ...
def default_scenario() -> str: ...
