"""Progress: a tqdm bar where tqdm is installed, or the caller's callback."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional, Union

from ._errors import argument_error

ProgressLike = Union[bool, Callable[[int, int], object], None]
"""``None``: a tqdm bar if tqdm is installed; ``False``: none; ``True``: a
tqdm bar (tqdm required); a callable: called as ``progress(done, total)``."""

# A run shorter than this shows no bar at all.
BAR_DELAY_S = 0.5


@contextmanager
def reporter(
    progress: ProgressLike, what: str, unit: str, total: Optional[int] = None
) -> Iterator[Optional[Callable[[int, int], object]]]:
    """The callback the extension calls with ``(done, total)``, if any.

    ``total`` is what the bar shows until the extension says.
    """
    if progress is None or progress is False:
        bar_wanted = progress is None
        if not bar_wanted:
            yield None
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            yield None
            return
    elif progress is True:
        try:
            from tqdm.auto import tqdm
        except ImportError as e:
            raise ImportError(
                "progress=True shows a tqdm bar: install tqdm (pip install tqdm), "
                "or pass progress=None"
            ) from e
    elif callable(progress):
        yield progress
        return
    else:
        raise argument_error(
            "progress", f"expected None, True, False or a callable, got {progress!r}"
        )

    bar = tqdm(total=total, desc=f"survsim {what}", unit=unit, delay=BAR_DELAY_S, leave=False)

    def update(done: int, total: int) -> None:
        if total and bar.total != total:
            # Not refresh(): that would show the bar before its delay.
            bar.total = total
        if done > bar.n:
            bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()
