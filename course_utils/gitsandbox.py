"""A throw-away git playground: a working repository, a bare ``origin`` and a teammate.

Appendix A1 runs every git command for real, never in the learner's checkout.
``GitSandbox`` makes a temporary directory with ``me/`` (the learner's
repository), ``origin.git/`` (a bare repository playing GitHub), optionally
``teammate/`` (a second clone, ``add_teammate``) and ``home/`` (HOME and the
only git configuration git reads), and removes it on exit, on garbage
collection and on SIGTERM, even after an error.

Commit hashes are reproducible: names, e-mails and dates are fixed and the
clock advances one minute per ``run`` (a commit's hash is the SHA-1 of its
tree, parents, author, committer and message: Chacon & Straub, *Pro Git*,
2nd ed., 2014, section 10.2).

Isolation is by environment, not by trust: the caller's ``GIT_*`` variables
are dropped, ``HOME`` / ``XDG_CONFIG_HOME`` / ``GIT_CONFIG_GLOBAL`` point into
the sandbox, ``GIT_CONFIG_NOSYSTEM`` hides the system configuration,
``GIT_CEILING_DIRECTORIES`` stops git at the sandbox and ``core.hooksPath`` is
an empty folder. ``run`` checks each command line (``gitguard``) and ``write``
refuses paths outside the sandbox: a guard against accidents, not a security
boundary. The graphs are drawn by ``gitgraph``. ::

    with GitSandbox() as sb:
        sb.write("notes.txt", "hello\\n")
        sb.run("git add notes.txt")
        print(sb.run('git commit -m "A: first notes"'))
        sb.draw()
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Mapping, Sequence

# A1 imports draw_panels and play from here; the drawing lives in gitgraph.
from .gitgraph import Commit, Graph, draw_commit_graph, draw_panels, play, read_graph, same_shape  # noqa: F401
from .gitguard import check_command

#: Finalizers of the sandboxes still open: a SIGTERM removes their folders too.
_OPEN: set = set()
_SIGTERM_INSTALLED = False


def _install_sigterm_handler() -> None:
    """Remove open sandboxes on SIGTERM (a kernel shut down from Jupyter), then do what was set before."""
    global _SIGTERM_INSTALLED
    if _SIGTERM_INSTALLED or threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum, frame):
        for finalizer in list(_OPEN):
            finalizer()
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:  # the default: die by the same signal, now that the folders are gone
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    _SIGTERM_INSTALLED = True


#: 2024-03-04 09:00 in Seoul: the sandbox's clock starts here and ticks a minute per ``run``.
START_TIME = 1709510400
TIMEZONE = "+0900"
CLOCK_TICK = 60

#: Fixed identities, so hashes do not depend on who runs the notebook.
IDENTITIES = {
    "me": ("Learner", "learner@example.com"),
    "teammate": ("Teammate", "teammate@example.com"),
}

#: The only configuration git sees inside the sandbox (written to home/.gitconfig).
SANDBOX_GITCONFIG = """\
[init]
\tdefaultBranch = main
[pull]
\trebase = false
[advice]
\tdetachedHead = false
[core]
\tautocrlf = false
\tpager = cat
\tfsmonitor = false
[color]
\tui = false
[merge]
\tconflictStyle = merge
[gc]
\tauto = 0
[maintenance]
\tauto = false
[commit]
\tgpgSign = false
[tag]
\tgpgSign = false
"""

MIN_GIT_VERSION = (2, 28)


class GitNotFoundError(RuntimeError):
    """The ``git`` program is missing (or too old for the sandbox)."""


class GitCommandError(RuntimeError):
    """A git command in the sandbox exited with a non-zero status."""

    def __init__(self, command: str, returncode: int, output: str):
        self.command, self.returncode, self.output = command, returncode, output
        super().__init__(f"`{command}` failed with exit status {returncode}:\n{output}")


def _git_version(git: str) -> tuple[int, ...]:
    out = subprocess.run([git, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"(\d+)\.(\d+)", out)
    return tuple(int(x) for x in match.groups()) if match else (0, 0)


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _clean(raw: bytes) -> str:
    """git's output as text: progress lines that overwrite themselves (``\\r``) keep their last state."""
    text = _ANSI_ESCAPE.sub("", raw.decode("utf-8", "replace"))
    lines = [next((part for part in reversed(line.split("\r")) if part), "") for line in text.split("\n")]
    return "\n".join(lines).rstrip("\n")


def _close_root(root: str) -> None:
    """Delete a sandbox's ``root`` (making read-only files, git's packs on Windows, writable
    first) and forget its finalizer."""

    def retry(func, path, *_):
        os.chmod(path, stat.S_IWRITE | stat.S_IREAD | stat.S_IEXEC)
        func(path)

    if os.path.isdir(root):
        if sys.version_info >= (3, 12):
            shutil.rmtree(root, onexc=retry)
        else:
            shutil.rmtree(root, onerror=retry)
    for finalizer in [f for f in _OPEN if not f.alive]:
        _OPEN.discard(finalizer)


class GitSandbox:
    """A temporary directory with a repository ``me``, a bare ``origin`` and maybe a ``teammate``.

    Parameters:
    remote:
        add ``origin`` (``../origin.git``) as a remote of ``me`` right away.
        Pass False to run ``git remote add origin ../origin.git`` yourself.
    teammate:
        clone origin into ``teammate`` right away (or call ``add_teammate`` later,
        once origin has commits).
    git:
        the git program to run.

    Use it as a context manager (``with GitSandbox() as sb:``) or call
    ``close()``; a sandbox that is forgotten is removed when it is garbage
    collected or when Python exits.
    """

    WHO = tuple(IDENTITIES)

    def __init__(self, *, remote: bool = True, teammate: bool = False, git: str = "git"):
        if not isinstance(remote, bool) or not isinstance(teammate, bool):
            raise TypeError(f"GitSandbox expects remote and teammate to be True or False; got {remote!r}, {teammate!r}")
        exe = shutil.which(git) if isinstance(git, str) else None
        if exe is None:
            raise GitNotFoundError(
                f"GitSandbox needs the `{git}` program, but it is not on PATH. Install git "
                "(https://git-scm.com/downloads, or `conda install git`), then restart the kernel."
            )
        version = _git_version(exe)
        if version < MIN_GIT_VERSION:
            raise GitNotFoundError(
                f"GitSandbox needs git >= {'.'.join(map(str, MIN_GIT_VERSION))}; "
                f"found {'.'.join(map(str, version))}. Please update git."
            )
        self._git_exe = exe
        self.root = Path(os.path.realpath(tempfile.mkdtemp(prefix="gitsandbox-")))
        self._finalizer = weakref.finalize(self, _close_root, str(self.root))
        _OPEN.add(self._finalizer)
        _install_sigterm_handler()
        self._time = START_TIME
        self.last_returncode: int | None = None  # exit status of the latest ``run``
        try:
            home = self.root / "home"
            (home / ".config").mkdir(parents=True)
            (home / "no-hooks").mkdir()
            hooks = f"[core]\n\thooksPath = {(home / 'no-hooks').as_posix()}\n"  # no hook script ever runs
            (home / ".gitconfig").write_text(SANDBOX_GITCONFIG + hooks, encoding="utf-8")
            self._git(["init", "-q", "--bare", "origin.git"], self.root)
            self._git(["init", "-q", "me"], self.root)
            if remote:
                self._git(["remote", "add", "origin", "../origin.git"], self.workdir("me"))
            if teammate:
                self.add_teammate()
        except BaseException:
            self.close()
            raise

    # -- life cycle -----------------------------------------------------------------
    def __enter__(self) -> "GitSandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Delete the sandbox directory (safe to call twice)."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __repr__(self) -> str:
        state = "closed" if self.closed else ", ".join(w for w in self.WHO if self.workdir(w, check=False).is_dir())
        return f"<GitSandbox ({state})>"

    # -- the environment git runs in ---------------------------------------------------
    def _env(self, who: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "EMAIL"}
        home = self.root / "home"
        name, email = IDENTITIES[who]
        date = f"@{self._time} {TIMEZONE}"
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CEILING_DIRECTORIES=str(self.root),
            GIT_AUTHOR_NAME=name,
            GIT_AUTHOR_EMAIL=email,
            GIT_COMMITTER_NAME=name,
            GIT_COMMITTER_EMAIL=email,
            GIT_AUTHOR_DATE=date,
            GIT_COMMITTER_DATE=date,
            GIT_EDITOR=":",
            GIT_SEQUENCE_EDITOR=":",
            GIT_MERGE_AUTOEDIT="no",
            GIT_TERMINAL_PROMPT="0",
            GIT_PAGER="cat",
            PAGER="cat",
            LC_ALL="C",
            LANGUAGE="C",
        )
        return env

    def _git(self, args: Sequence[str], cwd: Path, who: str = "me") -> subprocess.CompletedProcess:
        if self.closed:
            raise RuntimeError("GitSandbox: this sandbox is closed; make a new one with GitSandbox()")
        return subprocess.run(
            [self._git_exe, *args], cwd=cwd, env=self._env(who), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
        )

    def _inside(self, path: Path, base: Path | None = None) -> bool:
        base = self.root if base is None else base
        resolved = Path(os.path.realpath(path))
        return resolved == base or base in resolved.parents

    def workdir(self, who: str = "me", *, check: bool = True) -> Path:
        """The working tree of ``who`` ("me" or "teammate")."""
        if who not in IDENTITIES:
            raise ValueError(f"GitSandbox expects who one of {list(IDENTITIES)}; got {who!r}")
        path = self.root / who
        if check and self.closed:
            raise RuntimeError("GitSandbox: this sandbox is closed; make a new one with GitSandbox()")
        if check and not path.is_dir():
            raise ValueError(
                f"GitSandbox: there is no {who!r} repository yet; "
                "call add_teammate() (or GitSandbox(teammate=True)) first"
            )
        return path

    # -- the public surface ------------------------------------------------------------
    def add_teammate(self) -> str:
        """Clone origin into ``teammate`` (``git clone ../origin.git teammate``); return git's output."""
        if self.workdir("teammate", check=False).exists():
            raise ValueError("GitSandbox.add_teammate: the teammate's clone exists already")
        done = self._git(["clone", "origin.git", "teammate"], self.root, "teammate")
        if done.returncode != 0:
            raise GitCommandError("git clone origin.git teammate", done.returncode, _clean(done.stdout))
        # clone records origin's absolute path; a relative one keeps printed output the same everywhere
        self._git(["remote", "set-url", "origin", "../origin.git"], self.workdir("teammate"), "teammate")
        return _clean(done.stdout)

    def run(self, command: str | Sequence[str], *, who: str = "me", check: bool = True) -> str:
        """Run one git command in ``who``'s repository and return its output (stdout and stderr).

        ``command`` is a string split like a shell would (``'git commit -m "A: start"'``),
        or a list of arguments; it must start with ``git``. No shell is involved, so
        pipes and ``&&`` do not work. With ``check=True`` a failing command raises
        ``GitCommandError``; with ``check=False`` its output is returned all the same
        (a rejected push or a merge conflict is often the point of the lesson), and
        ``last_returncode`` says how it ended. Each call advances the clock a minute.
        """
        if isinstance(command, str):
            try:
                args = shlex.split(command)
            except ValueError as err:  # an unclosed quote
                raise ValueError(f"GitSandbox.run expects command as one git command line; got {command!r} ({err})") from None
        elif isinstance(command, Sequence) and all(isinstance(a, str) for a in command):
            args = list(command)
        else:
            raise TypeError(f"GitSandbox.run expects command as a string such as 'git status'; got {command!r}")
        if not args or args[0] != "git":
            raise ValueError(f"GitSandbox.run expects command to start with 'git'; got {command!r}")
        cwd = self.workdir(who)
        check_command(args[1:], self._inside, cwd)
        done = self._git(args[1:], cwd, who)
        self._time += CLOCK_TICK
        self.last_returncode = done.returncode
        output = _clean(done.stdout)
        text = command if isinstance(command, str) else shlex.join(args)
        if check and done.returncode != 0:
            raise GitCommandError(text, done.returncode, output)
        return output

    def show(self, *commands: str, who: str = "me", check: bool = True) -> None:
        """Run ``commands`` one after another, printing each as ``who$ command`` and its output."""
        for command in commands:
            print(f"{who}$ {command}")
            output = self.run(command, who=who, check=check)
            if output:
                print(output)

    def _file(self, path: str | os.PathLike, who: str, caller: str) -> Path:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"GitSandbox.{caller} expects path as a str such as 'notes.txt'; got {path!r}")
        rel = Path(path)
        base = self.workdir(who)
        if rel.is_absolute() or not self._inside(base / rel, base) or Path(os.path.realpath(base / rel)) == base:
            raise ValueError(
                f"GitSandbox.{caller} expects path a file inside {who}'s working tree, given relative to it "
                f"(like 'notes.txt' or 'src/app.py'); got {str(path)!r}"
            )
        if ".git" in rel.parts:
            raise ValueError(f"GitSandbox.{caller} expects path outside .git (leave git's own files alone); got {str(path)!r}")
        return base / rel

    def write(self, path: str | os.PathLike, text: str, *, who: str = "me") -> None:
        """Write ``text`` (UTF-8, ``\\n`` line endings) to ``path`` in ``who``'s working tree."""
        if not isinstance(text, str):
            raise TypeError(f"GitSandbox.write expects text as a str; got {type(text).__name__}")
        target = self._file(path, who, "write")
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)

    def read(self, path: str | os.PathLike, *, who: str = "me") -> str:
        """The text of ``path`` in ``who``'s working tree (to look at conflict markers, say)."""
        return self._file(path, who, "read").read_text(encoding="utf-8")

    def commit(self, message: str, files: Mapping[str, str] | None = None, *, who: str = "me") -> str:
        """Shortcut for write + ``git add`` + ``git commit -m``; returns the new commit's short hash.

        With no ``files`` the commit is empty (``--allow-empty``): handy for drawing shapes.
        """
        if not isinstance(message, str) or not message.strip():
            raise ValueError(f"GitSandbox.commit expects message a non-empty str; got {message!r}")
        for path, text in (files or {}).items():
            self.write(path, text, who=who)
        if files:
            self.run(["git", "add", "--", *files], who=who)
            self.run(["git", "commit", "-q", "-m", message], who=who)
        else:
            self.run(["git", "commit", "-q", "--allow-empty", "-m", message], who=who)
        return self.run("git rev-parse --short HEAD", who=who)

    def graph(self, *, who: str = "me", reflog: bool = False) -> Graph:
        """Commits, parents, branches, remote-tracking branches and HEAD of ``who``'s repository.

        With ``reflog=True`` commits that only the reflog still remembers (after a
        ``reset`` or ``commit --amend``) are included, marked ``reachable=False``.
        """
        cwd = self.workdir(who)
        return read_graph(lambda *args: self._git(list(args), cwd, who), reflog=reflog)

    def draw(self, ax=None, *, who: str = "me", reflog: bool = False, title: str | None = None):
        """Draw ``who``'s commit graph (see ``gitgraph.draw_commit_graph``) and return the matplotlib Axes."""
        return draw_commit_graph(self.graph(who=who, reflog=reflog), ax=ax, title=title)
