"""The pinned environment is one environment, whichever way it is installed."""

import re
import sys

import yaml
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from paths import ROOT


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("- ").strip()
        if "==" in line:
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def _constraints():
    return _pins((ROOT / "constraints.txt").read_text().splitlines())


def _environment_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return env, _pins(pip_section)


def _requirement_names(python_version: str):
    """Names of all requirements (dev extras included) that apply on ``python_version``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"] + sum(project["optional-dependencies"].values(), [])]
    return {
        re.sub(r"[-_.]+", "-", r.name).lower()
        for r in reqs
        if r.marker is None or r.marker.evaluate({"python_version": python_version, "extra": "dev"})
    }


def _environment_python(env) -> str:
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    return ".".join(python.split("=")[1].split(".")[:2])


def test_environment_yml_pins_equal_constraints():
    _, env_pins = _environment_pins()
    constraints = _constraints()
    assert env_pins, "environment.yml pins nothing"
    mismatched = {n: (v, constraints.get(n)) for n, v in env_pins.items() if constraints.get(n) != v}
    assert not mismatched, f"environment.yml vs constraints.txt: {mismatched}"


def test_every_requirement_is_pinned_in_both():
    env, env_pins = _environment_pins()
    constraints = _constraints()
    for name in _requirement_names(_environment_python(env)):
        assert name in constraints, f"{name} is required by pyproject.toml but not pinned in constraints.txt"
        assert name in env_pins, f"{name} is required by pyproject.toml but missing from environment.yml"


def test_torch_is_pinned_exactly_without_local_label():
    assert _constraints()["torch"] == "2.13.0"


def test_environment_yml_python_satisfies_pyproject():
    env, _ = _environment_pins()
    major, minor = map(int, _environment_python(env).split("."))
    assert (major, minor) >= (3, 10)


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = re.search(r"^make test$", readme, re.M)
    assert test_command, "the README must give `make test` on a line of its own"
    assert re.search(r"^make test$", ci, re.M), ".ci/run must run the README's test command"
