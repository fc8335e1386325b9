"""The primary texts of the course (``data/primary_texts.csv``), ready to read.

Each passage was copied word for word from the document; :func:`read` prints it with what it
is, its date and where it was read, so a student can check the quotation at its source.
"""

from __future__ import annotations

import pandas as pd

from utils import checks, data
from utils.errors import CourseError

__all__ = ["read"]


def _table() -> pd.DataFrame:
    """Every passage, one row each, indexed by its id (e.g. ``"nat-art10"``)."""
    return data.load("primary_texts").set_index("id")


def read(*ids: str) -> str:
    """The passages `ids`, each headed by its document, part and date, with its source.

    >>> print(read("nat-art4"))  # doctest: +ELLIPSIS
    North Atlantic Treaty, Article 4 (signed 4 April 1949)
    The Parties will consult together whenever, ...
    """
    texts = _table()
    if not ids:
        raise CourseError("Name at least one passage, e.g. read(\"nat-art10\").")
    if len(ids) > len(texts):
        raise CourseError(f"There are {len(texts)} passages; name each at most once "
                          f"(this asks for {len(ids):,}).")
    for i in ids:
        checks.text("A passage id", i, 100)
    unknown = [i for i in ids if i not in texts.index]
    if unknown:
        raise CourseError(f"No passage called {unknown[0]!r}. The passages are: "
                          f"{', '.join(texts.index)}.")
    blocks = []
    for key in ids:
        row = texts.loc[key]
        when = row["date"].strftime("%d %B %Y").lstrip("0")
        blocks.append(f"{row['document']}, {row['part']} ({row['date_meaning'].split(';')[0]} "
                      f"{when})\n{row['text']}\n[read at {row['source_url']}]")
    return "\n\n".join(blocks)
