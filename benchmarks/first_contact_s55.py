"""First contact with a user's own small files (stop 55): stop 54's files
(``first_contact_s54.py``: stop 53's images, table, hub folder, ``reviews.csv``, ``ckpt.pt``,
and the MiniLM lines' ``incoming.csv`` and ``clean-reviews.csv``) drawn with seed 63, the first
seed after stop 54's spent ones. Lines run by ``first_contact_own.run_lines``.

    python benchmarks/first_contact_s55.py WORK --make --model-run RUN   # the user files
    python benchmarks/first_contact_s55.py WORK --lines LINES --timeout 200
"""

from __future__ import annotations

from functools import partial

from first_contact_s52 import main
from first_contact_s54 import make_all

SEED = 63

if __name__ == "__main__":
    main(partial(make_all, seed=SEED), __doc__)
