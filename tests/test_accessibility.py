"""Every chart is titled, described and colour-blind safe; every control is labelled.

Checked on the outputs stored in the notebooks, i.e. on what students actually see.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import nbformat
import pytest

from utils import charts, widgets

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks")
                   .glob("[0-9][0-9]-*.ipynb"))
COLOUR = re.compile(r'"(#[0-9A-Fa-f]{6}|black|white)"')
WIDGET_CLASS = re.compile(r"\b(IntSlider|FloatSlider|Dropdown|Textarea|Checkbox|Button)\b")


def chart_specs(path: Path) -> list[dict]:
    notebook = nbformat.read(path, as_version=4)
    return [out["data"][charts.VEGALITE_MIMETYPE] for cell in notebook.cells
            for out in cell.get("outputs", []) if charts.VEGALITE_MIMETYPE in out.get("data", {})]


def control_names(path: Path) -> list[list[str]]:
    """The names of each widget's controls, as its output tells the editions."""
    notebook = nbformat.read(path, as_version=4)
    stand_ins = [out["data"][widgets.STAND_IN_MIMETYPE] for cell in notebook.cells
                 for out in cell.get("outputs", [])
                 if widgets.STAND_IN_MIMETYPE in out.get("data", {})]
    return [s["controls"] for s in stand_ins if s["kind"] == "controls"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chart_has_a_title_and_a_description(path: Path) -> None:
    specs = chart_specs(path)
    assert specs
    for spec in specs:
        assert charts.chart_text(spec) != "Chart: (untitled)"
        assert len(spec.get("description", "")) > 40, spec.get("title")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_colour_is_from_the_colour_blind_safe_set(path: Path) -> None:
    for spec in chart_specs(path):
        used = set(COLOUR.findall(json.dumps(spec)))
        assert used <= charts.ACCESSIBLE_COLOURS, used - charts.ACCESSIBLE_COLOURS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_control_has_a_label(path: Path) -> None:
    found = control_names(path)
    assert found or "widgets.show(" not in path.read_text(encoding="utf-8")
    for names in found:
        assert all(name.strip() for name in names), names
        assert not WIDGET_CLASS.search(", ".join(names)), f"an unlabelled control: {names}"


def test_the_check_catches_an_unlabelled_control_and_a_stray_colour() -> None:
    assert WIDGET_CLASS.search("Year, IntSlider")
    assert not {"#ff0000"} <= charts.ACCESSIBLE_COLOURS


# --- the rules of jupyterlab-a11y-checker, over the notebooks' text and stored outputs ------
#
# Its notebook rules (https://pypi.org/project/jupyterlab-a11y-checker/): headings in order
# (one title, no level skipped), a text alternative on every image, headers on every table,
# readable colours; and descriptive link text, which axe checks on the site as well.

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
MD_HEADING = re.compile(r"^(#{1,6})\s+\S", re.M)
HTML_HEADING = re.compile(r"<h([1-6])[\s>]", re.I)
MD_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.I)
ALT = re.compile(r"""\balt\s*=\s*("([^"]*)"|'([^']*)')""", re.I)
HTML_TABLE = re.compile(r"<table\b.*?</table>", re.I | re.S)
MD_TABLE_HEAD = re.compile(r"^\|(.*)\|\s*\n\|\s*:?-{3,}", re.M)
MD_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)]+)\)")
HTML_LINK = re.compile(r"<a\b[^>]*>(.*?)</a>", re.I | re.S)
VAGUE_LINK = {"here", "click here", "link", "this", "this link", "more", "read more", "source"}
INLINE_COLOUR = re.compile(r"(?<![-\w])color\s*:\s*(#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{3})\b")
#: WCAG 2.1 AA's contrast for text (1.4.3), against the white page of every surface.
TEXT_CONTRAST = 4.5


def outputs_text(cell: nbformat.NotebookNode, kind: str) -> list[str]:
    text = []
    for out in cell.get("outputs", []):
        value = out.get("data", {}).get(kind)
        if value:
            text.append("".join(value) if isinstance(value, list) else value)
    return text


def prose(cell: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What a cell shows as text, (kind, text): its Markdown, or its Markdown and HTML
    outputs; code blocks left out (a `#` there is a comment, not a heading)."""
    if cell.cell_type == "markdown":
        return [("markdown", FENCE.sub("", cell.source))]
    return [*(("markdown", FENCE.sub("", t)) for t in outputs_text(cell, "text/markdown")),
            *(("html", t) for t in outputs_text(cell, "text/html"))]


def heading_faults(nb: nbformat.NotebookNode) -> list[str]:
    """Headings out of order: not one title (level 1) first, or a level skipped on the
    way down (## then ####), which leaves a screen reader's outline with a hole."""
    levels = []
    for index, cell in enumerate(nb.cells):
        for kind, text in prose(cell):
            found = HTML_HEADING.findall(text) if kind == "html" else \
                [len(h) for h in MD_HEADING.findall(text)] + HTML_HEADING.findall(text)
            levels += [(index, int(level)) for level in found]
    if not levels:
        return ["no heading at all"]
    faults = []
    if levels[0][1] != 1:
        faults.append(f"cell {levels[0][0]}: the first heading is level {levels[0][1]}, not 1")
    faults += [f"cell {i}: a second level-1 heading" for i, level in levels[1:] if level == 1]
    faults += [f"cell {i}: level {level} after level {before} (a level skipped)"
               for (_, before), (i, level) in itertools.pairwise(levels)
               if level > before + 1]
    return faults


def image_faults(nb: nbformat.NotebookNode) -> list[str]:
    """Images without a text alternative: Markdown images with an empty alt, HTML images
    with none, and image outputs whose text part does not describe them."""
    faults = []
    for index, cell in enumerate(nb.cells):
        for _, text in prose(cell):
            faults += [f"cell {index}: image {src!r} has no alt text"
                       for alt, src in MD_IMAGE.findall(text) if not alt.strip()]
            for tag in HTML_IMAGE.findall(text):
                alt = ALT.search(tag)
                if not alt or not (alt.group(2) or alt.group(3) or "").strip():
                    faults.append(f"cell {index}: {tag[:60]} has no alt text")
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if {"image/png", "image/svg+xml", "image/jpeg"} & set(data):
                plain = data.get("text/plain", "")
                plain = "".join(plain) if isinstance(plain, list) else plain
                if not plain.startswith("Chart: ") or len(plain) < 40:
                    faults.append(f"cell {index}: an image output described only as "
                                  f"{plain[:60]!r}")
    return faults


def table_faults(nb: nbformat.NotebookNode) -> list[str]:
    """Tables without headers: an HTML table with no <th>, a Markdown table with an empty
    header cell."""
    faults = []
    for index, cell in enumerate(nb.cells):
        for _, text in prose(cell):
            faults += [f"cell {index}: a table without header cells ({table[:60]}...)"
                       for table in HTML_TABLE.findall(text) if "<th" not in table.lower()]
            for head in MD_TABLE_HEAD.findall(text):
                if any(not name.strip() for name in head.split("|")):
                    faults.append(f"cell {index}: a Markdown table with an empty header "
                                  f"cell: |{head}|")
    return faults


def luminance(colour: str) -> float:
    """WCAG's relative luminance of a colour written #rrggbb or #rgb."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour: str, background: str = "#ffffff") -> float:
    """WCAG's contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(colour), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


NAMED = {"black": "#000000", "white": "#ffffff"}


def text_colours(spec: object, text_mark: bool = False) -> list[str]:
    """The colours a chart writes text in: its text marks' colours and the colours of its
    titles, axis and legend labels (whatever is set; the theme's default is black)."""
    found: list[str] = []
    if isinstance(spec, list):
        for item in spec:
            found += text_colours(item, text_mark)
    if not isinstance(spec, dict):
        return found
    mark = spec.get("mark")
    is_text = text_mark or (mark == "text" or (isinstance(mark, dict)
                                               and mark.get("type") == "text"))
    for key, value in spec.items():
        if key == "datasets":
            continue
        if key in ("titleColor", "labelColor", "subtitleColor") or (
                is_text and key in ("color", "fill") and isinstance(value, str)):
            found.append(NAMED.get(value, value))
        elif is_text and key in ("color", "fill") and isinstance(value, dict):
            found += [NAMED.get(v, v) for v in value.get("scale", {}).get("range", [])
                      if isinstance(v, str)]
            if isinstance(value.get("value"), str):
                found.append(NAMED.get(value["value"], value["value"]))
        elif key in ("mark", "encoding") and is_text:
            found += text_colours(value, True)
        elif key not in ("mark",):
            found += text_colours(value, text_mark)
    return [c for c in found if c.startswith("#")]


def contrast_faults(nb: nbformat.NotebookNode) -> list[str]:
    """Text in a colour under 4.5:1 against the white page: inline colours in Markdown and
    HTML outputs, and the text a chart writes."""
    faults = []
    for index, cell in enumerate(nb.cells):
        for _, text in prose(cell):
            faults += [f"cell {index}: text in {colour} ({contrast(colour):.2f}:1)"
                       for colour in INLINE_COLOUR.findall(text)
                       if contrast(colour) < TEXT_CONTRAST]
        for out in cell.get("outputs", []):
            spec = out.get("data", {}).get(charts.VEGALITE_MIMETYPE)
            faults += [f"cell {index}: chart text in {colour} ({contrast(colour):.2f}:1)"
                       for colour in text_colours(spec) if contrast(colour) < TEXT_CONTRAST]
    return faults


def link_faults(nb: nbformat.NotebookNode) -> list[str]:
    """Links whose words say nothing out of context ("here", "link")."""
    faults = []
    for index, cell in enumerate(nb.cells):
        for _, text in prose(cell):
            words = [w for w, _ in MD_LINK.findall(text)] + HTML_LINK.findall(text)
            faults += [f"cell {index}: a link that says only {w!r}" for w in words
                       if re.sub(r"<[^>]+>|[*_`]", "", w).strip().lower().rstrip(".:")
                       in VAGUE_LINK]
    return faults


A11Y_RULES = {"heading order": heading_faults, "alt text": image_faults,
              "table headers": table_faults, "colour contrast": contrast_faults,
              "link text": link_faults}


@pytest.mark.parametrize("rule", sorted(A11Y_RULES))
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_a11y_checker_rules_pass(path: Path, rule: str) -> None:
    faults = A11Y_RULES[rule](nbformat.read(path, as_version=4))
    assert not faults, f"{path.name}, {rule}:\n" + "\n".join(faults)


def test_the_a11y_checker_rules_find_what_they_look_for() -> None:
    """A notebook made to fail each rule: every rule names its fault, and nothing else."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    bad = new_notebook(cells=[
        new_markdown_cell("## Not a title first\n\n#### Skipped a level\n\n```\n# a comment\n```"),
        new_markdown_cell("![](map.png) and <img src='x.png'> and [here](https://nato.int)"),
        new_markdown_cell("| year | |\n|---|---|\n| 1949 | 12 |"),
        new_code_cell(outputs=[
            new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>"
                                             "<p style='color:#999999'>faint</p>"}),
            new_output("display_data", data={"image/png": "AAAA",
                                             "text/plain": "<Figure size 640x480>"}),
            new_output("display_data", data={charts.VEGALITE_MIMETYPE: {
                "mark": {"type": "text"}, "encoding": {"color": {"value": "#E69F00"}}}}),
        ]),
    ])
    found = {rule: check(bad) for rule, check in A11Y_RULES.items()}
    assert found == {
        "heading order": ["cell 0: the first heading is level 2, not 1",
                          "cell 0: level 4 after level 2 (a level skipped)"],
        "alt text": ["cell 1: image 'map.png' has no alt text",
                     "cell 1: <img src='x.png'> has no alt text",
                     "cell 3: an image output described only as '<Figure size 640x480>'"],
        "table headers": ["cell 2: a Markdown table with an empty header cell: | year | |",
                          "cell 3: a table without header cells (<table><tr><td>1</td></tr>"
                          "</table>...)"],
        "colour contrast": ["cell 3: text in #999999 (2.85:1)",
                            "cell 3: chart text in #E69F00 (2.25:1)"],
        "link text": ["cell 1: a link that says only 'here'"],
    }
    assert round(contrast("#000000"), 1) == 21.0 and round(contrast("#767676"), 2) == 4.54
