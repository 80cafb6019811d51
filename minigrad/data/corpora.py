"""Text corpora shipped inside the package: Jane Austen's six novels.

Holds:
    load_austen(book='prideprejudice') -> str   the whole novel (Project Gutenberg text)
    AUSTEN_BOOKS                                the book names

The files ``minigrad/data/bundled/austen-<book>.txt.xz`` are made by ``scripts/build_austen.py``
from Debian's ``r-cran-janeaustenr`` package (the texts are public domain; see
``minigrad/data/bundled/README.md``).

>>> text = load_austen("prideprejudice")
>>> text.splitlines()[0], len(text)
('PRIDE AND PREJUDICE', 684768)
"""

from __future__ import annotations

import lzma

from .bundled import BUNDLED_DIR

__all__ = ["load_austen", "AUSTEN_BOOKS"]

AUSTEN_BOOKS = ("emma", "mansfieldpark", "northangerabbey", "persuasion", "prideprejudice",
                "sensesensibility")


def load_austen(book: str = "prideprejudice") -> str:
    """The text of one of Jane Austen's novels, lines separated by ``\\n``.

    ``book`` is one of ``AUSTEN_BOOKS``: emma, mansfieldpark, northangerabbey, persuasion,
    prideprejudice (684,768 characters), sensesensibility."""
    if book not in AUSTEN_BOOKS:
        raise ValueError(f"load_austen: unknown book {book!r}; the bundled ones are "
                         f"{', '.join(AUSTEN_BOOKS)}")
    path = BUNDLED_DIR / f"austen-{book}.txt.xz"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; rebuild it with scripts/build_austen.py "
                                f"(see minigrad/data/bundled/README.md)")
    return lzma.decompress(path.read_bytes()).decode("utf-8")
