"""Student edition, static site and slides: built offline, complete, and hiding answers.

What a student sees before acting is checked on the built files: no solution, reveal
answer or answer key is in the student edition; reveal cells survive there; the site's
charts carry their description as alt text; nothing on a page or slide loads from the
network. The browser tests (one headless Chromium for all of them, every request that
leaves the machine blocked) open the site and the decks from disk: charts draw live,
answers stay hidden until a prediction is written, and no slide is taller or wider than a
1280×720 projector. On every slide of every deck, as the projector shows it, no text (HTML
or a chart's SVG, after any shrinking) is under 16 px, no table cell cuts a word, and every
chart is drawn live across the slide.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest

import editions.build
import editions.guide
import editions.notebooks
import editions.outputs
import editions.site
import editions.slides
import editions.student
from tests.browser import ARTIFACTS, offline_page, require_chromium, screenshot

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record

NOTEBOOKS = editions.notebooks.course_notebooks()
CHART_TYPES = ("image/svg+xml", "image/png")
REVEAL_MIMETYPE = "application/vnd.alliance-decisions.reveal+json"
#: A resource a page would load from another machine (a link to a source is fine).
EXTERNAL_RESOURCE = re.compile(
    r"<(?:script|img|link|iframe|source|video|audio|embed)\b[^>]*\b(?:src|href)="
    r"[\"']?(?:https?:)?//|url\([\"']?(?:https?:)?//|@import\s+[\"']?(?:https?:)?//", re.I)


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.metadata.get("tags", [])


def text_of(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def solution_lines(notebook: nbformat.NotebookNode) -> list[str]:
    """The lines only solutions contain: code and comments of solution cells that no other
    cell has (an exercise may show the scaffold its solution completes)."""
    elsewhere = {line.strip() for cell in notebook.cells if "solution" not in tags(cell)
                 for line in cell.source.splitlines()}
    return [line.strip() for cell in notebook.cells if "solution" in tags(cell)
            for line in cell.source.splitlines()
            if len(line.strip()) > 12 and line.strip() not in elsewhere
            and not line.startswith(("# Solution to Exercise", 'print("Solution to'))]


def answer_strings(notebook: nbformat.NotebookNode) -> list[str]:
    """Phrases only an answer shows: the text lines of every reveal cell's stored answer
    and of every answer-key cell, that appear in no other cell's source or output."""
    def outputs_text(cell: nbformat.NotebookNode) -> str:
        return json.dumps(cell.get("outputs", []), ensure_ascii=False)

    elsewhere = "\n".join(cell.source + outputs_text(cell) for cell in notebook.cells
                          if "reveal" not in tags(cell) and "answer-key" not in tags(cell))
    found: list[str] = []
    for cell in notebook.cells:
        if "answer-key" in tags(cell):
            found += [line.strip() for line in cell.source.splitlines()]
        for out in cell.get("outputs", []) if "reveal" in tags(cell) else []:
            for bundle in out.get("data", {}).get(REVEAL_MIMETYPE, {}).get("answer", []):
                found += [" ".join(line.split()[1:]) for line in
                          text_of(bundle.get("text/plain", "")).splitlines()]
            if REVEAL_MIMETYPE not in out.get("data", {}):
                found += [" ".join(line.split()[1:]) for line in
                          text_of(out.get("data", {}).get("text/plain", "")).splitlines()]
    return [s for s in found if len(s) > 20 and "…" not in s and "..." not in s
            and s not in elsewhere]


def chart_count(notebook: nbformat.NotebookNode) -> int:
    return sum(1 for cell in notebook.cells for out in cell.get("outputs", [])
               if any(t in out.get("data", {}) for t in CHART_TYPES))


def first_line(text: str) -> str:
    """The first non-empty line, as JupyterLab shows it for a collapsed cell."""
    return next((line for line in text.splitlines() if line.strip()), "")


def lab_output_preview(cell: nbformat.NotebookNode) -> str:
    """What JupyterLab 4 shows for a cell's collapsed outputs: the first non-empty line
    of the first output (its HTML, SVG, Markdown or plain text, in that order)."""
    if not cell.get("outputs"):
        return ""
    out = cell.outputs[0]
    data = out.get("data", {"text/plain": out.get("text", "")})
    for kind in ("text/html", "image/svg+xml", "text/markdown", "text/plain"):
        if kind in data:
            return first_line(text_of(data[kind]))
    return ""


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    editions.student.build_student(out)
    return out / "notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_answer_is_in_the_student_edition(student: Path, path: Path) -> None:
    original = nbformat.read(path, as_version=4)
    text = (student / path.name).read_text(encoding="utf-8")
    edition = nbformat.reads(text, as_version=4)
    raw = json.dumps(json.loads(text), ensure_ascii=False)
    leaked = [s for s in solution_lines(original) + answer_strings(original)
              if json.dumps(s, ensure_ascii=False)[1:-1] in raw]
    assert not leaked, leaked[:3]
    assert REVEAL_MIMETYPE not in text
    assert not any("solution" in tags(c) or "answer-key" in tags(c) for c in edition.cells)
    exercises = next(i for i, c in enumerate(edition.cells)
                     if c.cell_type == "markdown" and c.source.startswith("## Exercises"))
    discussion = next(i for i, c in enumerate(edition.cells)
                      if c.cell_type == "markdown" and c.source.startswith("## Discussion"))
    for cell in edition.cells[exercises:discussion]:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_the_student_edition_hides_real_answers() -> None:
    """Hand-picked answers that were on screen before: 05's real outcomes (cell 24), the
    verdicts of 03's four claims, 04's labels, and 00's Exercise 2 result."""
    notebooks = {p.name[:2]: nbformat.read(p, as_version=4) for p in NOTEBOOKS}
    checks = {"05": ["No formal relationship was set up", "NATO's list of summits"],
              "03": ["NATO itself had 16 members from Spain"],
              "04": ["bilateral_exercise"], "00": ["(9, 6)"]}
    for number, phrases in checks.items():
        text = json.dumps(editions.student.student_edition(notebooks[number]), ensure_ascii=False)
        instructor = json.dumps(notebooks[number], ensure_ascii=False)
        for phrase in phrases:
            assert phrase in instructor, (number, phrase)
            assert phrase not in text, (number, phrase)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_reveal_cells_and_answer_cells_in_the_student_edition(student: Path,
                                                             path: Path) -> None:
    original = nbformat.read(path, as_version=4)
    edition = nbformat.read(student / path.name, as_version=4)
    by_id = {c.id: c for c in edition.cells}
    for cell in original.cells:
        if "reveal" in tags(cell):
            assert cell.id in by_id, f"reveal cell {cell.id} was dropped"
            assert by_id[cell.id].source == cell.source
            assert by_id[cell.id].cell_type == cell.cell_type
        if "solution" in tags(cell):
            answer = by_id[cell.id]
            in_words_only = cell.metadata.get("exercise_answer") == "words"
            assert answer.cell_type == ("markdown" if in_words_only else cell.cell_type)
            assert "answer" in tags(answer)
            assert answer.metadata["exercise"] == cell.metadata["exercise"]
            if cell.cell_type == "code" and editions.student.asks_for_words(cell) \
                    and not in_words_only:
                words = edition.cells[edition.cells.index(answer) + 1]
                assert words.cell_type == "markdown" and "answer" in tags(words)
            check = next(c for c in edition.cells[edition.cells.index(answer):]
                         if c.cell_type == "code" and "check" in tags(c))
            assert check.source == f'feedback.check("{cell.metadata["exercise"]}")'
            assert check.outputs == []
    assert len({c.id for c in edition.cells}) == len(edition.cells)
    nbformat.validate(edition)


def test_the_reveal_cells_the_issue_names_are_tagged() -> None:
    expected = {"03": {"72264bf2"}, "04": {"1efae0a6"},
                "05": {"a25765e3", "4806e2b8", "e8188e5a"}}
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        found = {c.id for c in notebook.cells if "reveal" in tags(c)}
        assert expected.get(path.name[:2], set()) <= found, path.name
        edition = editions.student.student_edition(notebook)
        for cell in notebook.cells:
            if "reveal" not in tags(cell) or cell.cell_type != "code":
                continue
            if "after_prediction(" in cell.source:  # a prediction box: the answer is stored
                assert any(REVEAL_MIMETYPE in o.get("data", {})  # where no viewer shows it
                           for o in cell.outputs), f"{path.name} {cell.id} shows its answer"
            else:  # a plain reveal cell: nothing of it before the student runs it
                same = next(c for c in edition.cells if c.id == cell.id)
                assert same.outputs == [], f"{path.name} {cell.id}: output in the edition"


def test_exercise_2_of_00_is_answered_in_its_cell_and_in_a_box_for_words() -> None:
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    edition = editions.student.student_edition(notebook)
    words = next(c for c in edition.cells if c.id == "057ed899")
    assert words.cell_type == "markdown" and words.source == editions.student.ANSWER_WORDS
    before = edition.cells[edition.cells.index(words) - 1]  # the cell the student changes
    assert before.source.startswith(
        "counts = len(membership.csto_members(2001)), len(membership.csto_members(2011))")
    check = edition.cells[edition.cells.index(words) + 1]
    assert check.source == 'feedback.check("00-2")'


def synthetic() -> nbformat.NotebookNode:
    """A small notebook with each kind of tagged cell."""
    cells = [nbformat.v4.new_markdown_cell("# T\n\n**Question:** q"),
             nbformat.v4.new_markdown_cell("## Exercises\n\n**Exercise 1 (read).** Why?"),
             nbformat.v4.new_markdown_cell("Because the treaty says so.",
                                           metadata={"tags": ["solution"]}),
             nbformat.v4.new_markdown_cell("**Answer key.** Question 2: 31 allies.",
                                           metadata={"tags": ["answer-key"]}),
             nbformat.v4.new_markdown_cell("## Discussion")]
    for index, cell in enumerate(cells):
        cell.id = f"cell-{index}"
    return nbformat.v4.new_notebook(cells=cells)


def test_prose_solutions_get_markdown_answers_and_answer_keys_are_dropped() -> None:
    edition = editions.student.student_edition(synthetic())
    kinds = [(c.id, c.cell_type, c.source) for c in edition.cells]
    assert ("cell-2", "markdown", editions.student.ANSWER_TEXT) in kinds
    assert "cell-3" not in {c.id for c in edition.cells}
    assert "31 allies" not in json.dumps(edition)
    site = editions.site.site_notebook(synthetic())
    assert "31 allies" not in json.dumps(site)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_collapsed_solutions_show_nothing_of_the_answer(path: Path) -> None:
    """In the instructor edition a solution is collapsed (input and output), and what
    JupyterLab shows in place of each (the first line) names the exercise, nothing more."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if "solution" not in tags(cell):
            continue
        hidden = cell.metadata.get("jupyter", {})
        assert hidden.get("source_hidden") is True, cell.id
        assert re.fullmatch(r"# Solution to Exercise \d+: expand to see it \(try the "
                            r"exercise first\)\.", first_line(cell.source)), cell.id
        if cell.cell_type == "code":
            assert hidden.get("outputs_hidden") is True and cell.metadata.get("collapsed")
            assert re.fullmatch(r"(Solution to Exercise \d+:)?", lab_output_preview(cell)), (
                cell.id, lab_output_preview(cell))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_scaffolds_that_must_be_filled_in_are_marked(student: Path, path: Path) -> None:
    # (That the student edition runs top to bottom is proven by one of the runs in
    # tests/test_portable_outputs.py, which runs it as on another machine.)
    edition = nbformat.read(student / path.name, as_version=4)
    blanks = [c for c in edition.cells if "raises-exception" in tags(c) and "answer" in tags(c)]
    assert all(editions.student.BLANK in c.source for c in blanks)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_has_slide_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in notebook.cells]
    assert None not in types and types[0] == "slide"
    assert types.count("slide") >= 5


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    editions.site.build_site(out)
    return out


def test_the_site_has_a_course_map_linking_every_page(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f'href="{path.stem}.html"' in index
        assert (site / f"{path.stem}.html").exists()


class Images(HTMLParser):
    """The alt text of every <img> of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.alts.append(dict(attrs).get("alt"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_site_images_carry_the_chart_description_as_alt_text(site: Path, path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    expected = [" ".join(line.strip() for line in text_of(o.data.get("text/plain", ""))
                         .splitlines() if line.strip())
                for c in notebook.cells if "answer-key" not in tags(c)
                and not ("reveal" in tags(c) and "after_prediction(" in c.source)
                for o in c.get("outputs", []) if any(t in o.get("data", {}) for t in CHART_TYPES)]
    parser = Images()
    parser.feed((site / f"{path.stem}.html").read_text(encoding="utf-8"))
    assert parser.alts == expected
    assert all(alt and alt.startswith("Chart: ") and len(alt) > 30 for alt in expected)


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    editions.slides.build_slides(out)
    return out


def test_nothing_on_the_site_or_the_slides_loads_from_the_network(site: Path,
                                                                  slides: Path) -> None:
    pages = [*site.glob("*.html"), *slides.glob("*.html")]
    assert len(pages) == 2 * len(NOTEBOOKS) + 1
    for page in pages:
        text = page.read_text(encoding="utf-8")
        match = EXTERNAL_RESOURCE.search(text)
        assert not match, f"{page.name}: {text[match.start():match.start() + 120]}"
    assert sorted(p.name for p in (site / "vendor").glob("*.js")) == sorted(
        editions.site.VEGA_FILES)


def test_the_external_resource_check_can_fail() -> None:
    for html in ('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>',
                 '<link rel="stylesheet" href="//fonts.example.org/a.css">',
                 '<img src="http://example.org/x.png">', "<style>@import 'https://x/y.css'"):
        assert EXTERNAL_RESOURCE.search(html), html
    assert not EXTERNAL_RESOURCE.search('<a href="https://www.nato.int/">NATO</a>')


def test_slides_have_no_widget_code_and_no_answers(slides: Path) -> None:
    for path in NOTEBOOKS:
        text = (slides / f"{path.stem}.slides.html").read_text(encoding="utf-8")
        assert "widgets.show(" not in text and "reveal.after_prediction(" not in text
        assert "Solution to Exercise" not in text and "# Solution" not in text
        assert "Interactive controls:" not in text
        assert "feedback.check(" not in text and "feedback.hand_in(" not in text


def test_no_rubric_or_verdict_on_the_site_or_the_slides(site: Path, slides: Path) -> None:
    """The checks' stored verdicts judge the solutions, and the rubrics are the answers in
    words: neither may reach a page or a slide."""
    rubric_lines = {line for rubric in editions.guide.rubrics().values()
                    for line in rubric.splitlines() if len(line) > 20}
    assert rubric_lines
    for page in [*site.glob("*.html"), *slides.glob("*.html")]:
        text = unescape(page.read_text(encoding="utf-8"))
        assert "Your answer in words" not in text and "**Exercise 0" not in text, page.name
        assert not [line for line in rubric_lines if line in text], page.name


def test_every_link_between_site_pages_resolves(site: Path) -> None:
    for page in site.glob("*.html"):
        for target in re.findall(r'href="([\w-]+\.html)"', page.read_text(encoding="utf-8")):
            assert (site / target).exists(), f"{page.name} links to missing {target}"


def test_the_instructor_guide_is_generated_from_the_notebooks() -> None:
    guide = (editions.notebooks.ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    assert guide == editions.guide.instructor_guide(), "run `python3 course.py guide`"
    for path in NOTEBOOKS:
        assert f"`notebooks/{path.name}`" in guide


def test_the_guide_collects_plans_and_answer_keys() -> None:
    notebook = synthetic()
    notebook.cells.insert(3, nbformat.v4.new_markdown_cell(
        "### Plan for the class\n\n0–10 min: the question.",
        metadata={"tags": ["answer-key", "plan"]}))
    notebook.cells.insert(4, nbformat.v4.new_markdown_cell(
        "**Answer key.** The plan NATO adopted in 1999", metadata={"tags": ["answer-key"]}))
    plans, keys = editions.guide.answer_keys(notebook)
    assert plans == ["### Plan for the class\n\n0–10 min: the question."]
    assert keys == ["**Answer key.** The plan NATO adopted in 1999",
                    "**Answer key.** Question 2: 31 allies."]
    assert editions.guide.exercise_solutions(notebook) == [("Exercise 1 (read)", 1)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_says_its_question_time_and_objectives_in_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    about = editions.notebooks.info(notebook, path.name)
    assert about["title"] and about["question"] and about["time"]
    assert notebook.metadata["course"]["objectives"].strip()


def test_a_build_stops_naming_the_notebook_without_its_metadata(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    path = tmp_path / "07-new.ipynb"
    nbformat.write(synthetic(), path)
    monkeypatch.setattr(editions.site, "course_notebooks", lambda: [path])
    monkeypatch.setitem(editions.build.BUILDERS, "site",
                        (editions.site.build_site, tmp_path / "site"))
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("the last site")
    assert editions.build.main(["site"]) == 1
    assert [p.name for p in (tmp_path / "site").iterdir()] == ["index.html"]  # kept whole
    assert capsys.readouterr().err == (
        "Cannot build the site edition: 07-new.ipynb: metadata.course.question, "
        "metadata.course.time missing (the notebook's metadata says what question it asks "
        "and how long it takes; its first cell opens with its title)\n")


def test_an_edition_names_the_notebook_whose_metadata_is_missing() -> None:
    notebook = synthetic()
    with pytest.raises(editions.notebooks.EditionError,
                       match=r"^07-new\.ipynb: metadata\.course\.question, "
                             r"metadata\.course\.time missing"):
        editions.notebooks.info(notebook, "07-new.ipynb")
    notebook.metadata["course"] = {"question": "Why?", "time": "75 min"}
    assert editions.notebooks.info(notebook, "07-new.ipynb") == {
        "title": "T", "question": "Why?", "time": "75 min"}


def mistyped(tmp_path: Path, change: Any) -> Path:
    """A folder holding notebook 00 with one change made to it."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    change(notebook)
    nbformat.write(notebook, folder / NOTEBOOKS[0].name)
    return folder


def first_solution(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if editions.notebooks.is_solution(c))


@pytest.mark.parametrize("kind", ["student", "site", "slides", "guide"])
@pytest.mark.parametrize(("change", "said"), [
    # A mistyped solution tag would publish the solution to students.
    (lambda nb: first_solution(nb).metadata.update(tags=["Solution"]),
     "00-start-here.ipynb, cell {n}: the tag 'Solution' is not one the editions know"),
    (lambda nb: first_solution(nb).metadata.update(tags="solution"),
     "00-start-here.ipynb: not a notebook the editions can read"),
    (lambda nb: nb.metadata.pop("course"),
     "00-start-here.ipynb: metadata.course.question, metadata.course.time missing"),
    (lambda nb: nb.update(cells=[]), "00-start-here.ipynb: a first heading missing"),
    (lambda nb: first_solution(nb).metadata.update(tags=["plan"]),
     "00-start-here.ipynb, cell {n}: a class plan is tagged 'answer-key' too"),
], ids=["mistyped-tag", "tags-not-a-list", "no-metadata", "no-cells", "plan-alone"])
def test_every_edition_refuses_a_notebook_it_cannot_build_right(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        kind: str, change: Any, said: str) -> None:
    folder = mistyped(tmp_path, change)
    monkeypatch.setattr(editions.notebooks, "NOTEBOOKS", folder)
    monkeypatch.setattr(editions.guide, "RUBRICS", tmp_path / "_rubrics.py")  # not utils/'s
    builder, _ = editions.build.BUILDERS[kind]
    monkeypatch.setitem(editions.build.BUILDERS, kind, (builder, tmp_path / "out"))
    assert editions.build.main([kind]) == 1
    cells = nbformat.read(NOTEBOOKS[0], as_version=4).cells
    number = 1 + cells.index(first_solution(nbformat.read(NOTEBOOKS[0], as_version=4)))
    error = capsys.readouterr().err
    assert error.startswith(f"Cannot build the {kind} edition: " + said.format(n=number))
    assert "Traceback" not in error and len(error.splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing of the last build removed, nothing new


def test_a_build_that_stops_half_way_leaves_the_last_edition(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def breaks(out: Path) -> list[Path]:
        out.mkdir(parents=True)
        (out / "index.html").write_text("half a site")
        raise AttributeError("a bug while rendering")

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("the last site")
    monkeypatch.setitem(editions.build.BUILDERS, "site", (breaks, tmp_path / "site"))
    with pytest.raises(AttributeError):
        editions.build.main(["site"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (tmp_path / "site" / "index.html").read_text() == "the last site"


def test_student_branch_names_the_notebook_it_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    monkeypatch.setattr(editions.notebooks, "NOTEBOOKS", mistyped(
        tmp_path, lambda nb: first_solution(nb).metadata.update(tags=["Solution"])))
    monkeypatch.setattr(editions.build, "BUILD", tmp_path / "build")
    monkeypatch.setattr(editions.build, "commit_student_edition",
                        lambda: pytest.fail("it committed a refused edition"))
    assert editions.build.main(["student", "--branch"]) == 1
    assert capsys.readouterr().err.startswith(
        "Cannot build the student edition: 00-start-here.ipynb, cell ")


def test_each_page_and_deck_is_titled_by_its_notebook(tmp_path: Path) -> None:
    notebook = editions.notebooks.read(NOTEBOOKS[1])
    heading = editions.notebooks.title(notebook)
    assert heading == "How NATO decides: consensus and the silence procedure"
    page = editions.site.site_page(notebook, "")
    deck = editions.slides.export_slides(notebook, "", "")
    assert f"<title>{heading}</title>" in page
    assert f"<title>{heading} slides</title>" in deck


# --- in the browser ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Any:
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright, offline_page(playwright) as pair:
        yield pair


COUNT_CHARTS = """() => ({
  live: [...document.querySelectorAll('figure.course-chart .course-chart-live svg')]
        .filter(s => s.querySelectorAll('g.role-mark > *').length > 0).length,
  images: [...document.querySelectorAll('figure.course-chart img')]
          .filter(i => i.complete && i.naturalWidth > 100).length,
})"""

VISIBLE_TEXT = "() => document.body.innerText"


@pytest.mark.browser
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_site_page_draws_its_charts_live_and_hides_answers(site: Path, browser: Any,
                                                                 path: Path) -> None:
    page, blocked = browser
    notebook = nbformat.read(path, as_version=4)
    shown_cells = [c for c in notebook.cells if "answer-key" not in tags(c)
                   and "solution" not in tags(c)]
    # A chart under a "Before you run it" waits for a prediction, like a reveal cell's.
    expected = sum(1 for i, c in enumerate(shown_cells) if "reveal" not in tags(c)
                   and not editions.notebooks.asks_to_predict(shown_cells[i - 1:i])
                   for o in c.get("outputs", []) if any(t in o.get("data", {})
                                                        for t in CHART_TYPES))
    page.goto((site / f"{path.stem}.html").as_uri())
    page.wait_for_function(f"() => ({COUNT_CHARTS})().live >= {expected}", timeout=30_000)
    shown = page.evaluate(COUNT_CHARTS)
    assert shown["live"] == shown["images"] == expected > 0, shown
    assert page.locator("nav.course-nav a", has_text="Course map").count() == 1
    visible = page.evaluate(VISIBLE_TEXT)
    leaked = [s for s in solution_lines(notebook) + answer_strings(notebook) if s in visible]
    assert not leaked, leaked[:3]
    screenshot(page, f"site-{path.stem}")
    assert not blocked, blocked[:3]


@pytest.mark.browser
def test_a_site_answer_shows_only_after_a_prediction(site: Path, browser: Any) -> None:
    page, blocked = browser
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto((site / "05-scenarios-and-forecasts.html").as_uri())
    box = page.locator(".course-reveal", has_text="Which of the ten questions")
    box.scroll_into_view_if_needed()
    assert "No formal relationship was set up" not in page.evaluate(VISIBLE_TEXT)
    screenshot(page, "predict-then-see-1-before")
    box.locator("button").click()
    assert "Not yet" in box.inner_text()
    assert "No formal relationship was set up" not in page.evaluate(VISIBLE_TEXT)
    box.locator("textarea").fill("Finland or Sweden joined; no NATO–CSTO ties.")
    box.locator("button").click()
    box.locator(".course-reveal-shown").wait_for()
    assert "No formal relationship was set up" in box.inner_text()
    assert box.locator("textarea").is_disabled()
    box.locator(".course-reveal-shown").scroll_into_view_if_needed()
    screenshot(page, "predict-then-see-2-after")
    page.set_viewport_size({"width": 1280, "height": 1600})
    assert not blocked, blocked[:3]


#: What one slide shows, measured in Chromium as a 1280×720 projector shows it: its size,
#: the scale the deck shrank it by, whether it is a vertical sub-slide; the smallest text on
#: it as drawn (every visible text node, HTML or a chart's SVG, its computed font size times
#: every scaling above it: the slide's shrinking, reveal.js's, a drawing's viewBox); every
#: word of a table cell drawn across two lines; and its charts (drawn live or not, width).
MEASURE_SLIDE = """(s) => {
  const FOLDED = 'details:not([open]) > :not(summary)';
  const revealScale = window.Reveal && Reveal.getScale ? Reveal.getScale() : 1;
  const scale = parseFloat(s.dataset.fitScale || '1') * revealScale;
  const frame = s.closest('.slides').getBoundingClientRect();
  let bottom = frame.top, right = frame.left;
  for (const e of s.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    // (what a drawing holds shows only inside it: a map's shapes are cut at its edges;
    // what a closed <details> holds shows not at all, though the browser lays it out)
    if (r.width === 0 && r.height === 0 || e.parentElement.closest('svg')
        || e.closest(FOLDED)) { continue; }
    bottom = Math.max(bottom, r.bottom); right = Math.max(right, r.right);
  }
  let least = Infinity, smallest = '';
  const walker = document.createTreeWalker(s, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, e = node.parentElement;
    if (!node.textContent.trim() || !e || e.closest('script, style, template, title')
        || e.closest(FOLDED)) {
      continue;
    }
    const style = getComputedStyle(e);
    if (!e.getClientRects().length || style.visibility === 'hidden' || style.opacity === '0') {
      continue;
    }
    let size = parseFloat(style.fontSize);
    const svg = e.closest('svg');
    if (svg) {  // the drawing's own scale, and everything above it, as drawn
      const box = svg.viewBox.baseVal;
      const width = box && box.width ? box.width : svg.width.baseVal.value;
      size *= svg.getBoundingClientRect().width / width;
    } else {
      size *= scale;
    }
    if (size < least) { least = size; smallest = node.textContent.trim().slice(0, 50); }
  }
  const broken = [];
  for (const cell of s.querySelectorAll('td, th')) {
    const cells = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (cells.nextNode()) {
      const text = cells.currentNode;
      // A run of letters and digits has no place a line may break (a space, a hyphen, a
      // slash, a question mark may end a line; so may a <wbr>, which starts a new text
      // node): drawn across two lines, it was cut inside a word ("Fals|e", "19|67").
      const words = /[\\p{L}\\p{N}]+/gu;
      let match;
      while ((match = words.exec(text.data)) !== null) {
        const range = document.createRange();
        range.setStart(text, match.index);
        range.setEnd(text, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
                              .map(r => Math.round(r.top)));
        if (lines.size > 1) { broken.push(cell.textContent.trim().slice(0, 40)); break; }
      }
    }
  }
  const charts = [...s.querySelectorAll('figure.course-chart')].map(f => {
    const svg = f.querySelector('.course-chart-live svg');
    return {live: !!svg && !!svg.querySelector('.role-mark'),
            width: Math.round(svg ? svg.getBoundingClientRect().width : 0),
            image: !!f.querySelector('img:not([hidden])')};
  });
  return {vertical: window.Reveal ? Reveal.getIndices(s).v || 0 : 0,
          height: Math.round(bottom - frame.top), width: Math.round(right - frame.left),
          scale, least: Math.round(least * 10) / 10, smallest, broken, charts,
          text: s.innerText.slice(0, 60)};
}"""

#: Every slide of a deck in turn, measured by MEASURE_SLIDE once reveal.js shows it.
MEASURE_DECK = f"""() => {{
  const measure = {MEASURE_SLIDE};
  return Reveal.getSlides().map((s, index) => {{
    const at = Reveal.getIndices(s);
    Reveal.slide(at.h, at.v);
    return {{index, ...measure(s)}};
  }});
}}"""

#: Slides worth a screenshot besides the charts and the one with the smallest text.
SLIDES_TO_SEE = {"02": ("Counting it ourselves",), "03": ("The answer (1 of",),
                 "05": ("The answer (2 of 7)",)}


@pytest.fixture(scope="module")
def slide_measures(slides: Path, browser: Any) -> dict[str, list[dict[str, Any]]]:
    """Every slide of every deck, measured at 1280×720 (one pass; screenshots of the
    charts, of the slide with the smallest text and of SLIDES_TO_SEE on the way)."""
    page, blocked = browser
    page.set_viewport_size({"width": 1280, "height": 720})
    for old in ARTIFACTS.glob("slides-*.png"):  # (a slide's number changes as decks change)
        old.unlink()
    measures = {}
    try:
        for path in NOTEBOOKS:
            page.goto((slides / f"{path.stem}.slides.html").as_uri())
            page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=60_000)
            measured = page.evaluate(MEASURE_DECK)
            measures[path.stem] = measured
            least = min(measured, key=lambda m: m["least"])
            names = SLIDES_TO_SEE.get(path.name[:2], ())
            for m in measured:
                if m is least or m["charts"] or any(m["text"].startswith(n) for n in names):
                    page.evaluate(f"() => Reveal.slide({m['index']})")
                    screenshot(page, f"slides-{path.stem}-{m['index']:02d}")
    finally:
        page.set_viewport_size({"width": 1280, "height": 1600})
    assert not blocked, blocked[:3]
    return measures


@pytest.mark.browser
def test_no_slide_overflows_a_1280x720_projector(
        slide_measures: dict[str, list[dict[str, Any]]]) -> None:
    problems = [(deck, m["index"], m["height"], m["width"], m["text"])
                for deck, measured in slide_measures.items() for m in measured
                if m["height"] > 720 or m["width"] > 1280 or m["vertical"]]
    assert all(len(measured) >= 8 for measured in slide_measures.values())
    assert not problems, problems[:5]
    assert list(ARTIFACTS.glob("slides-*.png"))


@pytest.mark.browser
def test_no_text_on_a_slide_is_smaller_than_the_back_row_reads(
        slide_measures: dict[str, list[dict[str, Any]]]) -> None:
    """Every visible text on every slide (tables, code, chart labels, legends and titles
    included) is drawn at 16 px or more at 1280×720, after any shrinking."""
    small = [(deck, m["index"], m["least"], m["smallest"])
             for deck, measured in slide_measures.items() for m in measured
             if m["least"] < editions.slides.SLIDE_FONT_FLOOR]
    assert not small, small[:8]


@pytest.mark.browser
def test_table_cells_on_slides_wrap_between_words(
        slide_measures: dict[str, list[dict[str, Any]]]) -> None:
    broken = [(deck, m["index"], m["broken"][:3])
              for deck, measured in slide_measures.items() for m in measured if m["broken"]]
    assert not broken, broken[:8]


@pytest.mark.browser
def test_slide_charts_are_drawn_live_across_the_slide(
        slide_measures: dict[str, list[dict[str, Any]]]) -> None:
    charts = [(deck, m["index"], c) for deck, measured in slide_measures.items()
              for m in measured for c in m["charts"]]
    assert len(charts) >= chart_count_all(), "a chart is missing from the decks"
    problems = [(deck, index, c) for deck, index, c in charts
                if not c["live"] or c["image"] or c["width"] < 0.9 * editions.slides.SLIDE_WIDTH]
    assert not problems, problems[:5]


def chart_count_all() -> int:
    """The charts a deck shows at least (reveal answers and split charts may add more)."""
    return sum(1 for path in NOTEBOOKS for cell in nbformat.read(path, as_version=4).cells
               if "answer-key" not in tags(cell) and "solution" not in tags(cell)
               for out in cell.get("outputs", [])
               if editions.outputs.VEGALITE in out.get("data", {}))


@pytest.mark.browser
def test_the_slide_measure_finds_small_text_and_broken_words(browser: Any) -> None:
    """The measure can fail: a 12 px line, a chart label drawn at half size and a table
    cell narrower than its word are all found."""
    page, _ = browser
    page.set_content(
        '<div class="slides"><section data-fit-scale="1"><p style="font-size:24px">Fine</p>'
        '<p style="font-size:12px">too small</p><svg width="200" height="50" '
        'viewBox="0 0 400 100" style="width:200px"><text x="0" y="20" font-size="20">'
        'half size</text></svg><table><tr><td style="width:30px;overflow-wrap:anywhere;'
        'font-size:20px">shapley_shubik</td><td style="width:30px;font-size:20px">'
        'one-two</td></tr></table></section></div>')
    measured = page.evaluate(f"() => ({MEASURE_SLIDE})(document.querySelector('section'))")
    assert measured["least"] == 10 and measured["smallest"] == "half size"
    assert measured["broken"] == ["shapley_shubik"]  # (not "one-two": cut after its hyphen)
    page.set_content('<div class="slides"><section><p style="font-size:12px">small</p>'
                     "</section></div>")
    measured = page.evaluate(f"() => ({MEASURE_SLIDE})(document.querySelector('section'))")
    assert measured["least"] == 12


def test_each_page_links_to_the_jupyterlite_build_when_there_is_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(editions.site, "LITE", tmp_path / "lite")
    assert "course.py lab" in editions.site.lite_link("01-consensus-and-silence.ipynb")
    (tmp_path / "lite" / "lab").mkdir(parents=True)
    (tmp_path / "lite" / "lab" / "index.html").write_text("<html></html>")
    assert ('href="../lite/lab/index.html?path=01-consensus-and-silence.ipynb"'
            in editions.site.lite_link("01-consensus-and-silence.ipynb"))
    (tmp_path / "lite" / "files" / "notebooks").mkdir(parents=True)
    (tmp_path / "lite" / "files" / "notebooks" / "01-consensus-and-silence.ipynb").touch()
    assert "?path=notebooks/01-consensus-and-silence.ipynb" in editions.site.lite_link(
        "01-consensus-and-silence.ipynb")


def test_a_plain_reveal_cell_shows_its_output_only_on_the_next_slide() -> None:
    cell = nbformat.v4.new_code_cell("len(allies)", metadata={"tags": ["reveal"]})
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "32"},
                                           execution_count=1)]
    question, answer = editions.slides.slide_cells(cell)
    assert question.source == "len(allies)" and question.outputs == []
    assert answer.metadata["slideshow"]["slide_type"] == "slide"
    assert "The answer" in answer.outputs[0]["data"]["text/html"]
    assert "<pre>32</pre>" in answer.outputs[1]["data"]["text/html"]
    student = editions.student.student_edition(nbformat.v4.new_notebook(cells=[cell]))
    assert student.cells[0].outputs == [] and student.cells[0].source == "len(allies)"
    site = json.dumps(editions.site.site_notebook(nbformat.v4.new_notebook(cells=[cell])))
    assert "course-reveal" in site and "<template" in site


def stored_chart(path: Path, title: str) -> dict[str, Any]:
    """The Vega-Lite spec of a notebook's chart, by the start of its title."""
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            spec = out.get("data", {}).get(editions.outputs.VEGALITE)
            text = spec and (spec.get("title") or {})
            if spec and isinstance(text, dict) and str(text.get("text")).startswith(title):
                return spec
    raise AssertionError(f"no chart titled {title!r} in {path.name}")


def test_a_slide_chart_is_legible_and_a_stack_too_tall_is_split() -> None:
    gantt = stored_chart(NOTEBOOKS[3], "NATO's operations and missions")
    before = json.dumps(gantt)
    first, second = editions.slides.slide_charts(gantt)
    assert first["title"]["text"].endswith("(1 of 2)") and second["title"]["text"].endswith(
        "(2 of 2)")
    assert editions.slides._is_strip(first["vconcat"][0]) and len(first["vconcat"]) == 2
    assert len(second["vconcat"]) == 1 and not editions.slides._is_strip(second["vconcat"][0])
    slide = editions.slides.legible_chart(second)
    sizes = [node[key] for node in editions.slides._views(slide)
             for key in editions.slides.FONT_KEYS
             if isinstance(node.get(key), (int, float))]
    assert min(sizes) == editions.slides.SLIDE_FONT_FLOOR  # 29 operations: the crowded axis
    axis = next(n["axis"] for n in editions.slides._views(slide)
                if isinstance(n.get("axis"), dict) and "labelLimit" in n["axis"])
    assert axis["labelFontSize"] == editions.slides.SLIDE_FONT_FLOOR and axis["labelLimit"] == 468
    assert min(s for node in editions.slides._views(editions.slides.legible_chart(first))
               for key in editions.slides.FONT_KEYS
               if isinstance(s := node.get(key), (int, float))) == editions.slides.CHART_FONT
    assert json.dumps(gantt) == before, "the notebook's stored chart was changed"
    small = stored_chart(NOTEBOOKS[4], "The commentary's argument")
    assert editions.slides.slide_charts(small) == [small]


def test_slide_tables_wrap_between_words_only() -> None:
    table = ('<table><thead><tr><th>shapley_shubik</th><th>source_url</th></tr></thead>'
             '<tbody><tr><td style="white-space:normal;overflow-wrap:anywhere">False</td>'
             '<td style="word-break: break-all"><a href="https://a.org/b/c">https://a.org/b/c'
             "</a></td></tr></tbody></table>")
    page, = editions.slides.table_pages(table)
    assert "anywhere" not in page and "break-all" not in page
    assert "<th>shapley_<wbr>shubik</th>" in page
    assert 'href="https://a.org/b/c">https://a.org/<wbr>b/<wbr>c</a>' in page


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_question_to_the_class_has_an_answer_key(path: Path) -> None:
    """A new instructor teaches from the guide alone: every question block (a list of
    questions, a prediction, the discussion) is followed by an instructor-only answer key."""
    cells = nbformat.read(path, as_version=4).cells
    asked = [index for index, cell in enumerate(cells) if editions.guide.asks_the_class(cell)]
    assert asked, "no cell tagged class-question"
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown" and ("**Questions" in cell.source
                                             or cell.source.startswith("## Discussion")):
            assert index in asked, cell.id
    for index in asked:
        following = cells[index + 1] if index + 1 < len(cells) else None
        assert following is not None and "answer-key" in tags(following), (
            f"{cells[index].id}: add a Markdown cell tagged answer-key right after it")
        assert following.source.startswith("**Answer key"), following.id


def test_the_guide_gives_each_exercise_its_solution_and_result() -> None:
    guide = editions.guide.instructor_guide()
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        for index, cell in enumerate(cells):
            if "solution" not in tags(cell):
                continue
            code = editions.guide.solution_code(cell) if cell.cell_type == "code" else ""
            assert code and code in guide, (path.name, cell.id)
            result = editions.guide.output_text(cell)
            if result:
                assert editions.guide.cut(result).splitlines()[0] in guide, (path.name, cell.id)
            check = next(c for c in cells[index + 1:] if "check" in tags(c))
            verdict = editions.guide.output_text(check, ("text/markdown",)).split(":**", 1)[-1]
            assert verdict.split("\n")[0].strip() in guide, (path.name, check.id)
    assert "solution cell(s)" not in guide


def test_the_guide_says_what_each_widget_shows() -> None:
    guide = editions.guide.instructor_guide()
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        widgets = [c for c in notebook.cells if c.cell_type == "code"
                   and "widgets.show(" in c.source]
        part = guide.split(f"`notebooks/{path.name}`", 1)[1].split("\n## ", 1)[0]
        if widgets:
            assert "#### Live: " in part and "*What it shows*" in part, path.name
            assert "*Settings to show in class" in part, path.name


def test_the_student_branch_holds_the_student_edition_and_grows_by_commits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`course.py student --branch` (the JupyterHub recipe's branch, which nbgitpuller pulls):
    the branch's files are the student edition exactly, a second publication of the same
    edition adds nothing, a changed one is a child commit (so nbgitpuller merges it into a
    student's copy), and the repository's working tree and other branches are untouched."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(tmp_path / "repo"), *args], check=True,
                              capture_output=True, text=True).stdout.strip()

    subprocess.run(["git", "init", "--quiet", "--bare", str(tmp_path / "repo")], check=True)
    first = editions.student.commit_student_edition(tmp_path / "repo")
    files = editions.student.student_files()
    assert git("ls-tree", "-r", "--name-only", "student").splitlines() == sorted(files)
    assert git("show", f"student:{NOTEBOOKS[1].parent.name}/{NOTEBOOKS[1].name}").encode() \
        == files[f"notebooks/{NOTEBOOKS[1].name}"].rstrip(b"\n")
    assert editions.student.commit_student_edition(tmp_path / "repo") == first
    assert git("for-each-ref", "--format=%(refname)") == "refs/heads/student"

    changed = {**files, "notebooks/00-start-here.ipynb": b"{}\n"}
    monkeypatch.setattr(editions.student, "student_files", lambda: changed)
    second = editions.student.commit_student_edition(tmp_path / "repo")
    assert second != first and git("rev-parse", f"{second}^") == first
