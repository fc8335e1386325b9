"""Two other machines, simulated: settings under which a notebook must give the very outputs
that are committed (see tests/test_portable_outputs.py).

Each differs from the machine running the tests in everything that has changed a stored
output before: numpy's SIMD code path (numpy picks kernels for the CPU at run time, and
their last bits differ), the timezone (vl-convert drew time scales in local time) and the
locale. The numpy features to switch off are chosen from those this CPU really uses, so
the test means the same on an AVX-512 server, an older laptop or an ARM Mac.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Machine:
    """Environment variables that make a kernel behave as on another machine; `student`
    runs the student edition there (so its run is checked on the way)."""

    env: dict[str, str]
    student: bool = False


def simd_features() -> list[str]:
    """The numpy SIMD targets this CPU uses beyond numpy's baseline, lowest first."""
    from numpy._core import _multiarray_umath as umath

    return [name for name in umath.__cpu_dispatch__ if umath.__cpu_features__.get(name)]


#: Far timezones on either side of the date line (with and without daylight saving; one
#: with a half-hour offset), and locales every system has; the first two that differ from
#: this machine's own are used.
ZONES = ("America/New_York", "Pacific/Kiritimati", "Asia/Kathmandu")
LOCALES = ("C", "C.UTF-8", "POSIX")


def other_than_here(choices: tuple[str, ...], variable: str) -> list[str]:
    """The first two of `choices` that differ from this process's setting of `variable`."""
    return [c for c in choices if c != os.environ.get(variable)][:2]


def machines() -> dict[str, Machine]:
    """Two other machines: one with numpy's baseline code only, one with the CPU's top SIMD
    tier switched off (the same as the first where the CPU has one tier; where this process
    already runs with features switched off, the other machines switch off only what it
    still uses, or nothing, so their code paths still differ from this one); far timezones
    and other locales (see :data:`ZONES`, :data:`LOCALES`)."""
    features = simd_features()
    top = features[1:] or features
    zones, locales = other_than_here(ZONES, "TZ"), other_than_here(LOCALES, "LC_ALL")
    return {
        "baseline-simd-" + zones[0]: Machine({"NPY_DISABLE_CPU_FEATURES": " ".join(features),
                                              "TZ": zones[0], "LC_ALL": locales[0]}),
        "older-simd-student-" + zones[1]: Machine({"NPY_DISABLE_CPU_FEATURES": " ".join(top),
                                                   "TZ": zones[1], "LC_ALL": locales[1]},
                                                  student=True),
    }
