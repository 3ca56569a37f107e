"""The GitSandbox guard: which git command lines a sandbox runs.

A guard against accidents, not a security boundary. ``check_command`` refuses

* more than one command per call (``&&``, ``;``, ``|``, redirections: there is no shell);
* options that point git at another repository or at machine-wide files
  (``-C``, ``--git-dir``, ``--work-tree``, ``--system``, ``--exec-path``), in
  their separate (``-C dir``), attached (``-Cdir``) and ``--opt=value`` forms;
* network addresses, and paths that lead outside the sandbox, whether given
  alone, after ``=`` or attached to a short option (``-o/abs``, ``-f/abs``);
* configuration outside a short list of keys the appendix needs, in ``-c``
  and in ``git config`` writes: ``alias.*``, ``core.hooksPath``,
  ``core.pager``, ``*.driver`` and the like can run programs, so they are refused.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Sequence

__all__ = ["ALLOWED_CONFIG_SECTIONS", "NO_OP_EDITORS", "check_command", "config_key_allowed"]

#: Options that would point git at another repository or at machine-wide files.
FORBIDDEN_OPTIONS = ("-C", "--git-dir", "--work-tree", "--system", "--exec-path", "--config-env")
#: Sections whose plain keys (``section.key``, no subsection) ``-c`` and ``git config`` may set.
ALLOWED_CONFIG_SECTIONS = ("user", "init", "merge", "pull", "push", "fetch", "rebase", "color", "advice", "status", "log")
#: The only values ``core.editor`` may take: editors that do nothing.
NO_OP_EDITORS = (":", "true")
#: Shell operators: the sandbox runs one git command per call, without a shell.
SHELL_OPERATORS = ("&&", "||", ";", "|", "&", ">", ">>", "<", "2>", "2>&1", "&>")

_SCP_LIKE_URL = re.compile(r"^[\w.+-]+@[\w.-]+:")
_CONFIG_READS = ("--get", "--get-all", "--get-regexp", "--get-urlmatch", "--get-color", "--get-colorbool",
                 "-l", "--list", "--show-origin", "--show-scope", "--name-only")
_CONFIG_SUBCOMMANDS = {"get": False, "list": False, "set": True, "unset": True, "rename-section": True,
                       "remove-section": True, "edit": True}
_CONFIG_FILE_OPTIONS = ("-f", "--file", "--blob", "--system", "-e", "--edit")


def _refuse(message: str):
    raise ValueError(f"GitSandbox.run expects command {message}")


def config_key_allowed(key: str, value: str | None) -> bool:
    """Whether ``key`` (= ``value``) is one the sandbox lets a learner set."""
    parts = key.lower().split(".")
    if parts == ["core", "editor"]:
        return value is None or value.strip() in NO_OP_EDITORS
    return len(parts) == 2 and parts[0] in ALLOWED_CONFIG_SECTIONS and bool(parts[1])


def _check_key(key: str, value: str | None, how: str) -> None:
    if not config_key_allowed(key, value):
        shown = key if value is None else f"{key}={value}"
        _refuse(
            f"to set only configuration keys from a short list ({how}): user.*, init.*, merge.*, pull.*, push.*, fetch.*, "
            f"rebase.*, color.*, advice.*, status.*, log.* and core.editor set to ':' (no editor); got {shown!r}. "
            "Keys such as alias.* or core.hooksPath can run programs, so the sandbox refuses them"
        )


def _split(arg: str) -> tuple[str, str]:
    """(option, attached value): ``--opt=v`` -> ("--opt", "v"); ``-ov`` -> ("-o", "v"); else (arg, "")."""
    if arg.startswith("--"):
        option, _, value = arg.partition("=")
        return option, value
    if arg.startswith("-") and len(arg) > 2:
        return arg[:2], arg[2:]
    return arg, ""


def _check_config(args: Sequence[str]) -> None:
    """``git config ...``: reads are free; writes only to allowed keys, never to another file."""
    positional, reading = [], False
    for arg in args:
        option, _ = _split(arg)
        if option in _CONFIG_FILE_OPTIONS:
            _refuse(f"to run `git config` without {option} (the sandbox's configuration lives in its own repositories); "
                    f"got {option}")
        if option in _CONFIG_READS:
            reading = True
        elif option in ("--unset", "--unset-all", "--add", "--replace-all"):
            reading = False
        if not arg.startswith("-"):
            positional.append(arg)
    if positional and positional[0] in _CONFIG_SUBCOMMANDS:
        if not _CONFIG_SUBCOMMANDS[positional[0]]:
            return
        if positional[0] in ("rename-section", "remove-section", "edit"):
            _refuse(f"to write single keys with `git config`; got `git config {positional[0]}`")
        if len(positional) >= 2:
            _check_key(positional[1], positional[2] if len(positional) > 2 else None, "git config")
        return
    if reading or not positional:
        return
    writes = len(positional) >= 2 or any(a in ("--unset", "--unset-all") for a in args)
    if writes:
        _check_key(positional[0], positional[1] if len(positional) > 1 else None, "git config")


def check_command(args: Sequence[str], inside: Callable[[Path], bool], cwd: Path) -> None:
    """Refuse a git command line (``args`` without the leading ``git``) the sandbox must not run.

    ``inside(path)`` says whether a path lies in the sandbox; relative paths are taken from ``cwd``.
    """
    for arg in args:
        if arg in SHELL_OPERATORS or (len(arg) > 1 and arg.endswith(";")):
            _refuse(
                f"to be one git command per call, run without a shell; got the shell operator {arg!r}. "
                "Call sb.run once for each command (or use sb.show / play with several commands)"
            )
    subcommand, i = None, 0
    while i < len(args):
        arg = args[i]
        option, attached = _split(arg)
        if option in FORBIDDEN_OPTIONS:
            _refuse(
                f"to run in the sandbox's own repositories, without {option} (pick a repository with "
                f"who='me' or who='teammate'); got {option}"
            )
        if subcommand is None and option == "-c":  # git -c key=value (or -ckey=value)
            setting = attached or (args[i + 1] if i + 1 < len(args) else "")
            key, sep, value = setting.partition("=")
            _check_key(key, value if sep else None, "git -c")
            i += 1 if attached else 2
            continue
        if subcommand is None and not arg.startswith("-"):
            subcommand = arg
        for candidate in (arg, attached):
            if not candidate:
                continue
            if "://" in candidate or _SCP_LIKE_URL.match(candidate):
                _refuse(f"with paths inside the sandbox (it only talks to its own ../origin.git); got the network "
                        f"address {candidate!r}")
            looks_like_path = os.path.isabs(candidate) or candidate.startswith("~") or ".." in Path(candidate).parts
            if looks_like_path and not inside(cwd / os.path.expanduser(candidate)):
                _refuse(f"with paths inside the sandbox, such as ../origin.git; got the path {candidate!r}, "
                        "which leads outside it")
        i += 1
    if subcommand == "config":
        _check_config(args[args.index("config") + 1:])
