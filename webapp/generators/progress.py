"""Honest, monotonic progress: each stage owns a slice of 0-100 and moves with work done."""

from __future__ import annotations

from webapp.generators.contract import ProgressFn

DONE = 100


class Tracker:
    """Wraps the engine's progress function so the percentage never goes back or passes 100."""

    def __init__(self, progress: ProgressFn) -> None:
        self._progress = progress
        self.percent = 0

    def report(self, percent: int, message: str) -> None:
        """Report `percent` (raised to the last value reported, capped at 100) and a message."""
        self.percent = max(self.percent, min(DONE, int(percent)))
        self._progress(self.percent, message)

    def stage(self, start: int, end: int, total: int) -> Stage:
        """A stage whose `total` units of work move the bar from `start` to `end`."""
        return Stage(self, start, end, total)

    def done(self, message: str = "Done") -> None:
        """Report 100 %: call once, when the file is in place."""
        self.report(DONE, message)


class Stage:
    """A slice of the progress bar filled in proportion to units of work done."""

    def __init__(self, tracker: Tracker, start: int, end: int, total: int) -> None:
        self.tracker = tracker
        self.start = start
        self.end = min(end, DONE - 1)  # 100 means the file is ready, never reached by a stage
        self.total = max(0, total)

    def percent_for(self, done: int) -> int:
        """The overall percentage once `done` of this stage's units are finished."""
        if self.total == 0:
            return self.end
        share = min(done, self.total) / self.total
        return self.start + int((self.end - self.start) * share)

    def advance(self, done: int, message: str) -> None:
        """Report that `done` units of this stage are finished."""
        self.tracker.report(self.percent_for(done), message)
