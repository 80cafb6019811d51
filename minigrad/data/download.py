"""Downloading a file safely: try each mirror, check the SHA-256, then write atomically.

Holds:
    download(file_name, mirrors, sha256, folder) -> Path
    sha256_of(path) -> str
    DownloadError

The bytes are fetched into memory and their SHA-256 compared with the recorded digest *before*
anything is written; only then are they written to a temporary file beside the target and
renamed into place.  So a failed, interrupted or corrupted download never leaves a file behind,
and a file found in the cache is always a complete, verified one.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from .idx import atomic_write_bytes

__all__ = ["download", "sha256_of", "DownloadError"]


class DownloadError(RuntimeError):
    """No mirror delivered the file with the expected SHA-256 digest."""


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 digest of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(file_name: str, mirrors: Sequence[str], sha256: str | None,
             folder: str | os.PathLike, timeout: float = 30.0) -> Path:
    """Fetch ``mirror + file_name`` from the first mirror that delivers it, into ``folder``.

    ``sha256`` is the digest the file must have (None skips the check: only for files whose
    digest is not known).  Raises DownloadError listing what went wrong at each mirror; nothing
    is written then.  Returns the path of the verified file.
    """
    if not mirrors:
        raise DownloadError(f"no mirror to download {file_name} from")
    target = Path(folder) / file_name
    problems = []
    for mirror in mirrors:
        url = mirror if mirror.endswith(file_name) else mirror.rstrip("/") + "/" + file_name
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                payload = response.read()
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
            problems.append(f"{url}: {error}")
            continue
        found = hashlib.sha256(payload).hexdigest()
        if sha256 is not None and found != sha256.lower():
            problems.append(
                f"{url}: checksum mismatch: SHA-256 {found}, expected {sha256} "
                f"({len(payload)} bytes received; the file is corrupted or not the official one)"
            )
            continue
        atomic_write_bytes(target, payload)
        return target
    raise DownloadError(
        f"could not download {file_name}; nothing was written to {Path(folder)}.\n  "
        + "\n  ".join(problems)
    )
