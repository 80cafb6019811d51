"""The music examples: examples/midi.py (a Standard MIDI File writer and reader) and
examples/music_lstm.py (the LSTM composer on Bach chorale melodies).

The MIDI tests compare against bytes written out by hand from the MIDI 1.0 file specification,
and parse hand-made files that use what the writer does not (running status, note-on with
velocity 0, format 1, unknown chunks); the composer runs ``--fast`` and must learn a little,
score in [0, 1] and write a MIDI file that parses back to the notes it composed.
"""

from __future__ import annotations

import importlib
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.data.chorales import Chorale
from minigrad.utils.png import read_png

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))


def example(name: str):
    """The module examples/<name>.py."""
    return importlib.import_module(name)


# ---------------------------------------------------------------------------------------------
# examples/midi.py
# ---------------------------------------------------------------------------------------------

# The table of variable-length quantities in the MIDI 1.0 file specification.
VARLEN_TABLE = [(0x00, "00"), (0x40, "40"), (0x7F, "7F"), (0x80, "81 00"), (0x2000, "C0 00"),
                (0x3FFF, "FF 7F"), (0x4000, "81 80 00"), (0x100000, "C0 80 00"),
                (0x1FFFFF, "FF FF 7F"), (0x200000, "81 80 80 00"),
                (0x8000000, "C0 80 80 00"), (0xFFFFFFF, "FF FF FF 7F")]


@pytest.mark.parametrize("value, text", VARLEN_TABLE)
def test_varlen_matches_the_specification_table(value, text):
    midi = example("midi")
    assert midi.encode_varlen(value) == bytes.fromhex(text)
    assert midi.decode_varlen(bytes.fromhex(text) + b"\x99", 0) == (value, len(text) // 3 + 1)


def test_writer_produces_the_bytes_of_the_specification():
    midi = example("midi")
    notes = [midi.Note(60, 0.0, 1.0), midi.Note(62, 1.0, 0.5)]
    data = midi.midi_bytes(notes, bpm=120, ticks_per_quarter=96, program=19,
                           time_signature=(3, 4))
    track = bytes.fromhex(
        "00 FF 51 03 07 A1 20"        # tempo: 500,000 microseconds per quarter = 120 bpm
        "00 FF 58 04 03 02 18 08"     # time signature 3 / 2**2, 24 clocks, 8 32nds a quarter
        "00 C0 13"                    # program change, channel 0: instrument 19 (organ)
        "00 90 3C 50"                 # tick 0: note on, key 60, velocity 80
        "60 80 3C 00"                 # 96 ticks later (one quarter): note off, key 60
        "00 90 3E 50"                 # at once: note on, key 62
        "30 80 3E 00"                 # 48 ticks later (an eighth): note off, key 62
        "00 FF 2F 00")                # end of track
    header = bytes.fromhex("4D 54 68 64 00 00 00 06 00 00 00 01 00 60")  # MThd, 6, fmt 0, 1, 96
    assert len(track) == 38
    assert data == header + b"MTrk" + struct.pack(">I", 38) + track


def test_reader_handles_running_status_zero_velocity_format_1_and_unknown_chunks():
    midi = example("midi")
    tempo_track = bytes.fromhex("00 FF 51 03 0F 42 40 00 FF 2F 00")      # 60 bpm
    # note on 64 and 67 with running status; 64 released by a note-on with velocity 0 after
    # 480 ticks (83 60); then a control change and a sysex message, ignored for notes
    note_track = bytes.fromhex("00 91 40 64 00 43 5A 83 60 40 00 00 B1 07 64"
                               "00 F0 03 7E 00 F7 81 70 81 43 00 00 FF 2F 00")
    data = (bytes.fromhex("4D 54 68 64 00 00 00 06 00 01 00 02 01 E0")       # fmt 1, 2, 480
            + b"MTrk" + struct.pack(">I", len(tempo_track)) + tempo_track
            + b"XFIH" + struct.pack(">I", 3) + b"abc"                         # skipped
            + b"MTrk" + struct.pack(">I", len(note_track)) + note_track)
    parsed = midi.read_midi(data)
    assert (parsed.format, parsed.division, len(parsed.tracks)) == (1, 480, 2)
    assert parsed.tempo_bpm() == pytest.approx(60.0)
    # 67 is released at 480 + 240 (81 70 = 240) ticks: 1.5 quarter notes after its start
    assert parsed.notes() == [midi.Note(64, 0.0, 1.0, 100), midi.Note(67, 0.0, 1.5, 90)]
    kinds = [event.kind for event in parsed.tracks[1]]
    assert kinds == [0x90, 0x90, 0x90, 0xB0, 0xF0, 0x80, 0xFF]
    assert parsed.tracks[1][3].channel == 1


@given(st.lists(st.tuples(st.integers(-1, 127), st.integers(1, 16)), min_size=1, max_size=30),
       st.sampled_from([96, 480, 960]), st.floats(30, 240))
def test_melody_round_trip(events, ticks_per_quarter, bpm):
    midi = example("midi")
    pitches = [pitch for pitch, _ in events]
    durations = [sixteenths / 4 for _, sixteenths in events]   # whole sixteenth notes
    notes = midi.melody_notes(pitches, durations, start=0.75)
    parsed = midi.read_midi(midi.midi_bytes(notes, bpm=bpm, ticks_per_quarter=ticks_per_quarter))
    assert (parsed.format, parsed.division, len(parsed.tracks)) == (0, ticks_per_quarter, 1)
    assert parsed.tempo_bpm() == pytest.approx(bpm, rel=1e-5)
    # each sounding event comes back once, where the melody says it starts
    expected, time = [], 0.75
    for pitch, duration in zip(pitches, durations):
        if pitch != -1:
            expected.append(midi.Note(pitch, time, duration))
        time += duration
    assert parsed.notes() == sorted(expected, key=lambda note: (note.start, note.pitch))
    ons = [event for event in parsed.tracks[0] if event.kind == 0x90]
    offs = [event for event in parsed.tracks[0] if event.kind == 0x80]
    assert len(ons) == len(offs) == len(expected)
    assert parsed.tracks[0][-1].meta_type == 0x2F


def test_midi_bad_input_raises_clear_errors(tmp_path):
    midi = example("midi")
    with pytest.raises(ValueError, match="midi_bytes: pitch must be 0..127 and velocity 1..127"):
        midi.midi_bytes([midi.Note(128, 0.0, 1.0)])
    with pytest.raises(ValueError, match="midi_bytes: a note needs start >= 0 and duration > 0"):
        midi.midi_bytes([midi.Note(60, 0.0, 0.0)])
    with pytest.raises(ValueError, match="denominator must be a power of 2, got 6"):
        midi.midi_bytes([], time_signature=(3, 6))
    with pytest.raises(ValueError, match="read_midi: not a Standard MIDI File"):
        midi.read_midi(b"RIFF\x00\x00\x00\x04WAVE0000")
    cut = midi.midi_bytes([midi.Note(60, 0.0, 1.0)])[:-3]
    (tmp_path / "cut.mid").write_bytes(cut)
    with pytest.raises(ValueError, match="read_midi: chunk b'MTrk' is cut off"):
        midi.read_midi(tmp_path / "cut.mid")
    with pytest.raises(ValueError, match=r"encode_varlen: -1 is outside 0 \.\. 0x0FFFFFFF"):
        midi.encode_varlen(-1)
    with pytest.raises(ValueError, match="melody_notes: 2 pitches but 1 durations"):
        midi.melody_notes([60, 62], [1.0])


# ---------------------------------------------------------------------------------------------
# examples/music_lstm.py: its pieces
# ---------------------------------------------------------------------------------------------

def _melody(pitches, durations, positions, fermatas=None) -> Chorale:
    count = len(pitches)
    return Chorale("hand", np.array(pitches), np.array(durations, dtype=float),
                   np.array(positions, dtype=float),
                   np.array(fermatas if fermatas else [False] * count), fifths=0, mode="major",
                   time_signature=(4, 4), tune=0)


def test_encode_shifts_targets_by_one_step():
    module = example("music_lstm")
    melody = _melody([72, -1, 67], [1.0, 0.5, 5.0], [3.0, 0.0, 0.5], [False, False, True])
    encoded = module.encode(melody)
    c5, g4 = 3 + 72 - 48, 3 + 67 - 48
    assert encoded.pitch_in.tolist() == [module.START, c5, module.REST_TOKEN, g4]
    assert encoded.pitch_out.tolist() == [c5, module.REST_TOKEN, g4, module.END]
    # 5 quarter notes goes to the nearest duration on a log scale: 6, as log2 5 = 2.32 lies
    # 0.26 below log2 6 = 2.58 and 0.32 above log2 4 = 2
    durations = list(module.DURATIONS)
    assert encoded.duration_out.tolist() == [durations.index(1.0), durations.index(0.5),
                                             durations.index(6.0), module.IGNORE]
    assert encoded.duration_in[0] == module.START_DURATION
    assert encoded.fermata_out.tolist() == [0, 0, 1, module.IGNORE]
    # where each predicted event starts, in sixteenths; END: (0.5 + 5) mod 4 = 1.5 -> 6
    assert encoded.position_in.tolist() == [12, 0, 2, 6]


def test_baselines_on_a_hand_counted_corpus():
    module = example("music_lstm")
    train = [module.encode(_melody([60, 62, 60, 62, 60], [1.0] * 5, [0, 1, 2, 3, 0])),
             module.encode(_melody([60, 62, 64], [1.0, 1.0, 2.0], [0, 1, 2]))]
    test = [module.encode(_melody([60, 64, 62, 60], [1.0, 2.0, 1.0, 1.0], [0, 1, 3, 0]))]
    scores = module.baselines(train, test)
    # train counts: C4 x4 and D4 x3 (E4 once) -> always C4: right on events 1 and 4 of 4;
    # repeat the last pitch: C4 after START, then 60->64, 64->62, 62->60: right only on event 1;
    # bigram: START->C4, C4->D4 (3 of 3 times), E4->? unseen (-> C4), D4->C4 (2 of 3 times)
    assert scores["most_frequent_pitch"] == pytest.approx(2 / 4)
    assert scores["repeat_last_pitch"] == pytest.approx(1 / 4)
    assert scores["bigram_pitch"] == pytest.approx(2 / 4)        # events 1 (C4) and 4 (C4)
    assert scores["most_frequent_duration"] == pytest.approx(3 / 4)


def test_piano_roll_draws_each_note_in_its_row_and_columns():
    module = example("music_lstm")
    pixels = module.piano_roll([([60, -1, 62], [1.0, 1.0, 0.5], 0.0)], column_pixels=2,
                               row_pixels=3)
    rows = 62 + 2 - (60 - 2) + 1                       # two spare semitones above and below
    assert pixels.shape == (rows * 3, (int(4 * 2.5) + 1) * 2, 3)
    blue = (pixels == (46, 110, 190)).all(axis=-1) | (pixels == (20, 40, 90)).all(axis=-1)
    # C4 (row 4 from the top) covers sixteenths 0..3 -> columns 0..7 minus the last gap column
    c4_row = (64 - 60) * 3 + 1
    assert blue[c4_row, 0:7].all() and not blue[c4_row, 8:].any()
    d4_row = (64 - 62) * 3 + 1                          # after the rest: sixteenths 8..9
    assert blue[d4_row, 16:19].all() and not blue[d4_row, :16].any()


# ---------------------------------------------------------------------------------------------
# examples/music_lstm.py --fast
# ---------------------------------------------------------------------------------------------

def test_music_lstm_fast_learns_and_writes_a_midi_file_that_parses_back(tmp_path):
    module = example("music_lstm")
    midi = example("midi")
    result = module.main(["--fast", "--out", str(tmp_path)])
    for key in ("test_pitch_acc", "test_duration_acc", "test_note_acc",
                "baseline_most_frequent_pitch", "baseline_repeat_last_pitch",
                "baseline_bigram_pitch", "baseline_bigram_duration"):
        assert 0.0 <= result[key] <= 1.0, key
    assert result["test_loss"] < result["untrained_test_loss"] - 0.1
    assert result["baseline_bigram_pitch"] > result["baseline_most_frequent_pitch"]

    parsed = midi.read_midi(tmp_path / "music_lstm_generated.mid")
    assert (parsed.format, len(parsed.tracks), parsed.tempo_bpm()) == (0, 1, pytest.approx(80))
    expected = midi.melody_notes(result["pitches"], result["durations"],
                                 start=result["first_position"])
    assert parsed.notes() == sorted(expected, key=lambda note: (note.start, note.pitch))
    assert len(expected) == result["midi_notes"] > 0
    assert all(48 <= note.pitch <= 95 for note in expected)

    bach = midi.read_midi(tmp_path / "music_lstm_bach.mid").notes()
    assert len(bach) > 20
    roll = read_png(tmp_path / "music_lstm_pianoroll.png")
    assert roll.ndim == 3 and roll.shape[2] == 3
    assert (roll == (46, 110, 190)).all(axis=-1).sum() > 100   # note bars were drawn
    assert (tmp_path / "music_lstm_predictions.png").stat().st_size > 0
