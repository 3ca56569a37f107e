"""Data sets of the course, each verified by SHA-256 before use.

* ``load_mnist``: 5,000 MNIST digits that ship with the course in
  ``data/mnist5k.npz`` (built by ``data/make_mnist5k.py``).
* ``load_binarized_mnist``: the 50k/10k/10k binarization of Larochelle & Murray
  (2011), read from ``.amat`` / ``.amat.gz`` files or downloaded on request.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import zlib
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import torch

from . import validation as V

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

MNIST5K_FILE = "mnist5k.npz"
MNIST5K_SHA256 = "a846a8bce50286167f9be7f9b9a524a736cec5ee5bdd7cfe28d4360e6e502994"

#: SHA-256 of the *decompressed* ``binarized_mnist_{split}.amat`` files, as
#: published with the original data.
BINARIZED_MNIST_SHA256 = {
    "train": "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d",
    "valid": "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2",
    "test": "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c",
}
BINARIZED_MNIST_SIZES = {"train": 50_000, "valid": 10_000, "test": 10_000}
BINARIZED_MNIST_URL = (
    "http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/"
    "binarized_mnist_{split}.amat"
)

#: Files whose checksum was verified, with the (size, mtime, inode) they had then: a file
#: replaced on disk afterwards is verified again.
_verified: dict[Path, tuple[int, int, int]] = {}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_split(split: str, allowed: tuple[str, ...], fn: str) -> None:
    V.choice(fn, "split", split, allowed)


def _path(fn: str, name: str, value) -> Path:
    """A path argument (str or os.PathLike), with ``~`` expanded."""
    if not isinstance(value, (str, os.PathLike)):
        V.fail(fn, name, "a path (a str or pathlib.Path)", f"{V.type_name(value)} {value!r}", TypeError)
    return Path(os.path.expanduser(os.fspath(value)))


def _signature(file: Path) -> tuple[int, int, int]:
    st = file.stat()
    return st.st_size, st.st_mtime_ns, st.st_ino


# ----------------------------------------------------------------------------
# The 5,000-digit sample that ships with the course
# ----------------------------------------------------------------------------


def load_mnist(
    split: str = "train", binarize: bool = True, path: str | os.PathLike | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load the course's MNIST sample: 4,000 train / 1,000 test digits.

    Returns ``(x, y)``: ``x`` is a float32 tensor of shape (N, 784), with values
    in {0, 1} (pixel intensity / 255 > 0.5) when ``binarize`` is true and in
    [0, 1] otherwise; ``y`` is an int64 tensor of labels 0-9.
    """
    _check_split(split, ("train", "test"), "load_mnist")
    binarize = V.flag("load_mnist", "binarize", binarize)
    file = _path("load_mnist", "path", path) if path is not None else DATA_DIR / MNIST5K_FILE
    if not file.exists():
        raise FileNotFoundError(
            f"load_mnist: {file} is missing. It ships with the course; restore it with "
            "`git checkout data/mnist5k.npz` or rebuild it with `python data/make_mnist5k.py`."
        )
    signature = _signature(file)
    if _verified.get(file) == signature:
        source = file
    else:  # first use, or the file changed on disk since it was verified: check the bytes that are loaded
        raw = file.read_bytes()
        digest = sha256_of(raw)
        if digest != MNIST5K_SHA256:
            _verified.pop(file, None)
            raise ValueError(
                f"load_mnist: {file} is corrupted: its SHA-256 is {digest}, expected "
                f"{MNIST5K_SHA256}. Restore it with `git checkout data/mnist5k.npz` or "
                "rebuild it with `python data/make_mnist5k.py`."
            )
        _verified[file] = signature
        source = io.BytesIO(raw)
    with np.load(source) as archive:
        images = archive[f"x_{split}"]
        labels = archive[f"y_{split}"]
    x = torch.from_numpy(images.reshape(len(images), 784).astype(np.float32) / 255.0)
    if binarize:
        x = (x > 0.5).float()
    return x, torch.from_numpy(labels.astype(np.int64))


# ----------------------------------------------------------------------------
# Larochelle & Murray's binarized MNIST (50k / 10k / 10k)
# ----------------------------------------------------------------------------


def _parse_amat(text: bytes, name: str) -> torch.Tensor:
    """Parse ``.amat`` text (one image a line, 784 space-separated 0/1 values)."""
    chars = np.frombuffer(text, dtype=np.uint8)
    digits = chars[(chars == ord("0")) | (chars == ord("1"))]
    n_rows = text.count(b"\n") + (0 if text.endswith(b"\n") or not text else 1)
    # Counted, not sorted (np.unique sorts all 78 MB of the train split); the set is made only for the message.
    separators = sum(int(np.count_nonzero(chars == ord(c))) for c in " \r\n")
    other = set() if digits.size + separators == chars.size else set(np.unique(chars).tolist()) - set(b"01 \r\n")
    if other or digits.size != n_rows * 784:
        raise ValueError(
            f"load_binarized_mnist: {name} should hold lines of 784 space-separated values "
            f"in {{0, 1}}; got {digits.size} digits on {n_rows} lines"
            + (f" and unexpected characters {sorted(map(chr, other))}" if other else "")
        )
    return torch.from_numpy((digits - ord("0")).astype(np.float32).reshape(n_rows, 784))


def _download(url: str, target: Path, expected_sha256: str) -> None:
    """Fetch ``url`` into ``target`` with a progress bar, atomically and verified."""
    from tqdm.auto import tqdm

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        response = urllib.request.urlopen(url, timeout=30)
    except (urllib.error.URLError, OSError) as err:
        raise ConnectionError(
            f"load_binarized_mnist: could not download {url} ({err}). Without a network, "
            f"copy binarized_mnist_*.amat (or .amat.gz) into {target.parent} by hand and "
            "call again with download=False."
        ) from err
    digest = hashlib.sha256()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, response, tqdm(
            total=int(response.headers.get("Content-Length", 0)) or None,
            unit="B", unit_scale=True, desc=target.name,
        ) as bar:
            while chunk := response.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
        if expected_sha256 and digest.hexdigest() != expected_sha256:
            raise ValueError(
                f"load_binarized_mnist: the download of {url} has SHA-256 "
                f"{digest.hexdigest()}, expected {expected_sha256}; nothing was saved."
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def default_binarized_mnist_dir() -> Path:
    """``$BINARIZED_MNIST_DIR`` if set, else ``~/.cache/course_utils/binarized_mnist``."""
    env = os.environ.get("BINARIZED_MNIST_DIR", "").strip()
    return Path(os.path.expanduser(env)) if env else Path.home() / ".cache" / "course_utils" / "binarized_mnist"


def load_binarized_mnist(
    split: str = "train",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
) -> torch.Tensor:
    """Load one split of binarized MNIST as a float32 tensor of shape (N, 784).

    Reads ``binarized_mnist_{split}.amat`` or ``.amat.gz`` from ``data_dir`` and
    verifies the SHA-256 of the decompressed text against the published value.
    With ``download=True`` a missing file is fetched from the original address.
    """
    _check_split(split, ("train", "valid", "test"), "load_binarized_mnist")
    download = V.flag("load_binarized_mnist", "download", download)
    root = _path("load_binarized_mnist", "data_dir", data_dir) if data_dir is not None else default_binarized_mnist_dir()
    name = f"binarized_mnist_{split}.amat"
    plain, packed = root / name, root / (name + ".gz")
    if not plain.exists() and not packed.exists():
        if not download:
            raise FileNotFoundError(
                f"load_binarized_mnist: neither {plain} nor {packed} exists. Pass "
                "download=True to fetch it, or point data_dir at a folder holding it."
            )
        _download(BINARIZED_MNIST_URL.format(split=split), plain, BINARIZED_MNIST_SHA256[split])
    if plain.exists():
        text = plain.read_bytes()
        source = plain
    else:
        source = packed
        try:
            with gzip.open(packed, "rb") as f:
                text = f.read()
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
            raise ValueError(
                f"load_binarized_mnist: {packed} is not a complete gzip file ({type(err).__name__}: {err}); "
                "it was probably truncated by an interrupted download or copy. Delete it and call again "
                f"with download=True, or copy binarized_mnist_{split}.amat(.gz) into {root} again."
            ) from None
    digest = sha256_of(text)
    if digest != BINARIZED_MNIST_SHA256[split]:
        raise ValueError(
            f"load_binarized_mnist: {source} does not hold the published {split} split: "
            f"SHA-256 of its text is {digest}, expected {BINARIZED_MNIST_SHA256[split]}. "
            f"Delete {source} and call again with download=True (or copy a fresh copy into {root})."
        )
    x = _parse_amat(text, str(source))
    if len(x) != BINARIZED_MNIST_SIZES[split]:
        raise ValueError(
            f"load_binarized_mnist: {source} has {len(x)} rows, expected "
            f"{BINARIZED_MNIST_SIZES[split]}"
        )
    return x


def two_moons(n: int = 2000, noise: float = 0.08, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved half circles with Gaussian noise, standardised (zero mean, unit sd per axis), in halves.

    The same points as scikit-learn's ``make_moons(n, noise=noise, random_state=seed)``
    (a test checks it), computed with NumPy alone so that no notebook pays for
    importing scikit-learn. Returns ``(train, test)``, float32 of shape (n // 2, 2)
    each: the 2-D data of notebooks 04 (RealNADE) and 07 (a flow), one definition for both.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2 or n % 2:
        raise ValueError(f"two_moons expects n to be an even int >= 2; got {n!r}")
    t = np.linspace(0, np.pi, n // 2)
    points = np.concatenate([np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)])
    rng = np.random.RandomState(seed)
    order = np.arange(n)
    rng.shuffle(order)
    points = points[order] + rng.normal(scale=noise, size=points.shape)
    points = torch.tensor(points, dtype=torch.float32)
    points = (points - points.mean(0)) / points.std(0)
    return points[: n // 2], points[n // 2 :]
