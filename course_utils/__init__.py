"""course_utils: the reusable code of the course on deep generative models.

Notebooks import from here; nothing here imports a notebook. ``models/`` never
imports ``widgets`` or ``plotting``.
"""

from __future__ import annotations

__version__ = "0.1.0"


def setup(seed: int = 0, live: bool = False, threads: int | None = 1):
    """Set up a notebook: seed everything, apply the course plot style, pick a device.

    ``live=False`` loads every trained model of the notebook from the course's
    shipped weights (``course_utils.zoo``), so no cell waits for training;
    ``live=True`` trains each one here, in front of you, from the same recipe.
    ``threads``: torch's intra-op threads (``None`` leaves torch's default, one per
    core). The course's models are small: on one thread they run as fast on an
    idle machine and many times faster on a busy one (sampling 1,000 digits from
    NADE took 0.25 s on one thread and 6.2 s on two, with another job on the
    second core), and results do not depend on the core count.
    Returns the ``torch.device`` to use. Call it once, in the notebook's set-up cell.
    On Google Colab only, it first fetches the course's repository (``colab.prepare``).
    """
    from . import colab, zoo
    from .plotting import use_course_style
    from .training import pick_device, seed_everything

    colab.prepare()

    zoo.set_live(live)
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"setup expects threads to be a positive int or None; got {threads!r}")
        import torch

        torch.set_num_threads(threads)
    seed_everything(seed)
    use_course_style()
    return pick_device()
