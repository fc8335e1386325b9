"""Build the course the ways students and instructors meet it, all offline.

    python3 course.py student   the student edition:  build/student/notebooks/*.ipynb
                  --branch      and as the next commit of the git branch `student` (for a
                                JupyterHub's nbgitpuller link: see the README)
    python3 course.py site      the static HTML site: build/site/index.html
    python3 course.py slides    reveal.js slide decks: build/slides/*.slides.html
    python3 course.py guide     the instructor guide:  docs/instructor-guide.md

(`python -m editions KIND` from the repository does the same; `workspace` makes or updates
the student's own copy, my-course/, as `course.py lab` does.)
"""

from __future__ import annotations

import shutil
import sys
import time

from editions.guide import build_guide
from editions.notebooks import BUILD, ROOT, EditionError, require_repository
from editions.site import build_site
from editions.slides import build_slides
from editions.student import (
    STUDENT_BRANCH,
    WORKSPACE,
    WORKSPACE_START,
    build_student,
    build_workspace,
    commit_student_edition,
)

BUILDERS = {"student": (build_student, BUILD / "student"),
            "workspace": (build_workspace, WORKSPACE), "site": (build_site, BUILD / "site"),
            "slides": (build_slides, BUILD / "slides"), "guide": (build_guide, ROOT / "docs")}
#: The editions that fill a folder of their own, and so are built beside it, then swapped in.
STAGED = ("student", "site", "slides")


def main(args: list[str]) -> int:
    """Build the edition `args` names; 0 when built, 1 on a notebook it cannot build from,
    2 on arguments it does not know."""
    try:
        require_repository()
    except EditionError as error:
        print(f"Cannot build an edition: {error}", file=sys.stderr)
        return 1
    if args == ["student", "--branch"]:
        try:
            build_student(BUILD / "student")
        except EditionError as error:
            print(f"Cannot build the student edition: {error}", file=sys.stderr)
            return 1
        commit = commit_student_edition()
        print(f"the student edition is branch {STUDENT_BRANCH} ({commit[:12]}): publish it "
              f"with `git push origin {STUDENT_BRANCH}`")
        return 0
    if len(args) != 1 or args[0] not in BUILDERS:
        print(__doc__)
        return 2
    builder, out = BUILDERS[args[0]]
    start = time.perf_counter()
    # An edition of its own folder is built beside it and takes its place once whole: a
    # build that stops half-way, for whatever reason, leaves the last one as it was.
    staged = out.with_name(out.name + ".building") if args[0] in STAGED else out
    try:
        files = builder(staged)
    except BaseException as error:
        if staged != out:
            shutil.rmtree(staged, ignore_errors=True)
        if isinstance(error, KeyboardInterrupt):  # the next run starts again
            print("Stopped.", file=sys.stderr)
            return 130
        if isinstance(error, EditionError):
            print(f"Cannot build the {args[0]} edition: {error}", file=sys.stderr)
            return 1
        raise
    if staged != out:
        shutil.rmtree(out, ignore_errors=True)
        staged.rename(out)
    if builder is build_workspace:  # JupyterLab opens it only if it has its first notebook
        return 0 if (out / WORKSPACE_START).is_file() else 1
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"wrote {len(files)} files to {out.relative_to(ROOT)} ({size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
