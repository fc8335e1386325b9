"""Two other machines, simulated: settings under which a notebook must give the very outputs
that are committed (see tests/test_portable_outputs.py).

Each differs from the machine running the tests in everything that has changed a stored
output before: numpy's SIMD code path (numpy picks kernels for the CPU at run time, and
their last bits differ), the timezone (vl-convert drew time scales in local time) and the
locale. What they differ from is what is in effect here, not how it is spelt: the numpy
features this process really uses, the UTC offsets of its timezone, its locale as the C
library resolves it. The numpy features are chosen from those this CPU has, so the test
means the same on an AVX-512 server, an older laptop or an ARM Mac.
"""

from __future__ import annotations

import json
import locale
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Machine:
    """Environment variables that make a kernel behave as on another machine; `student`
    runs the student edition there (so its run is checked on the way)."""

    env: dict[str, str]
    student: bool = False


#: Far timezones on either side of the date line: with daylight saving, without, and with a
#: quarter-hour offset. The first two whose offsets differ from this machine's are used.
ZONES = ("America/New_York", "Pacific/Kiritimati", "Asia/Kathmandu")
#: Locales every system has; "POSIX" is another name for "C", so it is not one of them.
LOCALES = ("C", "C.UTF-8")
#: Instants at which two timezones are compared: winter and summer, either hemisphere.
INSTANTS = (datetime(2024, 1, 15, 12), datetime(2024, 7, 15, 12))

_SIMD_PROBE = ("import json; from numpy._core import _multiarray_umath as u; "
               "print(json.dumps([n for n in u.__cpu_dispatch__ if u.__cpu_features__.get(n)]))")


@cache
def cpu_simd_features() -> tuple[str, ...]:
    """The numpy SIMD targets this CPU has beyond numpy's baseline, lowest first (asked of a
    Python with none of numpy's feature switches set)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NPY_")}
    out = subprocess.run([sys.executable, "-c", _SIMD_PROBE], capture_output=True, text=True,
                         env=env, check=True).stdout
    return tuple(json.loads(out))


def simd_in_use() -> tuple[str, ...]:
    """The numpy SIMD targets this process uses."""
    from numpy._core import _multiarray_umath as umath

    return tuple(n for n in umath.__cpu_dispatch__ if umath.__cpu_features__.get(n))


def offsets(zone: str | None) -> tuple[timedelta | None, ...]:
    """A timezone's UTC offsets at :data:`INSTANTS` (None: this process's own zone)."""
    if zone is None:
        return tuple(t.astimezone().utcoffset() for t in INSTANTS)
    return tuple(t.replace(tzinfo=ZoneInfo(zone)).utcoffset() for t in INSTANTS)


def locale_here() -> str:
    """This process's text locale as the C library resolves it (LC_ALL, LC_CTYPE, LANG)."""
    return locale.setlocale(locale.LC_CTYPE, "")


def machines() -> dict[str, Machine]:
    """Two other machines. numpy: the first runs numpy's baseline code only, the second the
    lowest SIMD tier of this CPU, or, where one of these is what this process already runs,
    every tier; two of :data:`ZONES` whose offsets differ from this one's; a locale of
    :data:`LOCALES` other than this one's."""
    cpu, here = cpu_simd_features(), simd_in_use()
    tiers = [(), cpu[:1], cpu]  # enabled targets: baseline, lowest tier, all
    enabled = [t for i, t in enumerate(tiers) if t != here and t not in tiers[:i]]
    enabled = (enabled * 2)[:2]
    zones = [z for z in ZONES if offsets(z) != offsets(None)][:2]
    locales = ([c for c in LOCALES if c != locale_here()] * 2)[:2]

    def env(tier: tuple[str, ...], zone: str, text_locale: str) -> dict[str, str]:
        return {"NPY_DISABLE_CPU_FEATURES": " ".join(f for f in cpu if f not in tier),
                "NPY_ENABLE_CPU_FEATURES": "",  # numpy refuses both set to something
                "TZ": zone, "LC_ALL": text_locale}

    return {
        f"simd-{'+'.join(enabled[0]) or 'baseline'}-{zones[0]}":
            Machine(env(enabled[0], zones[0], locales[0])),
        f"simd-{'+'.join(enabled[1]) or 'baseline'}-{zones[1]}-student":
            Machine(env(enabled[1], zones[1], locales[1]), student=True),
    }


_EFFECTIVE_PROBE = ("import json; from tests.elsewhere import effective_here; "
                    "print(json.dumps(effective_here()))")


def effective_here() -> dict[str, object]:
    """What this process really runs with: numpy's SIMD targets, the timezone's offsets
    (in seconds), the locale."""
    return {"simd": list(simd_in_use()),
            "offsets": [o.total_seconds() for o in offsets(None)],
            "locale": locale_here()}


def effective(env: dict[str, str]) -> dict[str, object]:
    """:func:`effective_here` in a new Python whose environment is ours updated by `env`
    (as a kernel of the portable-outputs test is started)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", _EFFECTIVE_PROBE], capture_output=True,
                         text=True, env={**os.environ, **env}, cwd=root, check=True).stdout
    return json.loads(out)
