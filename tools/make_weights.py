"""Train the course's models and write the shipped weights (``course_utils/weights/``).

Each model trains from its recipe with the course's own training code
(``course_utils.zoo.ship``), on one torch thread where its trainer pins one, and
is saved with its key in ``course_utils/weights/MANIFEST.json``. Run it after a
change to a recipe or to code a model's training reaches (``tests/test_zoo.py``
names the stale ones):

    python tools/make_weights.py            # every model whose weights are missing or stale
    python tools/make_weights.py --all      # retrain every model
    python tools/make_weights.py nade dcgan # these
"""

from __future__ import annotations

import argparse
import time

from course_utils import zoo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"models to train (default: the stale ones); any of {sorted(zoo.registry())}")
    parser.add_argument("--all", action="store_true", help="retrain every model")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(zoo.registry()))
    if unknown:
        parser.error(f"unknown model names {unknown}; known: {sorted(zoo.registry())}")
    names = args.names or [n for n in zoo.registry() if args.all or zoo.shipped_path(n) is None]
    if not names:
        print("every shipped model is up to date")
    for name in names:
        start = time.perf_counter()
        entry = zoo.ship(name, progress=False)
        print(f"{name:18} trained in {time.perf_counter() - start:6.1f} s  {entry['bytes'] / 1e6:5.2f} MB  key {entry['key']}",
              flush=True)


if __name__ == "__main__":
    main()
