"""Certificates: provable statements about what an attacker can and cannot do.

- :mod:`~trojanscope.certify.partition` — DPA: per test input, how many poisoned training
  samples it provably tolerates.
- :mod:`~trojanscope.certify.patch` — PatchCleanser-style double masking: no patch of a given
  size anywhere changes the prediction.
- :mod:`~trojanscope.certify.bounds` and :mod:`~trojanscope.certify.verify` — interval bound
  propagation and a complete (branch-and-bound) check that no additive trigger of L-inf size
  <= eps inside a region flips an input.
"""
