"""Checks of the arguments students pass, each failing with a CourseError in plain words.

Every function a notebook calls checks its arguments with these before it computes, so
that a typo, a wrong type or a value out of range gets a sentence saying what is allowed,
never a traceback from deep inside numpy or pandas. There is one check per kind of
argument, and numpy's scalars count like Python's (``np.int64(1992)`` is a whole number,
``np.float32(0.5)`` a number, ``np.bool_(True)`` a yes or no), since a student gets them
from any table.

Sizes have upper bounds that a class never needs to reach, so that no input can make a
cell run for minutes or fill the memory; each message says so.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sized
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Rational, Real
from typing import Any

import numpy as np

from utils.errors import CourseError

__all__ = ["cut", "exact", "figure", "instance", "is_number", "items", "listing", "mapping",
           "number", "one_of", "probability", "quota", "share", "shown", "size", "table",
           "text", "whole", "yes_no"]

#: The longest text any argument may be (a class CSV of 500 students fits many times over).
_MAX_TEXT = 200_000
#: Shown values are cut to this many characters, so that a message stays short.
_SHOWN = 60
#: A float share is read as the simplest fraction with a denominator up to this (2/3 as
#: two thirds, 0.1 * 3 as 3/10), never as the binary number a little off it.
_SHARE_DENOMINATOR = 10**6


def shown(value: object) -> str:
    """repr(value), cut short for a message."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**_SHOWN:
        return figure(value)  # its repr has too many digits to be worth making
    try:
        text = repr(value)
    except Exception:  # a broken object (its repr raises) is still named, by its type
        text = f"<a {type(value).__name__}>"
    return cut(text)


def cut(text: str, longest: int = _SHOWN) -> str:
    """Text cut short for a message: its start and its end, with … between."""
    if not isinstance(text, str):
        return shown(text)
    return text if len(text) <= longest else text[: longest - 5] + "…" + text[-4:]


def listing(words: Iterable[object], most: int = 10) -> str:
    """Words for a message, "a, b, c": each cut short, and at most `most` of them."""
    try:
        words = list(itertools.islice(words, most + 1))
    except Exception:  # not a list of words after all: named as a whole
        return shown(words)
    text = ", ".join(cut(word if isinstance(word, str) else shown(word), 40)
                     for word in words[:most])
    return text + (", …" if len(words) > most else "")


def figure(value: int) -> str:
    """A whole number for a message: in full up to 12 digits, then like 1e+100.

    From 2**1024 on a whole number has no float (formatting it as one raises
    OverflowError), so it is written through a Decimal; past some 30,000 digits even that
    takes seconds (the time grows with the square of the digits), and such a number is
    shown by its order of magnitude only.
    """
    if not isinstance(value, Integral):
        return shown(value)
    value = int(value)
    if abs(value) < 10**12:
        return str(value)
    try:
        return f"{value:.3g}"
    except OverflowError:
        if value.bit_length() <= 100_000:  # a few milliseconds
            return f"{Decimal(value):.3g}"
        power = math.floor((value.bit_length() - 1) * math.log10(2))
        return f"-1e+{power} or less" if value < 0 else f"1e+{power} or more"


def is_number(value: object) -> bool:
    """Whether value is a real number (Python or numpy), not a yes/no."""
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def number(name: str, value: object, low: float, high: float) -> float:
    """A finite number within [low, high] (-0.0 comes back as 0.0)."""
    if not is_number(value):
        raise CourseError(f"{name} must be a number, not {shown(value)}.")
    inside = (isinstance(value, Rational) or math.isfinite(value)) and low <= value <= high
    if not inside:
        raise CourseError(f"{name} must be between {low:g} and {high:g}; {shown(value)} is not.")
    return float(value) + 0.0


def whole(name: str, value: object, low: int, high: int, *, limit: str = "",
          hint: str = "", outside: str = "") -> int:
    """A whole number within [low, high]: an int, a numpy integer or a float such as 3.0.

    `limit` says why `high` is the upper bound (added to the message when it is exceeded);
    `hint` is added when the value is a number but not a whole one; `outside`, if given,
    is the whole message for a value out of range, with ``{value}`` standing for it.
    """
    if not is_number(value):
        raise CourseError(f"{name} must be a whole number, not {shown(value)}.")
    if not isinstance(value, Integral):
        fraction = exact(name, value)
        if fraction.denominator != 1:
            raise CourseError(f"{name} must be a whole number, not {shown(value)}.{hint}")
        value = fraction.numerator
    value = int(value)
    if not low <= value <= high:
        text = figure(value)
        if outside:
            raise CourseError(outside.format(value=text))
        raise CourseError(f"{name} must be from {low} to {high}; {text} is not."
                          + (f" {limit}" if limit and value > high else ""))
    return value


def exact(name: str, value: object) -> Fraction:
    """A finite real number, exactly; a float is read as the decimal it prints as."""
    if not is_number(value):
        raise CourseError(f"{name} must be a number, not {shown(value)}.")
    if isinstance(value, Integral):
        return Fraction(int(value))
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if math.isnan(value):
        raise CourseError(f"{name} is not a number (NaN); give a number.")
    if math.isinf(value):
        raise CourseError(f"{name} is infinite; give a finite number.")
    return Fraction(repr(float(value)))


def share(name: str, value: object, message: str = "") -> Fraction:
    """A share above 0 and at most 1, as an exact fraction.

    Rational values (ints, Fractions) are taken as they are; a float as the simplest
    fraction it stands for (denominator up to a million): 2/3 is two thirds, 0.55 is
    55/100 and 0.1 * 3 is 3/10, not the binary numbers just off them.
    `message` replaces the standard explanation when the value is not a share.
    """
    problem = message or f"{name} must be above 0 and at most 1; got {shown(value)}."
    if not is_number(value) or (not isinstance(value, Rational) and not math.isfinite(value)):
        raise CourseError(problem)
    fraction = exact(name, value)
    if not isinstance(value, Rational):
        fraction = fraction.limit_denominator(_SHARE_DENOMINATOR)
    if not 0 < fraction <= 1:
        raise CourseError(problem)
    return fraction


def quota(fraction: Fraction, total: int) -> int:
    """How much of `total` a share needs: the smallest whole number at or above
    fraction * total (at least 1). The one rounding of a quota in the course."""
    fraction = share("The share", fraction)
    return max(1, math.ceil(fraction * whole("The total", total, 0, 10**40)))


def probability(name: str, value: object) -> float:
    """A probability, as a number from 0 to 1."""
    return number(name, value, 0, 1)


def yes_no(name: str, value: object) -> bool:
    """True or False (numpy's too; 1 and 0 accepted). Text such as "False" is refused."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, Integral) and value in (0, 1)):
        return bool(value)
    raise CourseError(f"{name} must be True or False, not {shown(value)}.")


def one_of(name: str, value: object, options: Iterable[str]) -> str:
    """One of a fixed set of words (at most 10,000 of them)."""
    if isinstance(options, Mapping):  # its keys
        options = list(options)
    options = [option if isinstance(option, str) else shown(option)
               for option in items("The options", options, 10_000)]
    if not isinstance(value, str) or str.__str__(value) not in options:
        raise CourseError(f"{name} must be one of {listing(options)}; not {shown(value)}.")
    return str.__str__(value)  # plain text: a subclass's own == or hash never runs after this


def text(name: str, value: object, longest: int = _MAX_TEXT) -> str:
    """Some text, at most `longest` characters."""
    if not isinstance(value, str):
        raise CourseError(f"{name} must be text, not {shown(value)}.")
    value = str.__str__(value)  # plain text: a subclass's own == or hash never runs after this
    if len(value) > longest:
        raise CourseError(f"{name} is {len(value):,} characters long; at most {longest:,} "
                          "are allowed (far more than a class ever needs).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: half of a character, from a bad paste
        raise CourseError(f"{name} holds a broken character (half of an emoji or symbol, "
                          "from a copy and paste?): type it again.") from None
    return value


def mapping(name: str, value: object, largest: int = 1_000,
            example: str = "{'United States': 0.5}") -> Mapping[str, Any]:
    """A dictionary, e.g. {'United States': 0.5}, of at most `largest` entries."""
    if not isinstance(value, Mapping):
        raise CourseError(f"{name} must be a dictionary such as {example}, not {shown(value)}.")
    size(name, value, largest)
    return value


def items(name: str, values: object, largest: int,
          expected: str = "a list such as [1, 2, 3]") -> list[Any]:
    """The items of a list (any iterable but text), at most `largest` of them."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable) \
            or getattr(values, "ndim", 1) == 0:
        raise CourseError(f"{name} must be {expected}, not {shown(values)}.")
    try:
        listed = list(itertools.islice(values, largest + 1))
    except (TypeError, ValueError, RuntimeError):  # an iterable that breaks on the way
        raise CourseError(f"{name} must be {expected}, not {shown(values)}.") from None
    size(name, listed, largest)
    return listed


def size(name: str, value: Sized, largest: int) -> int:
    """The length of a collection, if it is at most `largest`."""
    try:
        length = len(value)
    except (TypeError, ValueError, RuntimeError):  # not a collection, or a broken one
        raise CourseError(f"{name} must be a list, not {shown(value)}.") from None
    if length > largest:
        raise CourseError(f"{name} has more than {largest:,} entries; at most {largest:,} "
                          "are allowed (more than a class ever needs, and few enough to keep "
                          "a cell fast).")
    return length


def table(name: str, value: object, columns: Iterable[str], made_by: str) -> Any:
    """A pandas table (made by `made_by`) that has the given columns."""
    import pandas as pd

    instance(name, value, pd.DataFrame, made_by)
    missing = [c for c in columns if c not in value.columns]
    if missing:
        raise CourseError(f"{name} has no column {shown(missing[0])}: give the table that "
                          f"{made_by} returns.")
    return value


def instance(name: str, value: object, kind: type, made_by: str) -> Any:
    """An object of the course's own kind, made by the function named in `made_by`."""
    if not isinstance(value, kind):
        raise CourseError(f"{name} must be what {made_by} returns, not {shown(value)}.")
    return value
