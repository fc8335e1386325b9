"""A private home for the test processes, so that testing writes nothing into $HOME.

IPython's history, Jupyter's runtime, config and data files, matplotlib's and Chromium's
caches and npm's cache all go to a temporary folder, removed when the test process exits
(after IPython has closed its history there). Set in the environment of the test process,
so every process it starts inherits it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

#: Variables pointing each tool's files into the private home (relative paths in it).
PLACES = {
    "HOME": ".",
    "IPYTHONDIR": ".ipython",
    "JUPYTER_CONFIG_DIR": ".jupyter",
    "JUPYTER_DATA_DIR": ".local/share/jupyter",
    "JUPYTER_RUNTIME_DIR": ".local/share/jupyter/runtime",
    "MPLCONFIGDIR": ".config/matplotlib",
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
    "npm_config_cache": ".npm",
}


def make() -> Path:
    """Create the private home and point the environment at it; returns its path."""
    home = Path(tempfile.mkdtemp(prefix="course-test-home-"))
    for variable, place in PLACES.items():
        path = home / place
        path.mkdir(parents=True, exist_ok=True)
        os.environ[variable] = str(path)
    os.environ["COURSE_TEST_HOME"] = str(home)
    atexit.register(shutil.rmtree, home, ignore_errors=True)  # runs after later handlers
    return home
