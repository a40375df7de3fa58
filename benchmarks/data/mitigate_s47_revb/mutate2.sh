# mutate2.sh: the applies() check of _lower_suspect (two lines: unique) dropped
source <(sed -n '/^run() {/,/^}/p' /tmp/revbs47/mut/mutate.sh)
set -u; export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; M=/tmp/revbs47/mut
run gated.py "        if not applies(model, clean):
            if self.margin_asked_:" "        if False:
            if self.margin_asked_:"
run suspect_margin.py "& (y != suspect)" ""
run suspect_margin.py "if logits.dim() != 2 or logits.shape[1] < MIN_CLASSES:" "if False:"
run gated.py "        if suspect is None:  # force=1" "        if False:  # force=1"
