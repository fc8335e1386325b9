"""The course's own error type, and how a notebook shows it to a student.

A `CourseError` says, in plain words, what was wrong with an input and what to do
instead. Code in `utils` raises it for every mistake a student can make; inside a
notebook it is shown as a short message, never as a traceback.
"""

from __future__ import annotations

from typing import Any


class CourseError(ValueError):
    """A mistake in the input, explained for a student (not a bug in the course)."""


def message_markdown(error: BaseException) -> str:
    """The Markdown a notebook shows for an error raised in course code."""
    return f"**Cannot do that:** {error}"


def install_ipython_handler() -> bool:
    """In IPython, show a CourseError as its message instead of a traceback.

    Returns True when a running IPython shell was found and the handler installed.
    """
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython is always installed with the course
        return False
    shell = get_ipython()
    if shell is None:
        return False

    def show_message(shell: Any, etype: type, value: BaseException, tb: Any,
                     tb_offset: int | None = None) -> list[str]:
        display(Markdown(message_markdown(value)))
        return []

    shell.set_custom_exc((CourseError,), show_message)
    return True
