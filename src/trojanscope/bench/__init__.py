"""The benchmark grid: attacks x defences x seeds, one executor task per cell, a leaderboard.

:mod:`~trojanscope.bench.cell` runs one cell, :mod:`~trojanscope.bench.grid` the grid
(resumable: each cell's result is a file written as it finishes), and
:mod:`~trojanscope.bench.leaderboard` aggregates the cells (mean and standard deviation over
seeds, DER as BackdoorBench defines it) into CSV, JSON and a self-contained HTML page.
"""
