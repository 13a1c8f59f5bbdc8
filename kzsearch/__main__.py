"""``python -m kzsearch``: the command line (see :mod:`kzsearch.cli`)."""
from .cli import run

run()
