"""Diagnostics and the one error hierarchy of the library.

Validation never stops at the first problem: it collects :class:`Diagnostic` values, each with a
stable ``code``, so that front ends can print them all and tests can match them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a roadmap file.

    ``level`` is ``"error"`` (the file cannot be understood) or ``"warning"`` (the plan is
    understood but in trouble); ``code`` is a stable identifier such as ``dependency-cycle``;
    ``line`` is 1-based, or ``None`` when the problem has no single place; ``milestone`` is the
    id of the step the problem is about, when there is one (front ends read it from here, never
    from the message).
    """

    level: str
    code: str
    message: str
    file: str
    line: int | None = None
    hint: str | None = None
    milestone: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.level}[{self.code}]: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    def as_dict(self) -> dict:
        """The documented JSON shape of one diagnostic (``roadmap validate --format json``)."""
        return {"file": self.file, "line": self.line, "code": self.code, "severity": self.level,
                "message": self.message, "hint": self.hint, "milestone": self.milestone}


class RoadmapError(Exception):
    """Root of every error the library raises on bad input."""


class RoadmapInvalid(RoadmapError):
    """The roadmap file has errors; ``diagnostics`` lists all of them (warnings included)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.is_error]
        super().__init__(str(errors[0]) if errors else "invalid roadmap")


class RoadmapNotFound(RoadmapError):
    """No roadmap file was given and none was found in the usual places."""


class UnknownMilestone(RoadmapError):
    """A milestone id given by the user is not in the roadmap."""


class InvalidValue(RoadmapError):
    """A value given by the user (a date, a duration, a week) cannot be understood."""
