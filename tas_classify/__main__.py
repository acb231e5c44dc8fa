"""``python -m tas_classify`` runs the command line."""

from tas_classify.cli import main

main()
