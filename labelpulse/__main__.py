"""`python -m labelpulse` runs the command line."""

from labelpulse.cli import main

main()
