"""course.py, the cross-platform entry point: paths, the install stamp, the commands it runs.

Windows and macOS cannot run here, so their paths are tested with the platform
faked; no test installs anything or touches the network (installs are recorded,
not run). One test starts a real JupyterLab on a loopback port to check that
the news pop-up is off with the course's settings.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from paths import ROOT

sys.path.insert(0, str(ROOT))
import course  # noqa: E402


class Recorder:
    """Stands in for subprocess: records each command, creates the venv's python when asked to make a venv."""

    def __init__(self, platform="linux", codes=None):
        self.commands, self.platform, self.codes = [], platform, list(codes or [])

    def __call__(self, command, env=None):
        self.commands.append(command)
        if command[1:3] == ["-m", "venv"]:
            python = course.venv_python(command[3], self.platform)
            python.parent.mkdir(parents=True)
            python.touch()
        return self.codes.pop(0) if self.codes else 0


def _fake_checkout(tmp_path):
    for name in course.STAMP_DEPENDS:
        (tmp_path / name).write_text("x")
    return tmp_path


@pytest.mark.parametrize("platform, bin_name, python_name", [
    ("win32", "Scripts", "python.exe"), ("darwin", "bin", "python"), ("linux", "bin", "python"),
])
def test_venv_paths_per_platform(tmp_path, platform, bin_name, python_name):
    assert course.venv_bin(tmp_path, platform) == tmp_path / bin_name
    assert course.venv_python(tmp_path, platform) == tmp_path / bin_name / python_name


@pytest.mark.parametrize("version", [(3, 9, 18), (3, 8, 0), (2, 7, 18)])
def test_old_python_is_refused_with_its_version(version):
    with pytest.raises(course.CourseError, match=r"needs Python 3\.10 or newer.*is Python " + ".".join(map(str, version))):
        course.check_python(version, "/usr/bin/python3")


def test_new_python_is_accepted():
    course.check_python((3, 10, 0))
    course.check_python((3, 13, 1))


def no_pip_settings(venv, platform):
    return {}


def _is_pip_install(command):
    return command[1:4] == ["-m", "pip", "install"] and command[-2:] == ["-e", f".[{course.EXTRAS}]"]


@pytest.mark.parametrize("platform", ["win32", "darwin", "linux"])
def test_missing_venv_is_created_then_installed_with_the_pins(tmp_path, monkeypatch, platform):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    venv = tmp_path / ".venv"
    run = Recorder(platform)
    course.ensure_env(venv, run=run, platform=platform, pip_settings_of=no_pip_settings)
    create, get_uv, install = run.commands
    python = str(course.venv_python(venv, platform))
    assert create == [sys.executable, "-m", "venv", str(venv)]
    assert get_uv == [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", "constraints.txt", "uv"]
    assert install[:5] == [python, "-m", "uv", "pip", "install"]
    assert install[install.index("--python") + 1] == python  # into the venv, not wherever uv finds a Python
    assert "--compile-bytecode" in install and install[install.index("--index-strategy") + 1] == "unsafe-best-match"
    assert install[-4:] == ["-c", "constraints.txt", "-e", f".[{course.EXTRAS}]"]
    assert (venv / ".installed").exists()
    # The second time nothing is installed: the stamp is newer than what it depends on.
    run.commands.clear()
    course.ensure_env(venv, run=run, platform=platform, pip_settings_of=no_pip_settings)
    assert run.commands == []


def test_stamp_older_than_pyproject_or_constraints_reinstalls_without_a_new_venv(tmp_path, monkeypatch):
    root = _fake_checkout(tmp_path)
    venv = tmp_path / ".venv"
    python = course.venv_python(venv, "linux")
    python.parent.mkdir(parents=True)
    python.touch()
    stamp = venv / ".installed"
    stamp.touch()
    old = time.time() - 100
    for name in course.STAMP_DEPENDS:
        os.utime(root / name, (old, old))
    assert not course.needs_install(venv, root, "linux")
    for name in course.STAMP_DEPENDS:
        os.utime(root / name, (old + 200, old + 200))
        assert course.needs_install(venv, root, "linux"), f"{name} newer than the stamp must reinstall"
        os.utime(root / name, (old, old))
    stamp.unlink()
    assert course.needs_install(venv, root, "linux")
    monkeypatch.setattr(course, "ROOT", root)
    run = Recorder()
    course.ensure_env(venv, run=run, platform="linux", pip_settings_of=no_pip_settings)
    assert [c[1:5] for c in run.commands] == [["-m", "pip", "install", "--quiet"], ["-m", "uv", "pip", "install"]]


def test_a_venv_without_python_is_rebuilt_even_with_a_stamp(tmp_path):
    root = _fake_checkout(tmp_path)
    venv = tmp_path / ".venv"
    venv.mkdir()
    (venv / ".installed").touch()
    assert course.needs_install(venv, root, "win32")


def test_old_python_stops_before_any_install(tmp_path, monkeypatch):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    monkeypatch.setattr(course.sys, "version_info", (3, 8, 10, "final", 0))
    run = Recorder()
    with pytest.raises(course.CourseError, match="3.10 or newer"):
        course.ensure_env(tmp_path / ".venv", run=run, pip_settings_of=no_pip_settings)
    assert run.commands == []


def test_failed_venv_creation_names_python3_venv(tmp_path, monkeypatch):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    with pytest.raises(course.CourseError, match="python3-venv"):
        course.ensure_env(tmp_path / ".venv", run=Recorder(codes=[1]), platform="linux", pip_settings_of=no_pip_settings)
    assert not (tmp_path / ".venv" / ".installed").exists()


@pytest.mark.parametrize("codes", [[0, 1], [0, 0, 1]], ids=["uv not installed", "uv install failed"])
def test_pip_installs_when_uv_fails(tmp_path, monkeypatch, capsys, codes):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    run = Recorder(codes=codes)
    course.ensure_env(tmp_path / ".venv", run=run, platform="linux", pip_settings_of=no_pip_settings)
    assert _is_pip_install(run.commands[-1]) and run.commands[-1][-4:-2] == ["-c", "constraints.txt"]
    assert "installing it with pip instead" in capsys.readouterr().out
    assert (tmp_path / ".venv" / ".installed").exists()


@pytest.mark.parametrize("settings", [None, {"no-deps": "1"}], ids=["pip lists no settings", "a setting uv lacks"])
def test_pip_installs_when_its_settings_do_not_carry_over_to_uv(tmp_path, monkeypatch, settings):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    run = Recorder()
    course.ensure_env(tmp_path / ".venv", run=run, platform="linux", pip_settings_of=lambda venv, platform: settings)
    assert len(run.commands) == 2 and _is_pip_install(run.commands[1])  # the venv, then pip alone


def test_failed_install_leaves_no_stamp(tmp_path, monkeypatch):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    with pytest.raises(course.CourseError, match="pip"):
        course.ensure_env(tmp_path / ".venv", run=Recorder(codes=[0, 0, 1, 1]), platform="linux",
                          pip_settings_of=no_pip_settings)
    assert not (tmp_path / ".venv" / ".installed").exists()


def test_pip_settings_take_the_strongest_section():
    listing = ("global.index-url='https://mirror.example/simple'\n"
               "install.index-url='https://install.example/simple'\n"
               ":env:.find-links='/opt/wheels'\nglobal.find-links='/elsewhere'\n"
               "download.index-url='https://download-only.example/simple'\n")
    assert course.pip_settings(listing) == {"index-url": "https://install.example/simple", "find-links": "/opt/wheels"}
    assert course.pip_settings("") == {}
    # A value over two lines is not understood: pip installs rather than uv with half a setting.
    assert course.pip_settings("global.extra-index-url='https://a.example\nhttps://b.example'") is None


def test_uv_gets_every_index_local_wheel_certificate_and_proxy_pip_would_use(tmp_path):
    wheels, constraint = tmp_path / "wheels", tmp_path / "cap.txt"
    wheels.mkdir()
    constraint.write_text("torch<=2.14.1\n")
    settings = {"index-url": "https://mirror.example/simple",
                "extra-index-url": f"https://extra.example/simple file://{tmp_path}/gone {wheels.as_uri()}",
                "find-links": f"{wheels} {tmp_path}/missing https://links.example/",
                "constraint": str(constraint), "trusted-host": "mirror.example", "cert": "/etc/ca.pem",
                "proxy": "http://proxy.example:3128", "default-timeout": "180", "disable-pip-version-check": "1"}
    args, env = course.uv_options(settings, environ={"HOME": "/home/learner"})
    pairs = list(zip(args[::2], args[1::2]))
    assert ("--index-url", "https://mirror.example/simple") in pairs
    # Local places that do not exist are skipped, as pip skips them (with a warning); the others all reach uv.
    assert [v for k, v in pairs if k == "--extra-index-url"] == ["https://extra.example/simple", wheels.as_uri()]
    assert [v for k, v in pairs if k == "--find-links"] == [str(wheels), "https://links.example/"]
    assert ("-c", str(constraint)) in pairs and ("--allow-insecure-host", "mirror.example") in pairs
    assert env["SSL_CERT_FILE"] == "/etc/ca.pem" and env["UV_HTTP_TIMEOUT"] == "180"
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == "http://proxy.example:3128" and env["HOME"] == "/home/learner"
    assert course.uv_options({"no-deps": "1"}, environ={}) is None


def test_a_windows_drive_path_is_a_path_not_a_url():
    assert course._existing(r"C:\wheels", exists=lambda p: p == r"C:\wheels") == [r"C:\wheels"]
    assert course._existing(r"C:\wheels", exists=lambda p: False) == []


def test_lab_command_per_platform(tmp_path):
    linux_headless = course.lab_command(tmp_path, "linux", environ={}, euid=0)
    assert linux_headless[:4] == [str(tmp_path / "bin" / "python"), "-m", "jupyter", "lab"]
    assert "--no-browser" in linux_headless and "--allow-root" in linux_headless
    assert "--ServerApp.ip=127.0.0.1" in linux_headless and "--notebook-dir=notebooks" in linux_headless
    desktop = course.lab_command(tmp_path, "linux", environ={"WAYLAND_DISPLAY": "wayland-0"}, euid=1000)
    assert "--no-browser" not in desktop and "--allow-root" not in desktop
    windows = course.lab_command(tmp_path, "win32", environ={}, euid=None)
    assert windows[0] == str(tmp_path / "Scripts" / "python.exe") and "--no-browser" not in windows
    mac = course.lab_command(tmp_path, "darwin", environ={}, euid=501)
    assert mac[0] == str(tmp_path / "bin" / "python") and "--no-browser" not in mac


def test_targets_run_what_the_makefile_ran(tmp_path):
    python = str(tmp_path / "bin" / "python")
    (test,) = course.commands_for("test", tmp_path, "linux")
    korean = ["notebooks/ko"] if (ROOT / "notebooks" / "ko").is_dir() else []
    assert test == [python, "-m", "pytest", "tests", "notebooks", *korean, "--nbval", "--nbval-sanitize-with",
                    "tests/nbval_sanitize.cfg", "--nbval-cell-timeout=600", "-n", "auto", "--dist", "loadscope"]
    assert course.commands_for("ko", tmp_path, "linux", extra=["04_nade"]) == [
        [python, "tools/i18n.py", "update"], [python, "tools/i18n.py", "build", "04_nade"]]
    assert course.commands_for("test-unit", tmp_path, "linux", extra=["-k", "zoo"]) == [
        [python, "-m", "pytest", "tests", "--ignore=tests/browser", "-k", "zoo"]]
    outputs, bars = course.commands_for("outputs", tmp_path, "linux")
    notebooks = sorted(f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert outputs[outputs.index("--inplace") + 3:] == notebooks and notebooks
    assert bars == [python, "tools/finish_progress_bars.py", *notebooks]
    assert "--ExecutePreprocessor.timeout=900" in outputs
    assert course.commands_for("student", tmp_path, "linux") == [[python, "tools/make_student.py", "--out", "student"]]
    assert course.commands_for("site", tmp_path, "linux") == [[python, "tools/make_site.py", "--out", "site"]]
    assert course.commands_for("test-browser", tmp_path, "win32")[0][0] == str(tmp_path / "Scripts" / "python.exe")
    with pytest.raises(course.CourseError, match="unknown command 'tset'"):
        course.commands_for("tset", tmp_path)


def test_the_korean_edition_is_collected_by_the_test_command_once_it_exists(tmp_path, monkeypatch):
    monkeypatch.setattr(course, "ROOT", tmp_path)
    (tmp_path / "notebooks").mkdir()
    assert "notebooks/ko" not in course.commands_for("test", tmp_path / ".venv", "linux")[0]
    (tmp_path / "notebooks" / "ko").mkdir()
    (test,) = course.commands_for("test", tmp_path / ".venv", "linux")
    assert test[3:6] == ["tests", "notebooks", "notebooks/ko"]


def test_every_makefile_target_goes_through_course_py():
    makefile = (ROOT / "Makefile").read_text()
    targets = makefile.split("TARGETS :=")[1].splitlines()[0].split()
    assert set(targets) == set(course.HELP) | {"help"}
    assert "\t@$(PYTHON) course.py $@" in makefile
    assert "pip" not in makefile and "pytest" not in makefile, "the Makefile must not keep its own copy of a command"


def test_main_runs_setup_then_the_target_with_the_venv_first_on_path(tmp_path, monkeypatch):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    venv = tmp_path / ".venv"
    seen = []

    def run(command, env=None):
        seen.append((command, env))
        return Recorder()(command)

    assert course.main(["test-unit", "-x"], run=run, venv=venv) == 0
    assert [c[1:3] for c, _ in seen[:2]] == [["-m", "venv"], ["-m", "pip"]]
    command, env = seen[-1]
    assert command[-2:] == ["--ignore=tests/browser", "-x"]
    assert env["PATH"].split(os.pathsep)[0] == str(course.venv_bin(venv).resolve())
    assert env["PYTHONUNBUFFERED"] == "1"
    assert (venv / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / "course.json").exists()


def test_main_returns_the_failing_command_code(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(course, "ROOT", _fake_checkout(tmp_path))
    assert course.main(["test"], run=Recorder(codes=[0, 0, 3]), venv=tmp_path / ".venv") == 3
    assert course.main(["nope"], run=Recorder(), venv=tmp_path / ".venv") == 1
    assert "unknown command 'nope'" in capsys.readouterr().err


def test_lab_settings_go_where_this_jupyterlab_reads_them():
    from jupyterlab.commands import get_app_dir

    if os.environ.get("JUPYTERLAB_DIR"):
        pytest.skip("JUPYTERLAB_DIR moves the app dir")
    assert course.lab_settings_dir(Path(sys.prefix)).resolve() == Path(get_app_dir()) / "settings"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_jupyterlab_started_as_course_py_does_has_the_news_popup_off(tmp_path):
    """A real server with the course's command line and settings: news and update checks are off."""
    settings = tmp_path / "app-settings"
    course.write_lab_settings(settings)
    port, token = _free_port(), secrets.token_hex(8)
    (tmp_path / "notebooks").mkdir()
    command = course.lab_command(Path(sys.prefix), environ={}) + [
        f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0",
        f"--LabApp.app_settings_dir={settings}", "--no-browser"]
    command[0] = sys.executable
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings")}
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                reply = urllib.request.urlopen(
                    f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}", timeout=5)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "jupyter lab did not start"
                time.sleep(0.5)
        # The overrides become the schema's defaults; the learner's own settings (none here) sit on top.
        defaults = {k: v.get("default") for k, v in json.loads(reply.read())["schema"]["properties"].items()}
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
        page = urllib.request.urlopen(f"{base}/lab?token={token}", timeout=10).read().decode()
        assert '"news": {"disabled": true}' in page
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_test_scheduling_keeps_notebooks_whole_joins_shared_builds_and_splits_student_runs():
    from xdist.scheduler import LoadScopeScheduling

    from scheduling import OWN_UNITS, SHARED_UNITS, scheduling_unit

    # The names stay true to the suite: a renamed module or test would leave its unit unused.
    assert all((ROOT / module).is_file() for module in SHARED_UNITS)
    for test in OWN_UNITS:
        module, name = test.split("::")
        assert f"def {name}(" in (ROOT / module).read_text(encoding="utf-8"), test

    default = lambda nodeid: LoadScopeScheduling._split_scope(None, nodeid)  # noqa: E731
    unit = lambda nodeid: scheduling_unit(nodeid, default)  # noqa: E731
    cells = [f"notebooks/05_vae.ipynb::Cell {i}" for i in range(3)]
    assert {unit(c) for c in cells} == {"notebooks/05_vae.ipynb"}
    assert unit("notebooks/ko/05_vae.ipynb::Cell 0") != unit(cells[0])
    assert unit("tests/test_site.py::test_x") == unit("tests/browser/test_site_offline.py::test_y")
    assert unit("tests/browser/test_sliders.py::test_x[a]") == unit("tests/browser/test_korean_lab.py::test_y")
    assert unit("tests/test_site.py::test_x") != unit("tests/browser/test_sliders.py::test_x[a]")
    (student,) = OWN_UNITS
    assert unit(f"{student}[01_x.ipynb]") != unit(f"{student}[ko/01_x.ipynb]")
    module = student.split("::")[0]
    assert unit(f"{module}::test_other[01_x.ipynb]") == unit(f"{module}::test_another") == module


def test_long_units_are_handed_out_first():
    from scheduling import OWN_UNITS, start_rank

    (student,) = OWN_UNITS
    order = sorted(["tests/test_bad_inputs.py", f"{student}[05_vae.ipynb]", "notebooks/ko/05_vae.ipynb",
                    "jupyterlab", "tests/test_data.py", "course-site"], key=start_rank)
    assert order[:2] == ["jupyterlab", "course-site"] and order[-2:] == ["tests/test_bad_inputs.py", "tests/test_data.py"]
