"""Build the bundled Jane Austen texts (minigrad/data/bundled/austen-*.txt.xz) from Debian's
``r-cran-janeaustenr`` package, without R.

    apt-get download r-cran-janeaustenr            # the .deb only; apt-get install would pull R
    dpkg -x r-cran-janeaustenr_*_all.deb pkg/      # unpack it anywhere
    python scripts/build_austen.py pkg/            # writes minigrad/data/bundled/austen-*.txt.xz
    python scripts/build_austen.py pkg/ --check    # rebuild in memory, compare with the files

The package keeps its data in an R "lazy-load database": ``data/Rdata.rdx`` is a gzip-compressed,
R-serialised list whose ``variables`` entry maps each object name (``prideprejudice``, ...) to an
(offset, length) pair in ``data/Rdata.rdb``; there each object is a 4-byte big-endian length
followed by a zlib stream, which inflates to an R-serialised character vector -- one element per
line of the Project Gutenberg text.  ``read_r_object`` below reads the small part of R's
serialisation format (XDR, version 2 or 3) that these files use.

Each book is written as UTF-8 text, one line per element joined by ``\\n``, compressed with xz
(Python's ``lzma``, deterministic for the same input), so re-running gives byte-identical files.
The texts are public domain; the package is MIT-licensed (Julia Silge).
"""

from __future__ import annotations

import argparse
import gzip
import lzma
import struct
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUTPUT_DIR = REPO / "minigrad" / "data" / "bundled"
DATA_SUBDIR = Path("usr/lib/R/site-library/janeaustenr/data")
BOOKS = ["emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice",
         "sensesensibility"]

# R's type codes (SEXPTYPE) and the pseudo-types of the serialisation format that appear here.
SYMSXP, LISTSXP, CHARSXP, LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP = 1, 2, 9, 10, 13, 14, 16, 19
REFSXP, NILVALUE_SXP = 255, 254
HAS_ATTRIBUTES, HAS_TAG = 1 << 9, 1 << 10


class RReader:
    """Reads one R-serialised object (XDR format) from ``data``.

    Vectors become Python lists, symbols become ``('symbol', name)``, pairlists (used for
    attributes) become lists of ``(tag, value)``; a vector's attributes are dropped except
    ``names``, which turns a list into a dict."""

    def __init__(self, data: bytes):
        self.data = data
        self.position = 0
        self.references: list = []

    def int32(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.position)
        self.position += 4
        return value

    def read(self):
        if self.data[:2] != b"X\n":
            raise ValueError("not an R serialisation in XDR format (expected 'X\\n')")
        self.position = 2
        version = self.int32()
        self.int32()  # the R version that wrote it
        self.int32()  # the oldest R version that can read it
        if version == 3:
            encoding_length = self.int32()
            self.position += encoding_length
        return self.item()

    def item(self):
        flags = self.int32()
        sexp_type = flags & 0xFF
        if sexp_type == NILVALUE_SXP:
            return None
        if sexp_type == REFSXP:
            index = flags >> 8
            if index == 0:
                index = self.int32()
            return self.references[index - 1]
        if sexp_type == SYMSXP:
            symbol = ("symbol", self.item())
            self.references.append(symbol)
            return symbol
        if sexp_type == CHARSXP:
            length = self.int32()
            if length == -1:  # NA_character_
                return None
            text = self.data[self.position:self.position + length].decode("utf-8")
            self.position += length
            return text
        if sexp_type == LISTSXP:
            attributes = self.item() if flags & HAS_ATTRIBUTES else None
            del attributes
            tag = self.item() if flags & HAS_TAG else None
            head = self.item()
            rest = self.item()
            return [(tag, head)] + (rest if isinstance(rest, list) else [])
        length = self.int32()
        if sexp_type in (STRSXP, VECSXP):
            values = [self.item() for _ in range(length)]
        elif sexp_type in (LGLSXP, INTSXP):
            values = list(struct.unpack_from(f">{length}i", self.data, self.position))
            self.position += 4 * length
        elif sexp_type == REALSXP:
            values = list(struct.unpack_from(f">{length}d", self.data, self.position))
            self.position += 8 * length
        else:
            raise ValueError(f"R type {sexp_type} is not handled by this reader")
        if flags & HAS_ATTRIBUTES:
            for tag, value in self.item():
                if tag == ("symbol", "names"):
                    return dict(zip(value, values))
        return values


def read_r_object(data: bytes):
    """The R object serialised in ``data`` (already decompressed)."""
    return RReader(data).read()


def read_books(package_root: Path) -> dict[str, str]:
    """Every book in the unpacked package as one string (lines joined by newlines)."""
    data_dir = package_root / DATA_SUBDIR
    index = read_r_object(gzip.decompress((data_dir / "Rdata.rdx").read_bytes()))
    database = (data_dir / "Rdata.rdb").read_bytes()
    books = {}
    for name in BOOKS:
        offset, length = index["variables"][name]
        record = database[offset:offset + length]
        (inflated_length,) = struct.unpack(">I", record[:4])
        serialised = zlib.decompress(record[4:])
        if len(serialised) != inflated_length:
            raise ValueError(f"{name}: inflated {len(serialised)} bytes, expected "
                             f"{inflated_length}")
        lines = read_r_object(serialised)
        books[name] = "\n".join(line if line is not None else "" for line in lines) + "\n"
    return books


def compressed(text: str) -> bytes:
    return lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_root", type=Path,
                        help="folder where r-cran-janeaustenr_*.deb was unpacked (dpkg -x)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the bundled files instead of writing them")
    args = parser.parse_args(argv)
    books = read_books(args.package_root)
    mismatches = 0
    for name, text in books.items():
        path = OUTPUT_DIR / f"austen-{name}.txt.xz"
        blob = compressed(text)
        if args.check:
            same = path.exists() and lzma.decompress(path.read_bytes()) == text.encode("utf-8")
            mismatches += not same
            print(f"{path.name}: {'same' if same else 'DIFFERENT'}")
        else:
            path.write_bytes(blob)
            print(f"{path.name}: {len(text):,} characters, {len(text.split()):,} words, "
                  f"{len(blob):,} bytes")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
