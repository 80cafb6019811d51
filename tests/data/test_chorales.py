"""minigrad/data/chorales.py (the bundled Bach chorale melodies) and scripts/build_chorales.py
(the MusicXML reader that made them)."""

from __future__ import annotations

import functools
import importlib.util
import io
import os
import sys
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.data.chorales import REST, Chorale, load_chorales

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_chorales.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("build_chorales", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module      # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def chorales() -> list[Chorale]:
    return load_chorales()


# ---------------------------------------------------------------------------------------------
# The bundled data
# ---------------------------------------------------------------------------------------------

def test_the_data_are_plausible_melodies(chorales):
    assert len(chorales) == 401
    assert len({chorale.name for chorale in chorales}) == 401
    for chorale in chorales:
        notes = chorale.pitches[chorale.pitches != REST]
        # a soprano sings between G3 and C6 (MIDI 55 .. 84)
        assert notes.min() >= 55 and notes.max() <= 84, chorale.name
        assert len(chorale) >= 20, chorale.name
        assert (chorale.durations > 0).all(), chorale.name
        # every duration is a whole number of demisemiquavers (1/8 of a quarter note)
        assert np.allclose(chorale.durations * 8, np.round(chorale.durations * 8)), chorale.name
        assert (chorale.bar_positions >= 0).all(), chorale.name
        # rests were merged and trimmed: never first, last or twice in a row
        rests = chorale.pitches == REST
        assert not rests[0] and not rests[-1] and not (rests[1:] & rests[:-1]).any()
        assert -7 <= chorale.fifths <= 7 and chorale.mode in ("major", "minor", "")
        assert chorale.time_signature in ((4, 4), (3, 4), (3, 2), (12, 8))
    with_fermata = sum(bool(chorale.fermatas.any()) for chorale in chorales)
    assert with_fermata >= 0.95 * len(chorales)
    # events start inside their bar, but for a few irregular bars of the encodings (BWV 324
    # has a bar of ten quarter notes in 4/4)
    inside = sum(int((chorale.bar_positions < 4 * chorale.time_signature[0]
                      / chorale.time_signature[1]).sum()) for chorale in chorales)
    assert inside >= 0.999 * sum(len(chorale) for chorale in chorales)


def test_bar_positions_follow_from_the_durations(chorales):
    # The next event starts where this one ends, modulo the bar -- except at the few bars
    # that a repeat sign splits in two or where the metre changes.
    agree = total = 0
    for chorale in chorales:
        bar = 4 * chorale.time_signature[0] / chorale.time_signature[1]
        expected = (chorale.bar_positions[:-1] + chorale.durations[:-1]) % bar
        agree += int(np.isclose(expected, chorale.bar_positions[1:]).sum())
        total += len(expected)
    assert agree >= 0.99 * total


def test_a_known_opening(chorales):
    # BWV 66.6 ("Christ ist erstanden"), F sharp minor: the soprano opens C#5 B4 | A4 B4 C#5
    # E5 -- two quavers of upbeat.  Checked against music21's own parser of the same file.
    bwv66 = next(chorale for chorale in chorales if chorale.name == "bwv66.6")
    assert bwv66.pitches[:6].tolist() == [73, 71, 69, 71, 73, 76]
    assert bwv66.durations[:6].tolist() == [0.5, 0.5, 1.0, 1.0, 1.0, 1.0]
    assert bwv66.bar_positions[:4].tolist() == [3.0, 3.5, 0.0, 1.0]
    assert (bwv66.fifths, bwv66.mode, bwv66.time_signature) == (3, "minor", (4, 4))


def test_split_is_by_tune_disjoint_and_deterministic(chorales):
    train, test = load_chorales("train"), load_chorales("test")
    assert sorted(c.name for c in train + test) == sorted(c.name for c in chorales)
    assert not {c.name for c in train} & {c.name for c in test}
    assert not {c.tune for c in train} & {c.tune for c in test}
    assert 0.15 * len(chorales) <= len(test) <= 0.25 * len(chorales)
    assert [c.name for c in load_chorales("test")] == [c.name for c in test]
    other = load_chorales("test", seed=1)
    assert {c.name for c in other} != {c.name for c in test}


def test_settings_of_one_tune_share_a_number(chorales):
    # "Herzlich tut mich verlangen" (the Passion chorale): BWV 244.54, 244.62 and 270 set it.
    tunes = {chorale.name: chorale.tune for chorale in chorales}
    assert tunes["bwv244.54"] == tunes["bwv244.62"] == tunes["bwv270"]
    assert tunes["bwv244.54"] != tunes["bwv66.6"]


def test_in_c_moves_every_melody_to_no_sharps_or_flats(chorales):
    for chorale in chorales:
        moved = chorale.in_c()
        assert moved.fifths == 0
        shift = set((moved.pitches - chorale.pitches)[chorale.pitches != REST].tolist())
        assert len(shift) == 1 and abs(shift.pop()) <= 6
        np.testing.assert_array_equal(moved.pitches == REST, chorale.pitches == REST)
        np.testing.assert_array_equal(moved.durations, chorale.durations)


def test_transposed_moves_the_key_signature():
    melody = Chorale("t", np.array([60, REST, 64]), np.ones(3), np.zeros(3), np.zeros(3, bool),
                     fifths=0, mode="major", time_signature=(4, 4), tune=0)
    up = melody.transposed(2)                    # C major -> D major: two sharps
    assert up.pitches.tolist() == [62, REST, 66] and up.fifths == 2
    assert melody.transposed(-1).fifths == 5     # C major -> B major: five sharps
    assert melody.transposed(1).fifths == -5     # C major -> D flat major: five flats
    assert melody.transposed(6).fifths == 6      # C major -> F sharp major: six sharps


@functools.lru_cache(maxsize=1)
def _all_chorales() -> tuple[Chorale, ...]:
    return tuple(load_chorales())


@given(st.integers(0, 400), st.integers(-12, 12))
def test_transposing_keeps_intervals_and_undoes(index, semitones):
    chorale = _all_chorales()[index]
    moved = chorale.transposed(semitones)
    notes = chorale.pitches != REST
    np.testing.assert_array_equal(moved.pitches == REST, ~notes)
    np.testing.assert_array_equal(np.diff(moved.pitches[notes]), np.diff(chorale.pitches[notes]))
    assert (moved.pitches[notes] - chorale.pitches[notes] == semitones).all()
    back = moved.transposed(-semitones)
    np.testing.assert_array_equal(back.pitches, chorale.pitches)
    assert back.fifths == chorale.fifths         # the bundled keys lie within -5 .. 6


def test_bad_arguments_raise_clear_errors(chorales):
    with pytest.raises(ValueError, match="load_chorales: split must be one of all, train, test, "
                                         "got 'validation'"):
        load_chorales("validation")
    with pytest.raises(ValueError, match="test_fraction must lie between 0 and 1, got 1.5"):
        load_chorales("test", test_fraction=1.5)
    with pytest.raises(TypeError, match="Chorale.transposed: semitones must be an int, got float"):
        chorales[0].transposed(1.5)


# ---------------------------------------------------------------------------------------------
# The MusicXML reader of scripts/build_chorales.py, on a score written by hand
# ---------------------------------------------------------------------------------------------

def _note(step, octave, duration, alter=0, tie=None, fermata=False, voice="1", grace=False):
    parts = ["<note>"]
    if grace:
        parts.append("<grace/>")
    parts.append(f"<pitch><step>{step}</step>"
                 + (f"<alter>{alter}</alter>" if alter else "") + f"<octave>{octave}</octave>"
                 "</pitch>")
    if not grace:
        parts.append(f"<duration>{duration}</duration>")
    if tie:
        parts.append(f'<tie type="{tie}"/>')
    parts.append(f"<voice>{voice}</voice>")
    if fermata:
        parts.append("<notations><fermata/></notations>")
    parts.append("</note>")
    return "".join(parts)


def _rest(duration):
    return f"<note><rest/><duration>{duration}</duration><voice>1</voice></note>"


def _score(soprano_measures: list[str]) -> str:
    """A two-part score, a horn first (which must be ignored) and the soprano second;
    two divisions per quarter note, one flat, minor, 3/4."""
    attributes = ("<attributes><divisions>2</divisions><key><fifths>-1</fifths><mode>minor"
                  "</mode></key><time><beats>3</beats><beat-type>4</beat-type></time>"
                  "</attributes>")
    measures = "".join(f'<measure number="{number}">'
                       + (attributes if number == 0 else "") + body + "</measure>"
                       for number, body in enumerate(soprano_measures))
    horn = ('<part id="P1"><measure number="0">' + attributes + _note("G", 5, 6)
            + "</measure></part>")
    return ('<?xml version="1.0"?><score-partwise version="3.0"><part-list>'
            '<score-part id="P1"><part-name>Horn 1</part-name></score-part>'
            '<score-part id="P2"><part-name>Soprano</part-name></score-part></part-list>'
            + horn + f'<part id="P2">{measures}</part></score-partwise>')


HAND_WRITTEN = [
    _note("D", 5, 2),                                                   # upbeat: 1 quarter
    _note("E", 5, 2) + _note("C", 5, 4, tie="start"),                   # C5 tied over the bar
    _note("C", 5, 2, tie="stop", fermata=True) + _rest(2) + "<forward><duration>2</duration>"
    "<voice>1</voice></forward>",                                        # rest + forward = rest
    _note("B", 4, 1, alter=-1) + _note("A", 4, 0, grace=True) + _note("C", 5, 3, alter=1)
    + _note("G", 4, 2),
    _note("F", 4, 4),                                                   # first half of a bar
    _note("E", 4, 2),                                                   # its second half
    _note("D", 4, 6),
    _rest(6),                                                           # trailing rest: dropped
]
# (MIDI pitch, duration, bar position, fermata) worked out by hand from the measures above
HAND_EXPECTED = [(74, 1.0, 2.0, False), (76, 1.0, 0.0, False), (72, 3.0, 1.0, True),
                 (REST, 2.0, 1.0, False), (70, 0.5, 0.0, False), (73, 1.5, 0.5, False),
                 (67, 1.0, 2.0, False), (65, 2.0, 0.0, False), (64, 1.0, 2.0, False),
                 (62, 3.0, 0.0, False)]


def test_reader_on_a_hand_written_score():
    script = _load_script()
    root = script.musicxml_root("hand.xml", _score(HAND_WRITTEN).encode())
    melody = script.read_melody(script.soprano_part(root), "hand.xml")
    found = [(event.pitch, float(event.duration), float(event.bar_position), event.fermata)
             for event in melody.events]
    assert found == HAND_EXPECTED
    assert (melody.fifths, melody.mode, melody.time_signature) == (-1, "minor", (3, 4))
    assert melody.events[2].duration == Fraction(3)


def test_reader_opens_mxl_archives_through_their_container():
    script = _load_script()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/container.xml", '<container><rootfiles><rootfile '
                         'full-path="inner/score.xml"/></rootfiles></container>')
        archive.writestr("inner/score.xml", _score(HAND_WRITTEN))
    root = script.musicxml_root("hand.mxl", buffer.getvalue())
    assert script.soprano_part(root).get("id") == "P2"


def test_reader_refuses_a_second_voice():
    script = _load_script()
    two_voices = [_note("D", 5, 2), _note("E", 5, 6) + _note("C", 5, 6, voice="2")]
    root = script.musicxml_root("two.xml", _score(two_voices).encode())
    with pytest.raises(ValueError, match="two.xml: the soprano part has more than one voice"):
        script.read_melody(script.soprano_part(root), "two.xml")


def test_tune_key_ignores_key_and_rhythm():
    script = _load_script()
    Event, Melody = script.Event, script.Melody
    pitches = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59]
    plain = Melody([Event(p, Fraction(1), Fraction(0)) for p in pitches], 0, "", (4, 4))
    moved = Melody([Event(p + 5, Fraction(2), Fraction(0)) for p in pitches], 0, "", (4, 4))
    other = Melody([Event(p, Fraction(1), Fraction(0)) for p in pitches[::-1]], 0, "", (4, 4))
    assert script.tune_key(plain) == script.tune_key(moved) == (2, 2, 1, 2, -2, -1, -2, -2)
    assert script.tune_key(other) != script.tune_key(plain)


def _music21_wheel() -> Path | None:
    path = os.environ.get("MUSIC21_WHEEL")
    return Path(path) if path and Path(path).is_file() else None


@pytest.mark.slow
@pytest.mark.skipif(_music21_wheel() is None and importlib.util.find_spec("music21") is None,
                    reason="needs music21 10.5.1 installed, or its wheel in $MUSIC21_WHEEL")
def test_rebuild_is_byte_identical(capsys):
    wheel = _music21_wheel()
    argv = ["--check"] + (["--wheel", str(wheel)] if wheel else [])
    assert _load_script().main(argv) == 0
    assert "same  bach-chorales.npz" in capsys.readouterr().out
