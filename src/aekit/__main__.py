"""``python -m aekit`` runs the command line."""

from aekit.cli import main

main()
