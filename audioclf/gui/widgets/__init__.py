"""pyqtgraph/Qt widgets of the main window; each takes numpy arrays and dataclasses."""
