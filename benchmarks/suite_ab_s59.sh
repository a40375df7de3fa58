# Issue 9 / the suite's time, stop 59 (hfc): the slow tests that run image models, timed with
# main's src (before channels-last max pooling) and this branch's src, alternately, on this
# branch's tests (test_pooling.py left out: it needs the new module). One pytest per code and
# round, one thread, --durations; the times land in LOG_DIR/ab-<code>-<round>.log (ORDER="new old"
# runs this branch first; FIRST=N numbers the rounds from N). Table: suite_ab_table_s59.py LOG_DIR.
#   bash benchmarks/suite_ab_s59.sh OLD_SRC LOG_DIR [ROUNDS]
set -u
OLD=$1; LOG=$2; ROUNDS=${3:-1}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
TESTS="tests/detect/test_neural_cleanse.py tests/mitigate/test_methods.py::test_mitigation_contract[gated]
 tests/mitigate/test_gated.py::test_a_flagged_model_is_treated_and_the_note_says_so
 tests/detect/test_zoo.py::test_make_eval_calibrate tests/audit/test_recommendation.py"
FIRST=${FIRST:-1}
for r in $(seq "$FIRST" $((FIRST + ROUNDS - 1))); do
  for code in ${ORDER:-old new}; do
    src=src; [ "$code" = old ] && src=$OLD
    echo "== $code round $r $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)" > "$LOG/ab-$code-$r.log"
    PYTHONPATH=$src nice -n 5 /work/main/.venv/bin/python -m pytest $TESTS -q -p no:randomly -n 0 \
      --durations=0 -p no:cacheprovider >> "$LOG/ab-$code-$r.log" 2>&1
    echo "== end $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)" >> "$LOG/ab-$code-$r.log"
  done
done
