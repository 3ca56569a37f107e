"""course_utils: the reusable code of the course on deep generative models.

Notebooks import from here; nothing here imports a notebook. ``models/`` never
imports ``widgets`` or ``plotting``.
"""

from __future__ import annotations

__version__ = "0.1.0"


def setup(seed: int = 0, live: bool = False):
    """Set up a notebook: seed everything, apply the course plot style, pick a device.

    ``live=False`` loads every trained model of the notebook from the course's
    shipped weights (``course_utils.zoo``), so no cell waits for training;
    ``live=True`` trains each one here, in front of you, from the same recipe.
    Returns the ``torch.device`` to use. Call it once, in the notebook's set-up cell.
    On Google Colab only, it first fetches the course's repository (``colab.prepare``).
    """
    from . import colab, zoo
    from .plotting import use_course_style
    from .training import pick_device, seed_everything

    colab.prepare()

    zoo.set_live(live)
    seed_everything(seed)
    use_course_style()
    return pick_device()
