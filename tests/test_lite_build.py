"""The JupyterLite build's inputs and output, without a browser (fast).

The site may contain no compiled file whose sha256 is neither Pyodide's official lock
entry nor PyPI's (pinned in lite/browser.txt); the course's own wheel must be the same
bytes from the same files; the lock entries must follow the browser's markers.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

import editions.lite
from tests.scripts import script

# Replayed from the record of passes while nothing it reads has changed (tests/record.py).
pytestmark = pytest.mark.record(extra=["build/lite"])

COMPILED = ("wasm32.whl", ".zip", ".so", ".wasm")


def official_lock() -> dict:
    spec = json.loads((editions.lite.LITE / "lock.json").read_text())["pyodide"]
    tarball = editions.lite.DOWNLOADS / spec["file"]
    if not tarball.exists():
        pytest.skip("Pyodide's npm package is not cached yet: run `python3 course.py lite`")
    with tarfile.open(tarball) as archive:
        return json.load(archive.extractfile("package/pyodide-lock.json"))


def test_vendored_compiled_wheels_are_the_official_ones() -> None:
    entries = {e["file_name"]: e["sha256"] for e in official_lock()["packages"].values()}
    vendored = [p for p in editions.lite.VENDOR.iterdir() if p.name.endswith(COMPILED)]
    assert len(vendored) == 4
    for path in vendored:
        assert editions.lite.sha256(path) == entries[path.name], path.name


def test_no_compiled_file_in_the_site_without_an_official_or_pypi_hash() -> None:
    site = editions.lite.OUT / "static" / "pyodide"
    if not site.exists():
        pytest.skip("build/lite is not built: run `python3 course.py lite`")
    allowed = {e["sha256"] for e in official_lock()["packages"].values()}
    allowed |= set(re.findall(r"sha256:([0-9a-f]{64})",
                              (editions.lite.LITE / "browser.txt").read_text()))
    allowed |= npm_hashes()
    compiled = [p for p in editions.lite.OUT.rglob("*") if p.name.endswith(COMPILED)]
    assert {"numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl", "pyodide.asm.wasm",
            "pandas-3.1.1-cp312-cp312-pyemscripten_2024_0_wasm32.whl"} <= {
        p.name for p in compiled}
    strays = [p.name for p in compiled if editions.lite.sha256(p) not in allowed]
    assert not strays


def npm_hashes() -> set[str]:
    """The sha256 of every file of the pinned npm package of Pyodide."""
    spec = json.loads((editions.lite.LITE / "lock.json").read_text())["pyodide"]
    with tarfile.open(editions.lite.DOWNLOADS / spec["file"]) as archive:
        return {hashlib.sha256(archive.extractfile(m).read()).hexdigest()
                for m in archive.getmembers() if m.isfile()}


def test_the_course_wheel_is_the_package_built_by_pip_and_reproducible(tmp_path: Path) -> None:
    wanted = editions.lite.pins(editions.lite.LITE / "build.txt")
    cached = {editions.lite.wheel_name(p)[0] for p in editions.lite.DOWNLOADS.glob("*.whl")}
    if not set(wanted) <= cached:
        pytest.skip("the build tools are not cached yet: run `python3 course.py lite`")
    editions.lite.tools()
    first = editions.lite.course_wheel(tmp_path / "a")
    second = editions.lite.course_wheel(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as wheel:
        names = wheel.namelist()
        generator = wheel.read("alliance_decisions-0.1.0.dist-info/WHEEL").decode()
        requires = [line for line in wheel.read("alliance_decisions-0.1.0.dist-info/METADATA")
                    .decode().splitlines()
                    if line.startswith("Requires-Dist:") and "extra ==" not in line]
    # setuptools built it (not a hand-made archive), with the tables inside utils, where
    # utils.data looks for them through importlib.resources.
    assert "Generator: setuptools" in generator
    assert "utils/data.py" in names and "utils/_data/datapackage.json" in names
    assert not any(n.startswith("data/") for n in names)
    # its lock entry keeps what the browser has and leaves out only the named desktop tools
    entry = editions.lite.lock_entry(first)
    assert set(entry["depends"]) - editions.lite.DESKTOP_ONLY == {
        "altair", "pandas", "numpy", "ipywidgets", "jupyterlab-widgets"}
    assert len(requires) == len(entry["depends"])
    assert entry["imports"] == ["council", "editions", "utils"]


def test_lock_entries_follow_the_browser_markers(tmp_path: Path) -> None:
    """A lock entry from a wheel pip built: the requirements the browser needs, its imports
    and its hash."""
    project = tmp_path / "demo"
    (project / "demo").mkdir(parents=True)
    (project / "demo" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "demo"\nversion = "1.0"\ndependencies = ["numpy", '
        '"pexpect>4.3; sys_platform != \'emscripten\'", "tzdata; sys_platform == \'emscripten\'",'
        ' "widgetsnbextension~=4.0"]\n[project.optional-dependencies]\ntest = ["pytest"]\n')
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--disable-pip-version-check", "-w", tmp_path,
                    project], check=True)
    wheel, = tmp_path.glob("demo-1.0-*.whl")
    entry = editions.lite.lock_entry(wheel)
    assert entry["depends"] == ["numpy", "tzdata"]
    assert entry["imports"] == ["demo"]
    assert entry["sha256"] == editions.lite.sha256(wheel)


def test_markupsafe_is_the_pure_wheel_pip_builds_from_its_source(tmp_path: Path) -> None:
    entry = json.loads((editions.lite.LITE / "lock.json").read_text())["markupsafe_sdist"]
    if not (editions.lite.DOWNLOADS / entry["file"]).exists() \
            or not editions.lite.tools_python().exists():
        pytest.skip("MarkupSafe's source is not cached yet: run `python3 course.py lite`")
    wheel = editions.lite.markupsafe_wheel(tmp_path)
    assert wheel.name == "markupsafe-3.0.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        generator = archive.read("markupsafe-3.0.3.dist-info/WHEEL").decode()
    assert "markupsafe/_native.py" in names and not any(n.endswith(".so") for n in names)
    assert "Generator: setuptools" in generator
    assert editions.lite.lock_entry(wheel)["imports"] == ["markupsafe"]


def test_pins_reads_versions_and_hashes() -> None:
    found = editions.lite.pins(editions.lite.LITE / "pyodide-core.txt")
    assert found["micropip"] == (
        "0.9.0", "babcf68c1849e229aa887564bc5f2de50273c3212e73c9aff8e3e6e80f2b6a23")


def test_the_apps_start_with_bubbling_keydown() -> None:
    """Each app of the site lets a focused widget take its keys first (the arrow keys of
    a slider), as JupyterLab does: JupyterLite 0.7's start call, in the 0.6.4 bundles."""
    if not (editions.lite.OUT / "build").exists():
        pytest.skip("build/lite is not built: run `python3 course.py lite`")
    apps = [p for p in (editions.lite.OUT / "build").glob("*.js")
            if b"window.jupyterapp=" in p.read_bytes()]
    assert len(apps) >= 2  # lab, notebooks, tree, ...
    for path in apps:
        data = path.read_bytes()
        assert b".start({bubblingKeydown:!0})" in data and not editions.lite.APP_START.search(data)


def test_bubbling_keydown_fails_loudly_on_another_bundle(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    app = tmp_path / "build" / "1.js"
    app.write_bytes(b"window.jupyterapp=y;await y.start(),await y.restored")
    assert editions.lite.bubbling_keydown(tmp_path) == [app]
    assert app.read_bytes().endswith(b"await y.start({bubblingKeydown:!0}),await y.restored")
    with pytest.raises(editions.lite.BuildError, match="found 0 times"):
        editions.lite.bubbling_keydown(tmp_path)  # already changed: no start call to change


def test_the_refusing_proxy_records_and_refuses() -> None:
    lite_browser = script("lite_browser")
    proxy = lite_browser.refusing_proxy()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        for line in (b"CONNECT cdn.jsdelivr.net:443 HTTP/1.1", b"GET http://localhost/x HTTP/1.1",
                     b"CONNECT update.googleapis.com:443 HTTP/1.1"):
            with socket.create_connection(proxy.server_address, timeout=5) as client:
                client.sendall(line + b"\r\n\r\n")
                assert client.recv(100).startswith(b"HTTP/1.1 403")
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert len(proxy.refused) == 3
    assert lite_browser.site_requests(proxy.refused) == [
        "CONNECT cdn.jsdelivr.net:443 HTTP/1.1", "GET http://localhost/x HTTP/1.1"]
    assert lite_browser.offline_flags(proxy)[1] == "--proxy-bypass-list=<-loopback>;127.0.0.1"


def test_pyodide_is_the_package_the_npm_registry_vouches_for() -> None:
    """pyodide.asm.wasm and python_stdlib.zip are in no lock: they come from Pyodide's npm
    package, whose registry integrity (sha512) is pinned next to its sha256."""
    spec = json.loads((editions.lite.LITE / "lock.json").read_text())["pyodide"]
    tarball = editions.lite.DOWNLOADS / spec["file"]
    if not tarball.exists():
        pytest.skip("Pyodide's npm package is not cached yet: run `python3 course.py lite`")
    assert editions.lite.npm_integrity(tarball) == spec["npm_integrity"]
    assert editions.lite.sha256(tarball) == spec["sha256"]


def test_the_build_environment_is_rebuilt_when_the_clone_moves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its scripts start with the absolute path of its Python: a stamp that ignored where
    it lives kept a moved (or copied) environment whose `jupyter` no longer starts."""
    wheel = tmp_path / "a.whl"
    wheel.write_bytes(b"wheel")
    monkeypatch.setattr(editions.lite, "TOOLS", tmp_path / "clone" / "venv")
    here = editions.lite.tools_stamp([wheel])
    assert here == editions.lite.tools_stamp([wheel])
    monkeypatch.setattr(editions.lite, "TOOLS", tmp_path / "moved" / "venv")
    assert editions.lite.tools_stamp([wheel]) != here
