"""CNN Designer entry point.

    python main.py                      open the window
    python main.py summary ARCH.json    print the course table of an architecture
    python main.py train ARCH.json --dataset digits ...
    python main.py evaluate RUN.npz --dataset digits
"""
import sys

from designer.launcher import main

if __name__ == "__main__":
    sys.exit(main())
