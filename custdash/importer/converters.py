"""One converter per kind of column: how a cell of the extract becomes a stored value.

Each converter has two forms side by side, so they cannot drift apart:
- `cell(text)`: one cell, checked; the Python value, or `Bad` saying exactly what is wrong;
- `column(cells)`: a batch's cells at once (C-level builtins do the per-cell work), straight
  into storage values (ISO text for dates and times, as SQLAlchemy writes them on SQLite).
  It raises `Bad` without a message whenever it doubts a cell: the batch is then read again
  cell by cell, which names the problem exactly (or accepts what the batch doubted). So the
  column form must be strict, never chatty.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class Bad(ValueError):
    """A cell that does not convert; the message says what was expected."""


# Dates an extract may hold: wider than any bank's history, narrow enough that a day's
# arithmetic (the day after, a month back) never leaves Python's calendar.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2099, 12, 31)
_RANGE = f"{DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"


def _in_range(d: date, v: str) -> None:
    if not DATE_MIN <= d <= DATE_MAX:
        raise Bad(f"date {v!r} is outside the supported range {_RANGE}")


class Converter:
    def cell(self, v: str) -> Any:
        raise NotImplementedError

    def column(self, cells: list[str]) -> list[Any]:
        raise NotImplementedError


# Never in a text cell: C0/C1 control characters (an ESC or BEL echoed to a terminal) and the
# characters that reorder text (bidi embeddings, overrides and isolates, the direction marks): a
# name with U+202E reverses the rest of its CSV line in a text viewer.
_UNSAFE_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _code_point(v: str, i: int) -> str:
    return f"U+{ord(v[i]):04X} at character {i + 1}"


@dataclass(frozen=True)
class Text(Converter):
    """Text, at most `max_length` characters (the model's column: checked here on every store, so
    PostgreSQL never meets a value too long for its column), with nothing that controls a
    terminal or reorders what follows."""

    max_length: int | None = None

    def cell(self, v: str) -> str:
        bad = _UNSAFE_TEXT.search(v)
        if bad:
            raise Bad(f"holds {_code_point(v, bad.start())}, a control or text-direction character")
        if self.max_length is not None and len(v) > self.max_length:
            raise Bad(f"{len(v)} characters, more than the {self.max_length} allowed")
        return v

    def column(self, cells: list[str]) -> list[Any]:
        if "" in cells:
            raise Bad
        if self.max_length is not None and cells and max(map(len, cells)) > self.max_length:
            raise Bad
        if _UNSAFE_TEXT.search(" ".join(cells)):
            raise Bad
        return cells


@dataclass(frozen=True)
class Id(Text):
    """An identifier: printable and without spaces, so no id can look like another
    (`C00000400` + U+200B, or a bidi override that shows another customer's id)."""

    def cell(self, v: str) -> str:
        super().cell(v)
        for i, ch in enumerate(v):
            if ch == " " or not ch.isprintable():
                raise Bad(f"an id may not hold spaces or invisible characters: {_code_point(v, i)}")
        return v

    def column(self, cells: list[str]) -> list[Any]:
        super().column(cells)
        if not all(map(str.isprintable, cells)) or any(" " in v for v in cells):
            raise Bad
        return cells


class Date(Converter):
    def cell(self, v: str) -> date:
        if len(v) != 10 or v[4] != "-" or v[7] != "-":
            raise Bad(f"expected a date YYYY-MM-DD, got {v!r}")
        try:
            d = date.fromisoformat(v)
        except ValueError:
            raise Bad(f"not a valid date: {v!r}") from None
        _in_range(d, v)
        return d

    def column(self, cells: list[str]) -> list[Any]:
        if set(map(len, cells)) != {10} or list(map(date.isoformat, map(date.fromisoformat, cells))) != cells:
            raise Bad
        if cells and (min(cells) < DATE_MIN.isoformat() or max(cells) > DATE_MAX.isoformat()):
            raise Bad
        return cells


class DateTime(Converter):
    def cell(self, v: str) -> datetime:
        if len(v) != 19 or v[4] != "-" or v[7] != "-" or v[10] not in "T " or v[13] != ":" or v[16] != ":":
            raise Bad(f"expected a time YYYY-MM-DDTHH:MM:SS, got {v!r}")
        try:
            d = datetime.fromisoformat(v)
        except ValueError:
            raise Bad(f"not a valid time: {v!r}") from None
        _in_range(d.date(), v)
        return d

    def column(self, cells: list[str]) -> list[Any]:
        if set(map(len, cells)) != {19}:
            raise Bad
        iso = [f"{v[:10]}T{v[11:]}" for v in cells]
        if {v[10] for v in cells} - {"T", " "} or list(
            map(datetime.isoformat, map(datetime.fromisoformat, iso))
        ) != iso:
            raise Bad
        DATE.column([v[:10] for v in cells])
        return [f"{v[:10]} {v[11:]}.000000" for v in cells]


class Month(Converter):
    def cell(self, v: str) -> str:
        if len(v) != 7 or v[4] != "-":
            raise Bad(f"expected a month YYYY-MM, got {v!r}")
        try:
            d = date.fromisoformat(v + "-01")
        except ValueError:
            raise Bad(f"not a valid month: {v!r}") from None
        _in_range(d, v)
        return v

    def column(self, cells: list[str]) -> list[Any]:
        if set(map(len, cells)) != {7}:
            raise Bad
        DATE.column([v + "-01" for v in cells])
        return cells


# ASCII digits only: Python's float() also takes "1_000", full-width "５２" and Arabic-Indic
# digits, which no bank system writes into an amount column on purpose.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


@dataclass(frozen=True)
class Number(Converter):
    """A finite decimal number; `above` excludes it and everything below, `at_least` everything below."""

    at_least: float | None = None
    above: float | None = None

    def cell(self, v: str) -> float:
        if not _NUMBER.fullmatch(v):
            if v.lower().lstrip("+-") in ("inf", "infinity", "nan"):
                raise Bad(f"expected a finite number, got {v!r}")
            raise Bad(f"expected a number (ASCII digits), got {v!r}")
        x = float(v)
        if not math.isfinite(x):
            raise Bad(f"expected a finite number, got {v!r}")
        if self.at_least is not None and x < self.at_least:
            raise Bad(
                f"must not be negative, got {v!r}" if self.at_least == 0 else f"must be >= {self.at_least}, got {v!r}"
            )
        if self.above is not None and x <= self.above:
            raise Bad(f"must be > {self.above:g}, got {v!r}")
        return x

    def column(self, cells: list[str]) -> list[Any]:
        if not all(map(str.isascii, cells)) or any("_" in v or "n" in v.lower() for v in cells):
            raise Bad  # the cell form names it (a non-ASCII digit, 1_000, nan, inf)
        xs = list(map(float, cells))
        if not all(map(math.isfinite, xs)):
            raise Bad
        if xs and self.at_least is not None and min(xs) < self.at_least:
            raise Bad
        if xs and self.above is not None and min(xs) <= self.above:
            raise Bad
        return xs


class Count(Converter):
    """A whole number >= 0, ASCII digits only ("²".isdigit() is True, int("²") fails)."""

    def cell(self, v: str) -> int:
        if not (v.isascii() and v.isdigit()):
            raise Bad(f"expected a whole number >= 0, got {v!r}")
        return int(v)

    def column(self, cells: list[str]) -> list[Any]:
        if not all(v.isascii() and v.isdigit() for v in cells):
            raise Bad
        return list(map(int, cells))


@dataclass(frozen=True)
class Enum(Converter):
    values: tuple[str, ...]

    def cell(self, v: str) -> str:
        if v not in self.values:
            raise Bad(f"unknown value {v!r}; expected one of {', '.join(self.values)}")
        return v

    def column(self, cells: list[str]) -> list[Any]:
        if not set(cells) <= set(self.values):
            raise Bad
        return cells


TEXT, DATE, DATETIME, MONTH, COUNT = Text(), Date(), DateTime(), Month(), Count()
NUMBER, NONNEG, POSITIVE = Number(), Number(at_least=0), Number(above=0)
