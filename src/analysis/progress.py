"""Progress of a long run: a tqdm bar on a terminal, one log line per step in a log file.

A bar redrawn many times a second is what a person at a terminal wants, and what floods a CI log
or `analysis analyze ... 2> run.log` with carriage returns; there each step writes one line when
it ends, with its seconds and how many steps are done. (None when it starts: bad input must stay a
one-line error.)
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

LOGGER = logging.getLogger("analysis")


def on_terminal() -> bool:
    """Whether standard error is a terminal (where a redrawn bar belongs)."""
    return sys.stderr.isatty()


class Steps:
    """The named steps of one long run (`desc`): a bar on a terminal, log lines elsewhere.

    `shown=False` (a notebook, a test) shows nothing; `seconds` keeps each step's wall time."""

    def __init__(self, desc: str, total: int, unit: str = "stage", shown: bool = True):
        self.desc = desc
        self.total = total
        self.seconds: dict[str, float] = {}
        self._logged = shown and not on_terminal()
        self._bar = tqdm(
            total=total,
            desc=desc,
            unit=unit,
            disable=not (shown and on_terminal()),
            file=sys.stderr,
        )

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the step `name`, shown as running while inside the block."""
        self._bar.set_postfix_str(name)
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self._bar.update()
        if self._logged:
            done = len(self.seconds)
            LOGGER.info(
                "%s: %s done in %.1f s (%d/%d)",
                self.desc,
                name,
                self.seconds[name],
                done,
                self.total,
            )

    def close(self) -> None:
        """End the bar (a step that raised leaves it where it stopped)."""
        self._bar.close()


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (a test's capture, a redirected stream), not the one
    that was current when the handler was made."""

    @property
    def stream(self):  # noqa: ANN201 - logging's own attribute
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # noqa: ANN001 - StreamHandler.__init__ assigns it
        pass


def log_to_stderr() -> None:
    """Send the package's progress lines to standard error, for the command line."""
    if not LOGGER.handlers:
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
