"""audioclf.allocator: memory freed after a training step is reused by the next one, not
handed back to the kernel and faulted in again (zeroed, one 4 kB page at a time)."""

import json
import os
import subprocess
import sys

import pytest

# 20 training steps of the default model's architecture at batch 32 (1 s windows, 40 bands,
# variable lengths), after 3 to warm up; counts the page faults of those 20 steps.
_PROBE = r"""
import json, resource, sys
from audioclf.allocator import retain_freed_memory
applied = retain_freed_memory()
import numpy as np, torch
from audioclf.config import ModelConfig
from audioclf.model import ConvLSTM
torch.manual_seed(0)
torch.set_num_threads(1)
m = ConvLSTM(ModelConfig(conv_channels=(16, 32), hidden_size=64, bidirectional=True,
                         time_pool=5, input_norm="band_mean", norm_dct=3), 40, 11)
opt = torch.optim.AdamW(m.parameters(), lr=1e-3, foreach=True)
rng = np.random.default_rng(0)
def step():
    lengths = torch.tensor(rng.integers(40, 101, 32))
    lengths[0] = 100
    logits, _ = m(torch.randn(32, 1, 40, 100), lengths)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(rng.integers(0, 11, 32)))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(json.dumps({"applied": applied,
                  "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def _probe(defaults: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "AUDIOCLF_MALLOC_DEFAULTS"}
    if defaults:
        env["AUDIOCLF_MALLOC_DEFAULTS"] = "1"
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_training_steps_reuse_freed_memory():
    kept, default = _probe(defaults=False), _probe(defaults=True)
    assert kept["applied"] and not default["applied"]
    assert kept["faults"] < 20 * 500, kept  # under 500 pages (2 MB) a step
    # glibc's defaults give memory back and fault it in again every step: the cost removed
    assert default["faults"] > 3 * max(kept["faults"], 20 * 100), (kept, default)


def test_applying_twice_is_harmless():
    from audioclf.allocator import retain_freed_memory

    env_off = os.environ.get("AUDIOCLF_MALLOC_DEFAULTS") == "1"
    first = retain_freed_memory()
    assert retain_freed_memory() == first
    assert first == (sys.platform.startswith("linux") and not env_off)
