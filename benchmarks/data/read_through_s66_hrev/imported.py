"""Run trojanscope as `python -m trojanscope ARGS` and print, on exit, whether torch and onnx
were imported (the early refusals must not import them)."""

import atexit
import runpy
import sys

atexit.register(lambda: print("torch" in sys.modules, "onnx" in sys.modules, file=sys.stderr))
sys.argv = ["trojanscope", *sys.argv[1:]]
runpy.run_module("trojanscope", run_name="__main__")
