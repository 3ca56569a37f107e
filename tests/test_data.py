import gzip
import hashlib
import subprocess
import sys

import numpy as np
import pytest
import torch

from course_utils import data
from paths import ROOT, SHARED_BINARIZED_MNIST


# --- the 5,000-digit sample ----------------------------------------------------------


@pytest.mark.parametrize("split, n", [("train", 4000), ("test", 1000)])
def test_load_mnist_shapes_values_and_balance(split, n):
    x, y = data.load_mnist(split)
    assert x.shape == (n, 784) and x.dtype == torch.float32
    assert ((x == 0) | (x == 1)).all() and x.min() == 0 and x.max() == 1  # {0, 1}, both (no sort of 39M values)
    assert y.dtype == torch.int64
    assert torch.equal(y.bincount(minlength=10), torch.full((10,), n // 10))


def test_binarize_threshold_is_intensity_over_half():
    grey, y1 = data.load_mnist("test", binarize=False)
    binary, y2 = data.load_mnist("test", binarize=True)
    assert 0.0 <= grey.min() and grey.max() <= 1.0
    assert len(grey.unique()) > 2
    assert torch.equal(binary, (grey > 0.5).float()) and torch.equal(y1, y2)


def test_train_and_test_are_disjoint():
    xtr, _ = data.load_mnist("train", binarize=False)
    xte, _ = data.load_mnist("test", binarize=False)
    train_rows = {hashlib.sha1(r.numpy().tobytes()).hexdigest() for r in xtr}
    assert not any(hashlib.sha1(r.numpy().tobytes()).hexdigest() in train_rows for r in xte)


def test_committed_file_matches_recorded_checksum():
    digest = hashlib.sha256((ROOT / "data" / "mnist5k.npz").read_bytes()).hexdigest()
    assert digest == data.MNIST5K_SHA256
    assert digest in (ROOT / "data" / "README.md").read_text()


def test_make_mnist5k_rebuilds_byte_for_byte():
    result = subprocess.run(
        [sys.executable, str(ROOT / "data" / "make_mnist5k.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical" in result.stdout


def test_corrupted_file_is_refused(tmp_path):
    bad = tmp_path / "mnist5k.npz"
    raw = bytearray((ROOT / "data" / "mnist5k.npz").read_bytes())
    raw[1000] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted.*SHA-256"):
        data.load_mnist(path=bad)


def test_missing_file_says_how_to_restore(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_mnist5k.py"):
        data.load_mnist(path=tmp_path / "nope.npz")


@pytest.mark.parametrize("kwargs, error", [({"split": "valid"}, ValueError), ({"binarize": "yes"}, TypeError)])
def test_load_mnist_bad_arguments(kwargs, error):
    with pytest.raises(error, match="load_mnist"):
        data.load_mnist(**kwargs)


# --- Larochelle & Murray's binarized MNIST -------------------------------------------------


def _amat(rows: np.ndarray) -> bytes:
    return b"".join(b" ".join(str(v).encode() for v in row) + b"\n" for row in rows)


@pytest.fixture
def small_amat(tmp_path, monkeypatch):
    """A generated 5-image 'test' split, with its checksum registered for the test."""
    rows = np.random.default_rng(0).integers(0, 2, size=(5, 784))
    text = _amat(rows)
    monkeypatch.setitem(data.BINARIZED_MNIST_SHA256, "test", hashlib.sha256(text).hexdigest())
    monkeypatch.setitem(data.BINARIZED_MNIST_SIZES, "test", 5)
    return tmp_path, rows, text


def test_reads_plain_and_gzipped_amat_alike(small_amat, tmp_path_factory):
    folder, rows, text = small_amat
    (folder / "binarized_mnist_test.amat").write_bytes(text)
    plain = data.load_binarized_mnist("test", data_dir=folder)
    packed_dir = tmp_path_factory.mktemp("gz")
    with gzip.open(packed_dir / "binarized_mnist_test.amat.gz", "wb") as f:
        f.write(text)
    packed = data.load_binarized_mnist("test", data_dir=packed_dir)
    assert torch.equal(plain, torch.from_numpy(rows.astype(np.float32)))
    assert torch.equal(plain, packed)


def test_checksum_mismatch_is_refused(small_amat):
    folder, rows, text = small_amat
    tampered = bytearray(text)
    tampered[0] = ord("1") if tampered[0] == ord("0") else ord("0")
    (folder / "binarized_mnist_test.amat").write_bytes(bytes(tampered))
    with pytest.raises(ValueError, match="does not hold the published test split"):
        data.load_binarized_mnist("test", data_dir=folder)


def test_missing_split_without_download_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=True"):
        data.load_binarized_mnist("valid", data_dir=tmp_path)


def test_download_writes_atomically_and_verifies(small_amat, tmp_path_factory, monkeypatch):
    """The downloader is exercised through a file:// URL: no network is touched."""
    _, rows, text = small_amat
    source = tmp_path_factory.mktemp("server")
    (source / "binarized_mnist_test.amat").write_bytes(text)
    monkeypatch.setattr(data, "BINARIZED_MNIST_URL", source.as_uri() + "/binarized_mnist_{split}.amat")
    target = tmp_path_factory.mktemp("target")
    x = data.load_binarized_mnist("test", data_dir=target, download=True)
    assert torch.equal(x, torch.from_numpy(rows.astype(np.float32)))
    assert sorted(p.name for p in target.iterdir()) == ["binarized_mnist_test.amat"]


def test_download_with_wrong_checksum_leaves_nothing(small_amat, tmp_path_factory, monkeypatch):
    _, _, text = small_amat
    source = tmp_path_factory.mktemp("server")
    (source / "binarized_mnist_test.amat").write_bytes(text.replace(b"0", b"1", 1))
    monkeypatch.setattr(data, "BINARIZED_MNIST_URL", source.as_uri() + "/binarized_mnist_{split}.amat")
    target = tmp_path_factory.mktemp("target")
    with pytest.raises(ValueError, match="nothing was saved"):
        data.load_binarized_mnist("test", data_dir=target, download=True)
    assert list(target.iterdir()) == []


def test_unreachable_download_explains_offline_route(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "BINARIZED_MNIST_URL", (tmp_path / "absent" / "{split}.amat").as_uri())
    with pytest.raises(ConnectionError, match="copy binarized_mnist"):
        data.load_binarized_mnist("test", data_dir=tmp_path / "target", download=True)


def test_malformed_amat_is_refused(tmp_path, monkeypatch):
    text = b"0 1 2\n"
    monkeypatch.setitem(data.BINARIZED_MNIST_SHA256, "test", hashlib.sha256(text).hexdigest())
    (tmp_path / "binarized_mnist_test.amat").write_bytes(text)
    with pytest.raises(ValueError, match="784 space-separated values"):
        data.load_binarized_mnist("test", data_dir=tmp_path)


def test_a_stray_character_is_refused_and_named(tmp_path, monkeypatch):
    text = (" ".join(["0"] * 784) + " x\t\n").encode()  # the right number of digits, and two other characters
    monkeypatch.setitem(data.BINARIZED_MNIST_SHA256, "test", hashlib.sha256(text).hexdigest())
    (tmp_path / "binarized_mnist_test.amat").write_bytes(text)
    with pytest.raises(ValueError, match=r"unexpected characters \['\\t', 'x'\]"):
        data.load_binarized_mnist("test", data_dir=tmp_path)


@pytest.mark.skipif(not SHARED_BINARIZED_MNIST.exists(), reason="shared binarized MNIST not present")
@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_real_binarized_mnist_verifies(split):
    x = data.load_binarized_mnist(split, data_dir=SHARED_BINARIZED_MNIST)
    assert x.shape == (data.BINARIZED_MNIST_SIZES[split], 784)
    assert ((x == 0) | (x == 1)).all() and x.min() == 0 and x.max() == 1  # {0, 1}, both (no sort of 39M values)
    assert 0.1 < x.mean() < 0.16  # about 13% of pixels are on


def test_published_checksums_match_the_shared_list():
    sums = SHARED_BINARIZED_MNIST / "SHA256SUMS"
    if not sums.exists():
        pytest.skip("shared SHA256SUMS not present")
    for line in sums.read_text().splitlines():
        digest, name = line.split()
        split = name.removeprefix("binarized_mnist_").removesuffix(".amat")
        assert data.BINARIZED_MNIST_SHA256[split] == digest


def test_two_moons_are_scikit_learns_points_standardised_and_split():
    from sklearn.datasets import make_moons

    from course_utils.data import two_moons

    train, test = two_moons(600, noise=0.1, seed=3)
    points, _ = make_moons(600, noise=0.1, random_state=3)
    points = torch.tensor(points, dtype=torch.float32)
    assert torch.equal(torch.cat([train, test]), (points - points.mean(0)) / points.std(0))
    assert train.shape == test.shape == (300, 2)
    with pytest.raises(ValueError, match="n to be an even int"):
        two_moons(601)


# --- faults name the file and the fix (issue 15, item 6) -------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_gzip_names_the_file_and_the_fix(small_amat, damage):
    folder, _, text = small_amat
    packed = folder / "binarized_mnist_test.amat.gz"
    whole = gzip.compress(text)
    packed.write_bytes({"truncated": whole[: len(whole) // 2], "garbage": b"not a gzip file at all",
                        "empty": b""}[damage])
    with pytest.raises(ValueError) as excinfo:
        data.load_binarized_mnist("test", data_dir=folder)
    message = str(excinfo.value)
    assert str(packed) in message and "download=True" in message and "Delete" in message


def test_a_file_replaced_after_the_first_load_is_verified_again(tmp_path):
    copy = tmp_path / "mnist5k.npz"
    raw = (ROOT / "data" / "mnist5k.npz").read_bytes()
    copy.write_bytes(raw)
    x, _ = data.load_mnist("test", path=copy)
    tampered = bytearray(raw)
    tampered[1000] ^= 0xFF
    copy.write_bytes(bytes(tampered))  # same size; a new mtime or inode
    with pytest.raises(ValueError, match=f"load_mnist: {copy} is corrupted"):
        data.load_mnist("test", path=copy)
    copy.write_bytes(raw)
    assert torch.equal(data.load_mnist("test", path=copy)[0], x)


def test_a_tilde_in_paths_means_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("BINARIZED_MNIST_DIR", "~/bmnist")
    assert data.default_binarized_mnist_dir() == tmp_path / "bmnist"
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "elsewhere")):
        data.load_binarized_mnist("test", data_dir="~/elsewhere")
