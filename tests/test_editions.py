"""Student edition, static site and slides: built offline, complete, and really showing.

The site and slide tests open the built files from disk in headless Chromium with every
network request blocked, and check that each page shows its charts.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.browser import offline_page, require_chromium, screenshot

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "publish.py"
spec = importlib.util.spec_from_file_location("publish", SCRIPT)
publish = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publish)

NOTEBOOKS = publish.course_notebooks()
CHART_TYPES = ("image/svg+xml", "image/png")


def solution_lines(notebook: nbformat.NotebookNode) -> list[str]:
    """The lines only solutions contain: code and comments of solution cells that no other
    cell has (an exercise may show the scaffold its solution completes)."""
    elsewhere = {line.strip() for cell in notebook.cells if not publish.is_solution(cell)
                 for line in cell.source.splitlines()}
    return [line.strip() for cell in notebook.cells if publish.is_solution(cell)
            for line in cell.source.splitlines()
            if len(line.strip()) > 12 and line.strip() not in elsewhere]


def chart_count(notebook: nbformat.NotebookNode) -> int:
    return sum(1 for cell in notebook.cells for out in cell.get("outputs", [])
               if any(t in out.get("data", {}) for t in CHART_TYPES))


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    publish.build_student(out)
    return out / "notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_solution_survives_in_the_student_edition(student: Path, path: Path) -> None:
    original = nbformat.read(path, as_version=4)
    edition = nbformat.read(student / path.name, as_version=4)
    text = json.dumps([c.source for c in edition.cells])
    leaked = [line for line in solution_lines(original) if json.dumps(line)[1:-1] in text]
    assert not leaked
    answers = [c for c in edition.cells if "answer" in c.metadata.get("tags", [])]
    assert len(answers) == sum(publish.is_solution(c) for c in original.cells) > 0
    assert not any(publish.is_solution(c) for c in edition.cells)
    exercises = next(i for i, c in enumerate(edition.cells)
                     if c.cell_type == "markdown" and c.source.startswith("## Exercises"))
    discussion = next(i for i, c in enumerate(edition.cells)
                      if c.cell_type == "markdown" and c.source.startswith("## Discussion"))
    for cell in edition.cells[exercises:discussion]:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_student_edition_runs_top_to_bottom(student: Path, path: Path) -> None:
    edition = nbformat.read(student / path.name, as_version=4)
    NotebookClient(edition, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(student)}}).execute()
    errors = [o for c in edition.cells for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_cell_has_slide_metadata(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    types = [c.metadata.get("slideshow", {}).get("slide_type") for c in notebook.cells]
    assert None not in types and types[0] == "slide"
    assert types.count("slide") >= 5


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    publish.build_site(out)
    return out


def test_the_site_has_a_course_map_linking_every_page(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f'href="{path.stem}.html"' in index
        assert (site / f"{path.stem}.html").exists()


def test_site_pages_load_nothing_from_the_network(site: Path) -> None:
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not publish.EXTERNAL_SCRIPT.search(text), page.name
        assert '<link rel="stylesheet" href="http' not in text


@pytest.fixture(scope="module")
def browser() -> Any:
    require_chromium()
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright, offline_page(playwright) as pair:
        yield pair


COUNT_IMAGES = """() => [...document.querySelectorAll('.jp-OutputArea-output')].filter(
  o => [...o.querySelectorAll('img')].some(i => i.complete && i.naturalWidth > 100)
       || o.querySelectorAll('svg g.mark-line, svg g.mark-rect, svg g.mark-symbol, '
                              + 'svg g.mark-rule, svg g.mark-area, svg path').length > 0
).length"""


@pytest.mark.browser
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_site_page_shows_its_charts_offline(site: Path, browser: Any,
                                                  path: Path) -> None:
    page, blocked = browser
    expected = chart_count(nbformat.read(path, as_version=4))
    page.goto((site / f"{path.stem}.html").as_uri())
    page.wait_for_load_state("load")
    shown = page.evaluate(COUNT_IMAGES)
    assert shown >= expected > 0, f"{shown} charts shown, {expected} stored"
    assert page.locator("nav.course-nav a", has_text="Course map").count() == 1
    screenshot(page, f"site-{path.stem}")
    assert not blocked, blocked[:3]


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    publish.build_slides(out)
    return out


@pytest.mark.browser
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_deck_opens_offline_as_slides(slides: Path, browser: Any, path: Path) -> None:
    page, blocked = browser
    deck = slides / f"{path.stem}.slides.html"
    text = deck.read_text(encoding="utf-8")
    assert "# Solution" not in text
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    assert page.evaluate("() => Reveal.getTotalSlides()") >= 8
    page.keyboard.press("ArrowRight")
    assert page.evaluate("() => Reveal.getIndices().h") == 1
    screenshot(page, f"slides-{path.stem}")
    assert not blocked, blocked[:3]


def test_every_link_between_site_pages_resolves(site: Path) -> None:
    import re

    for page in site.glob("*.html"):
        for target in re.findall(r'href="([\w-]+\.html)"', page.read_text(encoding="utf-8")):
            assert (site / target).exists(), f"{page.name} links to missing {target}"


def test_the_instructor_guide_is_generated_from_the_notebooks() -> None:
    guide = (publish.ROOT / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    assert guide == publish.instructor_guide(), "run `python3 course.py guide`"
    for path in NOTEBOOKS:
        assert f"`notebooks/{path.name}`" in guide
