"""A throw-away git playground: a working repository, a bare ``origin`` and a teammate.

Appendix A1 runs every git command of the workflow for real, but never in the
learner's own checkout. ``GitSandbox`` makes a temporary directory with

    me/          the learner's working repository (``git init``)
    origin.git/  a bare repository playing the hosting service (GitHub, GitLab...)
    teammate/    optionally, a second clone of origin (``add_teammate``)
    home/        HOME and the only git configuration git reads in here

and removes it on exit, even after an error.

Commit hashes are reproducible: author and committer names, e-mails and dates
are fixed, and the clock advances one minute per ``run``, so the same commands
give the same hashes on every machine (a commit's hash is the SHA-1 of its
tree, parents, author, committer and message: Chacon & Straub, *Pro Git*,
2nd ed., 2014, section 10.2).

Isolation is by environment, not by trust: every ``GIT_*`` variable of the
caller is dropped, ``HOME``, ``XDG_CONFIG_HOME`` and ``GIT_CONFIG_GLOBAL`` point
into the sandbox, ``GIT_CONFIG_NOSYSTEM`` hides the system configuration and
``GIT_CEILING_DIRECTORIES`` stops git from walking up into an enclosing
repository. ``run`` and ``write`` refuse paths that lead outside the sandbox.
It guards against accidents, it is not a security boundary.

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
import stat
import subprocess
import sys
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

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

#: Options that would point git at another repository or at machine-wide files.
_FORBIDDEN_OPTIONS = ("-C", "--git-dir", "--work-tree", "--system", "--exec-path")
_SCP_LIKE_URL = re.compile(r"^[\w.+-]+@[\w.-]+:")
MIN_GIT_VERSION = (2, 28)


class GitNotFoundError(RuntimeError):
    """The ``git`` program is missing (or too old for the sandbox)."""


class GitCommandError(RuntimeError):
    """A git command in the sandbox exited with a non-zero status."""

    def __init__(self, command: str, returncode: int, output: str):
        self.command, self.returncode, self.output = command, returncode, output
        super().__init__(f"`{command}` failed with exit status {returncode}:\n{output}")


@dataclass(frozen=True)
class Commit:
    """One commit: its full hash, its parents (first parent first) and subject line.

    ``reachable`` is False for a commit that no branch, remote-tracking branch
    or HEAD leads to any more, and that only the reflog remembers.
    """

    hash: str
    parents: tuple[str, ...]
    subject: str
    reachable: bool = True

    @property
    def short(self) -> str:
        return self.hash[:7]


@dataclass(frozen=True)
class Graph:
    """The commit graph of one repository, as plain data.

    ``commits`` maps hash -> Commit with parents before children (topological
    order, oldest first); ``branches`` maps local branch -> hash, ``remotes``
    maps remote-tracking branch (``origin/main``) -> hash. ``head`` is the commit
    HEAD points at (None on a branch with no commit yet) and ``head_branch`` the
    branch HEAD is attached to (None when HEAD is detached).
    """

    commits: dict[str, Commit]
    branches: dict[str, str]
    remotes: dict[str, str]
    head: str | None
    head_branch: str | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def detached(self) -> bool:
        """True when HEAD points straight at a commit rather than at a branch."""
        return self.head_branch is None

    def find(self, subject: str) -> str:
        """The hash of the one commit whose subject line is ``subject``."""
        found = [c.hash for c in self.commits.values() if c.subject == subject]
        if len(found) != 1:
            subjects = [c.subject for c in self.commits.values()]
            raise KeyError(f"Graph.find: expected exactly one commit with subject {subject!r}; "
                           f"found {len(found)} among {subjects}")
        return found[0]

    def ancestors(self, commit: str) -> set[str]:
        """All commits reachable from ``commit`` (a hash), itself included."""
        if commit not in self.commits:
            raise KeyError(f"Graph.ancestors: {commit!r} is not a commit of this graph")
        seen, todo = set(), [commit]
        while todo:
            h = todo.pop()
            if h not in seen:
                seen.add(h)
                todo.extend(p for p in self.commits[h].parents if p in self.commits)
        return seen

    def history(self, commit: str) -> list[str]:
        """Subjects of ``commit`` and its ancestors, oldest first (like ``git log --reverse``)."""
        keep = self.ancestors(commit)
        return [c.subject for h, c in self.commits.items() if h in keep]

    def is_linear(self) -> bool:
        """True when no reachable commit is a merge (has two or more parents)."""
        return all(len(c.parents) <= 1 for c in self.commits.values() if c.reachable)

    def labels(self) -> dict[str, list[str]]:
        """Hash -> the names pointing at it, as ``git log --decorate`` writes them."""
        out: dict[str, list[str]] = {}
        if self.head is not None:
            out[self.head] = ["HEAD" if self.detached else f"HEAD -> {self.head_branch}"]
        for name, h in self.branches.items():
            if name != self.head_branch:
                out.setdefault(h, []).append(name)
        for name, h in self.remotes.items():
            out.setdefault(h, []).append(name)
        for name, h in self.tags.items():
            out.setdefault(h, []).append(f"tag: {name}")
        return out

    def __str__(self) -> str:
        """Newest first, one commit per line: short hash, parents, names, subject."""
        labels = self.labels()
        lines = []
        if self.head is None:
            lines.append(f"(no commits yet; HEAD -> {self.head_branch})")
        for c in reversed(list(self.commits.values())):
            names = f" ({', '.join(labels[c.hash])})" if c.hash in labels else ""
            parents = " ".join(p[:7] for p in c.parents) or "-"
            mark = "" if c.reachable else "  [only in the reflog]"
            lines.append(f"{c.short} <- {parents:<15}{names} {c.subject}{mark}")
        return "\n".join(lines)


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


def _remove_tree(root: str) -> None:
    """Delete ``root``, making read-only files (git's packs, on Windows) writable first."""

    def retry(func, path, *_):
        os.chmod(path, stat.S_IWRITE | stat.S_IREAD | stat.S_IEXEC)
        func(path)

    if os.path.isdir(root):
        if sys.version_info >= (3, 12):
            shutil.rmtree(root, onexc=retry)
        else:
            shutil.rmtree(root, onerror=retry)


class GitSandbox:
    """A temporary directory with a repository ``me``, a bare ``origin`` and maybe a ``teammate``.

    Parameters
    ----------
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
            raise TypeError(f"GitSandbox: remote and teammate must be bools; got {remote!r}, {teammate!r}")
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
        self._finalizer = weakref.finalize(self, _remove_tree, str(self.root))
        self._time = START_TIME
        self.last_returncode: int | None = None  # exit status of the latest ``run``
        try:
            home = self.root / "home"
            (home / ".config").mkdir(parents=True)
            (home / ".gitconfig").write_text(SANDBOX_GITCONFIG, encoding="utf-8")
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
            raise ValueError(f"GitSandbox: who must be one of {list(IDENTITIES)}; got {who!r}")
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

    def _check_args(self, args: list[str], cwd: Path) -> None:
        for arg in args:
            option, _, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            if option in _FORBIDDEN_OPTIONS:
                raise ValueError(
                    f"GitSandbox.run: the option {option} is not allowed here; commands run in "
                    "the sandbox's own repositories (pick one with who='me' or who='teammate')"
                )
            for candidate in (arg, value):
                if not candidate:
                    continue
                if "://" in candidate or _SCP_LIKE_URL.match(candidate):
                    raise ValueError(
                        f"GitSandbox.run: {candidate!r} looks like a network address; the sandbox "
                        "only talks to its own ../origin.git"
                    )
                looks_like_path = (
                    os.path.isabs(candidate) or candidate.startswith("~") or ".." in Path(candidate).parts
                )
                if looks_like_path and not self._inside(cwd / os.path.expanduser(candidate)):
                    raise ValueError(
                        f"GitSandbox.run: the path {candidate!r} leads outside the sandbox; "
                        "use paths inside it, such as ../origin.git"
                    )

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
            args = shlex.split(command)
        elif isinstance(command, Sequence) and all(isinstance(a, str) for a in command):
            args = list(command)
        else:
            raise TypeError(f"GitSandbox.run: command must be a string such as 'git status'; got {command!r}")
        if not args or args[0] != "git":
            raise ValueError(f"GitSandbox.run: command must start with 'git'; got {command!r}")
        cwd = self.workdir(who)
        self._check_args(args[1:], cwd)
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
            raise TypeError(f"GitSandbox.{caller}: path must be a str such as 'notes.txt'; got {path!r}")
        rel = Path(path)
        base = self.workdir(who)
        if rel.is_absolute() or not self._inside(base / rel, base) or Path(os.path.realpath(base / rel)) == base:
            raise ValueError(
                f"GitSandbox.{caller}: path {str(path)!r} must be a file inside {who}'s working tree, "
                "given relative to it (like 'notes.txt' or 'src/app.py')"
            )
        if ".git" in rel.parts:
            raise ValueError(f"GitSandbox.{caller}: path {str(path)!r} is inside .git; leave git's own files alone")
        return base / rel

    def write(self, path: str | os.PathLike, text: str, *, who: str = "me") -> None:
        """Write ``text`` (UTF-8, ``\\n`` line endings) to ``path`` in ``who``'s working tree."""
        if not isinstance(text, str):
            raise TypeError(f"GitSandbox.write: text must be a str; got {type(text).__name__}")
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
            raise ValueError(f"GitSandbox.commit: message must be a non-empty str; got {message!r}")
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

        def git(*args: str) -> subprocess.CompletedProcess:
            return self._git(list(args), cwd, who)

        branches, remotes, tags = {}, {}, {}
        refs = git("for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)%00%(*objectname)",
                   "refs/heads", "refs/remotes", "refs/tags")
        for line in refs.stdout.decode().splitlines():
            ref, obj, symref, peeled = line.split("\0")
            if symref:  # origin/HEAD is a pointer to a pointer, not a branch
                continue
            if ref.startswith("refs/heads/"):
                branches[ref[len("refs/heads/"):]] = obj
            elif ref.startswith("refs/remotes/"):
                remotes[ref[len("refs/remotes/"):]] = obj
            else:
                tags[ref[len("refs/tags/"):]] = peeled or obj
        symbolic = git("symbolic-ref", "-q", "HEAD")
        head_ref = symbolic.stdout.decode().strip() if symbolic.returncode == 0 else None
        head_branch = head_ref[len("refs/heads/"):] if head_ref and head_ref.startswith("refs/heads/") else None
        resolved = git("rev-parse", "-q", "--verify", "HEAD^{commit}")
        head = resolved.stdout.decode().strip() if resolved.returncode == 0 else None

        tips = sorted({*branches.values(), *remotes.values(), *tags.values(), *([head] if head else [])})
        commits: dict[str, Commit] = {}
        if tips:
            reachable = set(git("rev-list", *tips).stdout.decode().split())
            extra = ["--reflog"] if reflog else []
            log = git("log", "--topo-order", "--reverse", "--format=%H%x00%P%x00%s", *extra, *tips)
            for line in log.stdout.decode("utf-8", "replace").splitlines():
                h, parents, subject = line.split("\0", 2)
                commits[h] = Commit(h, tuple(parents.split()), subject, h in reachable)
        return Graph(commits, branches, remotes, head, head_branch, tags)

    def draw(self, ax=None, *, who: str = "me", reflog: bool = False, title: str | None = None):
        """Draw ``who``'s commit graph (see ``draw_graph``) and return the matplotlib Axes."""
        return draw_graph(self.graph(who=who, reflog=reflog), ax=ax, title=title)


# -- drawing ---------------------------------------------------------------------------------
DX, DY = 1.5, 1.45  # data units between columns and between lanes
INCHES_PER_UNIT = 0.7  # so a 16-character subject fits between two columns
LABEL_STEP = 0.27  # data units between stacked labels
SUBJECT_CHARS = 16
LANE_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#8172b3", "#937860", "#da8bc3")
HEAD_COLOR = "#c44e52"
GHOST_COLOR = "#b0b0b0"


def layout(graph: Graph) -> dict[str, tuple[int, int]]:
    """Hash -> (column, lane) for drawing.

    The column is the commit's generation (1 + the longest path back to a root),
    so commits made in parallel on two branches stand side by side. Lanes follow
    first-parent chains: ``main`` gets lane 0, then the other branches, the
    remote-tracking branches, a detached HEAD, and last the reflog-only commits.
    """
    column: dict[str, int] = {}
    for h, c in graph.commits.items():  # parents come first
        column[h] = 1 + max((column[p] for p in c.parents if p in column), default=-1)
    others = sorted(b for b in graph.branches if b != "main")
    tips = [graph.branches[b] for b in (["main"] if "main" in graph.branches else []) + others]
    tips += [graph.remotes[r] for r in sorted(graph.remotes)]
    tips += [graph.head] if graph.head else []
    tips += [h for h in reversed(graph.commits) if graph.commits[h].reachable]
    tips += [h for h in reversed(graph.commits) if not graph.commits[h].reachable]
    lane: dict[str, int] = {}
    taken: set[tuple[int, int]] = set()  # (column, lane) spots in use
    next_lane = 0
    for tip in tips:
        chain, h = [], tip
        while h in graph.commits and h not in lane:
            chain.append(h)
            h = graph.commits[h].parents[0] if graph.commits[h].parents else None
        if not chain:
            continue
        chosen = next_lane
        if h in lane and not graph.commits[tip].reachable:
            # a reflog-only chain carries on its parent's lane when that stretch is free,
            # so an undone commit sits where it was, greyed out
            span = range(column[h] + 1, column[chain[0]] + 1)
            if all((x, lane[h]) not in taken for x in span):
                chosen = lane[h]
        for c in chain:
            lane[c] = chosen
            taken.add((column[c], chosen))
        next_lane += chosen == next_lane
    return {h: (column[h], lane[h]) for h in graph.commits}


def frame(graphs: Sequence[Graph]) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    """(xlim, ylim, (width, height) in inches) that fit every graph of ``graphs``.

    Drawing several graphs on one frame keeps a commit in the same place from
    panel to panel (and from step to step of the replay slider).
    """
    ncols = nlanes = nlabels = 1
    for graph in graphs:
        pos = layout(graph).values()
        ncols = max(ncols, 1 + max((x for x, _ in pos), default=0))
        nlanes = max(nlanes, 1 + max((y for _, y in pos), default=0))
        nlabels = max(nlabels, max((len(v) for v in graph.labels().values()), default=1))
    xlim = (-0.85 * DX, (ncols - 1) * DX + 0.85 * DX)
    ylim = (-0.8, (nlanes - 1) * DY + 0.4 + LABEL_STEP * nlabels)
    size = ((xlim[1] - xlim[0]) * INCHES_PER_UNIT, (ylim[1] - ylim[0]) * INCHES_PER_UNIT)
    return xlim, ylim, size


def draw_graph(graph: Graph, ax=None, *, title: str | None = None,
               xlim: tuple[float, float] | None = None, ylim: tuple[float, float] | None = None):
    """Draw the commit graph: one dot per commit (short hash and subject under it),
    parent -> child edges, and branch, remote-tracking and HEAD labels above.

    Commits only in the reflog are hollow and grey. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if not isinstance(graph, Graph):
        raise TypeError(f"draw_graph: expected a Graph from GitSandbox.graph(); got {type(graph).__name__}")
    pos = layout(graph)
    auto_xlim, auto_ylim, size = frame([graph])
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    ax.set_axis_off()
    xy = {h: (x * DX, y * DY) for h, (x, y) in pos.items()}

    for h, c in graph.commits.items():
        x1, y1 = xy[h]
        for k, p in enumerate(c.parents):
            if p not in xy:
                continue
            x0, y0 = xy[p]
            if y0 == y1:
                xs, ys = [x0, x1], [y0, y1]
            elif k == 0:  # a branch leaves its parent: rise at once, then run along the lane
                xs, ys = [x0, x0 + 0.5 * DX, x1], [y0, y1, y1]
            else:  # a merged branch: run along its lane, then come down into the merge
                xs, ys = [x0, x1 - 0.5 * DX, x1], [y0, y0, y1]
            ghost = not (c.reachable and graph.commits[p].reachable)
            ax.plot(xs, ys, color=GHOST_COLOR if ghost else "#555555", lw=1.4,
                    ls="--" if ghost else "-", zorder=1)
    labels = graph.labels()
    for h, c in graph.commits.items():
        x, y = xy[h]
        color = LANE_COLORS[pos[h][1] % len(LANE_COLORS)]
        if c.reachable:
            ax.scatter([x], [y], s=240, color=color, edgecolor="white", lw=1.5, zorder=3)
        else:
            ax.scatter([x], [y], s=240, facecolor="white", edgecolor=GHOST_COLOR, lw=1.5, ls="--", zorder=3)
        subject = c.subject if len(c.subject) <= SUBJECT_CHARS else c.subject[: SUBJECT_CHARS - 1] + "…"
        ax.text(x, y - 0.27, f"{c.short}\n{subject}", ha="center", va="top", fontsize=7,
                color="#333333" if c.reachable else GHOST_COLOR, family="monospace", zorder=4)
        for k, name in enumerate(labels.get(h, [])):
            is_head = name.startswith("HEAD")
            is_remote = name in graph.remotes
            ax.text(
                x, y + 0.3 + LABEL_STEP * k, name, ha="center", va="bottom", fontsize=7.5,
                fontweight="bold" if not is_remote else "normal", style="italic" if is_remote else "normal",
                color="white" if is_head else ("#555555" if is_remote else color), zorder=5,
                bbox=dict(boxstyle="round,pad=0.2", lw=0.8,
                          fc=HEAD_COLOR if is_head else "white", ec=HEAD_COLOR if is_head else GHOST_COLOR),
            )
    if graph.head is None:
        ax.text(0, 0, f"HEAD -> {graph.head_branch}\n(no commits yet)", ha="center", va="center",
                fontsize=8, color=HEAD_COLOR)
    ax.set_xlim(xlim if xlim is not None else auto_xlim)
    ax.set_ylim(ylim if ylim is not None else auto_ylim)
    if title:
        ax.set_title(title, fontsize=9, family="monospace")
    return ax


def same_shape(a: Graph, b: Graph) -> bool:
    """True when two graphs have the same subjects, parent structure, branches and HEAD,
    whatever the hashes (commits are matched by subject)."""

    def shape(g: Graph):
        subj = {h: c.subject for h, c in g.commits.items()}
        return (
            sorted((c.subject, tuple(subj.get(p, p) for p in c.parents)) for c in g.commits.values() if c.reachable),
            {b: subj[h] for b, h in g.branches.items()},
            {r: subj[h] for r, h in g.remotes.items()},
            subj.get(g.head) if g.head else None,
            g.head_branch,
        )

    return shape(a) == shape(b)


def play(sb: GitSandbox, *commands: str, who: str = "me", reflog: bool = False, check: bool = True,
         max_width: float = 12.0):
    """Run ``commands`` one by one, print each (``who$ command``) with git's output,
    and draw the graph after each one, side by side on a shared scale.

    With ``check=False`` a failing command (a rejected push, a conflict) is shown
    and the story goes on. Returns the graphs after each command, so a cell can
    check them (end the cell with ``;`` or assign the result to keep it quiet).
    """
    if not commands:
        raise ValueError("play: give at least one git command")
    panels = []
    for command in commands:
        print(f"{who}$ {command}")
        output = sb.run(command, who=who, check=check)
        if output:
            print(output)
        panels.append((command, sb.graph(who=who, reflog=reflog)))
    draw_panels([(f"{who}$ {command}", graph) for command, graph in panels], max_width=max_width)
    return [g for _, g in panels]


def draw_panels(panels: Sequence[tuple[str, Graph]], *, max_width: float = 12.0) -> None:
    """Draw ``(title, graph)`` pairs side by side on one shared frame (rows wrap at
    ``max_width`` inches), so the same commit sits in the same spot in every panel."""
    import matplotlib.pyplot as plt

    if not panels or not all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Graph) for p in panels):
        raise TypeError(f"draw_panels: expected a non-empty list of (title, Graph) pairs; got {panels!r}")
    xlim, ylim, (panel_w, panel_h) = frame([g for _, g in panels])
    panel_h += 0.3  # room for the title
    per_row = max(1, min(len(panels), int(max_width // panel_w)))
    nrows = -(-len(panels) // per_row)
    _, axes = plt.subplots(nrows, per_row, figsize=(panel_w * per_row, panel_h * nrows), squeeze=False,
                           layout="constrained")
    fit = max(12, int(panel_w / 0.08))  # characters of a 9-point monospace title that fit a panel
    for ax, (title, graph) in zip(axes.flat, panels):
        draw_graph(graph, ax=ax, xlim=xlim, ylim=ylim, title=title if len(title) <= fit else title[: fit - 1] + "…")
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    plt.show()
