#!/bin/bash
# stop 66 (issue 15, h15): the seed-to-seed spread of MiniLM demo-size CA from every stored
# record (CLI JSON or rows file naming arch minilm with a clean_accuracy; the script keeps the
# demo recipe only), this stop's 3207/3208 and their twins included once written; no fine-tune.
cd /work/wt/h15 || exit 1
O=benchmarks/data/text_s66_h15
FILES=$(grep -rl '"minilm"' benchmarks/data --include=*.json | xargs grep -l clean_accuracy | sort)
PYTHONPATH=src:benchmarks /work/main/.venv/bin/python benchmarks/minilm_clean_spread.py $FILES --json $O/clean_spread.json > $O/clean_spread.txt
