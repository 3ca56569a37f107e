"""The package's shape: small modules, each named in the README's layout section."""

from __future__ import annotations

from paths import ROOT

PACKAGE = ROOT / "course_utils"


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules() if (n := len(p.read_text().splitlines())) > 400}
    assert not long, f"split these by idea: {long}"


def test_the_readme_names_every_module():
    layout = (ROOT / "README.md").read_text().split("## Layout", 1)[1]
    missing = []
    for path in _modules():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "__init__.py" or rel == "widgets/__init__.py":
            continue
        name = "models/gan/" if rel.startswith("models/gan/") else rel
        if name not in layout:
            missing.append(name)
    assert not missing, f"the README's layout section does not name {sorted(set(missing))}"
