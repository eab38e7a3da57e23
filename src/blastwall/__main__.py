"""`python -m blastwall ...` runs the CLI."""

from blastwall.cli import main

if __name__ == "__main__":
    main()
