"""course_utils: the reusable code of the course on deep generative models.

Notebooks import from here; nothing here imports a notebook. ``models/`` never
imports ``widgets`` or ``plotting``.
"""

from __future__ import annotations

__version__ = "0.1.0"


def setup(seed: int = 0, live: bool = False, threads: int | None = 1, lang: str = "en"):
    """Set up a notebook: seed everything, apply the course plot style, pick a device.

    ``live=False`` loads every trained model of the notebook from the course's
    shipped weights (``course_utils.zoo``), so no cell waits for training;
    ``live=True`` trains each one here, in front of you, from the same recipe.
    ``threads``: torch's intra-op threads (``None`` leaves torch's default, one per
    core). The course's models are small: on one thread they run as fast on an
    idle machine and many times faster on a busy one (sampling 1,000 digits from
    NADE took 0.25 s on one thread and 6.2 s on two, with another job on the
    second core), and results do not depend on the core count.
    ``lang``: the language of the checkers' verdicts and hints and of the widgets'
    captions, "en" or "ko" (the Korean edition's notebooks pass ``lang="ko"``;
    see ``course_utils.i18n``); error messages stay English.
    Returns the ``torch.device`` to use. Call it once, in the notebook's set-up cell.
    On Google Colab only, it first fetches the course's repository (``colab.prepare``).
    """
    from . import colab, i18n, zoo
    from .plotting import use_course_style
    from .training import pick_device, seed_everything

    i18n.check_language(lang, "setup")  # before anything happens, as for every argument
    colab.prepare()
    i18n.set_language(lang, "setup")  # after prepare: on Colab the catalogue's reader (polib) comes with the course

    zoo.set_live(live)
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"setup expects threads to be a positive int or None; got {threads!r}")
        import torch

        torch.set_num_threads(threads)
    seed_everything(seed)
    use_course_style()
    return pick_device()
