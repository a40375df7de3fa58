"""``python -m trojanscope`` runs the CLI."""

import sys

from trojanscope.cli.main import run

sys.exit(run())
