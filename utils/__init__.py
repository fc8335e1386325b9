"""Shared code of the Alliance Decisions course.

Notebooks import what they need, e.g. ``from utils import data, membership, widgets``.
Importing ``utils`` also sets up the course's charts (:func:`utils.charts.enable`) and,
inside a notebook, shows a :class:`~utils.errors.CourseError` as a short message rather
than a traceback.
"""

import sys

# Altair imports jsonschema, whose format checker builds some 35 parsers at import time when
# the optional package rfc3987_syntax is installed (jsonschema issue #1428): 2.8 s of every
# kernel's start. The course validates no IRI, so that optional import is declined here,
# before Altair loads. (rfc3987_syntax is in the environment for Jupyter's server, which
# runs in another process and keeps it.)
sys.modules.setdefault("rfc3987_syntax", None)

from utils import charts, display, errors  # noqa: E402
from utils.errors import CourseError  # noqa: E402

charts.enable()
display.setup()
errors.install_ipython_handler()

__all__ = ["CourseError"]
