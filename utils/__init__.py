"""Shared code of the Alliance Decisions course.

Importing ``utils`` or any of its modules changes nothing outside it: no library option, no
renderer, no handler. A notebook sets itself up in its first code cell, visibly::

    import utils

    utils.setup()
    from utils import data, membership, widgets
"""

import sys

from utils.errors import CourseError

__all__ = ["CourseError", "decline_iri_parsers", "setup"]


def setup() -> None:
    """Set this notebook up for the course: its charts, its tables and numbers, and short
    messages for mistakes.

    * charts: the course's theme and renderer in Altair (:func:`utils.charts.enable`);
    * tables and numbers shown whole and readable (:func:`utils.display.setup`);
    * a :class:`CourseError`, and the commonest slips in students' code, shown as one short
      message instead of a traceback (:func:`utils.errors.install_ipython_handler`).

    Outside IPython only the first two apply. Running it again changes nothing more. Call it
    before importing the course's modules, which load Altair: see
    :func:`decline_iri_parsers`.
    """
    decline_iri_parsers()
    from utils import charts, display, errors

    charts.enable()
    display.setup()
    errors.install_ipython_handler()


def decline_iri_parsers() -> None:
    """Spare this process the seconds jsonschema spends, when Altair imports it, building
    parsers for IRI formats that nothing in the course checks.

    jsonschema's format checker builds some 35 parsers at import time when the optional
    package rfc3987_syntax is installed (it is, for Jupyter's server, which runs in another
    process and keeps it): 1.2 s of CPU at every kernel's start (measured on 2026-12-07),
    more on a busy machine. This marks that package as absent in this process, so it only
    helps before Altair is first imported.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
