"""Shared code of the Alliance Decisions course.

Notebooks import what they need, e.g. ``from utils import data, membership, widgets``.
Importing ``utils`` also sets up the course's charts (:func:`utils.charts.enable`) and,
inside a notebook, shows a :class:`~utils.errors.CourseError` as a short message rather
than a traceback.
"""

from utils import charts, display, errors
from utils.errors import CourseError

charts.enable()
display.setup()
errors.install_ipython_handler()

__all__ = ["CourseError"]
