"""The exceptions and warnings the package raises."""

from __future__ import annotations

from typing import Optional

__all__ = ["ScenarioError", "SurvsimWarning"]


class ScenarioError(ValueError):
    """Bad input: a scenario, a ``set=`` override, a ``vary=`` grid or an argument.

    ``str(error)`` is the message the command line prints after
    ``survsim: error:`` (and exits with status 2), word for word: the file,
    line and column where known, the key, and what was expected::

        <scenario text>:8:7: key `population.groups[1].share`: expected a share in [0, 1], got 1.4

    Attributes:
        source: The file, ``<scenario text>``, ``<built-in default scenario>``
            or the argument (``reps``) the input came from; with ``set=``,
            followed by ``(with --set KEY=VALUE)``.
        key: The key at fault (``population.groups[1].share``), if any.
        line: The 1-based line of the value at fault, if known.
        column: The 1-based column, if known.
        reason: What is wrong and what was expected, alone.
    """

    source: Optional[str]
    key: Optional[str]
    line: Optional[int]
    column: Optional[int]
    reason: str

    def __init__(
        self,
        message: str,
        source: Optional[str] = None,
        key: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        reason: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.key = key
        self.line = line
        self.column = column
        self.reason = message if reason is None else reason

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Picklable (multiprocessing) with its attributes.
        return (
            type(self),
            (str(self), self.source, self.key, self.line, self.column, self.reason),
        )


class SurvsimWarning(UserWarning):
    """What the command line prints as ``survsim: warning:`` or ``survsim: note:``.

    A matcher extrapolated beyond its calibration (also in the report's
    ``warnings``), or a note on what a sweep's grid means. The call goes
    ahead.
    """


def argument_error(name: str, reason: str) -> ScenarioError:
    """A ``ScenarioError`` about the argument ``name`` of a call."""
    return ScenarioError(f"{name}: {reason}", source=name, reason=reason)
