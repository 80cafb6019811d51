"""The bundled Austen texts (minigrad/data/corpora.py) and the R-serialisation reader of
scripts/build_austen.py, tested on byte strings written here from R's XDR format."""

import gzip
import importlib.util
import struct
import zlib
from pathlib import Path

import pytest

from minigrad.data import AUSTEN_BOOKS, load_austen

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_austen.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("build_austen", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("book, first_line", [
    ("prideprejudice", "PRIDE AND PREJUDICE"), ("sensesensibility", "SENSE AND SENSIBILITY"),
    ("emma", "EMMA"), ("persuasion", "Persuasion")])
def test_books_open_with_their_titles(book, first_line):
    assert load_austen(book).splitlines()[0] == first_line


def test_pride_and_prejudice_text():
    text = load_austen()
    assert "It is a truth universally acknowledged, that a single man in possession\n" in text
    assert len(text) == 684768 and text.endswith("\n")
    assert len(AUSTEN_BOOKS) == 6


def test_unknown_book():
    with pytest.raises(ValueError, match="load_austen: unknown book 'ulysses'"):
        load_austen("ulysses")


# ---------------------------------------------------------------------------------------------
# R's serialisation format, written by hand: "X\n", version 2, then items. An item starts with
# a 32-bit big-endian flags word: the type in the low byte, bit 9 "has attributes", bit 10
# "has tag".
# ---------------------------------------------------------------------------------------------

def _int(value: int) -> bytes:
    return struct.pack(">i", value)


def _charsxp(text: str) -> bytes:
    encoded = text.encode("utf-8")
    return _int(9) + _int(len(encoded)) + encoded


def _strsxp(texts: list, attributes: bytes = b"") -> bytes:
    flags = 16 | (1 << 9 if attributes else 0)
    body = b"".join(_int(9) + _int(-1) if text is None else _charsxp(text) for text in texts)
    return _int(flags) + _int(len(texts)) + body + attributes


def _names_attribute(names: list[str]) -> bytes:
    # a pairlist cell with a tag: the symbol "names" (SYMSXP holding a CHARSXP), its value, end
    return (_int(2 | 1 << 10) + _int(1) + _charsxp("names") + _strsxp(names) + _int(254))


HEADER = b"X\n" + _int(2) + _int(0x040000) + _int(0x020300)


def test_reader_character_vector_with_na():
    script = _load_script()
    data = HEADER + _strsxp(["It is a truth", None, "é"])
    assert script.read_r_object(data) == ["It is a truth", None, "é"]


def test_reader_named_list_of_vectors():
    script = _load_script()
    integers = _int(13) + _int(2) + _int(0) + _int(352043)
    doubles = _int(14) + _int(1) + struct.pack(">d", 2.5)
    named_list = _int(19 | 1 << 9) + _int(2) + integers + doubles + _names_attribute(["a", "b"])
    assert script.read_r_object(HEADER + named_list) == {"a": [0, 352043], "b": [2.5]}


def test_read_books_from_a_fake_lazy_load_database(tmp_path):
    """A database in the package's layout: the index maps each book to (offset, length) in the
    .rdb, where a record is a 4-byte length and a zlib stream of the serialised lines."""
    script = _load_script()
    records, entries, offset = b"", [], 0
    for index in range(len(script.BOOKS)):
        serialised = HEADER + _strsxp([f"Book {index}", "", "THE END"])
        record = struct.pack(">I", len(serialised)) + zlib.compress(serialised)
        entries.append(_int(13) + _int(2) + _int(offset) + _int(len(record)))
        records += record
        offset += len(record)
    variables = (_int(19 | 1 << 9) + _int(len(entries)) + b"".join(entries)
                 + _names_attribute(script.BOOKS))
    index_list = (_int(19 | 1 << 9) + _int(1) + variables + _names_attribute(["variables"]))
    data_dir = tmp_path / script.DATA_SUBDIR
    data_dir.mkdir(parents=True)
    (data_dir / "Rdata.rdx").write_bytes(gzip.compress(HEADER + index_list))
    (data_dir / "Rdata.rdb").write_bytes(records)
    books = script.read_books(tmp_path)
    assert books["emma"] == "Book 0\n\nTHE END\n"
    assert books["sensesensibility"] == "Book 5\n\nTHE END\n"


def test_reader_rejects_other_formats():
    script = _load_script()
    with pytest.raises(ValueError, match="not an R serialisation in XDR format"):
        script.read_r_object(b"A\n...")
