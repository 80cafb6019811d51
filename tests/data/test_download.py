"""Downloads against a local HTTP server on 127.0.0.1: good files, corrupted files, broken
connections, mirror fallback, and MNIST/FashionMNIST(download=True) end to end."""

import hashlib
import http.server
import threading
from functools import partial

import numpy as np
import pytest

from minigrad.data import MNIST, DownloadError, FashionMNIST, download, write_idx


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from a folder; /broken/<name> promises 1000 bytes and sends 10."""

    def do_GET(self):  # noqa: N802 -- the name http.server calls
        if self.path.startswith("/broken/"):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"\x1f\x8b" + b"\x00" * 8)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """(base URL, served folder) of an HTTP server on 127.0.0.1 (port chosen by the OS)."""
    served = tmp_path / "served"
    served.mkdir()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            partial(_Handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _no_leftovers(folder):
    """Nothing at all in ``folder`` (or it does not exist)."""
    return not folder.exists() or list(folder.iterdir()) == []


def test_good_file_is_written(server, tmp_path):
    url, served = server
    payload = b"some bytes" * 100
    (served / "data.bin").write_bytes(payload)
    path = download("data.bin", [url], _sha256(payload), tmp_path / "cache")
    assert path == tmp_path / "cache" / "data.bin"
    assert path.read_bytes() == payload
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["data.bin"]  # no temp files


def test_corrupted_file_is_refused_and_nothing_written(server, tmp_path):
    url, served = server
    (served / "data.bin").write_bytes(b"corrupted")
    expected = _sha256(b"the real thing")
    with pytest.raises(DownloadError, match=rf"data.bin: checksum mismatch: SHA-256 "
                                            rf"{_sha256(b'corrupted')}, expected {expected}"):
        download("data.bin", [url], expected, tmp_path / "cache")
    assert _no_leftovers(tmp_path / "cache")


def test_broken_connection_leaves_no_partial_file(server, tmp_path):
    url, _ = server
    with pytest.raises(DownloadError, match="nothing was written"):
        download("file.gz", [url + "broken/"], _sha256(b"x"), tmp_path / "cache")
    assert _no_leftovers(tmp_path / "cache")


def test_falls_back_to_the_next_mirror(server, tmp_path):
    url, served = server
    (served / "good").mkdir()
    (served / "bad").mkdir()
    payload = b"official"
    (served / "good" / "f.gz").write_bytes(payload)
    (served / "bad" / "f.gz").write_bytes(b"tampered")
    mirrors = [url + "missing/", url + "bad/", url + "good/"]
    path = download("f.gz", mirrors, _sha256(payload), tmp_path)
    assert path.read_bytes() == payload
    with pytest.raises(DownloadError) as caught:
        download("f.gz", mirrors[:2], _sha256(payload), tmp_path / "other")
    message = str(caught.value)
    assert "missing/f.gz: HTTP Error 404" in message and "bad/f.gz: checksum mismatch" in message


def _serve_mnist_like(served, n=12, seed=0):
    """Small IDX files named as MNIST's: n random 28x28 images and labels, gzipped."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for prefix in ("train", "t10k"):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx(served / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(served / f"{prefix}-labels-idx1-ubyte.gz", labels)
        arrays[prefix] = (images, labels)
    digests = {p.name: _sha256(p.read_bytes()) for p in served.iterdir()}
    return arrays, digests


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """~ is a fresh folder, and no system folder is searched."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(FashionMNIST, "system_dirs", ())
    return home


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_dataset_download_end_to_end(cls, server, tmp_path, isolated_home):
    url, served = server
    arrays, digests = _serve_mnist_like(served)
    root = tmp_path / "root"
    test = cls(root=root, train=False, download=True, mirrors=[url], sha256=digests)
    np.testing.assert_array_equal(test.data, arrays["t10k"][0])
    np.testing.assert_array_equal(test.targets, arrays["t10k"][1].astype(np.int64))
    assert sorted(p.name for p in (root / cls.name).iterdir()) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    # found again without the network, and the default cache is used when no root is given
    for item in served.iterdir():
        item.unlink()
    assert len(cls(root=root, train=False)) == 12
    # the server is empty now: downloading the train split fails and leaves nothing behind
    with pytest.raises(DownloadError, match="train-images-idx3-ubyte.gz"):
        cls(train=True, download=True, mirrors=[url], sha256=digests)
    assert _no_leftovers(isolated_home / ".cache" / "minigrad" / cls.name)


def test_download_into_the_home_cache(server, isolated_home):
    url, served = server
    arrays, digests = _serve_mnist_like(served, n=5)
    train = MNIST(train=True, download=True, mirrors=[url], sha256=digests)
    assert len(train) == 5
    cache = isolated_home / ".cache" / "minigrad" / "mnist"
    assert (cache / "train-images-idx3-ubyte.gz").is_file()
    assert train.source == str(cache)


def test_dataset_download_refuses_a_corrupted_file(server, tmp_path, isolated_home):
    url, served = server
    _, digests = _serve_mnist_like(served)
    digests["t10k-images-idx3-ubyte.gz"] = _sha256(b"what the real file would hash to")
    root = tmp_path / "root"
    with pytest.raises(DownloadError, match="t10k-images-idx3-ubyte.gz: checksum mismatch"):
        FashionMNIST(root=root, train=False, download=True, mirrors=[url], sha256=digests)
    assert _no_leftovers(root / "fashion-mnist")
