"""The live games' package declares what each module offers, and only what exists."""

from __future__ import annotations

import importlib
import pkgutil

import council
from council import export, game, protocol, screens
from utils import council as analysis


def test_every_module_declares_its_public_names_and_each_exists() -> None:
    names = ["council", "council.__main__"] + [f"council.{m.name}"
                                               for m in pkgutil.iter_modules(council.__path__)]
    assert {"council.game", "council.live", "council.protocol", "council.screens",
            "council.export", "council.server", "council.poll", "council.poll_server",
            "council.harness"} <= set(names)
    for name in names:
        module = importlib.import_module(name)
        declared = module.__all__
        assert declared == sorted(set(declared), key=declared.index), name  # no repeats
        missing = [n for n in declared if not hasattr(module, n)]
        assert not missing, (name, missing)


def test_the_export_is_written_in_the_columns_the_reader_checks() -> None:
    log = [game.start("turkey_defence_2003", 3, 0.0)]
    state = game.replay(log)
    state = game.apply(state, game.decide(state, "sg", {"type": "circulate", "wording": 1,
                                                         "seconds": 60}, 1.0))
    text = export.to_csv(export.table(state, "s", "2026-12-02"))
    assert text.splitlines()[0].split(",") == list(analysis.COLUMNS)
    assert len(text.splitlines()) == 1 + 3
    # before the first draft: the header alone, still a table the reader's schema names
    assert export.to_csv(export.table(game.replay(log), "s", "2026-12-02")) == (
        ",".join(analysis.COLUMNS) + "\n")


def test_one_parser_refuses_for_both_games() -> None:
    from council import poll

    assert game.Refusal is poll.Refusal is protocol.Refusal
    assert screens.public_view(game.replay([game.start("turkey_defence_2003", 2, 0.0)]),
                               0.0)["seats"][0]["ally"] == "FRA"
