"""GitSandbox: reproducible hashes, a graph that agrees with git itself, and isolation.

The isolation tests build a fake "learner checkout" with its own config in a
temporary directory, run git in the sandbox from inside it with hostile
environment variables, and compare that checkout byte for byte afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import gitsandbox
from course_utils.gitsandbox import (
    GitCommandError,
    GitNotFoundError,
    GitSandbox,
    Graph,
    draw_commit_graph,
    draw_panels,
    play,
    same_shape,
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def diverged_history(sb: GitSandbox) -> None:
    """A-B on main, C-D on feature from B, E on main, a merge, a push and a detached HEAD."""
    sb.commit("A: start", {"notes.txt": "one\n"})
    sb.commit("B: more", {"notes.txt": "one\ntwo\n"})
    sb.run("git checkout -q -b feature")
    sb.commit("C: feature work", {"feature.txt": "f\n"})
    sb.commit("D: more feature", {"feature.txt": "f\ng\n"})
    sb.run("git checkout -q main")
    sb.commit("E: main moves on", {"main.txt": "m\n"})
    sb.run("git push -q -u origin main")
    sb.run('git merge -q --no-ff feature -m "M: merge feature"')
    sb.run("git tag v1")
    sb.run("git checkout -q HEAD~1")


def all_hashes(sb: GitSandbox) -> list[str]:
    return sb.run("git rev-list --all --topo-order").split()


def test_hashes_are_the_same_on_every_run():
    with GitSandbox() as one, GitSandbox() as two:
        diverged_history(one)
        diverged_history(two)
        first = all_hashes(one)
        assert first == all_hashes(two) and len(first) == 6
        assert one.graph().commits == two.graph().commits
    with GitSandbox() as three:  # a later sandbox, after others came and went
        diverged_history(three)
        assert all_hashes(three) == first
        root = three.graph().find("A: start")
    # the root commit's hash is pinned: it changes only if identity, clock or content change
    assert root == _root_hash()


def _root_hash() -> str:
    """The hash git must give to the first commit, computed by hand (Pro Git §10.2)."""
    blob = _object("blob", b"one\n")
    tree = _object("tree", b"100644 notes.txt\0" + bytes.fromhex(blob))
    when = gitsandbox.START_TIME + gitsandbox.CLOCK_TICK  # `git add` took the first minute
    who = f"Learner <learner@example.com> {when} {gitsandbox.TIMEZONE}"
    body = f"tree {tree}\nauthor {who}\ncommitter {who}\n\nA: start\n".encode()
    return _object("commit", body)


def _object(kind: str, body: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(body)}\0".encode() + body).hexdigest()


def test_clock_advances_between_commits():
    with GitSandbox() as sb:
        sb.commit("one")
        sb.commit("two")
        dates = sb.run("git log --format=%ct%x20%at%x20%ai").splitlines()
    newer, older = (line.split() for line in dates)
    assert int(newer[0]) > int(older[0]) and int(newer[1]) > int(older[1])
    assert newer[-1] == gitsandbox.TIMEZONE


def test_graph_matches_rev_list_and_branch():
    with GitSandbox() as sb:
        diverged_history(sb)
        g = sb.graph()
        rev_list = {}
        for line in sb.run("git rev-list --parents --all").splitlines():
            h, *parents = line.split()
            rev_list[h] = tuple(parents)
        assert {h: c.parents for h, c in g.commits.items()} == rev_list
        listed = sb.run("git branch --format=%(refname:short)%20%(objectname)").splitlines()
        local = dict(line.split() for line in listed if not line.startswith("(HEAD detached"))
        assert g.branches == local
        remote = dict(line.split() for line in sb.run("git branch -r --format=%(refname:short)%20%(objectname)").splitlines())
        assert g.remotes == remote == {"origin/main": g.find("E: main moves on")}
        assert g.detached and g.head_branch is None
        assert g.head == sb.run("git rev-parse HEAD") == g.find("E: main moves on")
        assert g.tags == {"v1": g.find("M: merge feature")}
        order = list(g.commits)
        assert all(order.index(p) < order.index(h) for h, c in g.commits.items() for p in c.parents)
        assert g.commits[g.find("M: merge feature")].parents == (g.find("E: main moves on"), g.find("D: more feature"))
        sb.run("git checkout -q main")
        g = sb.graph()
        assert not g.detached and g.head_branch == "main" and g.head == g.branches["main"]


def test_unborn_branch_and_reflog_only_commits():
    with GitSandbox() as sb:
        g = sb.graph()
        assert g.commits == {} and g.head is None and g.head_branch == "main" and not g.detached
        sb.commit("A")
        sb.commit("B")
        sb.run("git reset -q --hard HEAD~1")
        assert [c.subject for c in sb.graph().commits.values()] == ["A"]
        ghosts = sb.graph(reflog=True)
        assert {c.subject: c.reachable for c in ghosts.commits.values()} == {"A": True, "B": False}
        assert "[only in the reflog]" in str(ghosts)
        sb.run("git reset -q --hard HEAD@{1}")
        assert sb.graph().history(sb.graph().head) == ["A", "B"]


def test_teammate_clone_and_identities():
    with GitSandbox() as sb:
        sb.commit("A", {"a.txt": "a\n"})
        sb.run("git push -q -u origin main")
        assert "Cloning into 'teammate'" in sb.add_teammate()
        sb.commit("T", {"t.txt": "t\n"}, who="teammate")
        sb.run("git push -q", who="teammate")
        assert sb.run("git log -1 --format=%an%x20%ae", who="teammate") == "Teammate teammate@example.com"
        rejected = sb.commit("M", {"m.txt": "m\n"}) and sb.run("git push", check=False)
        assert sb.last_returncode != 0 and "rejected" in rejected
        sb.run("git pull -q --no-edit")
        sb.run("git push -q")
        assert sb.graph().remotes["origin/main"] == sb.graph().branches["main"]
        assert not sb.graph().is_linear()


def test_failures_raise_with_git_output():
    with GitSandbox() as sb:
        with pytest.raises(GitCommandError, match="did not match any") as err:
            sb.run("git checkout no-such-branch")
        assert err.value.returncode != 0 and "no-such-branch" in err.value.command


@pytest.mark.parametrize(
    "command",
    [
        "git -C / status",
        "git --git-dir=/etc status",
        "git --work-tree /tmp status",
        "git config --system user.name x",
        "git clone ../../.. stolen",
        "git clone /etc copy",
        "git remote add evil https://example.com/x.git",
        "git remote add evil git@example.com:x/y.git",
        "git log --output=../../leak.txt",
        "ls -la",
        "",
    ],
)
def test_run_refuses_to_leave_the_sandbox(command):
    with GitSandbox() as sb:
        with pytest.raises(ValueError, match="GitSandbox.run"):
            sb.run(command)


@pytest.mark.parametrize("path", ["../outside.txt", "/tmp/outside.txt", "sub/../../x.txt", ".git/config", "."])
def test_write_refuses_paths_outside_the_working_tree(path):
    with GitSandbox() as sb:
        with pytest.raises(ValueError, match="GitSandbox.write"):
            sb.write(path, "x")


def test_write_through_a_symlink_is_refused(tmp_path):
    with GitSandbox() as sb:
        os.symlink(tmp_path, sb.workdir() / "link")
        with pytest.raises(ValueError, match="GitSandbox.write"):
            sb.write("link/x.txt", "x")
        assert not (tmp_path / "x.txt").exists()


def test_bad_arguments_name_the_argument():
    with GitSandbox() as sb:
        with pytest.raises(ValueError, match="GitSandbox expects who one of"):
            sb.run("git status", who="boss")
        with pytest.raises(ValueError, match="no 'teammate' repository yet"):
            sb.run("git status", who="teammate")
        with pytest.raises(TypeError, match="GitSandbox.write expects text as a str"):
            sb.write("a.txt", b"bytes")
        with pytest.raises(TypeError, match="GitSandbox.run expects command as a string"):
            sb.run(42)
    with pytest.raises(TypeError, match="draw_commit_graph"):
        draw_commit_graph({"not": "a graph"})


def test_cleans_up_on_exit_and_after_an_exception():
    with GitSandbox() as sb:
        root = sb.root
        assert (root / "me" / ".git").is_dir() and (root / "origin.git").is_dir()
    assert not root.exists() and sb.closed
    with pytest.raises(RuntimeError, match="closed"):
        sb.run("git status")
    with pytest.raises(ZeroDivisionError):
        with GitSandbox(teammate=True) as sb:
            root = sb.root
            sb.commit("A", {"a.txt": "a\n"})
            1 / 0
    assert not root.exists()
    with pytest.raises(GitCommandError):
        with GitSandbox() as sb:
            root = sb.root
            sb.run("git merge nothing")
    assert not root.exists()
    sb = GitSandbox()
    root = sb.root
    del sb  # forgotten without close(): the finalizer removes it
    import gc

    gc.collect()
    assert not root.exists()


def test_a_failed_setup_leaves_nothing_behind(monkeypatch):
    made = []
    real = gitsandbox.tempfile.mkdtemp

    def mkdtemp(**kw):
        made.append(real(**kw))
        return made[-1]

    monkeypatch.setattr(gitsandbox.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(GitSandbox, "add_teammate", lambda self: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        GitSandbox(teammate=True)
    assert made and not os.path.exists(made[0])


def test_missing_git_gets_a_clear_error(monkeypatch):
    with pytest.raises(GitNotFoundError, match="not on PATH.*Install git"):
        GitSandbox(git="git-that-does-not-exist")
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GitNotFoundError, match="git-scm.com"):
        GitSandbox()


def _snapshot(repo: Path, home: Path) -> dict[str, bytes]:
    """Every file of a repository's .git and of HOME, plus its working tree."""
    files = {}
    for base in (repo, home):
        for path in sorted(base.rglob("*")):
            if path.is_file():
                files[str(path)] = path.read_bytes()
    return files


def test_never_touches_the_enclosing_checkout_or_global_config(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Real Learner\n\temail = real@example.com\n"
                                     "[init]\n\tdefaultBranch = trunk\n[alias]\n\tco = checkout\n")
    repo = tmp_path / "learner-checkout"
    env = {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("GIT_CONFIG_GLOBAL", None)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    (repo / "mine.txt").write_text("my work\n")
    subprocess.run(["git", "add", "mine.txt"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "my own commit"], cwd=repo, check=True, env=env)
    (repo / "unstaged.txt").write_text("work in progress\n")
    before = _snapshot(repo, home)

    monkeypatch.chdir(repo)
    monkeypatch.setenv("HOME", str(home))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):  # a hostile environment
        monkeypatch.setenv(name, str(repo / ".git") if name == "GIT_DIR" else str(repo))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'user.name'='Injected'")
    with GitSandbox(teammate=False) as sb:
        diverged_history(sb)
        sb.run("git checkout -q main")
        sb.run("git config user.name Changed")
        sb.run("git config --global user.name ChangedGlobally")
        sb.run("git push -q origin main feature")
        sb.add_teammate()
        sb.commit("T", {"t.txt": "t\n"}, who="teammate")
        assert sb.run("git log -1 --format=%an", who="teammate") == "Teammate"
        assert sb.graph().head_branch == "main"  # init.defaultBranch came from the sandbox, not 'trunk'
        with pytest.raises(GitCommandError):
            sb.run("git co feature")  # the learner's alias is invisible in here
    assert _snapshot(repo, home) == before


def test_the_appendix_guard_fails_a_run_that_changes_the_enclosing_checkout(tmp_path):
    """nbval's runs of A1 are guarded (conftest.py, enclosing_git.py): here on a stand-in checkout and cells."""
    from enclosing_git import APPENDIX, guard_appendix_runs

    repo = tmp_path / "checkout"
    (repo / "notebooks").mkdir(parents=True)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["git", "init", "-q"], ["git", "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q",
                                             "--allow-empty", "-m", "start"]):
        subprocess.run(command, cwd=repo, check=True, env=env)

    class IPyNbCell:  # nbval's item class, as far as the guard looks at it
        def __init__(self, runtest):
            self.path, self.runtest = repo / "notebooks" / APPENDIX, runtest

    def tag():
        subprocess.run(["git", "tag", "planted"], cwd=repo, check=True, env=env)

    quiet = [IPyNbCell(lambda: None), IPyNbCell(lambda: None)]
    assert guard_appendix_runs(quiet) == 1
    for cell in quiet:
        cell.runtest()
    loud = [IPyNbCell(lambda: None), IPyNbCell(tag), IPyNbCell(lambda: None)]
    guard_appendix_runs(loud)
    for cell in loud[:2]:
        cell.runtest()
    with pytest.raises(AssertionError, match="changed the enclosing checkout's refs"):
        loud[2].runtest()
    assert guard_appendix_runs([IPyNbCell(lambda: None)]) == 1 and not guard_appendix_runs([])


def test_same_shape_ignores_hashes_only():
    with GitSandbox() as a, GitSandbox() as b:
        a.commit("A")
        b.run("git log --oneline", check=False)  # shifts b's clock: different hashes, same shape
        b.commit("A")
        assert a.graph().head != b.graph().head and same_shape(a.graph(), b.graph())
        b.run("git checkout -q -b other")
        assert not same_shape(a.graph(), b.graph())


def test_draw_returns_axes_with_every_commit():
    import matplotlib.pyplot as plt

    with GitSandbox() as sb:
        diverged_history(sb)
        ax = sb.draw(title="t")
        g = sb.graph()
    texts = " ".join(t.get_text() for t in ax.texts)
    assert all(c.short in texts for c in g.commits.values())
    assert "HEAD" in texts and "origin/main" in texts and "feature" in texts
    assert isinstance(g, Graph)
    plt.close(ax.figure)


def test_play_prints_each_command_and_draws_one_panel_per_step(capsys, monkeypatch):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    with GitSandbox() as sb:
        graphs = play(sb, 'git commit --allow-empty -m "A"', "git checkout -b x", "git push", check=False)
        assert sb.last_returncode != 0  # x has no upstream: shown, not raised
    out = capsys.readouterr().out
    assert 'me$ git commit --allow-empty -m "A"' in out and "me$ git push\nfatal:" in out
    assert [g.head_branch for g in graphs] == ["main", "x", "x"]
    assert len(shown) == 1 and sum(bool(ax.texts) for ax in shown[0].axes) == 3
    plt.close(shown[0])
    with pytest.raises(TypeError, match="draw_panels"):
        draw_panels([graphs[0]])
    with GitSandbox() as sb, pytest.raises(ValueError, match="play expects commands at least one git command"):
        play(sb)


# ----------------------------------------------------------------------------
# The guard: attached options, configuration keys, hooks, one command per call (issue 15, item 7)
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("template", [
    "git config -f{out}/x.cfg user.name x",
    "git config --file={out}/x.cfg user.name x",
    "git archive -o{out}/a.zip HEAD",
    "git format-patch -o{out} HEAD~1",
    "git format-patch --output-directory={out} HEAD~1",
    "git -C{out} status",
])
def test_attached_options_cannot_reach_outside(template, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    with GitSandbox() as sb:
        sb.commit("A")
        sb.commit("B")
        with pytest.raises(ValueError, match="GitSandbox.run expects command"):
            sb.run(template.format(out=outside))
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("command", [
    "git -c alias.x=!touch x",
    "git -calias.x=!true x",
    "git -c core.hooksPath=/tmp status",
    "git -c core.pager=less log",
    "git config alias.hi '!touch hacked'",
    "git config --global alias.hi '!touch hacked'",
    "git config core.hooksPath hooks",
    "git config core.editor vim",
    "git config merge.ours.driver true",
    "git config set alias.hi '!touch hacked'",
    "git config --edit",
])
def test_configuration_is_limited_to_a_short_list_of_keys(command):
    with GitSandbox() as sb:
        with pytest.raises(ValueError, match="GitSandbox.run expects command"):
            sb.run(command)
        assert not (sb.workdir() / "hacked").exists() and not (sb.workdir() / "x").exists()
        assert "alias" not in sb.run("git config --list")


def test_the_keys_the_appendix_needs_are_allowed():
    with GitSandbox() as sb:
        for command in ("git config user.name Ada", "git config user.email ada@example.com", "git config pull.rebase true",
                        "git config merge.conflictStyle diff3", "git config init.defaultBranch main",
                        "git config core.editor :", "git -c merge.ff=false status", "git config --unset pull.rebase"):
            sb.run(command)
        assert sb.run("git config --get user.name") == "Ada"
        assert "merge.conflictstyle=diff3" in sb.run("git config --list")


def test_hooks_never_run(tmp_path):
    marker = tmp_path / "hook-ran"
    with GitSandbox() as sb:
        assert sb.run("git config --get core.hooksPath").endswith("no-hooks")
        hook = sb.workdir() / ".git" / "hooks" / "pre-commit"
        hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
        hook.chmod(0o755)
        sb.commit("A", {"a.txt": "a\n"})
    assert not marker.exists()


@pytest.mark.parametrize("command", ["git status && touch x", "git status ; touch x", "git log | head", "git log > out.txt",
                                     "git status; touch x"])
def test_one_git_command_per_call(command):
    with GitSandbox() as sb:
        with pytest.raises(ValueError, match="one git command per call, run without a shell"):
            sb.run(command)
        assert sorted(p.name for p in sb.workdir().iterdir()) == [".git"]


def test_sigterm_removes_the_sandbox_folder(tmp_path):
    script = (
        "import os, signal, sys\n"
        "from course_utils.gitsandbox import GitSandbox\n"
        "sb = GitSandbox()\n"
        "print(sb.root, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
        "import time; time.sleep(30)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    root = Path(done.stdout.strip())
    assert root.name.startswith("gitsandbox-"), done.stderr
    assert done.returncode == -15  # killed by SIGTERM, as without the handler
    assert not root.exists()
