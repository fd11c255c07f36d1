"""The desktop app (PySide6 + pyqtgraph): a thin layer over the Qt-free core.

Only this package imports Qt. Widgets receive numpy arrays and dataclasses; the worker
(:mod:`audioclf.gui.workers`) is the only part that touches the model.
"""
