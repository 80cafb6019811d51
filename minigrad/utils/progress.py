"""A progress bar for training loops: count, rate, ETA and running metrics.

Holds:
    Progress -- wrap an iterable (``for batch in Progress(loader, desc="epoch 1")``) or count by
                hand (``bar = Progress(total=100); bar.update(1, loss=0.3)``)

On a terminal the bar redraws one line in place (carriage return, at most 10 times a second).
Anywhere else -- a CI log, a file, a pipe -- it prints a plain new line at most every
``interval`` seconds and once at the end, so logs stay readable:

    epoch 1  450/1000  45% [#########...........]  131.2 it/s  0:03<0:04  loss 0.4123  acc 0.8710

Metrics passed to ``update``/``log`` are shown as running means over everything reported so
far (each value weighted by the ``n`` it came with), e.g. the epoch's mean loss so far.

>>> import io
>>> out = io.StringIO()
>>> bar = Progress(total=4, desc="train", file=out, interval=0)
>>> for step in range(4):
...     bar.update(1, loss=1.0 / (step + 1))
>>> bar.close()
>>> out.getvalue().splitlines()[-1].split("  ")[:3]
['train', '4/4', '100% [####################]']
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterable
from typing import IO

__all__ = ["Progress"]


def _clock() -> float:
    return time.monotonic()


def _duration(seconds: float) -> str:
    """0:07, 1:02:03 -- minutes:seconds, with hours when needed."""
    if not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


class Progress:
    """Progress of a loop: ``Progress(iterable=None, total=None, desc='', ...)``.

    Arguments:
        iterable  what to iterate over; ``total`` defaults to ``len(iterable)`` when it has one
        total     the number of steps, if known (for the percentage and the ETA)
        desc      a label in front of the line, e.g. ``"epoch 3"``
        file      where to write (default ``sys.stdout``)
        interval  seconds between plain lines when ``file`` is not a terminal (default 10;
                  0 prints at every update)
        width     characters of the bar itself
    """

    def __init__(self, iterable: Iterable | None = None, total: int | None = None,
                 desc: str = "", file: IO[str] | None = None, interval: float = 10.0,
                 width: int = 20):
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        if total is not None and total < 0:
            raise ValueError(f"Progress: total must be >= 0, got {total}")
        self.iterable = iterable
        self.total = total
        self.desc = desc
        self.file = file if file is not None else sys.stdout
        self.interval = float(interval)
        self.width = int(width)
        self.count = 0
        self.closed = False
        self._sums: dict[str, float] = {}
        self._weights: dict[str, float] = {}
        isatty = getattr(self.file, "isatty", None)
        self.is_terminal = bool(isatty()) if callable(isatty) else False
        self._start = _clock()
        self._last_print = -math.inf
        self._last_length = 0
        self._printed_state = None

    # -----------------------------------------------------------------------------------------
    # Counting and metrics
    # -----------------------------------------------------------------------------------------

    def __iter__(self):
        if self.iterable is None:
            raise TypeError("Progress: nothing to iterate over; pass an iterable, or call "
                            "update() yourself")
        try:
            for item in self.iterable:
                yield item
                self.update(1)
        finally:
            self.close()

    def __len__(self) -> int:
        if self.total is None:
            raise TypeError("Progress: the total is unknown")
        return self.total

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def log(self, n: float = 1, **metrics: float) -> None:
        """Add metric values (floats, or one-element Tensors) to the running means, each with
        weight ``n`` (e.g. the batch size), without advancing the count."""
        for name, value in metrics.items():
            value = float(value)
            self._sums[name] = self._sums.get(name, 0.0) + value * n
            self._weights[name] = self._weights.get(name, 0.0) + n

    def update(self, n: int = 1, **metrics: float) -> None:
        """Advance by ``n`` steps and add ``metrics`` to the running means, weighted by ``n``
        (by 1 when ``n`` is 0)."""
        if metrics:
            self.log(max(n, 1), **metrics)
        self.count += n
        now = _clock()
        wait = 0.1 if self.is_terminal else self.interval
        if now - self._last_print >= wait:
            self._print(now)

    @property
    def metrics(self) -> dict[str, float]:
        """The running mean of every metric reported so far."""
        return {name: self._sums[name] / self._weights[name] for name in self._sums
                if self._weights[name] > 0}

    def close(self) -> None:
        """Print the final line (always), and end the terminal line."""
        if self.closed:
            return
        self.closed = True
        if self._state() != self._printed_state:
            self._print(_clock())
        if self.is_terminal:
            self.file.write("\n")
            self.file.flush()

    def write(self, message: str) -> None:
        """Print a message on its own line without garbling the bar."""
        if self.is_terminal and self._last_length:
            self.file.write("\r" + " " * self._last_length + "\r")
        self.file.write(message + "\n")
        self.file.flush()
        self._last_print = -math.inf

    # -----------------------------------------------------------------------------------------
    # Drawing
    # -----------------------------------------------------------------------------------------

    def format_line(self, now: float | None = None) -> str:
        """The status line as it would be printed now."""
        elapsed = max((now if now is not None else _clock()) - self._start, 0.0)
        rate = self.count / elapsed if elapsed > 0 else math.nan
        parts = [self.desc] if self.desc else []
        if self.total:
            fraction = min(self.count / self.total, 1.0)
            filled = int(round(fraction * self.width))
            bar = "#" * filled + "." * (self.width - filled)
            parts.append(f"{self.count}/{self.total}")
            parts.append(f"{fraction * 100:.0f}% [{bar}]")
        else:
            parts.append(f"{self.count} it")
        parts.append(f"{rate:.1f} it/s" if math.isfinite(rate) else "? it/s")
        if self.total:
            remaining = (self.total - self.count) / rate if rate and rate > 0 else math.nan
            parts.append(f"{_duration(elapsed)}<{_duration(max(remaining, 0.0))}")
        else:
            parts.append(_duration(elapsed))
        for name, value in self.metrics.items():
            parts.append(f"{name} {value:.4g}")
        return "  ".join(parts)

    def _state(self) -> tuple:
        return self.count, tuple(self.metrics.items())

    def _print(self, now: float) -> None:
        line = self.format_line(now)
        if self.is_terminal:
            padding = " " * max(self._last_length - len(line), 0)
            self.file.write("\r" + line + padding)
        else:
            self.file.write(line + "\n")
        self.file.flush()
        self._last_length = len(line)
        self._last_print = now
        self._printed_state = self._state()

    def __repr__(self) -> str:
        return f"Progress({self.format_line()!r})"
