"""Every chart is titled, described and colour-blind safe; every control is labelled.

Checked on the outputs stored in the notebooks, i.e. on what students actually see.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from utils import charts

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks")
                   .glob("[0-9][0-9]-*.ipynb"))
COLOUR = re.compile(r'"(#[0-9A-Fa-f]{6}|black|white)"')
WIDGET_CLASS = re.compile(r"\b(IntSlider|FloatSlider|Dropdown|Textarea|Checkbox|Button)\b")


def chart_specs(path: Path) -> list[dict]:
    notebook = nbformat.read(path, as_version=4)
    return [out["data"][charts.VEGALITE_MIMETYPE] for cell in notebook.cells
            for out in cell.get("outputs", []) if charts.VEGALITE_MIMETYPE in out.get("data", {})]


def control_texts(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [out["data"]["text/plain"] for cell in notebook.cells
            for out in cell.get("outputs", [])
            if out.get("data", {}).get("text/plain", "").startswith("[Interactive controls:")]


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
    for text in control_texts(path):
        names = text.split("[Interactive controls: ", 1)[1].split(". Run this cell")[0]
        assert all(name.strip() for name in names.split(",")), text
        assert not WIDGET_CLASS.search(names), f"an unlabelled control: {text}"


def test_the_check_catches_an_unlabelled_control_and_a_stray_colour() -> None:
    assert WIDGET_CLASS.search("Year, IntSlider")
    assert not {"#ff0000"} <= charts.ACCESSIBLE_COLOURS
