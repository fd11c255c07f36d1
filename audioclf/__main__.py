"""python -m audioclf (also what torchrun -m audioclf runs)."""

import sys

from audioclf.cli import main

if __name__ == "__main__":
    sys.exit(main())
