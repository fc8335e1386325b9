"""Checks of the arguments students pass, each failing with a CourseError in plain words.

Every function a notebook calls checks its arguments with these before it computes, so
that a typo, a wrong type or a value out of range gets a sentence saying what is allowed,
never a traceback from deep inside numpy or pandas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

from utils.errors import CourseError


def number(name: str, value: object, low: float, high: float) -> float:
    """A finite number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise CourseError(f"{name} must be a number, not {value!r}.")
    if not math.isfinite(value) or not low <= value <= high:
        raise CourseError(f"{name} must be between {low:g} and {high:g}; {value!r} is not.")
    return float(value)


def whole(name: str, value: object, low: int, high: int) -> int:
    """A whole number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise CourseError(f"{name} must be a whole number, not {value!r}.")
    if not low <= value <= high:
        raise CourseError(f"{name} must be from {low} to {high}; {value} is not.")
    return int(value)


def probability(name: str, value: object) -> float:
    """A probability, as a number from 0 to 1."""
    return number(name, value, 0, 1)


def yes_no(name: str, value: object) -> bool:
    """True or False (1 and 0 accepted too)."""
    if isinstance(value, bool) or (isinstance(value, Integral) and value in (0, 1)):
        return bool(value)
    raise CourseError(f"{name} must be True or False, not {value!r}.")


def one_of(name: str, value: object, options: Iterable[str]) -> str:
    """One of a fixed set of words."""
    options = list(options)
    if not isinstance(value, str) or value not in options:
        raise CourseError(f"{name} must be one of {', '.join(options)}; not {value!r}.")
    return value


def text(name: str, value: object) -> str:
    """Some text."""
    if not isinstance(value, str):
        raise CourseError(f"{name} must be text, not {value!r}.")
    return value


def mapping(name: str, value: object) -> Mapping[str, Any]:
    """A dictionary, e.g. {'United States': 0.5}."""
    if not isinstance(value, Mapping):
        raise CourseError(f"{name} must be a dictionary such as {{'United States': 0.5}}, "
                          f"not {value!r}.")
    return value


def instance(name: str, value: object, kind: type, made_by: str) -> Any:
    """An object of the course's own kind, made by the function named in `made_by`."""
    if not isinstance(value, kind):
        raise CourseError(f"{name} must be what {made_by} returns, not {value!r}.")
    return value
