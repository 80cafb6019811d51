"""Build the bundled Bach chorale melodies (minigrad/data/bundled/bach-chorales.npz) from the
MusicXML files of the music21 corpus, without music21.

    pip download --no-deps music21==10.5.1           # the wheel only (or: pip install music21)
    python scripts/build_chorales.py --wheel music21-10.5.1-py3-none-any.whl
    python scripts/build_chorales.py                 # or read an installed music21
    python scripts/build_chorales.py --check         # rebuild in memory, compare with the file

PyPI ``music21`` ships the Bach chorales as ``music21/corpus/bach/*.mxl`` (zipped MusicXML; two
are plain ``.xml``).  The script reads them straight out of the wheel with ``zipfile`` -- or from
an installed music21, located with ``importlib.util.find_spec`` (which does not import it) --
and parses the MusicXML with ``xml.etree.ElementTree``.  For each chorale it takes the soprano
part (the first part whose name starts with "Soprano": 37 of the scores put instruments such as
trumpets or horns first) and turns it into a melody, one event per note or rest:

    pitch          MIDI note number (60 = middle C), or REST = -1
    duration       in quarter notes (tied notes merged into one event; rests merged too)
    bar position   where the event starts in its bar, in quarter notes (0 = on the downbeat;
                   an upbeat -- before the first barline, or after a repeat sign that splits
                   a bar in two -- counts back from the end of a full bar)
    fermata        True where the note carries a fermata (the end of a phrase in a chorale)

and keeps the key signature (``fifths``: sharps > 0, flats < 0), the mode when the file gives
it ("major", "minor" or "") and the first time signature.  Rests before the first note and after
the last are dropped; grace notes are skipped (they take no time); repeats are not unfolded (the
melody is read as written).  The one score without a soprano part (BWV 846, a keyboard prelude)
is left out, and where two files hold the same melody (such as the alternative scoring
``bwv190.7-inst`` of ``bwv190.7``; 8 files) only the first in name order is kept.

Many chorale tunes were harmonised more than once (the Passion chorale "Herzlich tut mich
verlangen" occurs twelve times, in different keys and with small rhythmic changes), so each
melody also gets a ``tune`` number: melodies whose first eight pitch intervals agree (intervals,
so transposed copies agree; durations are left out, so rhythmic variants agree) share a tune.
The loader splits train and test by tune, so a test melody is never one the model has seen in
another key.

The output is a compressed .npz (written with fixed time stamps by
``build_bundled_data.npz_bytes``, so re-running gives byte-identical files) holding ragged arrays
as one long array per field plus the offsets where each chorale starts:

    names (N,) str, fifths (N,) int8, modes (N,) str, time_signatures (N, 2) int8, tunes (N,) int16
    offsets (N + 1,) int64; pitches (E,) int8, durations (E,) float32, bar_positions (E,) float32,
    fermatas (E,) bool -- chorale i is events offsets[i]:offsets[i + 1]

The source is checked before use: the SHA-256 of the Bach files (names and contents, in name
order) must be the one of music21 10.5.1, recorded below.  License: music21 is BSD 3-clause; the
chorale encodings are Margaret Greentree's (jsbchorales.net), distributed in the music21 corpus
"by permission" (see ``minigrad/data/bundled/README.md``); the music itself is in the public domain.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
from build_bundled_data import npz_bytes, sha256  # noqa: E402  (the shared .npz convention)

REPO = SCRIPTS.parent
OUTPUT = REPO / "minigrad" / "data" / "bundled" / "bach-chorales.npz"
CORPUS_PREFIX = "music21/corpus/bach/"
# SHA-256 over the Bach files of music21 10.5.1 (see corpus_digest); another version may differ.
CORPUS_SHA256 = "20dbdb4a413e610bfcfcb20bc61db43cdc2d11e2c47cafd7a3b773e17fe7e5ed"
REST = -1
STEP_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
TUNE_PREFIX = 8  # melodies whose first 8 pitch intervals agree are one tune


# ---------------------------------------------------------------------------------------------
# Reading the corpus files
# ---------------------------------------------------------------------------------------------


def corpus_files(wheel: Path | None = None) -> dict[str, bytes]:
    """The Bach MusicXML files (``.mxl`` and ``.xml`` directly in ``corpus/bach/``) by name
    (``bwv66.6``), read from the music21 wheel or, without one, from the installed package."""
    files = {}
    if wheel is not None:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                relative = member.removeprefix(CORPUS_PREFIX)
                if member.startswith(CORPUS_PREFIX) and "/" not in relative:
                    if relative.endswith((".mxl", ".xml")):
                        files[relative] = archive.read(member)
    else:
        spec = importlib.util.find_spec("music21")
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit("music21 is not installed: pass --wheel music21-*.whl "
                             "(pip download --no-deps music21) or pip install music21")
        folder = Path(spec.submodule_search_locations[0]) / "corpus" / "bach"
        for path in folder.iterdir():
            if path.suffix in (".mxl", ".xml"):
                files[path.name] = path.read_bytes()
    if not files:
        raise SystemExit("no Bach chorales found in the music21 corpus")
    return dict(sorted(files.items()))


def corpus_digest(files: dict[str, bytes]) -> str:
    """SHA-256 over every file's name and contents, in name order."""
    digest = hashlib.sha256()
    for name, data in sorted(files.items()):
        digest.update(name.encode() + b"\0" + sha256(data).encode() + b"\n")
    return digest.hexdigest()


def musicxml_root(file_name: str, data: bytes) -> ElementTree.Element:
    """The parsed score of a ``.xml`` file, or of the score inside a ``.mxl`` archive (named by
    its ``META-INF/container.xml``)."""
    if file_name.endswith(".mxl"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            container = ElementTree.fromstring(archive.read("META-INF/container.xml"))
            data = archive.read(container.find(".//rootfile").get("full-path"))
    root = ElementTree.fromstring(data)
    if root.tag != "score-partwise":
        raise ValueError(f"{file_name}: expected a partwise MusicXML score, got <{root.tag}>")
    return root


def soprano_part(root: ElementTree.Element) -> ElementTree.Element | None:
    """The first part whose name starts with "Soprano", or None."""
    for score_part in root.findall("part-list/score-part"):
        name = (score_part.findtext("part-name") or "").strip()
        if name.startswith("Soprano"):
            part_id = score_part.get("id")
            for part in root.findall("part"):
                if part.get("id") == part_id:
                    return part
    return None


# ---------------------------------------------------------------------------------------------
# A melody from a MusicXML part
# ---------------------------------------------------------------------------------------------


@dataclass
class Event:
    pitch: int                 # MIDI note number, or REST
    duration: Fraction         # quarter notes
    bar_position: Fraction     # quarter notes after the bar's downbeat
    fermata: bool = False
    tie_stop: bool = False     # continues the previous note (a tie ends here)


@dataclass
class Melody:
    events: list[Event]
    fifths: int
    mode: str
    time_signature: tuple[int, int]


def midi_pitch(pitch: ElementTree.Element) -> int:
    """MIDI number of a MusicXML <pitch>: 12 * (octave + 1) + step + alter (C4 = 60)."""
    alter = float(pitch.findtext("alter") or 0)
    if alter != round(alter):
        raise ValueError(f"microtonal alter {alter} is not supported")
    octave = int(pitch.findtext("octave"))
    return 12 * (octave + 1) + STEP_SEMITONES[pitch.findtext("step")] + int(alter)


def read_melody(part: ElementTree.Element, file_name: str) -> Melody:
    """The events of one single-voice part, with ties and rests merged and outer rests dropped."""
    divisions = None
    fifths, mode, time_signature, meter = None, "", None, None
    events: list[Event] = []
    previous_short = False  # was the last measure the first half of a bar split in two?
    for index, measure in enumerate(part.findall("measure")):
        position = Fraction(0)           # in quarter notes from the start of this measure
        measure_events = []
        for child in measure:
            if child.tag == "attributes":
                if child.findtext("divisions") is not None:
                    divisions = int(child.findtext("divisions"))
                if fifths is None and child.find("key") is not None:
                    fifths = int(child.findtext("key/fifths"))
                    mode = child.findtext("key/mode") or ""
                if child.find("time") is not None:  # the first is kept, a change used
                    meter = (int(child.findtext("time/beats")),
                             int(child.findtext("time/beat-type")))
                    time_signature = time_signature or meter
            elif child.tag in ("note", "forward"):
                if child.find("grace") is not None:
                    continue
                if child.find("chord") is not None or (child.findtext("voice") or "1") != "1":
                    raise ValueError(f"{file_name}: the soprano part has more than one voice")
                duration = Fraction(int(child.findtext("duration")), divisions)
                pitch = child.find("pitch")
                event = Event(
                    pitch=midi_pitch(pitch) if pitch is not None else REST,
                    duration=duration, bar_position=position,
                    fermata=child.find("notations/fermata") is not None,
                    tie_stop=any(tie.get("type") == "stop" for tie in child.findall("tie")))
                measure_events.append(event)
                position += duration
            elif child.tag == "backup":
                raise ValueError(f"{file_name}: the soprano part has more than one voice")
        if meter is None:
            raise ValueError(f"{file_name}: no time signature before the first note")
        # A short measure is an upbeat, which ends on the next downbeat, when it opens the
        # piece or completes a bar split in two (at a repeat sign: "4" and "4a"); any other
        # short measure is the first half of such a bar, or the last bar, and starts on a
        # downbeat.  (This is also how music21 reads them.)
        bar_length = Fraction(4 * meter[0], meter[1])
        short = position < bar_length
        if short and (index == 0 or previous_short):
            for event in measure_events:
                event.bar_position += bar_length - position
            previous_short = False
        else:
            previous_short = short
        events += measure_events
    return Melody(merge_events(events), fifths or 0, mode, time_signature)


def merge_events(events: list[Event]) -> list[Event]:
    """Tied notes become one note, neighbouring rests one rest; rests at either end go."""
    merged: list[Event] = []
    for event in events:
        previous = merged[-1] if merged else None
        tied = event.tie_stop and previous is not None and previous.pitch == event.pitch
        both_rests = event.pitch == REST and previous is not None and previous.pitch == REST
        if tied or both_rests:
            previous.duration += event.duration
            previous.fermata = previous.fermata or event.fermata
        else:
            merged.append(Event(event.pitch, event.duration, event.bar_position,
                                event.fermata))
    while merged and merged[0].pitch == REST:
        merged.pop(0)
    while merged and merged[-1].pitch == REST:
        merged.pop()
    return merged


# ---------------------------------------------------------------------------------------------
# The data set
# ---------------------------------------------------------------------------------------------


def melody_key(melody: Melody) -> tuple:
    """What makes two melodies the same: their pitches and durations."""
    return tuple((event.pitch, event.duration) for event in melody.events)


def tune_key(melody: Melody) -> tuple:
    """The first TUNE_PREFIX intervals between notes (rests skipped), in semitones: equal for
    two harmonisations of one chorale tune, whatever their keys and rhythmic variants."""
    notes = [event for event in melody.events if event.pitch != REST][:TUNE_PREFIX + 1]
    return tuple(b.pitch - a.pitch for a, b in zip(notes, notes[1:]))


def build_chorales(files: dict[str, bytes]) -> dict:
    """The arrays of bach-chorales.npz from the corpus files (see the module docstring)."""
    melodies: dict[str, Melody] = {}
    seen = set()
    for file_name, data in files.items():
        part = soprano_part(musicxml_root(file_name, data))
        if part is None:
            print(f"skipped {file_name}: no soprano part")
            continue
        melody = read_melody(part, file_name)
        if melody_key(melody) in seen:
            print(f"skipped {file_name}: the same melody as an earlier file")
            continue
        seen.add(melody_key(melody))
        melodies[file_name.rsplit(".", 1)[0]] = melody

    tune_numbers: dict[tuple, int] = {}
    for melody in melodies.values():
        tune_numbers.setdefault(tune_key(melody), len(tune_numbers))
    events = [event for melody in melodies.values() for event in melody.events]
    lengths = [len(melody.events) for melody in melodies.values()]
    return {
        "names": np.array(list(melodies)),
        "fifths": np.array([m.fifths for m in melodies.values()], dtype=np.int8),
        "modes": np.array([m.mode for m in melodies.values()]),
        "time_signatures": np.array([m.time_signature for m in melodies.values()],
                                    dtype=np.int8),
        "tunes": np.array([tune_numbers[tune_key(m)] for m in melodies.values()],
                          dtype=np.int16),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "pitches": np.array([event.pitch for event in events], dtype=np.int8),
        "durations": np.array([float(event.duration) for event in events], dtype=np.float32),
        "bar_positions": np.array([float(event.bar_position) for event in events],
                                  dtype=np.float32),
        "fermatas": np.array([event.fermata for event in events], dtype=bool),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, default=None,
                        help="the music21 wheel (default: the installed music21)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare with --output")
    args = parser.parse_args(argv)

    files = corpus_files(args.wheel)
    digest = corpus_digest(files)
    if digest != CORPUS_SHA256:
        raise SystemExit(f"the Bach files differ from music21 10.5.1's (SHA-256 {digest}); "
                         f"use music21 10.5.1")
    arrays = build_chorales(files)
    payload = npz_bytes(arrays)
    if args.check:
        same = args.output.is_file() and args.output.read_bytes() == payload
        print(f"{'same' if same else 'DIFFERENT'}  {args.output.name}")
        return 0 if same else 1
    temp = args.output.with_name(args.output.name + ".part")
    temp.write_bytes(payload)
    temp.replace(args.output)
    print(f"{len(arrays['names'])} chorales, {len(arrays['pitches']):,} events, "
          f"{len(set(arrays['tunes'].tolist()))} tunes")
    print(f"{sha256(payload)}  {len(payload):>9,} bytes  {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
