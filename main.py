"""CNN Designer entry point.

    python main.py                      open the window
    python main.py summary ARCH.json    print the course table of an architecture
    python main.py train ARCH.json --dataset digits ...
    python main.py evaluate RUN.npz --dataset digits
"""
import sys

if __name__ == "__main__":
    try:
        # Imported here so that Ctrl-C while NumPy loads is one line too, not an import traceback.
        from designer.launcher import main
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted (Ctrl-C)\n")
        sys.exit(130)
    sys.exit(main())
