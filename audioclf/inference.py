"""Classify files, arrays and live streams: clip probabilities and probabilities over time.

Probabilities over time are defined here, once, for files and live audio alike:

* frames come from the shared log-mel front end (no centre padding);
* window ``i`` covers frames ``[i*H, i*H + W)`` where ``W`` = the model's ``window_s`` and
  ``H`` = :data:`TIMELINE_HOP_S` (0.1 s), both in frames;
* its probabilities are the softmax of the model's clip logits on that window alone;
* its time is the centre of the samples it covers.

A clip no longer than ``W`` is one window: itself. Clip probabilities of a longer file are
the mean of its window probabilities. The live path (:class:`StreamingClassifier`) pushes the
same frames through the same :class:`Windower`, so it gives the same curve.

Files are computed faster, not differently: their overlapping windows share one pass of the
model's first conv block (:mod:`audioclf.overlap`), which gives each window's own values to
float rounding (tests check 1e-5).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from audioclf import audio
from audioclf.checkpoint import ModelBundle, load_model
from audioclf.config import BATCH_SIZE
from audioclf.dataset import collate
from audioclf.device import concrete, select_device
from audioclf.errors import AudioclfError
from audioclf.features import LogMel, StreamingLogMel

TIMELINE_HOP_S = 0.1  # seconds between timeline points (the live hop)
CLIP_GROUP = 64  # at most this many short clips are decoded before their results come out


@dataclass
class FileResult:
    """What the model heard in one file (or array)."""

    path: str
    duration_s: float
    labels: list[str]
    probs: np.ndarray  # (K,) clip probabilities
    times: np.ndarray  # (N,) window centres, seconds
    timeline: np.ndarray  # (N, K) window probabilities
    spectrogram_db: np.ndarray | None = None  # (F, T) log-mel in dB when asked for
    error: str | None = None

    @property
    def label(self) -> str:
        return self.labels[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return float(np.max(self.probs))

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        order = np.argsort(-self.probs)[:k]
        return [(self.labels[i], float(self.probs[i])) for i in order]


@dataclass
class FileFailure:
    path: str
    error: str


class Windower:
    """Frames in (F, k) -> complete analysis windows out; keeps at most W + k frames."""

    def __init__(self, window: int, hop: int) -> None:
        self.window, self.hop = window, hop
        self._buf: torch.Tensor | None = None
        self._buf_start = 0  # frame index of _buf[:, 0]
        self.next_start = 0  # first frame of the next window
        self.frames = 0  # frames pushed so far
        self.emitted = 0

    def push(self, cols: torch.Tensor) -> list[tuple[int, torch.Tensor]]:
        """Add columns; return [(start frame, window (F, W))] for every window now complete."""
        if cols.shape[1] == 0:
            return []
        self._buf = cols if self._buf is None else torch.cat([self._buf, cols], 1)
        self.frames += cols.shape[1]
        out = []
        while self.next_start + self.window <= self.frames:
            s = self.next_start - self._buf_start
            out.append((self.next_start, self._buf[:, s:s + self.window]))
            self.next_start += self.hop
        drop = min(self.next_start, self.frames) - self._buf_start
        if drop > 0:
            self._buf = self._buf[:, drop:]
            self._buf_start += drop
        self.emitted += len(out)
        return out

    def flush(self) -> list[tuple[int, torch.Tensor]]:
        """At the end of a file shorter than one window: the whole clip as its one window."""
        if self.emitted == 0 and self._buf is not None and self._buf.shape[1] > 0:
            self.emitted = 1
            return [(0, self._buf)]
        return []


class Classifier:
    """A loaded model on a device, with the front end built from the model's configs."""

    def __init__(self, bundle: ModelBundle, device: str | torch.device = "auto",
                 batch_size: int = BATCH_SIZE, amp: bool | None = None) -> None:
        self.device = select_device(device) if isinstance(device, str) else concrete(device)
        # Mixed precision for the model (never the front end). None: on for CUDA only (bf16
        # where supported, else fp16); the CPU and MPS stay float32 by default, so results
        # are reproducible to 1e-5. True on a CPU: bfloat16, about 1.8x faster on CPUs with
        # AMX/AVX512-BF16 (probabilities move by up to a few 1e-2); False: float32 everywhere.
        kind = self.device.type
        self.amp = (kind == "cuda") if amp is None else bool(amp) and kind in ("cuda", "cpu")
        self.amp_dtype = (torch.bfloat16 if kind == "cpu" or (
            self.amp and torch.cuda.is_bf16_supported()) else torch.float16)
        self.bundle = bundle.to(self.device)
        self.model = bundle.model.eval()
        self.fcfg = bundle.feature_config
        self.labels = list(bundle.labels)
        self.front = LogMel(self.fcfg).to(self.device)
        self.batch_size = batch_size
        self.window = max(1, round(bundle.model_config.window_s * self.fcfg.frame_rate))
        self.hop = max(1, round(TIMELINE_HOP_S * self.fcfg.frame_rate))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] | None = None, device: str = "auto",
                  batch_size: int = BATCH_SIZE, amp: bool | None = None) -> Classifier:
        from audioclf.checkpoint import default_model_path

        dev = select_device(device)
        return cls(load_model(path or default_model_path(), dev), dev, batch_size, amp)

    # ------------------------------------------------------------------ core model calls
    def window_time_s(self, start: int, length: int) -> float:
        """Centre (seconds) of the samples covered by frames [start, start + length)."""
        c = self.fcfg
        return (start * c.hop_length + ((length - 1) * c.hop_length + c.n_fft) / 2.0) / c.sample_rate

    def _batch(self, chunk: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Windows [(F, T_i)] -> (batch (B, 1, F, max T) on the device, lengths or None).

        Lengths are None when all windows have the same length (the usual timeline case:
        one stack, no packing). The batch is built where the windows are and moved once
        (pinned host memory, non-blocking copy): no per-window host-device copies.
        """
        src = chunk[0].device
        lengths = [int(w.shape[1]) for w in chunk]
        t_max = max(lengths)
        if all(n == t_max for n in lengths):
            batch = torch.stack([w.to(src) for w in chunk]).unsqueeze(1)
            lens = None
        else:
            batch, lens = collate([w.to(src) for w in chunk])
        if batch.device != self.device:
            if self.device.type == "cuda" and batch.device.type == "cpu":
                batch = batch.pin_memory()
            batch = batch.to(self.device, non_blocking=True)
        return batch, (lens.to(self.device) if lens is not None else None)

    def probs_of(self, windows: Sequence[torch.Tensor]) -> np.ndarray:
        """Windows [(F, T_i)] -> softmax clip probabilities (N, K), batched and packed."""
        return self._softmax_batches(
            len(windows), lambda i, n: self.model.clip_logits(*self._batch(windows[i:i + n])))

    def probs_of_run(self, items: Sequence[tuple[int, torch.Tensor]]) -> np.ndarray:
        """Timeline windows [(start frame, (F, T_i))] -> probabilities (N, K), as
        :meth:`probs_of`. Full windows ``hop`` frames apart share one run of frames, and the
        model's first block is computed once over it (:meth:`ConvLSTM.clip_logits_of_windows`,
        equal to float rounding); anything else goes window by window."""
        starts = [s for s, _ in items]
        if (len(items) < 2 or self.hop > self.window
                or any(w.shape[1] != self.window for _, w in items)
                or any(b - a != self.hop for a, b in itertools.pairwise(starts))):
            return self.probs_of([w for _, w in items])
        run = _run_of(items, self.hop).to(self.device, non_blocking=True)
        h, w = self.hop, self.window
        return self._softmax_batches(len(items), lambda i, n: self.model.clip_logits_of_windows(
            run[:, i * h:(i + n - 1) * h + w], n, h, w))

    def _softmax_batches(self, count: int,
                         logits_of: Callable[[int, int], torch.Tensor]) -> np.ndarray:
        """Softmax probabilities (count, K) from ``logits_of(first, n)`` called on batches of
        at most ``batch_size`` items, in inference mode at the chosen precision."""
        out = []
        with torch.inference_mode(), torch.autocast(self.device.type, dtype=self.amp_dtype,
                                                    enabled=self.amp):
            for i in range(0, count, self.batch_size):
                logits = logits_of(i, min(self.batch_size, count - i))
                out.append(torch.softmax(logits.float(), -1))
        if not out:
            return np.zeros((0, len(self.labels)), np.float32)
        return torch.cat(out).cpu().numpy()  # one device->host copy per call

    def _features_batch(self, clips: Sequence[np.ndarray]) -> list[torch.Tensor]:
        """Mono clips [(N_i,)] -> features [(F, T_i)] on the device, in one front-end call.

        The clips are zero-padded into one pinned (B, max N) array, copied once and framed
        together; clip i keeps its first max(1, num_frames(N_i)) columns, which depend only
        on its own samples (no centre padding), so they equal :func:`logmel_array` per clip.
        """
        n_max = max(self.fcfg.n_fft, max(x.size for x in clips))
        host = torch.zeros(len(clips), n_max, pin_memory=self.device.type == "cuda")
        for i, x in enumerate(clips):
            host[i, : x.size] = torch.from_numpy(np.ascontiguousarray(x, np.float32))
        with torch.inference_mode():
            feats = self.front.log_mel(host.to(self.device, non_blocking=True))  # (B, F, T)
        return [feats[i, :, : max(1, self.fcfg.num_frames(x.size))] for i, x in enumerate(clips)]

    def probs_of_clips(self, feats: Sequence[torch.Tensor]) -> np.ndarray:
        """Clip probabilities (N, K) of whole clips given as features [(F, T_i)].

        The file rule: a clip of at most W frames is one window; a longer clip is the mean of
        its timeline windows. Used by evaluation and validation so they match prediction.
        """
        windows: list[torch.Tensor] = []
        owner: list[int] = []
        for i, f in enumerate(feats):
            win = Windower(self.window, self.hop)
            ws = win.push(f) + win.flush()
            windows.extend(w for _, w in ws)
            owner.extend([i] * len(ws))
        p = self.probs_of(windows)
        out = np.zeros((len(feats), len(self.labels)), np.float64)
        counts = np.zeros(len(feats))
        np.add.at(out, owner, p)
        np.add.at(counts, owner, 1)
        return (out / counts[:, None]).astype(np.float32)

    # ------------------------------------------------------------------ files and arrays
    def _result(self, path: str, chunks: Iterable[np.ndarray], keep_spectrogram: bool,
                cancel: Callable[[], bool] | None) -> FileResult:
        stream = StreamingLogMel(self.fcfg, self.front, self.device)
        win = Windower(self.window, self.hop)
        starts: list[int] = []
        lengths: list[int] = []
        probs: list[np.ndarray] = []
        pending: list[tuple[int, torch.Tensor]] = []
        spec: list[torch.Tensor] = []

        def run(items: list[tuple[int, torch.Tensor]]) -> None:
            if items:
                probs.append(self.probs_of_run(items))
                starts.extend(s for s, _ in items)
                lengths.extend(w.shape[1] for _, w in items)

        for x in chunks:
            if cancel is not None and cancel():
                raise AudioclfError(f"{path}: cancelled")
            cols = stream.push(x)
            if keep_spectrogram:
                spec.append(cols.cpu())
            pending.extend(win.push(cols))
            full = len(pending) - len(pending) % self.batch_size
            if full:  # whole batches only: every batch has one shape (oneDNN's kernels are
                run(pending[:full])  # built per shape), the rest waits for the next chunk
                pending = pending[full:]
        if stream.frames_done == 0 and stream.samples_in > 0:  # shorter than one STFT frame
            cols = stream.push(np.zeros(self.fcfg.n_fft - stream.samples_in, np.float32))
            if keep_spectrogram:
                spec.append(cols.cpu())
            pending.extend(win.push(cols))
        if stream.samples_in == 0:
            raise AudioclfError(f"{path}: no audio samples")
        run(pending + win.flush())
        timeline = np.concatenate(probs) if probs else np.zeros((0, len(self.labels)), np.float32)
        times = np.array([self.window_time_s(s, n) for s, n in zip(starts, lengths)])
        spectrogram = None
        if keep_spectrogram:
            spectrogram = self.front.db_from_features(torch.cat(spec, 1)).numpy()
        return FileResult(path, stream.samples_in / self.fcfg.sample_rate, self.labels,
                          timeline.mean(0), times, timeline, spectrogram)

    def classify_array(self, samples: np.ndarray, name: str = "<array>",
                       keep_spectrogram: bool = False) -> FileResult:
        """Mono float32 samples at the model's rate -> FileResult."""
        return self._result(name, [np.asarray(samples, np.float32)], keep_spectrogram, None)

    def classify_file(self, path: str | os.PathLike[str], keep_spectrogram: bool = False,
                      chunk_s: float = 30.0, cancel: Callable[[], bool] | None = None
                      ) -> FileResult:
        """Decode, resample and classify a file of any length in bounded memory."""
        chunks = audio.iter_chunks(path, self.fcfg.sample_rate, chunk_s)
        return self._result(os.fspath(path), chunks, keep_spectrogram, cancel)

    def classify_files(self, paths: Sequence[str | os.PathLike[str]],
                       keep_spectrogram: bool = False,
                       cancel: Callable[[], bool] | None = None,
                       ) -> Iterator[FileResult | FileFailure]:
        """Classify many files in order; short clips are batched together across files, in
        groups of at most ``min(batch_size, CLIP_GROUP)``, so results keep coming.

        Yields a FileResult or a FileFailure per path, in the order given.
        """
        group: list[tuple[str, np.ndarray]] = []
        group_size = min(self.batch_size, CLIP_GROUP)
        max_samples = (self.window - 1) * self.fcfg.hop_length + self.fcfg.n_fft

        def flush_group() -> Iterator[FileResult]:
            if not group:
                return
            feats = self._features_batch([x for _, x in group])
            p = self.probs_of(feats)
            for (name, x), f, pr in zip(group, feats, p):
                spec = self.front.db_from_features(f).cpu().numpy() if keep_spectrogram else None
                yield FileResult(name, x.size / self.fcfg.sample_rate, self.labels, pr,
                                 np.array([self.window_time_s(0, f.shape[1])]), pr[None, :], spec)
            group.clear()

        for path in paths:
            if cancel is not None and cancel():
                break
            name = os.fspath(path)
            try:
                info = audio.probe(name)
                if info.duration_s * self.fcfg.sample_rate <= max_samples:
                    group.append((name, audio.load(name, self.fcfg.sample_rate)))
                    if len(group) >= group_size:
                        yield from flush_group()
                    continue
                yield from flush_group()
                yield self.classify_file(name, keep_spectrogram, cancel=cancel)
            except AudioclfError as exc:
                yield from flush_group()
                yield FileFailure(name, str(exc))
        yield from flush_group()

    # ------------------------------------------------------------------ live
    def stream(self) -> StreamingClassifier:
        return StreamingClassifier(self)


def _run_of(items: Sequence[tuple[int, torch.Tensor]], hop: int) -> torch.Tensor:
    """The frames (F, L) that consecutive windows (``hop`` frames apart) cover: a view of
    their buffer when they all lie in one (the usual case within a chunk), else a copy."""
    first, last = items[0][1], items[-1][1]
    length = (len(items) - 1) * hop + first.shape[1]
    span = (len(items) - 1) * hop * first.stride(1)
    if (first.untyped_storage().data_ptr() == last.untyped_storage().data_ptr()
            and last.storage_offset() - first.storage_offset() == span
            and first.stride(1) == 1):
        return first.as_strided((first.shape[0], length), first.stride(), first.storage_offset())
    return torch.cat([first] + [w[:, -hop:] for _, w in items[1:]], 1)


@dataclass
class StreamingClassifier:
    """Push mono samples at the model's rate; get the new timeline points (same as files)."""

    clf: Classifier
    _front: StreamingLogMel = field(init=False)
    _win: Windower = field(init=False)

    def __post_init__(self) -> None:
        self._front = StreamingLogMel(self.clf.fcfg, self.clf.front, self.clf.device)
        self._win = Windower(self.clf.window, self.clf.hop)

    def push(self, samples: np.ndarray) -> tuple[torch.Tensor, list[tuple[float, np.ndarray]]]:
        """-> (new spectrogram columns (F, k) normalised, [(t, probs (K,))] new points)."""
        cols = self._front.push(samples)
        ready = self._win.push(cols)
        if not ready:
            return cols, []
        p = self.clf.probs_of([w for _, w in ready])
        return cols, [(self.clf.window_time_s(s, w.shape[1]), p[i]) for i, (s, w) in enumerate(ready)]
