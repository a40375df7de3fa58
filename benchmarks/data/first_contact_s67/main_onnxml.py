"""What main's loader says of each skl2onnx file (stop 67, hcmd): one line each."""
import sys
from pathlib import Path

from trojanscope.errors import UserInputError
from trojanscope.io.onnx_import import load_onnx

for line in Path(sys.argv[1]).read_text().split():
    try:
        load_onnx(line)
        print(f"{line} | read")
    except UserInputError as exc:
        print(f"{line} | {str(exc)[len(line) + 2:][:90]}")
