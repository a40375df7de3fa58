#!/bin/bash
# Issue 9, stop 61 (h9m): stop 60's post.sh on seed S into this folder (score with the plan's
# rule, runs and truth gzipped, logs, terms of each miss), then seeds 9600 + 9601 + S pooled
# (all never fitted to) from the stored files.   bash benchmarks/data/fourth_s61/post.sh S
cd "$(dirname "$0")/../../.."
RUN=${RUN:-/tmp/h9ms61/run} \
EARLIER="benchmarks/data/fourth_s59:9600 benchmarks/data/fourth_s60:9601" \
    bash benchmarks/data/fourth_s60/post.sh "$1" benchmarks/data/fourth_s61
