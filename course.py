#!/usr/bin/env python3
"""The course's commands, on Windows, macOS and Linux alike (standard library only).

    python course.py lab            set up .venv (first time only) and open JupyterLab in notebooks/
    python course.py test           set up and run every test, notebooks included (nbval strict)

On Linux and macOS, type ``python3`` where this says ``python``; the Makefile's
targets (``make lab``, ``make test``, ...) call this file. The environment is
installed into ``.venv`` the first time, and again only when ``pyproject.toml``
or ``constraints.txt`` is newer than the stamp ``.venv/.installed``. Words after
the command go to the tool it runs (``python course.py test-unit -k zoo``).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP_NAME = ".installed"
#: What the install stamp depends on: change either and the next command reinstalls.
STAMP_DEPENDS = ("pyproject.toml", "constraints.txt")
MIN_PYTHON = (3, 10)
#: The extras the set-up step installs: dev (tests, JupyterLab) and site (the static site's tools).
EXTRAS = "dev,site"
PYTEST_NBVAL = ["--nbval", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", "--nbval-cell-timeout=600"]
# Every core; --dist loadscope keeps each notebook's cells (and each test module) on one worker, in order
# (tests/conftest.py joins the modules that share a build and splits the executed student copies).
PYTEST_PARALLEL = ["-n", "auto", "--dist", "loadscope"]
#: JupyterLab settings for the learner: no "fetch news?" pop-up, no update checks (both ask a website).
LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}

HELP = {
    "lab": "set up and open JupyterLab in notebooks/",
    "test": "set up and run all tests (unit tests + every notebook under nbval strict)",
    "test-unit": "the unit tests alone (no notebooks, no browser)",
    "test-browser": "drive JupyterLab and the site in headless Chromium: run notebooks, move sliders",
    "outputs": "re-execute every notebook in a fresh kernel and save its outputs",
    "ko": "the Korean edition: sync notebooks/locale/ko/*.po, write and execute notebooks/ko/*.ipynb",
    "student": "write student/ (and student/ko/): notebooks with solutions removed and outputs cleared",
    "site": "write site/: every notebook as a page (English and Korean) with live sliders, an index and a search box",
    "bench": "time every notebook and cell; write benchmarks/results/course_timing.*",
    "weights": "train the models whose weights ship with the course (tools/make_weights.py)",
    "setup": "create .venv and install the pinned environment (the other commands do it when needed)",
    "clean": "remove .venv, .pytest_cache, student/ and site/",
}


class CourseError(Exception):
    """A problem the learner can fix; main() prints it without a traceback."""


def venv_bin(venv, platform=None):
    """The folder of a venv's programs: ``Scripts`` on Windows, ``bin`` elsewhere."""
    platform = sys.platform if platform is None else platform
    return Path(venv) / ("Scripts" if platform.startswith("win") else "bin")


def venv_python(venv, platform=None):
    """The venv's interpreter: ``Scripts\\python.exe`` on Windows, ``bin/python`` elsewhere."""
    platform = sys.platform if platform is None else platform
    return venv_bin(venv, platform) / ("python.exe" if platform.startswith("win") else "python")


def check_python(version_info=None, executable=None):
    """Refuse an interpreter older than MIN_PYTHON, saying which one it is."""
    version_info = sys.version_info if version_info is None else version_info
    if tuple(version_info[:2]) < MIN_PYTHON:
        found = ".".join(str(v) for v in version_info[:3])
        raise CourseError(
            f"the course needs Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer; "
            f"{executable or sys.executable} is Python {found}. Install a newer Python and run this "
            "command with it (on Windows: py -3.11 course.py ...)."
        )


def needs_install(venv, root=ROOT, platform=None):
    """True when the venv has no interpreter, no stamp, or a stamp older than a file it depends on (as make does)."""
    stamp = Path(venv) / STAMP_NAME
    if not venv_python(venv, platform).exists() or not stamp.exists():
        return True
    built = stamp.stat().st_mtime
    return any((Path(root) / name).stat().st_mtime > built for name in STAMP_DEPENDS)


def lab_settings_dir(venv):
    """Where JupyterLab reads default-setting overrides for this venv (its app settings dir)."""
    return Path(venv) / "share" / "jupyter" / "lab" / "settings"


def write_lab_settings(settings_dir):
    """Write the course's JupyterLab defaults as ``overrides.d/course.json`` (a learner's own settings still win)."""
    folder = Path(settings_dir) / "overrides.d"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.json").write_text(json.dumps(LAB_SETTINGS, indent=2) + "\n", encoding="utf-8")
    return folder / "course.json"


def pip_install(python, *requirements):
    """``pip install`` of ``requirements`` into ``python``'s environment, with the course's pins."""
    return [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", "constraints.txt",
            *requirements]


def install_commands(venv, python=None, platform=None):
    """The commands that create ``venv`` (when it has no interpreter) and install the pinned course into it with pip."""
    python = python or sys.executable
    commands = []
    if not venv_python(venv, platform).exists():
        commands.append([python, "-m", "venv", str(venv)])
    commands.append(pip_install(venv_python(venv, platform), "-e", f".[{EXTRAS}]"))
    return commands


#: pip settings that change nothing uv needs to know (uv has its own output and cache).
PIP_SETTINGS_IGNORED = {"disable-pip-version-check", "no-cache-dir", "cache-dir", "progress-bar", "quiet", "verbose",
                        "no-color", "root-user-action", "require-virtualenv", "no-input", "no-python-version-warning"}
#: pip's sections that ``pip install`` reads, weakest first (pip's own order: global, then install, then PIP_*).
PIP_SECTIONS = ("global", "install", ":env:")


def pip_settings(listing):
    """``pip config list`` output as {setting: value}, the strongest section winning (PIP_* over install over
    global); None when a line is not one ``section.setting='value'`` (a value over several lines, say)."""
    ranked = {}
    for line in listing.splitlines():
        match = re.fullmatch(r"([^.\s]+)\.([\w-]+)='(.*)'", line.strip())
        if not match:
            return None
        section, key, value = match.groups()
        if section in PIP_SECTIONS:
            ranked.setdefault(key, []).append((PIP_SECTIONS.index(section), value))
    return {key: max(values)[1] for key, values in ranked.items()}


def _existing(locations, exists=os.path.exists):
    """The locations pip would use: URLs, and local folders or files (plain or ``file:``) that exist (pip skips
    the others with a warning)."""
    kept = []
    for location in locations.split():
        url = urllib.parse.urlparse(location)
        if url.scheme == "file":
            path = urllib.request.url2pathname(url.path)
        elif len(url.scheme) > 1:  # http(s)://...; a one-letter "scheme" is a Windows drive
            kept.append(location)
            continue
        else:
            path = location
        if exists(path):
            kept.append(location)
    return kept


def uv_options(settings, environ=None, exists=os.path.exists):
    """pip's settings as ``uv pip install`` options and environment, or None where uv cannot honour one.

    uv reads no pip configuration, so the indexes, mirrors, local wheels, certificates, proxy and time-out
    that pip would use are handed over here; a setting not known here means pip installs instead.
    """
    environ = dict(os.environ if environ is None else environ)
    args, env = [], {}
    for key, value in settings.items():
        if key in PIP_SETTINGS_IGNORED:
            continue
        if key == "index-url":
            args += ["--index-url", value]
        elif key == "extra-index-url":
            args += [a for url in _existing(value, exists) for a in ("--extra-index-url", url)]
        elif key == "find-links":
            args += [a for where in _existing(value, exists) for a in ("--find-links", where)]
        elif key == "constraint":
            args += [a for path in _existing(value, exists) for a in ("-c", path)]
        elif key == "trusted-host":
            args += [a for host in value.split() for a in ("--allow-insecure-host", host)]
        elif key == "cert":
            env["SSL_CERT_FILE"] = value
        elif key == "proxy":
            env.update({name: environ.get(name, value) for name in ("HTTPS_PROXY", "HTTP_PROXY")})
        elif key in ("timeout", "default-timeout"):
            env["UV_HTTP_TIMEOUT"] = value
        else:
            return None
    return args, {**environ, **env}


def uv_commands(venv, options, platform=None):
    """Install uv into the venv with pip, then the pinned course with uv (parallel downloads and unpacking).

    As pip: every index is searched for the best version (uv's default stops at the first index that has the
    package) and the files are compiled (every later process imports them). ``--no-cache`` leaves no second
    copy of the environment in the learner's home folder.
    """
    python = str(venv_python(venv, platform))
    return [pip_install(python, "uv"),
            [python, "-m", "uv", "pip", "install", "--quiet", "--python", python, "--compile-bytecode", "--no-cache",
             "--index-strategy", "unsafe-best-match", *options, "-c", "constraints.txt", "-e", f".[{EXTRAS}]"]]


def read_pip_settings(venv, platform=None):
    """The venv's pip settings (configuration files and PIP_* variables), or None when pip cannot list them."""
    try:
        listing = subprocess.run([str(venv_python(venv, platform)), "-m", "pip", "config", "list"], cwd=ROOT,
                                 capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return pip_settings(listing.stdout) if listing.returncode == 0 else None


def ensure_env(venv=VENV, run=None, platform=None, pip_settings_of=None):
    """Create and install the venv if needed (see ``needs_install``), then write its JupyterLab defaults.

    The install goes through uv when pip's settings carry over to it (see ``uv_options``), and through pip
    when they do not or uv fails: the same pins either way, uv in about half the time.
    """
    run = run or _run
    pip_settings_of = pip_settings_of or read_pip_settings
    if needs_install(venv, platform=platform):
        check_python()
        *create, with_pip = install_commands(venv, platform=platform)
        for command in create:
            if run(command) != 0:
                raise CourseError(f"'{command[0]} -m venv' failed; on Debian/Ubuntu install python3-venv")
        settings = pip_settings_of(venv, platform)
        carried = uv_options(settings) if settings is not None else None
        installed = False
        if carried is not None:
            options, env = carried
            installed = all(run(command, env=env) == 0 for command in uv_commands(venv, options, platform))
            if not installed:
                print("uv could not install the course; installing it with pip instead", flush=True)
        if not installed and run(with_pip) != 0:
            raise CourseError("installing the course's packages failed (see pip's message above)")
        (Path(venv) / STAMP_NAME).touch()
    write_lab_settings(lab_settings_dir(venv))


def lab_command(venv, platform=None, environ=None, euid=None):
    """``jupyter lab`` in notebooks/ on 127.0.0.1; no browser on a Linux machine without a display; root allowed."""
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    if euid is None:
        euid = os.geteuid() if hasattr(os, "geteuid") else None
    command = [str(venv_python(venv, platform)), "-m", "jupyter", "lab", "--notebook-dir=notebooks",
               "--ServerApp.ip=127.0.0.1", "--LabApp.news_url=None"]
    has_display = (platform.startswith(("win", "darwin"))
                   or bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")))
    if not has_display:
        command.append("--no-browser")
    if euid == 0:
        command.append("--allow-root")
    return command


def commands_for(target, venv=VENV, platform=None, extra=()):
    """The commands a target runs, in order (after the set-up step)."""
    python = str(venv_python(venv, platform))
    extra = list(extra)
    notebooks = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb"))
    # The Korean edition, collected explicitly (pytest counts a folder inside another given one only once).
    korean = ["notebooks/ko"] if (ROOT / "notebooks" / "ko").is_dir() else []
    table = {
        "lab": [lab_command(venv, platform) + extra],
        "test": [[python, "-m", "pytest", "tests", "notebooks", *korean, *PYTEST_NBVAL, *PYTEST_PARALLEL, *extra]],
        "test-unit": [[python, "-m", "pytest", "tests", "--ignore=tests/browser", *extra]],
        "test-browser": [[python, "-m", "pytest", "tests/browser", *extra]],
        "student": [[python, "tools/make_student.py", "--out", "student", *extra]],
        "site": [[python, "tools/make_site.py", "--out", "site", *extra]],
        "bench": [[python, "benchmarks/course_timing.py", *extra]],
        "weights": [[python, "tools/make_weights.py", *extra]],
        "outputs": [[python, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                     "--ExecutePreprocessor.timeout=900", "--ExecutePreprocessor.kernel_name=python3",
                     *notebooks, *extra],
                    [python, "tools/finish_progress_bars.py", *notebooks]],  # saved bars show their end, not 0%
        "ko": [[python, "tools/i18n.py", "update"], [python, "tools/i18n.py", "build", *extra]],
        "setup": [],
    }
    if target not in table:
        raise CourseError(f"unknown command {target!r}; choose one of: {', '.join(HELP)}")
    return table[target]


def child_environ(venv, platform=None, environ=None):
    """The environment for the course's tools: the venv's programs first on PATH, unbuffered output."""
    environ = dict(os.environ if environ is None else environ)
    path_key = next((k for k in environ if k.upper() == "PATH"), "PATH")
    environ[path_key] = str(venv_bin(venv, platform).resolve()) + os.pathsep + environ.get(path_key, "")
    environ["PYTHONUNBUFFERED"] = "1"
    return environ


def clean(root=ROOT):
    for name in (".venv", ".pytest_cache", "student", "site"):
        path = Path(root) / name
        if path.exists():
            print(f"removing {path}")
            shutil.rmtree(path)


def _run(command, env=None):
    print("+ " + " ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT, env=env)


def usage():
    lines = [__doc__.strip().split("\n\n")[0], "", "commands:"]
    lines += [f"  python course.py {name:13} {text}" for name, text in HELP.items()]
    return "\n".join(lines)


def main(argv=None, run=None, venv=VENV):
    argv = sys.argv[1:] if argv is None else argv
    run = run or _run
    if not argv or argv[0] in ("help", "-h", "--help"):
        print(usage())
        return 0
    target, extra = argv[0], argv[1:]
    try:
        if target == "clean":
            clean()
            return 0
        if target == "weights" and not (ROOT / "tools" / "make_weights.py").exists():
            raise CourseError("tools/make_weights.py is not in this checkout yet; nothing to do")
        commands = commands_for(target, venv, extra=extra)
        ensure_env(venv, run=run)
        if target == "lab":
            print("Starting JupyterLab in notebooks/; open the http://127.0.0.1:... URL it prints below.")
        env = child_environ(venv)
        for command in commands:
            code = run(command, env=env)
            if code != 0:
                return code
        return 0
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
