"""Dates as intergovernmental texts speak them, durations, and the working-day calendar.

Scheduling works on day numbers (``date.toordinal()``) and on *instants* between days: instant
``n`` is the start of day ``n`` (and the end of day ``n - 1``). A step that occupies days
``s .. e`` inclusive runs from instant ``s`` to instant ``e + 1``; this half-open form is what
makes the finish-to-start arithmetic exact.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_FUZZY = re.compile(
    r"^(?P<year>\d{4})(?:-(?:(?P<half>H[12])|(?P<quarter>Q[1-4])|W(?P<week>\d{2})|(?P<month>\d{2})"
    r"(?:-(?P<day>\d{2}))?))?$",
    re.IGNORECASE,
)
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
FIRST_INSTANT = FIRST_DAY.toordinal()
LAST_INSTANT = LAST_DAY.toordinal() + 1  # the end of the last day
MAX_AMOUNT = 100_000


class DateOutOfRange(ValueError):
    """A computed date left the years a roadmap may span (1900-2999); ``duration`` is the step or lag
    that moved it there, when one did."""

    def __init__(self, message: str, duration: "Duration | None" = None):
        super().__init__(message)
        self.duration = duration


def in_range(instant: int, what: "Duration | None" = None, origin: int | None = None) -> int:
    """``instant`` if it lies within 1900-01-01 .. 2999-12-31, else :class:`DateOutOfRange`."""
    if FIRST_INSTANT <= instant <= LAST_INSTANT:
        return instant
    edge = "before 1900-01-01" if instant < FIRST_INSTANT else "past 2999-12-31"
    how = ""
    if what is not None:
        how = f" ({what} from {date.fromordinal(origin).isoformat()})" if origin is not None and \
            FIRST_INSTANT <= origin <= LAST_INSTANT else f" ({what})"
    raise DateOutOfRange(f"its dates would run {edge}{how}", what)


_DURATION = re.compile(r"^\s*(?P<sign>[+-]?)\s*(?P<amount>\d+)\s*(?P<unit>bd|d|w|mo)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DateWindow:
    """A date as written: an exact day, or a window such as ``2023-H2`` or ``2024-Q4``.

    ``first`` and ``last`` are the first and last days of the window (equal for an exact day);
    ``text`` is what the file said, kept for display; ``moment`` is set for a timed event.
    """

    first: date
    last: date
    text: str
    moment: datetime | None = None

    @property
    def exact(self) -> bool:
        return self.first == self.last

    def __str__(self) -> str:
        return self.text


def parse_date_window(value: object) -> DateWindow:
    """Parse a day (``2024-04-15``), a timed moment (``2025-12-16T10:00``) or a fuzzy window.

    Windows: ``2025`` (a year), ``2023-H2`` (a half), ``2024-Q4`` (a quarter), ``2024-03`` (a
    month), ``2024-W10`` (an ISO week). Raises ``ValueError`` with a message fit for a user.
    """
    if isinstance(value, datetime):
        return DateWindow(value.date(), value.date(), value.isoformat(), value)
    if isinstance(value, date):
        return DateWindow(value, value, value.isoformat())
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a date such as 2024-04-15 or 2024-Q2, got {_describe(value)}")
    text = value.strip()
    if re.match(r"\d{4}-\d{1,2}-\d{1,2}[T ]", text):  # a day with a time ("15 Feb 2027" is no moment)
        return _parse_moment(text)
    match = _FUZZY.match(text)
    if not match:
        raise ValueError(
            f"'{text}' is not a date; write a day (2024-04-15), a month (2024-03), a quarter "
            "(2024-Q4), a half (2023-H2), an ISO week (2024-W10) or a year (2025)"
        )
    year = int(match["year"])
    _check_year(year, text)
    try:
        if match["half"]:
            h = int(match["half"][1])
            first, last = date(year, 6 * h - 5, 1), _month_end(year, 6 * h)
        elif match["quarter"]:
            q = int(match["quarter"][1])
            first, last = date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
        elif match["week"]:
            week = int(match["week"])
            first = date.fromisocalendar(year, week, 1)
            last = first + timedelta(days=6)
        elif match["day"]:
            first = last = date(year, int(match["month"]), int(match["day"]))
        elif match["month"]:
            month = int(match["month"])
            first, last = date(year, month, 1), _month_end(year, month)
        else:
            first, last = date(year, 1, 1), date(year, 12, 31)
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a real date ({exc})") from None
    return DateWindow(first, last, text.upper() if not match["day"] else text)


def _check_year(year: int, text: str) -> None:
    if year < FIRST_DAY.year or year > LAST_DAY.year:
        raise ValueError(f"year {year} in '{text}' is out of range ({FIRST_DAY.year}-{LAST_DAY.year})")


def _parse_moment(text: str) -> DateWindow:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date and time; write 2025-12-16T10:00 (the zone comes from "
            "'timezone') or 2025-12-16T10:00-05:00"
        ) from None
    _check_year(moment.year, text)  # a time of day is no way around the range of years
    return DateWindow(moment.date(), moment.date(), text, moment)


def parse_day(value: object) -> date:
    """Parse an exact day; fuzzy windows are refused (used for holidays and CLI options)."""
    window = parse_date_window(value)
    if not window.exact or window.moment is not None:
        raise ValueError(f"'{window.text}' is not a single day; write it as 2024-04-15")
    return window.first


def parse_iso_week(text: str) -> tuple[date, date]:
    """``2024-W10`` -> (Monday, Sunday) of that ISO week."""
    match = re.match(r"^(\d{4})-W(\d{2})$", text.strip(), re.IGNORECASE)
    if not match:
        raise ValueError(f"'{text}' is not an ISO week; write it as 2024-W10")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a real ISO week ({exc})") from None
    return monday, monday + timedelta(days=6)


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


@dataclass(frozen=True)
class Duration:
    """A length of work or a lag: ``amount`` of ``unit`` (``d``, ``bd``, ``w``, ``mo``).

    ``amount`` may be negative for lags (a lead). ``bd`` counts working days on the roadmap's
    calendar; ``mo`` counts calendar months.
    """

    amount: int
    unit: str = "d"

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def approx_days(self) -> float:
        """Calendar days this usually spans (a working week is 7 days, a month 30.44): for
        comparing and sampling lengths in different units, never for scheduling."""
        return self.amount * _APPROX_DAYS[self.unit]

    def __str__(self) -> str:
        return "0" if self.amount == 0 else f"{self.amount}{self.unit}"


ZERO = Duration(0, "d")
_APPROX_DAYS = {"d": 1.0, "w": 7.0, "bd": 7 / 5, "mo": 30.44}


def parse_duration(value: object, *, allow_negative: bool = False) -> Duration:
    """Parse ``0``, ``10d``, ``8bd``, ``6w`` or ``3mo`` (and ``-1w`` when ``allow_negative``)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 10d, 8bd, 6w or 3mo, got {value!r}")
    if isinstance(value, int):
        if value == 0:
            return ZERO
        raise ValueError(f"'{value}' has no unit; write {value}d (days), {value}bd (working days), "
                         f"{value}w (weeks) or {value}mo (months)")
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as 10d, 8bd, 6w or 3mo, got {_describe(value)}")
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a duration; write 0, 10d, 8bd, 6w or 3mo")
    amount = int(match["amount"])
    if amount > MAX_AMOUNT:
        raise ValueError(f"'{value.strip()}' is too long a duration (at most {MAX_AMOUNT} units)")
    if match["sign"] == "-":
        if not allow_negative:
            raise ValueError(f"'{value}' is negative; a duration must be 0 or more")
        amount = -amount
    return Duration(amount, match["unit"].lower())


class WorkCalendar:
    """Which days count as working days for ``bd`` durations and lags."""

    def __init__(self, workdays: tuple[int, ...] = (0, 1, 2, 3, 4), holidays: frozenset[int] = frozenset()):
        if not workdays:
            raise ValueError("a calendar needs at least one working day")
        self.workdays = frozenset(workdays)
        self.holidays = holidays  # day numbers

    def is_workday(self, day: int) -> bool:
        return (day - 1) % 7 in self.workdays and day not in self.holidays

    def next_workday(self, day: int) -> int:
        """The first working day on or after ``day``."""
        while not self.is_workday(day):
            day += 1
        return day

    def previous_workday(self, day: int) -> int:
        """The last working day on or before ``day``."""
        while not self.is_workday(day):
            day -= 1
        return day

    def finish(self, start: int, duration: Duration) -> tuple[int, int]:
        """Schedule ``duration`` from instant ``start``: the (start, exclusive end) instants.

        Working-day durations first move the start to a working day.
        """
        n = duration.amount
        if duration.unit == "bd":
            if n == 0:
                return start, start
            start = self.next_workday(start)
            day = start
            for _ in range(n - 1):
                day = self.next_workday(day + 1)
                if day > LAST_INSTANT:
                    break
            return start, in_range(day + 1, duration, start)
        return start, shift(start, duration, self)

    def begin(self, end: int, duration: Duration) -> int:
        """The latest start instant for work of ``duration`` that must end by instant ``end``."""
        n = duration.amount
        if duration.unit == "bd":
            if n == 0:
                return end
            day = self.previous_workday(end - 1)
            for _ in range(n - 1):
                day = self.previous_workday(day - 1)
                if day < FIRST_INSTANT:
                    break
            return in_range(day, duration, end)
        return unshift(end, duration, self)

    def latest_start_by(self, bound: int, duration: Duration) -> int:
        """The latest start instant at or before ``bound`` where work of ``duration`` really starts
        (working-day work starts on a working day)."""
        if duration.unit == "bd" and duration.amount > 0:
            return self.previous_workday(bound)
        return bound

    def earliest_start_to_end_by(self, end: int, duration: Duration) -> int:
        """The earliest start from which work of ``duration`` ends at instant ``end`` or later."""
        start = self.begin(end, duration)
        while self.finish(start, duration)[1] < end:  # months and working days are not exactly invertible
            start += 1
        while self.finish(start - 1, duration)[1] >= end:  # 28 to 31 January all end on 28 February
            start -= 1
        return start


def shift(instant: int, lag: Duration, calendar: WorkCalendar) -> int:
    """Move an instant by a lag (which may be negative).

    Raises :class:`DateOutOfRange` when the result leaves 1900-2999: every sum of durations and
    lags in a schedule goes through here or :meth:`WorkCalendar.finish` and :meth:`WorkCalendar.begin`.
    """
    n, unit = lag.amount, lag.unit
    if n == 0:
        return instant
    if unit == "d":
        return in_range(instant + n, lag, instant)
    if unit == "w":
        return in_range(instant + 7 * n, lag, instant)
    if unit == "mo":
        day = date.fromordinal(in_range(instant))
        month_index = day.year * 12 + day.month - 1 + n
        year, month = divmod(month_index, 12)
        month += 1
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            in_range(FIRST_INSTANT - 1 if year < FIRST_DAY.year else LAST_INSTANT + 1, lag, instant)
        last = _calendar.monthrange(year, month)[1]
        return in_range(date(year, month, min(day.day, last)).toordinal(), lag, instant)
    # working days: count n working days from the instant, in either direction
    cursor = instant
    remaining = abs(n)
    if n > 0:
        while remaining and cursor <= LAST_INSTANT:
            if calendar.is_workday(cursor):
                remaining -= 1
            cursor += 1
        return in_range(cursor, lag, instant)
    while remaining and cursor >= FIRST_INSTANT:
        cursor -= 1
        if calendar.is_workday(cursor):
            remaining -= 1
    return in_range(cursor, lag, instant)


def unshift(bound: int, lag: Duration, calendar: WorkCalendar) -> int:
    """The latest instant ``x`` with ``shift(x, lag) <= bound``: the inverse used by backward passes.

    Months and working days are not exactly invertible (31 January plus a month is 29 February,
    and so is 29 January), so the estimate is corrected by stepping.
    """
    if lag.amount == 0:
        return bound
    if lag.unit in ("d", "w"):
        return in_range(bound - (lag.amount * (7 if lag.unit == "w" else 1)), lag, bound)
    x = shift(bound, Duration(-lag.amount, lag.unit), calendar)
    while shift(x, lag, calendar) > bound:
        x -= 1
    while shift(x + 1, lag, calendar) <= bound:
        x += 1
    return x

