"""`python3 course.py council`'s options and its session log: a wrong option or an
unusable log is one line saying what is wrong and what to do, never a traceback, and the
server never listens wider than it says."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from council import __main__ as command
from council.server import Session
from utils.errors import CourseError


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def a_log(tmp_path: Path) -> Path:
    db = tmp_path / "session.sqlite"
    Session(db, "turkey_defence_2003", 12).db.close()
    return db


def damaged_json(tmp_path: Path) -> Path:
    db = a_log(tmp_path)
    with sqlite3.connect(db) as raw:
        raw.execute("DROP TRIGGER events_append_only_u")
        raw.execute("UPDATE events SET data = '{\"card\": ' WHERE seq = (SELECT max(seq) "
                    "FROM events)")
    return db


def cut_short(tmp_path: Path) -> Path:
    db = a_log(tmp_path)
    db.write_bytes(db.read_bytes()[:3000])
    return db


def other_events_table(tmp_path: Path) -> Path:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as raw:
        raw.execute("CREATE TABLE events (x)")
        raw.execute("INSERT INTO events VALUES (1)")
    return db


def text_file(tmp_path: Path) -> Path:
    db = tmp_path / "notes.sqlite"
    db.write_text("not a database at all, but long enough to be read as one " * 20)
    return db


def under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("x")
    return tmp_path / "afile" / "x.sqlite"


@pytest.mark.parametrize(("make", "words"), [
    (text_file, "is not a readable session log"),
    (lambda tmp_path: tmp_path, "is a folder, not a session log"),
    (lambda tmp_path: Path(""), "is a folder, not a session log"),
    (lambda tmp_path: Path("/dev/null"), "is not a file, not a session log"),
    (under_a_file, "cannot be created: a file stands where its folder should be"),
    (other_events_table, "is not a readable session log"),
    (damaged_json, "is not a readable session log"),
    (cut_short, "is not a readable session log"),
])
def test_an_unusable_session_log_is_one_line_saying_what_to_do(make, words: str,
                                                               tmp_path: Path,
                                                               capsys) -> None:
    db = make(tmp_path)
    assert command.main(["--db", str(db), "--port", str(free_port())]) != 0
    said = capsys.readouterr()
    assert "Traceback" not in said.err
    lines = said.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Cannot start: ") and words in lines[0], \
        said.err
    assert "--db" in lines[0] or "--new" in lines[0]


def test_a_damaged_log_is_a_course_error_for_the_session_too(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="Start a new session with --new"):
        Session(damaged_json(tmp_path), "turkey_defence_2003", 12)


@pytest.mark.parametrize("host", ["", " "])
def test_an_empty_host_is_refused_not_every_interface(host: str, capsys) -> None:
    assert command.main(["--host", host, "--port", str(free_port())]) == 2
    said = capsys.readouterr().err
    assert said.startswith("Cannot start: --host needs an address") and said.count("\n") == 1


def test_resuming_says_that_card_and_seats_given_are_ignored(tmp_path: Path,
                                                              monkeypatch, capsys) -> None:
    db = a_log(tmp_path)

    async def no_serving(session, sockets) -> None:
        for bound in sockets:
            bound.close()

    monkeypatch.setattr(command, "serve", no_serving)
    assert command.main(["--db", str(db), "--port", str(free_port()),
                         "--card", "finland_sweden_2022", "--seats", "25"]) == 0
    said = capsys.readouterr().out
    assert "Resuming" in said
    assert ("--card and --seats ignored: a resumed session keeps its own. To play with "
            "them, add --new") in said
    assert command.main(["--db", str(db), "--port", str(free_port()), "--seats", "12"]) == 0
    assert "ignored" not in capsys.readouterr().out


def test_a_start_refused_for_its_seats_leaves_no_log_behind(tmp_path: Path, capsys) -> None:
    db = tmp_path / "session.sqlite"
    assert command.main(["--db", str(db), "--port", str(free_port()), "--seats", "99"]) == 2
    assert "Cannot start: The number of seats must be from 2 to" in capsys.readouterr().err
    assert sorted(tmp_path.iterdir()) == []
