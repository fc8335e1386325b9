"""The live North Atlantic Council game: ``python3 course.py council`` (see docs/council.md).

The rules live in :mod:`utils.council` (pure and tested); this package is the web shell:
:mod:`council.server` (tornado, websockets, the SQLite event log) and the pages in
``static/``.
"""
