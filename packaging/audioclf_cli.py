"""PyInstaller entry point of the command line (the same main() as ``audioclf``)."""

import sys

from audioclf.cli import main

if __name__ == "__main__":
    sys.exit(main())
