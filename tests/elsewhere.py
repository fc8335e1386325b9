"""Two other machines, simulated: settings under which a notebook must give the very outputs
that are committed (see tests/test_portable_outputs.py).

Each differs from the machine running the tests in everything that has changed a stored
output before: numpy's SIMD code path (numpy picks kernels for the CPU at run time, and
their last bits differ), the timezone (vl-convert drew time scales in local time) and the
locale. The numpy features to switch off are chosen from those this CPU really uses, so
the test means the same on an AVX-512 server, an older laptop or an ARM Mac.
"""

from __future__ import annotations

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


def machines() -> dict[str, Machine]:
    """Two other machines: one with numpy's baseline code only, one with the CPU's top SIMD
    tier switched off (the same as the first where the CPU has one tier); far timezones on
    either side of the date line, with and without daylight saving; the C locale."""
    features = simd_features()
    top = features[1:] or features
    return {
        "baseline-simd-new-york-c": Machine({"NPY_DISABLE_CPU_FEATURES": " ".join(features),
                                             "TZ": "America/New_York", "LC_ALL": "C"}),
        "older-simd-kiritimati-student": Machine({"NPY_DISABLE_CPU_FEATURES": " ".join(top),
                                                  "TZ": "Pacific/Kiritimati",
                                                  "LC_ALL": "C.UTF-8"}, student=True),
    }
