"""Issue 12, stop 57 (h12): development only: check_fold_back.py with the cross-fitted gain's bar
set out of reach below (fold_back.FOLD_GAIN = -999), so the fit on all images runs wherever the
reach readings allow: what the fit does to the scored CA/ASR, to choose the bar.

    PYTHONPATH=src:benchmarks python benchmarks/data/mitigate_s57/dev_always.py ZOO OUT.json 1
"""

import sys

import check_fold_back
import trojanscope.mitigate.fold_back as fb

fb.FOLD_GAIN = -999
check_fold_back.main(sys.argv[1:])
