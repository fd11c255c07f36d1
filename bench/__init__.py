"""Benchmarks; see bench/__main__.py. They run under the same process settings as the
``audioclf`` entry points (freed memory kept for reuse, :mod:`audioclf.allocator`), the
tutorial peer included; ``AUDIOCLF_MALLOC_DEFAULTS=1`` compares with glibc's defaults."""

from audioclf.allocator import retain_freed_memory

retain_freed_memory()
