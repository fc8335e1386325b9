"""The live class games: ``python3 course.py council`` (see docs/council.md) and ``python3
course.py poll NN`` (see docs/poll.md).

The council: its rules in :mod:`council.game` (pure functions of an event log), what each
role sees in :mod:`council.screens`, its CSV in :mod:`council.export`, its server in
:mod:`council.server` and command in :mod:`council.__main__`. The poll: its rules in
:mod:`council.poll`, its server and command in :mod:`council.poll_server`. Both servers
share :mod:`council.live` (the log, tokens, handlers, start-up) and :mod:`council.protocol`
(the message parser and rate limit); their pages are in ``static/``. What notebooks read
of an export is in ``utils`` (:mod:`utils.council`, :mod:`utils.poll`).
"""

__all__: list[str] = []
