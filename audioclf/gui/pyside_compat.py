"""Work-arounds for PySide6 bugs seen on the machines this project runs on.

PySide6 6.12.0 (abi3 wheels) returns ``None`` from every void method without taking a new
reference. On Python >= 3.12 ``None`` is immortal and nothing happens; on Python 3.11 each
call (``setText``, ``update``, ``processEvents`` ...) lowers ``None``'s reference count by
one, and after a few thousand calls the interpreter aborts with "none_dealloc: deallocating
None". A live view makes thousands of such calls a minute. :func:`pin_none` gives ``None``
a huge reference count once (as 3.12 does), so the missing references never reach zero.
"""

from __future__ import annotations

import ctypes
import sys

_PIN = 1 << 40  # references added to None: more void calls than a process will ever make
_pinned = False


def pin_none() -> None:
    """Make ``None`` practically immortal on Python < 3.12 (idempotent; no-op on 3.12+)."""
    global _pinned
    if _pinned or sys.version_info >= (3, 12):
        return
    ctypes.c_ssize_t.from_address(id(None)).value += _PIN
    _pinned = True
