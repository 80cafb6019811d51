"""minigrad.data: datasets, the DataLoader, transforms and the data sets themselves.

    dataset.py     Dataset, TensorDataset, Subset, random_split
    collate.py     default_collate (samples -> batch of Tensors)
    dataloader.py  DataLoader (shuffled minibatches, reproducible from the seed)
    transforms.py  Compose, ToTensor, Normalize, RandomHorizontalFlip, RandomCrop, Resize, ...
    idx.py         read_idx / write_idx: the MNIST file format
    download.py    download with mirrors, SHA-256 check and atomic write
    mnist.py       MNIST, FashionMNIST
    bundled.py     load_bundled: small real data sets shipped inside the package
    corpora.py     load_austen: Jane Austen's novels, shipped inside the package
    chorales.py    load_chorales: Bach chorale melodies, shipped inside the package

>>> import minigrad
>>> from minigrad.data import DataLoader, FashionMNIST, transforms
>>> train = FashionMNIST(train=True, subset="bundled", transform=transforms.ToTensor())
>>> images, labels = next(iter(DataLoader(train, batch_size=64, shuffle=True)))
>>> images.shape, images.dtype, labels.dtype
((64, 1, 28, 28), dtype('float32'), dtype('int64'))
"""

from . import transforms
from .bundled import BUNDLED, bundled_info, load_bundled
from .chorales import Chorale, load_chorales
from .collate import default_collate
from .corpora import AUSTEN_BOOKS, load_austen
from .dataloader import DataLoader
from .dataset import Dataset, Subset, TensorDataset, random_split
from .download import DownloadError, download, sha256_of
from .idx import read_idx, write_idx
from .mnist import MNIST, FashionMNIST, cache_dir

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate",
           "transforms", "read_idx", "write_idx", "download", "sha256_of", "DownloadError",
           "MNIST", "FashionMNIST", "cache_dir", "load_bundled", "bundled_info", "BUNDLED",
           "load_austen", "AUSTEN_BOOKS", "load_chorales", "Chorale"]
