"""Keep freed tensor memory in the process for the next step, instead of faulting it in afresh.

PyTorch's CPU tensors come from the C library's ``malloc``. With glibc's defaults, blocks
above a threshold that glibc moves by itself (128 kB to 32 MB) are mapped and unmapped on
every allocation, and free memory at the top of the heap beyond twice that threshold goes back
to the kernel. A training step or an inference batch allocates and frees the same tens of MB
each time, so the kernel hands the same memory back page by page, zeroed, every step (measured
on a 2-core CPU: 1,000-6,000 page faults per training step, up to about 1 s of kernel time per
epoch; `python -m bench.allocator_ab`, figures in the README, Performance).

:func:`retain_freed_memory` fixes both thresholds for the process: blocks up to 32 MB come
from the heap and are reused, and up to 128 MB of freed heap stays mapped. What was in use at
the peak is in use either way (measured: the same peak RSS within 10 MB for a 10-minute file);
what changes is that memory freed after it is kept for reuse instead of returned at once.
It is process-wide, so the entry points (``audioclf``, ``audioclf-gui``) call it, never
``import audioclf``. Elsewhere than glibc (macOS, Windows, musl) it does nothing.
``AUDIOCLF_MALLOC_DEFAULTS=1`` in the environment keeps glibc's defaults (for comparisons).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (glibc's own ceiling for its moving threshold)
MMAP_THRESHOLD = 32 << 20
#: Free memory at the top of the heap kept mapped for reuse, at most
TRIM_THRESHOLD = 128 << 20

_applied = False


def retain_freed_memory() -> bool:
    """Fix glibc's mmap and trim thresholds (once per process). True when they are set."""
    global _applied
    if _applied:
        return True
    if not sys.platform.startswith("linux") or os.environ.get("AUDIOCLF_MALLOC_DEFAULTS") == "1":
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _applied = (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    return _applied
