"""Feedback in the notebook: check an exercise, hand in your work.

``feedback.check("01-3")`` reads the variables exercise 3 of notebook 01 asks for from the
notebook's own namespace, judges them (:mod:`utils.exercises`) and shows *right* or a hint;
a second wrong try gets a more specific hint. When the exercise also asks for words, the
check then looks at the saved notebook: once the answer cell holds a few words, it shows a
short rubric to compare them with.

``feedback.hand_in("Your name")`` saves the course's notebooks of this folder, with their
answers and the checks' results, as one file to send to the teacher (see
:mod:`utils.handin`; ``python3 course.py collect`` reads a class's files).

Each check's output carries its result in :data:`_MIMETYPE` (no viewer displays it), so a
saved notebook records what was checked, and how.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from utils import checks, exercises, handin

__all__ = ["check", "hand_in"]

#: The MIME type of a check's result in the cell's output (read by hand-in and collect).
_MIMETYPE = handin.CHECK_MIMETYPE
#: Wrong tries per exercise in this kernel: the next hint depends on them.
_TRIES: dict[str, int] = {}
#: The exercises checked in this kernel, in order, with their results.
_CHECKED: dict[str, bool] = {}


def _shell() -> Any:
    from IPython import get_ipython

    return get_ipython()


def _show(markdown: str, record: dict[str, Any] | None = None) -> None:
    from IPython.display import display

    bundle: dict[str, Any] = {"text/markdown": markdown, "text/plain": markdown}
    if record is not None:
        bundle[_MIMETYPE] = record
    display(bundle, raw=True)


def _words(key: str) -> str:
    """What the student wrote in words, from the saved notebook that runs the check (the
    one JupyterLab names, else the one of this folder the key's number gives)."""
    shell = _shell()
    session = Path((shell.user_ns.get("__session__") if shell else None)
                   or os.environ.get("JPY_SESSION_NAME", "") or ".")
    path = session if session.name.startswith(key[:3]) and session.is_file() else \
        handin.notebook_of(Path.cwd(), key)
    notebook = handin.read_notebook(path) if path else None
    return exercises.written_words(notebook, key) if notebook else ""


def check(key: str) -> None:
    """Check exercise `key` ("01-3") and show right, or a hint for the mistake made."""
    spec = exercises.exercise(key)
    key = spec.key
    shell = _shell()
    values = shell.user_ns if shell is not None else {}
    try:
        verdict = exercises.judge(key, values, _TRIES.get(key, 0))
    except exercises.Missing as missing:
        _show(f"**Exercise {key}:** {missing}")
        return
    if not verdict.right and not verdict.slip:  # a slip (text for a number) costs no hint
        _TRIES[key] = _TRIES.get(key, 0) + 1
    _CHECKED[key] = verdict.right
    text = f"**Exercise {key}:** {verdict.message}"
    words = None
    if verdict.right and spec.words:
        words = _words(key)
        if words:
            text += ("\n\n**Your answer in words**: compare it with these points (a good "
                     "answer makes most of them, in its own words):\n\n"
                     + exercises.rubric(key))
        else:
            text += ("\n\n**Now the words:** write your answer in the cell marked *Your "
                     "answer here, in words* (a few sentences), save the notebook "
                     "(Ctrl+S), then run this check again: it shows points to compare your "
                     "answer with.")
    _show(text, {"exercise": key, "right": verdict.right, "wrong_tries": _TRIES.get(key, 0),
                 "words": bool(words)})


def hand_in(name: str = "") -> None:
    """Save this folder's course notebooks, with answers and checks, as one file to send."""
    name = checks.text("Your name", name, 200).strip()
    if not any(ch.isalnum() for ch in name) or name == "Your name":
        _show("**Hand in:** write your name between the quotes first, e.g. "
              "`feedback.hand_in(\"Ana Silva\")`, then run this cell again.")
        return
    here = Path.cwd()
    saved = handin.saved_results(here)
    unsaved = [key for key, right in _CHECKED.items() if saved.get(key) is not right]
    if unsaved:
        _show("**Save first:** your latest checks of "
              + ", ".join(f"exercise {k}" for k in unsaved)
              + " are not in the saved notebook yet. Press Ctrl+S, then run this cell again.")
        return
    made = handin.write(here, name)
    summary = handin.summary(made)
    text = (f"**Saved your work as `{made.name}`** ({summary}).\n\nSend this file to your "
            "teacher: in the file browser on the left, right-click it and choose "
            "**Download**, then attach it to an e-mail or upload it where your teacher "
            "asks.")
    _show(text)
