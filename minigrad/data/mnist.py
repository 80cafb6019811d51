"""MNIST and Fashion-MNIST: 28x28 grayscale images in 10 classes, read from IDX files.

Holds:
    MNIST         -- handwritten digits 0-9 (60,000 train / 10,000 test)
    FashionMNIST  -- Zalando's clothing images (60,000 train / 10,000 test), same format

Where the files are looked for, in order (both files of a split must sit in one folder, named
as distributed, ``train-images-idx3-ubyte.gz`` etc., gzipped or not):

    1. ``root/<name>/`` and ``root/``                 (when ``root`` is given)
    2. ``~/.cache/minigrad/<name>/``                  (where ``download=True`` puts them)
    3. ``/usr/share/datasets/fashion-mnist/``         (Fashion-MNIST only: Debian's package
                                                        ``dataset-fashion-mnist``)

``download=True`` fetches missing files from the official mirrors into ``root/<name>/`` (or the
cache when no root is given), checking each file's SHA-256 before writing it.  With
``subset='bundled'`` the data come from the small subsets shipped inside minigrad (see
``minigrad.data.load_bundled``), so nothing needs to be present or downloaded at all.

A sample is ``(image, label)``: image a uint8 array (28, 28) -- pass ``transform=ToTensor()``
for a float32 Tensor (1, 28, 28) in [0, 1] -- and label an int.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .bundled import load_bundled
from .collate import default_collate
from .dataset import Dataset
from .download import download as download_file
from .idx import read_idx

__all__ = ["MNIST", "FashionMNIST", "cache_dir"]

IMAGES_MAGIC = 2051  # 0x00000803: uint8, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: uint8, 1 dimension


def cache_dir() -> Path:
    """minigrad's download cache, ``~/.cache/minigrad``."""
    return Path.home() / ".cache" / "minigrad"


class MNIST(Dataset):
    """The MNIST handwritten digits (LeCun, Cortes and Burges; CC BY-SA 3.0).

    Arguments:
        root              a folder to look in first (and to download into)
        train             the 60,000 training images (True) or the 10,000 test images (False)
        transform         applied to each image, e.g. ``Compose([ToTensor(), Normalize(...)])``
        target_transform  applied to each label
        download          fetch missing files from ``mirrors``, verifying their SHA-256
        subset            None for the full files, 'bundled' for the subset shipped in minigrad
        mirrors, sha256   override the mirror list and the file digests (tests, private mirrors)

    Attributes: ``data`` (N, 28, 28) uint8, ``targets`` (N,) int64, ``classes``.
    """

    name = "mnist"
    bundled_name = "mnist-5k"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]
    files = {
        True: ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        False: ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    }
    mirrors = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    # SHA-256 of the official gzipped files (see minigrad/data/bundled/README.md).
    sha256 = {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
    system_dirs: tuple[str, ...] = ()

    def __init__(self, root: str | Path | None = None, train: bool = True,
                 transform: Callable | None = None, target_transform: Callable | None = None,
                 download: bool = False, subset: str | None = None,
                 mirrors: Sequence[str] | None = None, sha256: dict[str, str] | None = None):
        self.root = None if root is None else Path(root).expanduser()
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        self.subset = subset
        if mirrors is not None:
            self.mirrors = tuple(mirrors)
        if sha256 is not None:
            self.sha256 = {**self.sha256, **sha256}
        if subset == "bundled":
            (x_train, y_train), (x_test, y_test) = load_bundled(self.bundled_name)
            images, labels = (x_train, y_train) if self.train else (x_test, y_test)
            self.source = f"bundled:{self.bundled_name}"
        elif subset is None:
            images, labels = self._read_files(download)
        else:
            raise ValueError(f"{type(self).__name__}: subset must be None (the full files) or "
                             f"'bundled', got {subset!r}")
        self.data = images
        self.targets = labels.astype(np.int64)

    # -----------------------------------------------------------------------------------------
    # Finding, downloading and reading the files
    # -----------------------------------------------------------------------------------------

    def search_dirs(self) -> list[Path]:
        """The folders looked in, in order."""
        folders = []
        if self.root is not None:
            folders += [self.root / self.name, self.root]
        folders.append(cache_dir() / self.name)
        folders += [Path(folder) for folder in self.system_dirs]
        return folders

    def _find(self, folder: Path) -> tuple[Path, Path] | None:
        """The (images, labels) files of this split in ``folder``, gzipped or not, or None."""
        found = []
        for file_name in self.files[self.train]:
            for candidate in (folder / file_name, folder / file_name.removesuffix(".gz")):
                if candidate.is_file():
                    found.append(candidate)
                    break
        return (found[0], found[1]) if len(found) == 2 else None

    def _read_files(self, download: bool) -> tuple[np.ndarray, np.ndarray]:
        for folder in self.search_dirs():
            paths = self._find(folder)
            if paths is not None:
                break
        else:
            if not download:
                looked = ", ".join(str(folder) for folder in self.search_dirs())
                raise FileNotFoundError(
                    f"{type(self).__name__}: the {'train' if self.train else 'test'} files "
                    f"{' and '.join(self.files[self.train])} are in none of: {looked}. "
                    f"Pass download=True to fetch them, or subset='bundled' for the small "
                    f"subset shipped with minigrad{self._install_hint()}."
                )
            paths = self._download()
        images_path, labels_path = paths
        self.source = str(images_path.parent)
        images = read_idx(images_path, magic=IMAGES_MAGIC)
        labels = read_idx(labels_path, magic=LABELS_MAGIC)
        if len(images) != len(labels):
            raise ValueError(
                f"{images_path} holds {len(images)} images but {labels_path} holds "
                f"{len(labels)} labels"
            )
        return images, labels

    def _install_hint(self) -> str:
        return ""

    def _download(self) -> tuple[Path, Path]:
        folder = (self.root if self.root is not None else cache_dir()) / self.name
        paths = []
        for file_name in self.files[self.train]:
            path = folder / file_name
            if not path.is_file():
                path = download_file(file_name, self.mirrors, self.sha256.get(file_name),
                                     folder)
            paths.append(path)
        return paths[0], paths[1]

    # -----------------------------------------------------------------------------------------
    # The Dataset protocol
    # -----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        image = self.data[index]
        label = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def get_batch(self, indices) -> tuple:
        """``(images, labels)`` for ``indices``: one gather when there are no transforms."""
        if self.transform is None and self.target_transform is None:
            indices = np.asarray(indices, dtype=np.int64)
            return Tensor(self.data[indices]), Tensor(self.targets[indices])
        return default_collate([self[int(i)] for i in indices])

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return (f"{type(self).__name__}(split={split!r}, samples={len(self)}, "
                f"source={self.source!r}, transform={self.transform!r})")


class FashionMNIST(MNIST):
    """Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT license, Zalando SE): 28x28 grayscale
    images of 10 kinds of clothing, a drop-in replacement for MNIST.  Same arguments as MNIST;
    also found in ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``).

    >>> train = FashionMNIST(train=True, subset="bundled")
    >>> image, label = train[0]
    >>> len(train), image.shape, train.classes[label]
    (10000, (28, 28), 'T-shirt/top')
    """

    name = "fashion-mnist"
    bundled_name = "fashion-mnist-small"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    mirrors = (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    )
    # SHA-256 of the official gzipped files (see minigrad/data/bundled/README.md).
    sha256 = {
        "train-images-idx3-ubyte.gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
    system_dirs = ("/usr/share/datasets/fashion-mnist",)

    def _install_hint(self) -> str:
        return ", or on Debian/Ubuntu `apt-get install dataset-fashion-mnist`"
