"""A small Standard MIDI File writer and reader (no dependencies), for the music examples.

Holds:
    Note                                 one note: pitch, start and duration in quarter notes
    melody_notes(pitches, durations)     a melody (MIDI pitches, REST = -1) -> list of Notes
    midi_bytes(notes, bpm=, ...)         a format-0 MIDI file (one track) as bytes
    write_midi(path, notes, ...)         ... written to a file
    read_midi(path_or_bytes)             parse any format 0/1 file -> MidiFile (header + events)
    MidiFile.notes()                     the notes again, note-ons paired with their note-offs
    encode_varlen(n) / decode_varlen     the variable-length numbers used for delta times

A Standard MIDI File is a list of chunks, each a 4-letter type, a 4-byte big-endian length and
the data.  The header chunk ``MThd`` (length 6) holds three 16-bit numbers: the format (0: one
track; 1: several tracks played together), the number of tracks and the *division*, the number
of ticks in a quarter note.  Each ``MTrk`` chunk is a list of events, each preceded by its
*delta time*, the ticks since the previous event, written as a variable-length number (7 bits a
byte, most significant first, the top bit set on every byte but the last: 480 = 0x83 0x60).
Events used here:

    0x90 | channel, key, velocity     note on (velocity 0 also means note off)
    0x80 | channel, key, velocity     note off
    0xC0 | channel, program           choose the instrument (General MIDI numbering from 0)
    0xFF 0x51 0x03 tttttt             tempo: microseconds per quarter note (500000 = 120 bpm)
    0xFF 0x58 0x04 nn dd cc bb        time signature nn / 2**dd (cc, bb: metronome details)
    0xFF 0x03 len text                track name
    0xFF 0x2F 0x00                    end of track (required, last)

The reader also understands running status (a channel event may leave out its status byte when
it repeats the previous one), the other channel events, system-exclusive and all meta events.

>>> data = midi_bytes([Note(60, 0.0, 1.0), Note(64, 1.0, 1.0)], bpm=120)
>>> data[:4], read_midi(data).division
(b'MThd', 480)
>>> [(note.pitch, note.start, note.duration) for note in read_midi(data).notes()]
[(60, 0.0, 1.0), (64, 1.0, 1.0)]
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Note", "MidiEvent", "MidiFile", "melody_notes", "midi_bytes", "write_midi",
           "read_midi", "encode_varlen", "decode_varlen", "REST"]

REST = -1
NOTE_OFF, NOTE_ON, PROGRAM_CHANGE, META, SYSEX, SYSEX_CONTINUE = 0x80, 0x90, 0xC0, 0xFF, 0xF0, 0xF7
TRACK_NAME, END_OF_TRACK, TEMPO, TIME_SIGNATURE = 0x03, 0x2F, 0x51, 0x58
# Data bytes after the status byte of each kind of channel event (the status's high nibble).
CHANNEL_DATA_BYTES = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}


@dataclass(frozen=True)
class Note:
    """A note: MIDI ``pitch`` (60 = middle C), ``start`` and ``duration`` in quarter notes,
    ``velocity`` 1..127 (how hard the key is struck)."""

    pitch: int
    start: float
    duration: float
    velocity: int = 80


@dataclass(frozen=True)
class MidiEvent:
    """One event of a track at absolute time ``tick``.  ``status`` is the status byte (0x90 | 3
    is a note on in channel 3; 0xFF a meta event, whose type is ``meta_type``); ``data`` its
    data bytes (key and velocity for a note, the payload of a meta or sysex event)."""

    tick: int
    status: int
    data: bytes
    meta_type: int | None = None

    @property
    def kind(self) -> int:
        """The status without its channel: 0x80, 0x90, ... 0xE0, or 0xF0 / 0xF7 / 0xFF."""
        return self.status if self.status >= 0xF0 else self.status & 0xF0

    @property
    def channel(self) -> int | None:
        return self.status & 0x0F if self.status < 0xF0 else None


@dataclass
class MidiFile:
    """A parsed Standard MIDI File: header fields and each track's events (absolute ticks)."""

    format: int
    division: int
    tracks: list[list[MidiEvent]] = field(default_factory=list)

    def tempo_bpm(self) -> float | None:
        """Quarter notes per minute of the first tempo event, or None (MIDI's default: 120)."""
        for track in self.tracks:
            for event in track:
                if event.meta_type == TEMPO:
                    return 60_000_000 / int.from_bytes(event.data, "big")
        return None

    def notes(self) -> list[Note]:
        """Every note of every track, sorted by start then pitch: each note-on paired with the
        next note-off (or note-on with velocity 0) of the same key and channel."""
        notes = []
        for track in self.tracks:
            sounding: dict[tuple[int, int], list[tuple[int, int]]] = {}
            for event in track:
                if event.kind not in (NOTE_ON, NOTE_OFF):
                    continue
                key, velocity = event.data[0], event.data[1]
                voice = (event.channel, key)
                if event.kind == NOTE_ON and velocity > 0:
                    sounding.setdefault(voice, []).append((event.tick, velocity))
                elif sounding.get(voice):
                    start, start_velocity = sounding[voice].pop(0)
                    notes.append(Note(key, start / self.division,
                                      (event.tick - start) / self.division, start_velocity))
        return sorted(notes, key=lambda note: (note.start, note.pitch))


# ---------------------------------------------------------------------------------------------
# Variable-length numbers
# ---------------------------------------------------------------------------------------------


def encode_varlen(value: int) -> bytes:
    """``value`` (0 .. 0x0FFFFFFF) in 7-bit groups, most significant first, the top bit set
    on every byte but the last: 0 -> 00, 127 -> 7F, 128 -> 81 00, 480 -> 83 60."""
    if not 0 <= value <= 0x0FFFFFFF:
        raise ValueError(f"encode_varlen: {value} is outside 0 .. 0x0FFFFFFF")
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(groups))


def decode_varlen(data: bytes, position: int) -> tuple[int, int]:
    """The variable-length number starting at ``data[position]`` and the position after it."""
    value = 0
    for count in range(4):
        if position >= len(data):
            break
        byte = data[position]
        position += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, position
        if count == 3:
            raise ValueError("read_midi: a variable-length number is longer than 4 bytes")
    raise ValueError("read_midi: the data ends inside a variable-length number")


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def melody_notes(pitches: Sequence[int], durations: Sequence[float], start: float = 0.0,
                 velocity: int = 80) -> list[Note]:
    """A monophonic melody -- one MIDI pitch (or REST = -1) and one duration in quarter notes
    per event -- as Notes, the first starting at ``start``, each next one where the previous
    event ends; rests only add time."""
    if len(pitches) != len(durations):
        raise ValueError(f"melody_notes: {len(pitches)} pitches but {len(durations)} durations")
    notes, time = [], float(start)
    for pitch, duration in zip(pitches, durations):
        if int(pitch) != REST:
            notes.append(Note(int(pitch), time, float(duration), velocity))
        time += float(duration)
    return notes


def _meta(meta_type: int, payload: bytes) -> bytes:
    return bytes([META, meta_type]) + encode_varlen(len(payload)) + payload


def midi_bytes(notes: Sequence[Note], bpm: float = 100.0, ticks_per_quarter: int = 480,
               program: int = 0, channel: int = 0, time_signature: tuple[int, int] = (4, 4),
               name: str = "") -> bytes:
    """A format-0 Standard MIDI File playing ``notes`` at ``bpm`` quarter notes per minute with
    General MIDI instrument ``program`` (0 piano, 19 church organ, 52 choir aahs).

    The track holds: the name (when given), tempo, time signature and program change at tick
    0, then a note on and a note off for each note (offs before ons at the same tick, so a
    repeated key is released before it is struck again), then the end-of-track event."""
    if not 0 <= program <= 127 or not 0 <= channel <= 15:
        raise ValueError(f"midi_bytes: program must be 0..127 and channel 0..15, got {program} "
                         f"and {channel}")
    if not 0 < ticks_per_quarter < 0x8000:
        raise ValueError(f"midi_bytes: ticks_per_quarter must be 1..32767, got "
                         f"{ticks_per_quarter}")
    numerator, denominator = time_signature
    if denominator <= 0 or denominator & (denominator - 1):
        raise ValueError(f"midi_bytes: the time signature's denominator must be a power of 2, "
                         f"got {denominator}")
    timed = []  # (tick, 0 for off / 1 for on, pitch, status, velocity)
    for note in notes:
        if not 0 <= note.pitch <= 127 or not 1 <= note.velocity <= 127:
            raise ValueError(f"midi_bytes: pitch must be 0..127 and velocity 1..127, got {note}")
        if note.duration <= 0 or note.start < 0:
            raise ValueError(f"midi_bytes: a note needs start >= 0 and duration > 0, got {note}")
        on = round(note.start * ticks_per_quarter)
        off = max(on + 1, round((note.start + note.duration) * ticks_per_quarter))
        timed.append((on, 1, note.pitch, NOTE_ON | channel, note.velocity))
        timed.append((off, 0, note.pitch, NOTE_OFF | channel, 0))
    timed.sort()

    track = b""
    if name:
        track += encode_varlen(0) + _meta(TRACK_NAME, name.encode("utf-8"))
    microseconds = round(60_000_000 / bpm)
    track += encode_varlen(0) + _meta(TEMPO, microseconds.to_bytes(3, "big"))
    track += encode_varlen(0) + _meta(TIME_SIGNATURE, bytes([numerator,
                                                             denominator.bit_length() - 1,
                                                             24, 8]))
    track += encode_varlen(0) + bytes([PROGRAM_CHANGE | channel, program])
    now = 0
    for tick, _, pitch, status, velocity in timed:
        track += encode_varlen(tick - now) + bytes([status, pitch, velocity])
        now = tick
    track += encode_varlen(0) + _meta(END_OF_TRACK, b"")
    header = struct.pack(">4sIHHH", b"MThd", 6, 0, 1, ticks_per_quarter)
    return header + struct.pack(">4sI", b"MTrk", len(track)) + track


def write_midi(path: str | os.PathLike, notes: Sequence[Note], **options) -> None:
    """Write ``midi_bytes(notes, **options)`` to ``path``."""
    with open(path, "wb") as file:
        file.write(midi_bytes(notes, **options))


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read_midi(source: str | os.PathLike | bytes) -> MidiFile:
    """Parse a Standard MIDI File (a path, or its bytes): the header and every ``MTrk`` chunk
    (chunks of other types are skipped, as the standard asks)."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    else:
        with open(source, "rb") as file:
            data = file.read()
    if len(data) < 14 or data[:4] != b"MThd":
        raise ValueError("read_midi: not a Standard MIDI File (it must start with 'MThd')")
    (header_length,) = struct.unpack_from(">I", data, 4)
    file_format, track_count, division = struct.unpack_from(">HHH", data, 8)
    if header_length < 6 or division & 0x8000:
        raise ValueError(f"read_midi: unsupported header (length {header_length}, division "
                         f"{division:#06x}; SMPTE time is not supported)")
    midi = MidiFile(file_format, division)
    position = 8 + header_length
    while position + 8 <= len(data):
        chunk_type, length = struct.unpack_from(">4sI", data, position)
        body = data[position + 8:position + 8 + length]
        if len(body) < length:
            raise ValueError(f"read_midi: chunk {chunk_type!r} is cut off ({len(body)} of "
                             f"{length} bytes)")
        if chunk_type == b"MTrk":
            midi.tracks.append(_read_track(body))
        position += 8 + length
    if len(midi.tracks) != track_count:
        raise ValueError(f"read_midi: the header announces {track_count} tracks, found "
                         f"{len(midi.tracks)}")
    return midi


def _read_track(body: bytes) -> list[MidiEvent]:
    events, position, tick, running_status = [], 0, 0, None
    while position < len(body):
        delta, position = decode_varlen(body, position)
        tick += delta
        status = body[position]
        if status < 0x80:            # running status: reuse the last channel status byte
            if running_status is None:
                raise ValueError("read_midi: a data byte where a status byte is needed")
            status = running_status
        else:
            position += 1
        if status == META:
            meta_type = body[position]
            length, position = decode_varlen(body, position + 1)
            events.append(MidiEvent(tick, status, body[position:position + length], meta_type))
            position += length
            if meta_type == END_OF_TRACK:
                break
        elif status in (SYSEX, SYSEX_CONTINUE):
            length, position = decode_varlen(body, position)
            events.append(MidiEvent(tick, status, body[position:position + length]))
            position += length
        elif status >= 0xF0:
            raise ValueError(f"read_midi: status {status:#04x} cannot appear in a file")
        else:
            size = CHANNEL_DATA_BYTES[status & 0xF0]
            events.append(MidiEvent(tick, status, body[position:position + size]))
            position += size
            running_status = status
    return events
