"""A student's hand-in: the course notebooks of a folder, with their checks, in one file.

:func:`write` packs the notebooks (``00-…ipynb`` to ``05-…ipynb``) of a folder into
``hand-in-<name>.zip``, with ``hand-in.json`` naming the student. :func:`collect` reads a
class's hand-ins (or bare notebooks) into one table, one row per exercise checked:
student, notebook, exercise, right or not, wrong tries (each brought a hint). A file it
cannot read is reported with the reason, never a traceback.

``python3 course.py collect <folder>`` runs :func:`main`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["CHECK_MIMETYPE", "EXERCISE_KEYS", "MAX_BYTES", "NOTEBOOK", "UPDATE_PREFIX",
           "as_csv", "collect", "main", "notebook_of", "read", "read_notebook",
           "saved_results", "summary", "write"]

#: The MIME type that carries a check's result in a notebook's outputs.
CHECK_MIMETYPE = "application/vnd.alliance-decisions.check+json"
#: The name of a course update's copy, put beside a notebook the student changed.
UPDATE_PREFIX = "course-update-"
#: The course notebooks a hand-in holds (a course update's copy too: a student may have
#: worked in it).
NOTEBOOK = re.compile(rf"^({UPDATE_PREFIX})?\d\d-[\w.-]+\.ipynb$", re.I)
_MANIFEST = "hand-in.json"
#: The most a manifest (a student's name and the course's) unpacks to before it is read.
_MAX_MANIFEST = 10_000
#: The course's exercises (utils.exercises.EXERCISES, which a test keeps equal): written
#: out, because importing the judges would cost `collect` seconds of pandas and charts.
EXERCISE_KEYS = frozenset({"00-1", "00-2", "00-3", "01-1", "01-2", "01-3", "01-4", "02-1",
                           "02-2", "02-3", "02-4", "03-1", "03-2", "03-3", "03-4", "04-1",
                           "04-2", "04-3", "04-4", "05-1", "05-2", "05-3", "05-4"})
_COLUMNS = ("student", "notebook", "exercise", "right", "wrong_tries", "words", "file")
#: A class's file larger than this is not a hand-in (the six notebooks are about 2 MB).
MAX_BYTES = 50_000_000


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-").lower()
    return slug[:60] or "student"


def _notebooks(folder: Path) -> list[Path]:
    """The course notebooks in a folder, in order."""
    return sorted(p for p in folder.glob("*.ipynb") if NOTEBOOK.match(p.name))


def _checks_in(notebook: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each check result stored in a notebook's outputs, in cell order."""
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            data = output.get("data", {}) if isinstance(output, dict) else {}
            record = data.get(CHECK_MIMETYPE) if isinstance(data, dict) else None
            if isinstance(record, dict) and isinstance(record.get("exercise"), str):
                yield record


def notebook_of(folder: Path, key: str) -> Path | None:
    """The course notebook of a folder that exercise `key` ("01-3") belongs to."""
    return next((p for p in _notebooks(folder) if p.name.startswith(key[:3])), None)


def read_notebook(path: Path) -> dict[str, Any] | None:
    """A saved notebook as JSON (None: missing or unreadable)."""
    try:
        notebook = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return notebook if isinstance(notebook, dict) else None


def saved_results(folder: Path) -> dict[str, bool]:
    """The result of the last saved check of each exercise, over the folder's notebooks."""
    results: dict[str, bool] = {}
    for path in _notebooks(folder):
        if not path.name.startswith(UPDATE_PREFIX):  # a course update's copy is not checked
            for record in _checks_in(read_notebook(path) or {}):
                results[record["exercise"]] = record.get("right") is True
    return results


def write(folder: Path, name: str) -> Path:
    """Pack the folder's course notebooks into hand-in-<name>.zip in that folder."""
    target = folder / f"hand-in-{_slug(name)}.zip"
    partial = target.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_MANIFEST, json.dumps({"student": name, "course": "Alliance Decisions"},
                                              ensure_ascii=False, indent=1))
        for path in _notebooks(folder):
            archive.write(path, path.name)
    partial.replace(target)
    return target


def summary(path: Path) -> str:
    """How many notebooks and checked exercises a hand-in holds, in words."""
    rows, _ = read(path)
    right = len({r["exercise"] for r in rows if r["right"] == "yes"})
    with zipfile.ZipFile(path) as archive:
        count = sum(1 for n in archive.namelist() if NOTEBOOK.match(n))
    return (f"{count} notebook{'s' * (count != 1)}, {right} exercise{'s' * (right != 1)} "
            "checked right")


def _rows(student: str, name: str, notebook: Any, file: str) -> list[dict[str, str]]:
    """One row per exercise checked in a notebook: its last check counts."""
    last: dict[str, dict[str, Any]] = {}
    for record in _checks_in(notebook):
        if record["exercise"] in EXERCISE_KEYS:  # a forged key is not an exercise
            last[record["exercise"]] = record
    return [{"student": student, "notebook": name, "exercise": key,
             "right": "yes" if record.get("right") is True else "no",
             "wrong_tries": str(max(0, min(record["wrong_tries"], 10_000))
                                if type(record.get("wrong_tries")) is int else 0),
             "words": "yes" if record.get("words") is True else "no", "file": file}
            for key, record in last.items()]


def read(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of one hand-in (a .zip, or one .ipynb), and what could not be read."""
    problems: list[str] = []
    try:
        if not path.is_file():  # a folder, a pipe or a device would never end or fail
            return [], [f"{path.name}: not a file"]
        if path.stat().st_size > MAX_BYTES:
            return [], [f"{path.name}: too large for a hand-in ({path.stat().st_size:,} bytes)"]
        if path.suffix.lower() == ".ipynb":
            notebook = json.loads(path.read_text("utf-8"))
            rows = _rows(path.stem, path.name, notebook, path.name)
            return rows, [] if rows else [f"{path.name}: no saved check in it"]
        rows: list[dict[str, str]] = []
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            student = path.stem.removeprefix("hand-in-")
            if _MANIFEST in names and archive.getinfo(_MANIFEST).file_size > _MAX_MANIFEST:
                problems.append(f"{path.name}: its {_MANIFEST} would unpack to "
                                f"{archive.getinfo(_MANIFEST).file_size:,} bytes, far more "
                                "than a name; the file name stands for the student")
            elif _MANIFEST in names:
                try:
                    manifest = json.loads(archive.read(_MANIFEST).decode("utf-8"))
                except (ValueError, UnicodeDecodeError, RecursionError):
                    manifest = None
                    problems.append(f"{path.name}: its {_MANIFEST} is unreadable; the file "
                                    "name stands for the student")
                if isinstance(manifest, dict) and isinstance(manifest.get("student"), str):
                    # line breaks and tabs would break the row in a spreadsheet
                    student = " ".join(manifest["student"].split())[:200] or student
            found = [n for n in names if NOTEBOOK.match(Path(n).name)]
            if not found:
                return [], [f"{path.name}: holds no course notebook"]
            # Sizes as the zip declares them, before anything is extracted (reading stops
            # at the declared size): a few MB can unpack to gigabytes.
            total = sum(archive.getinfo(n).file_size for n in found)
            if total > MAX_BYTES:
                return [], [f"{path.name}: its notebooks would unpack to {total:,} bytes, "
                            "far more than a hand-in's; not read"]
            by_name: dict[str, list[str]] = {}
            for member in found:
                by_name.setdefault(Path(member).name, []).append(member)
            twice = [members for members in by_name.values() if len(members) > 1]
            if twice:
                return [], [f"{path.name}: holds {Path(twice[0][0]).name} "
                            f"{len(twice[0])} times ({', '.join(twice[0][:3])}"
                            f"{', …' * (len(twice[0]) > 3)}); a hand-in holds each notebook "
                            "once, so which one counts is unclear. Not read: ask the student "
                            "to hand in again"]
            for member in found:
                if archive.getinfo(member).file_size > MAX_BYTES:
                    problems.append(f"{path.name}: {member} is too large")
                    continue
                try:
                    notebook = json.loads(archive.read(member).decode("utf-8"))
                except (ValueError, UnicodeDecodeError, RecursionError):
                    problems.append(f"{path.name}: {member} is not a readable notebook")
                    continue
                rows += _rows(student, Path(member).name, notebook, path.name)
        if not rows:
            problems.append(f"{path.name}: no saved check in any notebook (did the student "
                            "save after checking?)")
        return rows, problems
    except zipfile.BadZipFile:
        return [], [f"{path.name}: not a zip file (damaged, or not a hand-in)"]
    except (ValueError, UnicodeDecodeError, RecursionError):
        return [], [f"{path.name}: not a readable notebook"]
    except (OSError, RuntimeError) as error:  # RuntimeError: an encrypted zip member
        return [], [f"{path.name}: cannot be read ({error})"]
    except (zlib.error, EOFError, NotImplementedError):
        # damaged compressed data, a member cut short, a compression zipfile lacks
        return [], [f"{path.name}: damaged (its compressed data cannot be unpacked); ask "
                    "the student to hand in again"]


def _printable(text: str) -> str:
    """`text` with every control character written as its escape: names inside a hand-in
    are the sender's, and a terminal obeys the escapes it prints (erasing lines, setting
    the clipboard)."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def collect(paths: Iterable[Path]) -> tuple[list[dict[str, str]], list[str]]:
    """The rows of every hand-in given, and the problems with those that could not be read."""
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    for path in paths:
        more, issues = read(path)
        rows += more
        problems += issues
    rows.sort(key=lambda r: (r["student"].lower(), r["notebook"], r["exercise"]))
    files: dict[str, set[str]] = {}
    for row in rows:
        files.setdefault(row["student"], set()).add(row["file"])
    problems += [f"{student}: in {len(names)} files ({', '.join(sorted(names))}); each "
                 "file's rows are kept" for student, names in files.items() if len(names) > 1]
    return rows, problems


def _inert(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a name may start with '=')."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def as_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, _COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _inert(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def main(argv: list[str]) -> int:
    """`collect <folder> [--out FILE]`: a class's hand-ins as one CSV."""
    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: python3 course.py collect <folder> [--out results.csv]\n"
              "Reads every hand-in (.zip) and notebook (.ipynb) in the folder and writes one "
              "CSV: student, notebook, exercise, right, wrong_tries, words, file.")
        return 0 if argv else 2
    folder = Path(argv[0])
    out = folder / "class-results.csv"
    if "--out" in argv[1:]:
        at = argv.index("--out")
        if at + 1 >= len(argv):
            print("collect: --out needs a file name.", file=sys.stderr)
            return 2
        out = Path(argv[at + 1])
    if not folder.is_dir():
        print(f"collect: {folder} is not a folder.", file=sys.stderr)
        return 2
    # Learning platforms put each student's file in a folder of its own: look inside.
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and p.suffix.lower() in {".zip", ".ipynb"} and p.resolve() != out.resolve()
                   and ".ipynb_checkpoints" not in p.parts)
    if not files:
        print(f"collect: {folder} holds no hand-in (.zip) or notebook (.ipynb).",
              file=sys.stderr)
        return 1
    rows, problems = collect(files)
    try:
        out.write_text(as_csv(rows), "utf-8")
    except OSError as error:
        print(f"collect: cannot write {out}: {error.strerror or error}.", file=sys.stderr)
        return 1
    students = len({r["student"] for r in rows})
    print(f"Wrote {out}: {len(rows)} exercise results from {students} student(s), read "
          f"from {len({r['file'] for r in rows})} of {len(files)} file(s).")
    for problem in problems:
        print(f"  {_printable(problem)}")
    return 1 if problems and not rows else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
