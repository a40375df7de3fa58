"""``python -m trojanscope`` runs the CLI."""

import sys

if __name__ == "__main__":  # not when a spawned worker process imports this module
    from trojanscope.cli.main import run

    sys.exit(run())
