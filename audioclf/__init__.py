"""audioclf: listen and tell what it hears (log-mel + Conv2d-LSTM audio classifier).

This module holds the version only; importing it is cheap (no torch, no Qt).
"""

__version__ = "0.1.0"
