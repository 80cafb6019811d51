"""MNIST / FashionMNIST: where files are looked for, samples and transforms, batches, errors,
and the full Fashion-MNIST from Debian's dataset-fashion-mnist package when it is installed."""

from pathlib import Path

import numpy as np
import pytest

from minigrad.data import MNIST, DataLoader, FashionMNIST, default_collate, transforms, write_idx
from minigrad.data.bundled import BUNDLED_DIR

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())
    return home


def _write_split(folder, prefix="t10k", n=6, gzipped=True, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    suffix = ".gz" if gzipped else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images, labels


def test_reads_root_then_root_name_then_cache(tmp_path, isolated_home):
    root = tmp_path / "root"
    in_root = _write_split(root, seed=1, gzipped=False)  # plain, uncompressed files also work
    assert np.array_equal(MNIST(root=root, train=False).data, in_root[0])
    in_subfolder = _write_split(root / "mnist", seed=2)
    assert np.array_equal(MNIST(root=root, train=False).data, in_subfolder[0])  # root/mnist first
    in_cache = _write_split(isolated_home / ".cache" / "minigrad" / "mnist", seed=3)
    assert np.array_equal(MNIST(train=False).data, in_cache[0])
    assert np.array_equal(MNIST(root=tmp_path / "empty", train=False).data, in_cache[0])


def test_system_dir_is_searched_last(tmp_path, isolated_home, monkeypatch):
    system = tmp_path / "usr-share"
    images, _ = _write_split(system)
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(system),))
    found = FashionMNIST(train=False)
    assert np.array_equal(found.data, images) and found.source == str(system)


def test_missing_files_message(tmp_path, isolated_home):
    with pytest.raises(FileNotFoundError) as caught:
        FashionMNIST(root=tmp_path / "nowhere", train=True)
    message = str(caught.value)
    assert "train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz" in message
    assert str(tmp_path / "nowhere" / "fashion-mnist") in message
    assert "download=True" in message and "subset='bundled'" in message
    assert "apt-get install dataset-fashion-mnist" in message


def test_mismatched_files(tmp_path, isolated_home):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match="holds 3 images but .*t10k-labels-idx1-ubyte.gz holds 4"):
        MNIST(root=tmp_path, train=False)
    # images and labels swapped: the magic number check names the file
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz: wrong magic number 2049"):
        MNIST(root=tmp_path, train=False)


def test_samples_transforms_and_batches(tmp_path, isolated_home):
    images, labels = _write_split(tmp_path, n=10)
    plain = MNIST(root=tmp_path, train=False)
    image, label = plain[3]
    assert image.dtype == np.uint8 and image.shape == (28, 28) and label == labels[3]
    assert plain.targets.dtype == np.int64
    batch_images, batch_labels = plain.get_batch(np.array([4, 1]))
    assert batch_images.dtype == np.uint8
    np.testing.assert_array_equal(batch_images.numpy(), images[[4, 1]])
    np.testing.assert_array_equal(batch_labels.numpy(), labels[[4, 1]])
    # the vectorised batch equals collating samples one by one
    collated = default_collate([plain[4], plain[1]])
    np.testing.assert_array_equal(collated[0].numpy(), batch_images.numpy())
    assert collated[1].dtype == batch_labels.dtype

    prepared = MNIST(root=tmp_path, train=False, transform=transforms.ToTensor(),
                     target_transform=lambda y: y + 100)
    x, y = prepared[3]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and y == labels[3] + 100
    xs, ys = next(iter(DataLoader(prepared, batch_size=4)))
    assert xs.shape == (4, 1, 28, 28)
    np.testing.assert_allclose(xs.numpy()[:, 0], images[:4] / 255.0, rtol=1e-6)
    assert ys.tolist() == (labels[:4].astype(int) + 100).tolist()


def test_bad_subset():
    with pytest.raises(ValueError, match="subset must be None .* or 'bundled', got 'tiny'"):
        MNIST(subset="tiny")


@pytest.mark.parametrize("cls, train, size", [(FashionMNIST, True, 10000),
                                              (FashionMNIST, False, 2000),
                                              (MNIST, True, 4000), (MNIST, False, 1000)])
def test_bundled_subset(cls, train, size):
    data = cls(train=train, subset="bundled", transform=transforms.ToTensor())
    assert len(data) == size and data.source.startswith("bundled:")
    assert np.bincount(data.targets).tolist() == [size // 10] * 10
    images, labels = next(iter(DataLoader(data, batch_size=32, shuffle=True)))
    assert images.shape == (32, 1, 28, 28) and labels.dtype == np.int64


@pytest.mark.skipif(not DEBIAN_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not "
                                                    "installed")
def test_full_fashion_mnist_from_debian(isolated_home, monkeypatch):
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(DEBIAN_DIR),))
    train, test = FashionMNIST(train=True), FashionMNIST(train=False)
    assert train.data.shape == (60000, 28, 28) and test.data.shape == (10000, 28, 28)
    assert train.data.dtype == np.uint8 and train.source == str(DEBIAN_DIR)
    # Fashion-MNIST is balanced: 6,000 / 1,000 images per class
    assert np.bincount(train.targets).tolist() == [6000] * 10
    assert np.bincount(test.targets).tolist() == [1000] * 10
    # the bundled subset is exactly the rows it says it took from these files
    with np.load(BUNDLED_DIR / "fashion-mnist-small.npz") as bundled:
        for split, full in (("train", train), ("test", test)):
            rows = bundled[f"{split}_index"]
            np.testing.assert_array_equal(bundled[f"x_{split}"], full.data[rows])
            np.testing.assert_array_equal(bundled[f"y_{split}"], full.targets[rows])
