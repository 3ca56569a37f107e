"""The git replay slider: states recorded once, frames drawn without a browser."""

from __future__ import annotations

import shutil

import pytest

from course_utils.gitsandbox import GitSandbox
from course_utils.widgets.git import FEATURE_BRANCH_STORY, record_states, render_state, replay_slider

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

PNG = b"\x89PNG\r\n\x1a\n"
SHORT_STORY = [
    'git commit --allow-empty -m "A"',
    "git checkout -b feature",
    ("me", 'git commit --allow-empty -m "B"'),
    lambda sb: sb.commit("C", {"c.txt": "c\n"}) and "me: commit C",
]


@pytest.fixture(scope="module")
def states():
    return record_states(SHORT_STORY)


def test_states_follow_the_steps(states):
    assert len(states) == len(SHORT_STORY) + 1
    labels = [label for label, _ in states]
    assert labels[1] == 'me$ git commit --allow-empty -m "A"' and labels[-1] == "me: commit C"
    first, last = states[0][1], states[-1][1]
    assert first.commits == {} and first.head_branch == "main"
    assert last.head_branch == "feature" and last.history(last.head) == ["A", "B", "C"]
    assert states[2][1].branches == {"main": states[2][1].head, "feature": states[2][1].head}


def test_states_match_running_the_same_commands_by_hand(states):
    with GitSandbox() as sb:
        sb.run('git commit --allow-empty -m "A"')
        sb.run("git checkout -b feature")
        assert sb.graph() == states[2][1]


def test_render_gives_a_different_png_per_step(states):
    frames = [render_state(states, k) for k in range(len(states))]
    assert all(f.startswith(PNG) for f in frames)
    assert len(set(frames)) == len(frames)
    assert render_state(states, 2) == frames[2]  # drawing is deterministic


def test_render_checks_the_step(states):
    with pytest.raises(ValueError, match=r"render_state expects step an int in \[0, 4\]; got 5"):
        render_state(states, 5)
    with pytest.raises(TypeError, match=r"render_state expects step an int in \[0, 4\]; got float 1.5"):
        render_state(states, 1.5)


def test_moving_the_slider_changes_the_image(states):
    box = replay_slider(states, caption="replay")
    before = bytes(box.image.value)
    assert before.startswith(PNG)
    box.controls["step"].value = 3
    assert bytes(box.image.value) != before and bytes(box.image.value) == render_state(states, 3)
    box.controls["step"].value = 0
    assert bytes(box.image.value) == before
    assert box.controls["step"].max == len(states) - 1


def test_feature_branch_story_replays_the_reset_and_the_reflog():
    box = replay_slider(FEATURE_BRANCH_STORY)
    states = box.states
    merged, undone, redone = (states[k][1] for k in (8, 9, 10))
    assert len(merged.commits[merged.head].parents) == 2
    assert undone.head == merged.commits[merged.head].parents[0]
    assert not undone.commits[merged.head].reachable  # grey: only the reflog has it
    assert redone.head == merged.head
    assert "feature/login" not in states[-1][1].branches


def test_bad_steps_are_reported():
    with pytest.raises(TypeError, match="record_states expects steps a non-empty list of steps; got 'git status'"):
        record_states("git status")
    with pytest.raises(TypeError, match="record_states expects steps steps that are each a git command str"):
        record_states([42])
