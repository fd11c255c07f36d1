"""Logging, configured in one place for the CLI and the GUI.

Records from the ``audioclf`` loggers go to a rotating file in the user log dir
(:func:`audioclf.paths.log_file`; 1 MB x 3 backups) and, when asked, to stderr. Calling
:func:`setup_logging` again changes nothing (one file handler per process). A log dir that
cannot be written costs the file, never the program.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from audioclf.paths import log_file

LOGGER_NAME = "audioclf"
MAX_BYTES = 1_000_000  # rotate the log file at this size
BACKUPS = 3  # rotated files kept: audioclf.log.1 .. .3
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"
_HANDLER_FLAG = "_audioclf_handler"


def setup_logging(level: int = logging.INFO, stderr_level: int | None = None) -> Path | None:
    """Attach the rotating file handler (and a stderr one if ``stderr_level``) once.

    Returns the log file path, or None when it could not be opened.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(min(level, stderr_level or level))
    have = {getattr(h, _HANDLER_FLAG) for h in logger.handlers if hasattr(h, _HANDLER_FLAG)}
    path: Path | None = log_file()
    if "file" not in have:
        try:
            assert path is not None
            path.parent.mkdir(parents=True, exist_ok=True)
            fh = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES,
                                                      backupCount=BACKUPS, encoding="utf-8")
        except OSError:
            path = None
        else:
            fh.setLevel(level)
            fh.setFormatter(logging.Formatter(FORMAT))
            setattr(fh, _HANDLER_FLAG, "file")
            logger.addHandler(fh)
    if stderr_level is not None and "stderr" not in have:
        sh = logging.StreamHandler(sys.stderr)
        sh.setLevel(stderr_level)
        sh.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        setattr(sh, _HANDLER_FLAG, "stderr")
        logger.addHandler(sh)
    return path
