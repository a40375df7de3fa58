"""The guarded inference service behind ``trojanscope serve``: a thin FastAPI layer
(:mod:`trojanscope.serve.app`) over a framework-free core (:mod:`trojanscope.serve.service`)
that validates requests, predicts, runs the input-level guard and records incidents.

Needs the optional extra ``trojanscope[serve]`` (FastAPI, uvicorn, prometheus-client) for the
HTTP layer only; the core and its tests need none of them.
"""
