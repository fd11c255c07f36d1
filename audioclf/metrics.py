"""Classification metrics: accuracy, confusion matrix, per-class precision/recall/F1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion(y_true: Sequence[int], y_pred: Sequence[int], n: int) -> np.ndarray:
    """(n, n) counts; rows are true classes, columns predicted classes."""
    m = np.zeros((n, n), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return m


def report(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> dict[str, Any]:
    """JSON-ready: accuracy (0-1), labels, per_class {label: precision, recall, f1, support},
    confusion (rows true, columns predicted), n."""
    m = confusion(y_true, y_pred, len(labels))
    tp = np.diag(m).astype(float)
    support = m.sum(1)
    predicted = m.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    n = int(m.sum())
    return {
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "n": n,
        "labels": list(labels),
        "per_class": {
            lab: {"precision": float(precision[i]), "recall": float(recall[i]),
                  "f1": float(f1[i]), "support": int(support[i])}
            for i, lab in enumerate(labels)
        },
        "confusion": m.tolist(),
    }


def format_report(rep: dict[str, Any]) -> str:
    """Human-readable text: accuracy, per-class table, confusion matrix."""
    labels = rep["labels"]
    w = max(8, *(len(s) for s in labels))
    lines = [f"accuracy: {rep['accuracy'] * 100:.2f}% ({rep['n']} files)", "",
             f"{'class':<{w}}  precision  recall     f1  support"]
    for lab in labels:
        pc = rep["per_class"][lab]
        lines.append(f"{lab:<{w}}  {pc['precision']:9.3f}  {pc['recall']:6.3f}  {pc['f1']:5.3f}"
                     f"  {pc['support']:7d}")
    cw = max(4, *(len(s) for s in labels)) + 1
    lines += ["", "confusion (rows: true, columns: predicted)",
              " " * w + "".join(f"{lab[:cw - 1]:>{cw}}" for lab in labels)]
    for lab, row in zip(labels, rep["confusion"]):
        lines.append(f"{lab:<{w}}" + "".join(f"{v:>{cw}d}" for v in row))
    return "\n".join(lines)
