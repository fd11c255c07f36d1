"""PyInstaller entry point of the desktop app (the same main() as ``audioclf-gui``)."""

import sys

from audioclf.gui.app import main

if __name__ == "__main__":
    sys.exit(main())
