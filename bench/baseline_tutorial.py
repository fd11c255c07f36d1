"""A tutorial-style spectrogram classifier: what a user would otherwise write (the peer).

    python -m bench.baseline_tutorial [--epochs 30] [--cap-s 600] [--device cpu]

The usual recipe from blog posts and course notebooks, on the same FSDD folders and at the
same front-end settings as audioclf's default recipe (8 kHz, 40 mel bands, 25 ms / 10 ms):

* a ``Dataset`` whose ``__getitem__`` decodes the file and computes the mel spectrogram
  (torchaudio MelSpectrogram + AmplitudeToDB) every time, every epoch;
* a ``collate_fn`` that zero-pads the batch to its longest clip;
* Conv2d blocks (16, 32 channels, pooling 2x2 then 2x1) -> LSTM (64 hidden) over the padded
  sequence -> the output at the last *padded* step -> linear head;
* Adam at 1e-3, batch 32, shuffled DataLoader (num_workers 0 by default);
* on a GPU (``--device cuda``), the tutorial's ``model.to(device)`` and ``x.to(device)``.

Test accuracy is measured after every epoch, outside the timed training time (as in
bench/train_fsdd.py). Training stops at ``--target`` test accuracy, after ``--epochs``, or
once the training time passes ``--cap-s``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import soundfile as sf
import torch
import torchaudio
from torch import nn
from torch.utils.data import DataLoader, Dataset

SR, N_FFT, HOP, N_MELS = 8000, 200, 80, 40


class SpeechDigits(Dataset):
    def __init__(self, root: Path) -> None:
        self.labels = sorted(d.name for d in root.iterdir() if d.is_dir())
        self.items = [(f, i) for i, lab in enumerate(self.labels)
                      for f in sorted((root / lab).glob("*.wav"))]
        self.mel = torchaudio.transforms.MelSpectrogram(SR, n_fft=N_FFT, hop_length=HOP,
                                                        n_mels=N_MELS)
        self.db = torchaudio.transforms.AmplitudeToDB()

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        path, y = self.items[i]
        x, sr = sf.read(path, dtype="float32")
        wave = torch.from_numpy(x)
        if sr != SR:
            wave = torchaudio.functional.resample(wave, sr, SR)
        spec = self.db(self.mel(wave))  # (F, T)
        return (spec - spec.mean()) / (spec.std() + 1e-5), y


def pad_collate(batch: list[tuple[torch.Tensor, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    specs = [s.T for s, _ in batch]  # (T, F)
    padded = nn.utils.rnn.pad_sequence(specs, batch_first=True)  # (B, T, F)
    return padded.transpose(1, 2).unsqueeze(1), torch.tensor([y for _, y in batch])


class TutorialNet(nn.Module):
    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d((2, 2)),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d((2, 1)),
        )
        self.lstm = nn.LSTM(32 * (N_MELS // 4), 64, batch_first=True)
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)  # (B, C, F', T')
        h = h.permute(0, 3, 1, 2).flatten(2)  # (B, T', C*F')
        out, _ = self.lstm(h)
        return self.fc(out[:, -1])  # the last (padded) step


def accuracy(model: nn.Module, loader: DataLoader, device: str = "cpu") -> float:
    model.eval()
    ok = n = 0
    with torch.no_grad():
        for x, y in loader:
            ok += int((model(x.to(device)).argmax(1).cpu() == y).sum())
            n += len(y)
    model.train()
    return ok / n


def run(fsdd: Path, epochs: int = 30, cap_s: float = 600.0, target: float = 0.98,
        workers: int = 0, seed: int = 0, device: str = "cpu") -> dict:
    torch.manual_seed(seed)
    train, test = SpeechDigits(fsdd / "train"), SpeechDigits(fsdd / "test")
    tl = DataLoader(train, batch_size=32, shuffle=True, collate_fn=pad_collate,
                    num_workers=workers)
    vl = DataLoader(test, batch_size=64, collate_fn=pad_collate, num_workers=workers)
    model = TutorialNet(len(train.labels)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    wall, hist, reached = 0.0, [], None
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        for x, y in tl:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall += time.perf_counter() - t0
        acc = accuracy(model, vl, device)
        hist.append({"epoch": epoch, "wall_s": round(wall, 1),
                     "epoch_s": round(time.perf_counter() - t0, 1), "test_acc": acc})
        print(f"baseline epoch {epoch:2d}  {wall:6.1f}s  test {acc:.4f}", flush=True)
        if acc >= target:
            reached = round(wall, 1)
            break
        if wall >= cap_s:
            break
    return {"time_to_target_s": reached, "target": target, "cap_s": cap_s,
            "epochs_run": len(hist), "wall_s": round(wall, 1),
            "epoch_s": round(wall / max(1, len(hist)), 2),
            "final_test_acc": hist[-1]["test_acc"] if hist else None, "history": hist,
            "params": sum(p.numel() for p in model.parameters()), "device": device}


def main() -> None:
    from bench.common import need_fsdd

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--cap-s", type=float, default=600.0)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    print(json.dumps(run(need_fsdd(), a.epochs, a.cap_s, workers=a.workers, device=a.device),
                     indent=1))


if __name__ == "__main__":
    main()
