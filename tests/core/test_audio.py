"""Audio I/O: formats, rates and channels in; one clear error type out."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from audioclf import audio
from audioclf.errors import AudioclfError, AudioError

SR = 8000


def tone(sr: int, dur: float = 0.5, freq: float = 440.0, ch: int = 1) -> np.ndarray:
    t = np.arange(int(sr * dur)) / sr
    x = 0.5 * np.sin(2 * np.pi * freq * t).astype(np.float32)
    return np.stack([x] * ch, 1) if ch > 1 else x


@pytest.mark.parametrize("ext,fmt,subtype", [
    ("wav", "WAV", "PCM_16"), ("wav", "WAV", "PCM_24"), ("wav", "WAV", "FLOAT"),
    ("flac", "FLAC", "PCM_16"), ("ogg", "OGG", "VORBIS"), ("mp3", "MP3", "MPEG_LAYER_III"),
])
def test_formats_decode_to_mono_at_target_rate(tmp_path, ext, fmt, subtype):
    p = tmp_path / f"x.{ext}"
    sf.write(p, tone(44100, 1.0, ch=2), 44100, format=fmt, subtype=subtype)
    x = audio.load(p, 16000)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(x.size - 16000) < 1200  # mp3 adds encoder padding
    # the tone survives: energy concentrated near 440 Hz
    spec = np.abs(np.fft.rfft(x))
    peak_hz = np.argmax(spec) * 16000 / x.size
    assert abs(peak_hz - 440) < 10


@pytest.mark.parametrize("sr", [8000, 11025, 22050, 44100, 48000, 96000, 192000])
@pytest.mark.parametrize("ch", [1, 2, 8])
def test_any_rate_any_channels(tmp_path, sr, ch):
    p = tmp_path / "x.wav"
    sf.write(p, tone(sr, 0.3, ch=ch), sr)
    x = audio.load(p, SR)
    assert x.size == pytest.approx(0.3 * SR, abs=2)
    assert np.isfinite(x).all() and 0.3 < np.abs(x).max() < 0.6


def test_downmix_is_mean_of_channels(tmp_path):
    a = np.stack([np.ones(1000, np.float32) * 0.5, np.zeros(1000, np.float32)], 1)
    p = tmp_path / "st.wav"
    sf.write(p, a, SR, subtype="FLOAT")
    assert np.allclose(audio.load(p, SR), 0.25)


@pytest.mark.parametrize("orig,new", [(44100, 8000), (48000, 16000), (8000, 16000), (22050, 8000)])
def test_chunked_reading_equals_whole_file(tmp_path, orig, new):
    rng = np.random.default_rng(0)
    x = (0.3 * rng.standard_normal(orig * 3)).astype(np.float32)
    p = tmp_path / "n.wav"
    sf.write(p, x, orig, subtype="FLOAT")
    whole = audio.load(p, new)
    chunks = list(audio.iter_chunks(p, new, chunk_s=0.37))
    assert len(chunks) > 5
    joined = np.concatenate(chunks)
    assert joined.size == whole.size
    assert np.abs(joined - whole).max() < 1e-4


def write_bytes(p, data: bytes):
    p.write_bytes(data)
    return p


def bad_inputs(tmp_path):
    good = tmp_path / "good.wav"
    sf.write(good, tone(SR), SR)
    raw = good.read_bytes()
    nan = tmp_path / "nan.wav"
    y = tone(SR)
    y[100] = np.nan
    sf.write(nan, y, SR, subtype="FLOAT")
    inf = tmp_path / "inf.wav"
    y[100] = np.inf
    sf.write(inf, y, SR, subtype="FLOAT")
    folder = tmp_path / "dir.wav"
    folder.mkdir()
    return {
        "missing": (tmp_path / "nope.wav", "not found"),
        "empty": (write_bytes(tmp_path / "empty.wav", b""), "empty"),
        "header only": (write_bytes(tmp_path / "hdr.wav", raw[:44]), "no audio samples"),
        "text": (write_bytes(tmp_path / "text.wav", b"hello, this is not audio\n" * 10),
                 "not a readable audio file"),
        "random": (write_bytes(tmp_path / "rnd.flac", np.random.default_rng(0).bytes(4000)),
                   "not a readable audio file"),
        "folder": (folder, "folder"),
        "nan": (nan, "NaN"),
        "inf": (inf, "NaN or infinite"),
    }


def test_every_failure_is_one_clear_error(tmp_path):
    for name, (path, cause) in bad_inputs(tmp_path).items():
        for fn in (lambda p: audio.load(p, SR), lambda p: list(audio.iter_chunks(p, SR))):
            with pytest.raises(AudioError) as ei:
                fn(path)
            msg = str(ei.value)
            assert "\n" not in msg, name
            assert str(path) in msg, name
            assert cause in msg, (name, msg)
            assert isinstance(ei.value, AudioclfError)


def test_truncated_wav_reads_what_is_there_or_errors(tmp_path):
    p = tmp_path / "t.wav"
    sf.write(p, tone(SR, 1.0), SR)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    try:
        x = audio.load(p, SR)
    except AudioError as exc:
        assert str(p) in str(exc)
    else:
        assert 0 < x.size <= SR and np.isfinite(x).all()


def test_write_audio_round_trip_and_is_atomic(tmp_path):
    p = tmp_path / "out.flac"
    audio.write_audio(p, tone(SR), SR)
    assert audio.probe(p).sample_rate == SR
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".")]  # no temp left


def test_is_audio_path():
    assert audio.is_audio_path("a/B.WAV") and audio.is_audio_path("x.Mp3")
    assert not audio.is_audio_path(".hidden.wav") and not audio.is_audio_path("notes.txt")
