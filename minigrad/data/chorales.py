"""Bach chorale melodies shipped inside the package: the soprano line of 401 chorales.

Holds:
    Chorale                         one melody: MIDI pitches (REST = -1), durations and bar
                                    positions in quarter notes, fermatas, key, time signature
    Chorale.transposed(semitones)   the melody moved up or down (rests stay rests)
    Chorale.in_c()                  moved to the key signature without sharps or flats
    load_chorales(split='all')      the melodies: 'all', or a 'train' / 'test' split by tune
    REST                            the pitch code of a rest

The file ``minigrad/data/bundled/bach-chorales.npz`` is made by ``scripts/build_chorales.py``
from the MusicXML chorales of the music21 corpus (the encodings are Margaret Greentree's; see
``minigrad/data/bundled/README.md``).  Each event is a note or a rest; tied notes are one event.
Durations and positions are in quarter notes (1.0 = a crotchet, 0.5 = a quaver), positions
counted from the downbeat of the bar the event starts in.

>>> chorales = load_chorales()
>>> len(chorales), sum(len(chorale) for chorale in chorales)
(401, 20885)
>>> bwv66 = next(chorale for chorale in chorales if chorale.name == "bwv66.6")
>>> bwv66.pitches[:6].tolist(), bwv66.durations[:6].tolist(), bwv66.fifths, bwv66.mode
([73, 71, 69, 71, 73, 76], [0.5, 0.5, 1.0, 1.0, 1.0, 1.0], 3, 'minor')
>>> bwv66.bar_positions[:3].tolist()   # an upbeat of two quavers, then the first downbeat
[3.0, 3.5, 0.0]
>>> train, test = load_chorales("train"), load_chorales("test")
>>> len(train), len(test)
(336, 65)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .bundled import BUNDLED_DIR

__all__ = ["Chorale", "load_chorales", "REST", "CHORALES_FILE"]

REST = -1
CHORALES_FILE = BUNDLED_DIR / "bach-chorales.npz"
SPLITS = ("all", "train", "test")


@dataclass(frozen=True, eq=False)  # eq=False: comparing NumPy arrays with == is elementwise
class Chorale:
    """The soprano melody of one chorale, one entry per event (a note or a rest).

    pitches        (n,) int64     MIDI note numbers (60 = middle C, 69 = A 440 Hz), REST = -1
    durations      (n,) float64   quarter notes
    bar_positions  (n,) float64   where each event starts, in quarter notes after its downbeat
    fermatas       (n,) bool      True on a note held by a fermata: the end of a phrase
    name           the file in the music21 corpus, such as 'bwv66.6' (BWV 66, movement 6)
    fifths         the key signature: sharps if > 0, flats if < 0
    mode           'major', 'minor' or '' (not given in the score)
    time_signature (beats, beat type) at the start, such as (4, 4)
    tune           chorales with the same number are settings of one tune
    """

    name: str
    pitches: np.ndarray
    durations: np.ndarray
    bar_positions: np.ndarray
    fermatas: np.ndarray
    fifths: int
    mode: str
    time_signature: tuple[int, int]
    tune: int

    def __len__(self) -> int:
        return len(self.pitches)

    def transposed(self, semitones: int) -> Chorale:
        """The same melody ``semitones`` higher (lower if negative); rests stay rests and the
        key signature moves with it (7 fifths per semitone, folded into -5..6)."""
        if not isinstance(semitones, (int, np.integer)) or isinstance(semitones, bool):
            raise TypeError(f"Chorale.transposed: semitones must be an int, got "
                            f"{type(semitones).__name__}")
        pitches = np.where(self.pitches == REST, REST, self.pitches + semitones)
        fifths = (self.fifths + 7 * int(semitones)) % 12
        fifths = fifths - 12 if fifths > 6 else fifths
        return replace(self, pitches=pitches, fifths=fifths)

    def in_c(self) -> Chorale:
        """The melody moved by at most 6 semitones to the key signature without sharps or
        flats: C major, or A minor for a minor chorale (so every melody shares one key)."""
        tonic_of_major = (7 * self.fifths) % 12   # the pitch class of the major key's tonic
        shift = -tonic_of_major if tonic_of_major <= 6 else 12 - tonic_of_major
        return self.transposed(shift)


def load_chorales(split: str = "all", test_fraction: float = 0.15,
                  seed: int = 0) -> list[Chorale]:
    """The chorale melodies, in the order of their names.

    ``split='all'`` gives all 401; 'train' and 'test' split them *by tune*: the tunes are
    shuffled with ``numpy.random.default_rng(seed)`` and taken into the test split until it
    holds at least ``test_fraction`` of the chorales, so no test melody is another setting of
    a training tune.  The defaults give 336 train and 65 test chorales."""
    if split not in SPLITS:
        raise ValueError(f"load_chorales: split must be one of {', '.join(SPLITS)}, "
                         f"got {split!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"load_chorales: test_fraction must lie between 0 and 1, got "
                         f"{test_fraction}")
    if not CHORALES_FILE.exists():
        raise FileNotFoundError(f"{CHORALES_FILE} is missing; rebuild it with "
                                f"scripts/build_chorales.py (see minigrad/data/bundled/README.md)")
    with np.load(CHORALES_FILE, allow_pickle=False) as arrays:
        data = {key: arrays[key] for key in arrays.files}
    chorales = []
    offsets = data["offsets"]
    for index, name in enumerate(data["names"].tolist()):
        events = slice(offsets[index], offsets[index + 1])
        chorales.append(Chorale(
            name=name,
            pitches=data["pitches"][events].astype(np.int64),
            durations=data["durations"][events].astype(np.float64),
            bar_positions=data["bar_positions"][events].astype(np.float64),
            fermatas=data["fermatas"][events].copy(),
            fifths=int(data["fifths"][index]),
            mode=str(data["modes"][index]),
            time_signature=tuple(int(value) for value in data["time_signatures"][index]),
            tune=int(data["tunes"][index])))
    if split == "all":
        return chorales
    test_tunes = _test_tunes([chorale.tune for chorale in chorales], test_fraction, seed)
    wanted = split == "test"
    return [chorale for chorale in chorales if (chorale.tune in test_tunes) == wanted]


def _test_tunes(tunes: list[int], test_fraction: float, seed: int) -> set[int]:
    """Tunes drawn in a seeded random order until their chorales make ``test_fraction``."""
    counts: dict[int, int] = {}
    for tune in tunes:
        counts[tune] = counts.get(tune, 0) + 1
    order = np.random.default_rng(seed).permutation(sorted(counts))
    chosen, total = set(), 0
    for tune in order.tolist():
        if total >= test_fraction * len(tunes):
            break
        chosen.add(tune)
        total += counts[tune]
    return chosen
