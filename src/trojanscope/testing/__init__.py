"""Test material for scanners and gates, public so that users can check their own pipelines:

- :mod:`trojanscope.testing.scan_corpus`: malicious and benign model files (every payload an
  inert marker command), ``malicious_samples()`` / ``benign_samples()`` and ``write_corpus``;
- :mod:`trojanscope.testing.evasion_corpus`: files built to slip past scanners (dotted names,
  format sniffing, parser differences…), with a loader script that proves each payload runs.

Nothing here is imported by the library itself.
"""
