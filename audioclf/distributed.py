"""torch.distributed helpers for training under ``torchrun`` (WORLD_SIZE > 1).

NCCL when training on GPUs, Gloo on the CPU (also on a machine that has GPUs: ``--device cpu``
there must not pick NCCL, which cannot reduce CPU tensors); outside torchrun the helpers are
no-ops for a single process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
import torch.distributed as dist

from audioclf.errors import AudioclfError


def _world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank_device(device: torch.device) -> torch.device:
    """This rank's device under torchrun: a CUDA device becomes GPU ``LOCAL_RANK`` (one GPU per
    process, made current before NCCL starts); anything else is returned as it is."""
    if _world_size() <= 1 or device.type != "cuda":
        return device
    local, gpus = int(os.environ.get("LOCAL_RANK", "0")), torch.cuda.device_count()
    if local >= gpus:
        raise AudioclfError(
            f"torchrun started more processes on this machine than it has GPUs ({gpus}): "
            f"use --nproc_per_node={gpus}, or --device cpu")
    torch.cuda.set_device(local)
    return torch.device("cuda", local)


def rank_and_world(device: torch.device) -> tuple[int, int]:
    """(rank, world size); initialises torch.distributed under torchrun for training on
    ``device`` (NCCL for a CUDA device, which must be this rank's own, else Gloo)."""
    world = _world_size()
    if world <= 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), dist.get_world_size()


def all_reduce_sum(values: Sequence[float], device: torch.device) -> list[float]:
    """``values`` summed over all ranks (unchanged in a single process)."""
    if not (dist.is_available() and dist.is_initialized()):
        return list(values)
    t = torch.tensor(list(values), dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()
