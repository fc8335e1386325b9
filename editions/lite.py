"""Build the course as a JupyterLite site that runs in the browser, offline: build/lite.

    python3 course.py lite                 build build/lite (the student edition)
    python3 course.py lite --instructor    build build/lite-instructor (with solutions)
    python3 course.py lite serve [PORT]    serve build/lite on http://127.0.0.1:PORT (8765)
    python3 course.py lite lock            (maintainers) recompile lite/*.txt with uv

(``python -m editions.lite`` with the same arguments does the same.)

Every input is pinned with its sha256 in ``lite/``: the JupyterLite tools
(``build.txt``), the browser's pure wheels and pandas' browser wheel from PyPI
(``browser.txt``, ``pyodide-core.txt``), Pyodide 0.27.7 from npm and MarkupSafe's source
(``lock.json``), of which pip builds a pure wheel. They are downloaded once into
``.cache/lite`` by pip and npm. The compiled wheels that no registry offers as such (numpy,
sqlite3, ssl, openssl) are in ``vendor/pyodide-wheels``; each is used only if its sha256
equals the entry of Pyodide's official ``pyodide-lock.json`` (from the npm package).

The site's ``pyodide-lock.json`` keeps those official entries unchanged and adds one
entry per PyPI wheel (with PyPI's sha256), one for MarkupSafe and one for the course itself
(the wheel ``pip wheel .`` builds, its tables inside ``utils``), each derived from the
wheel's own metadata, so that the kernel loads everything at start from the site, checked
by Pyodide's own integrity test, with PyPI disabled. Same inputs, same site: wheels and
files are dated 2026-01-01, JSON is written in a fixed order.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import errno
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from functools import partial
from pathlib import Path
from typing import ClassVar

import nbformat
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from editions.notebooks import (
    EditionError,
    course_notebooks,
    read,
    readings,
    require_repository,
    write_files,
)
from editions.student import student_edition

ROOT = Path(__file__).resolve().parent.parent
LITE = ROOT / "lite"
CACHE = ROOT / ".cache" / "lite"
DOWNLOADS = CACHE / "downloads"
TOOLS = CACHE / "venv"
VENDOR = ROOT / "vendor" / "pyodide-wheels"
OUT = ROOT / "build" / "lite"
OUT_INSTRUCTOR = ROOT / "build" / "lite-instructor"
#: 2026-01-01T00:00:00Z: the date stamped on every file of the site (reproducible builds).
EPOCH = 1767225600
#: The browser kernel's environment, for the markers of a wheel's requirements.
BROWSER = {"python_version": "3.12", "python_full_version": "3.12.7", "os_name": "posix",
           "sys_platform": "emscripten", "platform_system": "Emscripten",
           "platform_machine": "wasm32", "implementation_name": "cpython",
           "platform_python_implementation": "CPython", "extra": ""}
#: Requirements the Pyodide kernel satisfies itself (a stand-in of the classic Notebook's
#: widget extension), left out of the lock's dependencies.
KERNEL_PROVIDES = {"widgetsnbextension"}
#: The course's own requirements that the browser does without, left out of its lock entry:
#: the Pyodide kernel stands in for ipykernel and JupyterLab, charts are drawn from their
#: spec (no vl-convert, no pillow), and the council's server (tornado, segno) runs on a
#: computer, not in a page. Any other requirement without a browser wheel stops the build.
DESKTOP_ONLY = {"ipykernel", "jupyterlab", "jupyterlab-rise", "vl-convert-python", "pillow",
                "tornado", "segno"}
#: What the course's wheel is built from (pyproject.toml says what of it is packed).
COURSE_SOURCES = ("pyproject.toml", "README.md", "utils", "council", "editions", "data")
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
#: What the kernel loads as it starts (with their dependencies, from the lock).
PRELOAD = ["alliance-decisions", "ipython", "jedi", "ipywidgets", "sqlite3", "ssl"]
STORAGE_NOTE_ID = "lite-where-your-work-is"
#: The cell the browser edition adds under each notebook's title: where a student's work is
#: kept, and how to keep a copy.
STORAGE_NOTE = (Path(__file__).parent / "static" / "lite-note.md").read_text(encoding="utf-8")


class BuildError(RuntimeError):
    """A build input is missing or does not match its pinned hash."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pins(requirements: Path) -> dict[str, tuple[str, str]]:
    """``{name: (version, first sha256)}`` of a pip requirements file with hashes."""
    found: dict[str, tuple[str, str]] = {}
    name = ""
    for line in requirements.read_text().splitlines():
        line = line.strip().rstrip("\\").strip()
        if "==" in line and not line.startswith(("#", "--")):
            name, version = line.split(";")[0].split("==")
            name = canonicalize_name(name.strip())
            found[name] = (version.strip(), "")
        elif line.startswith("--hash=sha256:") and name and not found[name][1]:
            found[name] = (found[name][0], line.removeprefix("--hash=sha256:"))
    return found


def wheel_name(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return canonicalize_name(name), version


def pip_download(requirements: Path, *platform: str) -> list[Path]:
    """The wheels of a hashed requirements file, from the cache or fetched by pip."""
    wanted = pins(requirements)
    DOWNLOADS.mkdir(parents=True, exist_ok=True)

    def cached() -> dict[str, Path]:
        files = {}
        for path in DOWNLOADS.glob("*.whl"):
            name, version = wheel_name(path)
            if name in wanted and wanted[name][0] == version:
                files[name] = path
        return files

    if set(cached()) != set(wanted):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--disable-pip-version-check", "--only-binary=:all:",
                        "--require-hashes", *platform, "-r", str(requirements),
                        "-d", str(DOWNLOADS)], check=True)
    files = cached()
    if set(files) != set(wanted):
        raise BuildError(f"pip did not fetch {sorted(set(wanted) - set(files))}")
    for path in files.values():
        # pip checked every hash the file lists; recheck the file as it is now on disk.
        if sha256(path) not in requirements.read_text():
            raise BuildError(f"{path.name}: sha256 is not the one pinned in {requirements}")
    return sorted(files.values())


def fetched(entry: dict[str, str], command: list[str]) -> Path:
    """A file of lite/lock.json, from the cache or fetched by `command`, hash-checked."""
    path = DOWNLOADS / entry["file"]
    if not path.exists():
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        subprocess.run(command, cwd=DOWNLOADS, check=True, stdout=subprocess.DEVNULL)
    if sha256(path) != entry["sha256"] or \
            entry.get("npm_integrity", npm_integrity(path)) != npm_integrity(path):
        path.unlink()
        raise BuildError(f"{entry['file']}: sha256 or npm integrity differs from "
                         "lite/lock.json (removed it)")
    return path


def npm_integrity(path: Path) -> str:
    """A file's integrity as the npm registry writes it (``sha512-`` and base64)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def tools_stamp(wheels: list[Path]) -> str:
    """What the build environment is made of, and where it and the course environment are:
    its scripts and its link to the course environment hold absolute paths, so a clone moved
    to another folder (or a copied cache) gets a new environment instead of a broken one."""
    return "\n".join([*(sha256(w) for w in wheels), str(TOOLS.resolve()),
                      sysconfig.get_path("purelib")])


def tools() -> Path:
    """The `jupyter` command of a private environment holding the pinned JupyterLite; it
    also sees the course environment (for jupyter_server, which indexes the contents)."""
    wheels = pip_download(LITE / "build.txt")
    stamp = TOOLS / "installed.txt"
    digest = tools_stamp(wheels)
    python = tools_python()
    if not stamp.exists() or stamp.read_text() != digest:
        shutil.rmtree(TOOLS, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(TOOLS)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
                        "--disable-pip-version-check", *map(str, wheels)], check=True)
        site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path("
                               "'purelib'))"], capture_output=True, text=True, check=True)
        (Path(site.stdout.strip()) / "course-environment.pth").write_text(
            sysconfig.get_path("purelib") + "\n")
        stamp.write_text(digest)
    return python.parent / ("jupyter.exe" if os.name == "nt" else "jupyter")


def tools_python() -> Path:
    """The Python of the build tools' environment (made by `tools`)."""
    return TOOLS / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def built_wheel(source: Path, target_dir: Path, env: dict[str, str] | None = None) -> Path:
    """The wheel pip builds from `source` (a folder or an sdist) into `target_dir`, with the
    build tools' pinned setuptools, offline, dated as the site (SOURCE_DATE_EPOCH): the
    same source gives the same bytes."""
    target_dir.mkdir(parents=True, exist_ok=True)
    before = set(target_dir.glob("*.whl"))
    subprocess.run([tools_python(), "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--no-cache-dir",
                    "--disable-pip-version-check", "-w", target_dir, source], check=True,
                   stdout=subprocess.DEVNULL,
                   env={**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), **(env or {})})
    (wheel,) = set(target_dir.glob("*.whl")) - before
    return wheel


def course_wheel(target_dir: Path) -> Path:
    """The course's own wheel, exactly as `pip wheel .` builds it for any installation
    (``utils`` with its tables in ``utils/_data``, ``council`` and ``editions``). It is
    built from a fresh copy of the files pyproject.toml packs (a build in the repository
    would leave build/, whose stale files a later build would pack too)."""
    source = CACHE / "course-source"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    for name in COURSE_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(ROOT / name, source / name)
    for old in target_dir.glob("alliance_decisions-*.whl"):
        old.unlink()
    wheel = built_wheel(source, target_dir)
    shutil.rmtree(source)
    return wheel


def markupsafe_wheel(target_dir: Path) -> Path:
    """MarkupSafe as the pure wheel pip builds from its source (no registry has a browser
    wheel of it): MarkupSafe's build falls back to plain Python when its C speedups do not
    compile, and a compiler that always fails (``CC=false``) makes sure they do not; the
    package then uses its Python ``_native`` module."""
    entry = json.loads((LITE / "lock.json").read_text())["markupsafe_sdist"]
    sdist = fetched(entry, [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "--no-binary=:all:", "--disable-pip-version-check",
                            entry["requirement"], "-d", "."])
    wheel = built_wheel(sdist, target_dir, {"CC": "false"})
    if not wheel.name.endswith("-py3-none-any.whl"):
        raise BuildError(f"{wheel.name}: MarkupSafe's build made a compiled wheel, not a "
                         "pure one")
    return wheel


def lock_entry(wheel: Path) -> dict[str, object]:
    """A pyodide-lock.json entry for a wheel: its browser dependencies and imports."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = email.parser.Parser().parsestr(archive.read(meta_name).decode())
    depends = sorted({canonicalize_name(req.name)
                      for req in map(Requirement, meta.get_all("Requires-Dist") or [])
                      if req.marker is None or Marker(str(req.marker)).evaluate(BROWSER)}
                     - KERNEL_PROVIDES)
    imports = sorted({n.split("/")[0].removesuffix(".py") for n in names
                      if not n.split("/")[0].endswith((".dist-info", ".data"))
                      and ((n.endswith("/__init__.py") and n.count("/") == 1)
                           or ("/" not in n and n.endswith(".py")))})
    name, version = wheel_name(wheel)
    return {"name": name, "version": version, "file_name": wheel.name,
            "install_dir": "site", "sha256": sha256(wheel), "package_type": "package",
            "imports": imports, "depends": depends, "unvendored_tests": False,
            "shared_library": False}


def pyodide_dir(stage: Path) -> Path:
    """static/pyodide of the site: Pyodide's core files, its lock, and every wheel."""
    spec = json.loads((LITE / "lock.json").read_text())
    tarball = fetched(spec["pyodide"], ["npm", "pack", "--silent", spec["pyodide"]["npm"]])
    target = stage / "static" / "pyodide"
    target.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if member.isfile() and not name.endswith((".map", ".d.ts", ".html")):
                (target / name).write_bytes(archive.extractfile(member).read())
    official = json.loads((target / "pyodide-lock.json").read_text())
    packages = {}
    for name in spec["from_official_lock"]:
        entry = official["packages"][name]
        source = VENDOR / entry["file_name"]
        if not source.exists() or sha256(source) != entry["sha256"]:
            raise BuildError(f"{source}: missing, or its sha256 is not the one of Pyodide's "
                             "official lock; only official compiled files are accepted")
        shutil.copyfile(source, target / entry["file_name"])
        packages[name] = entry
    wheels = [*pip_download(LITE / "pyodide-core.txt", "--python-version", "3.12"),
              *pip_download(LITE / "browser.txt", "--python-version", "3.12",
                            "--platform", "pyemscripten_2024_0_wasm32",
                            "--implementation", "cp", "--abi", "cp312")]
    for wheel in wheels:
        shutil.copyfile(wheel, target / wheel.name)
    wheels = [target / w.name for w in wheels]
    course = course_wheel(target)
    wheels += [markupsafe_wheel(target), course]
    for wheel in wheels:
        entry = lock_entry(wheel)
        if wheel == course:
            entry["depends"] = [d for d in entry["depends"] if d not in DESKTOP_ONLY]
        packages[entry["name"]] = entry
    missing = {d for e in packages.values() for d in e["depends"]} - set(packages)
    if missing:
        raise BuildError(f"no wheel for {sorted(missing)}: add them to lite/browser.in")
    official["packages"] = dict(sorted(packages.items()))
    (target / "pyodide-lock.json").write_text(json.dumps(official, indent=1, sort_keys=True))
    return target


def notebooks(stage: Path, instructor: bool) -> None:
    """The notebooks (student edition unless `instructor`), for the Pyodide kernel."""
    files = stage / "files"
    files.mkdir()
    for path in course_notebooks():
        notebook = read(path)
        if not instructor:
            notebook = student_edition(notebook, readings="")
        notebook.metadata["kernelspec"] = dict(KERNELSPEC)
        note = nbformat.v4.new_markdown_cell(STORAGE_NOTE)
        note.id = STORAGE_NOTE_ID
        notebook.cells.insert(1, note)
        # Sources as whole strings: JupyterLite hands the file to the page as stored, and
        # JupyterLab's table of contents fails on sources stored as lists of lines.
        (files / path.name).write_text(nbformat.writes(notebook, split_lines=False),
                                       encoding="utf-8")
    write_files(files, readings())


def configure(stage: Path) -> None:
    settings = {"disablePyPIFallback": True,
                "pyodideUrl": "./static/pyodide/pyodide.js",
                "loadPyodideOptions": {"packages": PRELOAD}}
    site = {"jupyter-lite-schema-version": 0,
            "jupyter-config-data": {"appName": "Alliance Decisions",
                                    # window.jupyterapp, for the browser test and bench
                                    "exposeAppInBrowser": True,
                                    "litePluginSettings": {KERNEL_PLUGIN: settings}}}
    (stage / "jupyter-lite.json").write_text(json.dumps(site, indent=1))
    build_config = {"LiteBuildConfig": {
        "federated_extensions": [str(w) for w in federated_extensions()],
        "ignore_sys_prefix": True, "no_sourcemaps": True, "no_unused_shared_packages": True,
        "contents": [str(stage / "files")], "source_date_epoch": EPOCH}}
    (stage / "jupyter_lite_config.json").write_text(json.dumps(build_config, indent=1))


def federated_extensions() -> list[Path]:
    """The lab extensions the site needs: the Pyodide kernel and the widget manager."""
    names = {"jupyterlite-pyodide-kernel": LITE / "build.txt",
             "jupyterlab-widgets": LITE / "browser.txt"}
    found = []
    for name, requirements in names.items():
        version = pins(requirements)[name][0]
        found += [w for w in DOWNLOADS.glob("*.whl") if wheel_name(w) == (name, version)]
    return found


#: How JupyterLite 0.6's app bundles start JupyterLab (minified; the variable varies).
APP_START = re.compile(rb"await ([\w$]{1,3})\.start\(\),await \1\.restored")


def bubbling_keydown(out: Path) -> list[Path]:
    """Start each of the site's apps with ``bubblingKeydown``, as JupyterLab does.

    JupyterLite 0.6 starts JupyterLab with its keyboard shortcuts listening before the
    page's own controls (the capture phase): a focused slider or drop-down never gets its
    arrow keys, the notebook moves to the next heading instead, so a student cannot move
    a widget from the keyboard. JupyterLite 0.7 starts its apps with
    ``bubblingKeydown: true`` (jupyterlite/jupyterlite#1702), as JupyterLab does; this is
    the same one-word change to the 0.6.4 bundles. It is a patch because 0.6 has no
    extension point for it: the option is an argument of the bundle's own ``start()``
    call, which no plugin, setting or page configuration reaches. Fails unless each app
    bundle has the start call exactly once.
    """
    patched = []
    for path in sorted((out / "build").glob("*.js")):
        data = path.read_bytes()
        if b"window.jupyterapp=" not in data:  # only the apps' entry points expose it
            continue
        data, count = APP_START.subn(rb"await \1.start({bubblingKeydown:!0}),await \1.restored",
                                     data)
        if count != 1:
            raise BuildError(f"{path.name}: the app's start call was found {count} times "
                             "(not 1): is JupyterLite still 0.6.4?")
        path.write_bytes(data)
        patched.append(path)
    if not patched:
        raise BuildError("no JupyterLite app bundle found in build/")
    return patched


def inputs_digest() -> str:
    """A digest of everything the site is built from (to tell whether a build is current)."""
    folders = [ROOT / "utils", ROOT / "editions", ROOT / "data", ROOT / "notebooks", LITE,
               VENDOR]
    files = [*sorted(p for f in folders for p in f.rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts)]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def built_from(out: Path = OUT) -> str:
    """The inputs digest build/lite was built from ('' if none)."""
    stamp = out / "build-inputs.sha256"
    return stamp.read_text().strip() if stamp.exists() else ""


def build(instructor: bool = False) -> Path:
    """Build the site from the pinned inputs, always from a clean stage and output."""
    jupyter = tools()
    out = OUT_INSTRUCTOR if instructor else OUT
    stage = CACHE / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    pyodide_dir(stage)
    notebooks(stage, instructor)
    configure(stage)
    shutil.rmtree(out, ignore_errors=True)
    command = [jupyter, "lite", "build", "--lite-dir", stage, "--output-dir", out]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "JUPYTERLITE_NO_LIBARCHIVE": "1"}
    subprocess.run([str(c) for c in command], cwd=stage, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    (out / ".jupyterlite.doit.db").unlink(missing_ok=True)
    bubbling_keydown(out)
    (out / "build-inputs.sha256").write_text(inputs_digest() + "\n")
    return out


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, with the WebAssembly type browsers insist on; quiet log."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript",
        ".json": "application/json"}

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    """Quiet when a browser drops a download it no longer needs (it leaves the page)."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def server(directory: Path, port: int = 0) -> Server:
    """A static server of `directory` on 127.0.0.1 (port 0: any free one)."""
    return Server(("127.0.0.1", port), partial(Handler, directory=str(directory)))


#: Where `lite serve` listens unless told (the live council takes 8766, so both can run).
DEFAULT_PORT = 8765


def serve(port: str | int = DEFAULT_PORT) -> int:
    """Serve build/lite on 127.0.0.1 (building it first if needed) until Ctrl+C; a port
    that is not a port, or is taken, is refused in one line."""
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 1 <= number <= 65535:
        print(f"Cannot serve: the port must be a number from 1 to 65535, not {port}.",
              file=sys.stderr)
        return 2
    try:  # listen before building, so that a taken port is said at once
        httpd = server(OUT, number)
    except OSError as error:
        why = ("is already in use (another `lite serve`, or the council?): stop it, or give "
               "another port: `python3 course.py lite serve PORT`"
               if error.errno == errno.EADDRINUSE else f"cannot be used: {error.strerror}")
        print(f"Cannot serve: port {number} on 127.0.0.1 {why}.", file=sys.stderr)
        return 1
    with httpd:
        if not (OUT / "index.html").exists():
            build()
        print(f"Serving build/lite at http://127.0.0.1:{httpd.server_port}/lab/index.html "
              "(Ctrl+C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()
    return 0


def lock() -> int:
    """Recompile the pinned requirement files of lite/ (needs uv; reaches PyPI)."""
    common = ["uv", "pip", "compile", "--quiet", "--generate-hashes", "--no-header"]
    subprocess.run([*common, "--python-platform", "wasm32-pyodide2024", "--python-version",
                    "3.12", "-c", "browser-constraints.txt",
                    *(f"--no-emit-package={p}" for p in
                      ("numpy", "markupsafe", "widgetsnbextension", "packaging")),
                    "browser.in", "-o", "browser.txt"], cwd=LITE, check=True)
    subprocess.run([*common, "--universal", "--python-version", "3.11", "build.in",
                    "-o", "build.txt"], cwd=LITE, check=True)
    return 0


def main(args: list[str]) -> int:
    try:
        require_repository()
    except EditionError as error:
        print(f"Cannot build the browser edition: {error}", file=sys.stderr)
        return 1
    try:
        if args[:1] == ["serve"]:
            return serve(args[1] if len(args) > 1 else DEFAULT_PORT)
        if args[:1] == ["lock"]:
            return lock()
        out = build(instructor="--instructor" in args)
    except (BuildError, subprocess.CalledProcessError) as error:
        print(f"The JupyterLite build failed: {error}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out.relative_to(ROOT)} ({size / 1e6:.1f} MB); try it with "
          "`python3 course.py lite serve`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
