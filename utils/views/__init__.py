"""The course's views: charts, words and the widgets' entry points, one module per model.

A model module (``utils.consensus``) computes: numbers, lists and tables in, results out;
it imports no chart library and nothing of IPython, so it reads (and runs) on its own. Its
view (``utils.views.consensus``) shows those results: a chart, a paragraph in words, the
function a widget calls. A notebook asks the model for numbers and the view for pictures::

    from utils import consensus, views

    result = consensus.negotiate(consensus.make_allies([0.25, 0.75], 0.125, 0.125))
    views.consensus.summary(result)

Each view module is imported when first used, so a notebook loads only the ones it shows.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

__all__ = ["consensus", "csto", "episodes", "forecasting", "membership", "operations",
           "rules", "scenario", "timelines"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    # name and obj let a notebook's slip handler suggest the view meant (views.consenus).
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}", name=name,
                         obj=sys.modules[__name__])


def __dir__() -> list[str]:
    return sorted(__all__)
