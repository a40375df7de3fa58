"""Static analysis of remote-code Python: names resolved through aliases and folded
constants, the common idioms of real modeling files left alone."""

from __future__ import annotations

import pytest

from trojanscope.scan.pycode import analyse_source

BENIGN = '''
import math
import os
import re
import json
import warnings
import importlib.util
from typing import Optional
import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.utils import logging
from .configuration_x import XConfig

logger = logging.get_logger(__name__)
_FLASH = importlib.util.find_spec("flash_attn") is not None
_PAT = re.compile(r"layer\\.(\\d+)")


class XModel(PreTrainedModel):
    config_class = XConfig

    def __init__(self, config):
        super().__init__(config)
        self.act = getattr(nn.functional, config.hidden_act)
        self.dtype_ = getattr(torch, config.torch_dtype)
        self.proj = nn.Linear(config.hidden_size, config.hidden_size)
        path = os.path.join(config.name_or_path, "extra.json")
        if os.path.exists(path):
            with open(path) as fh:
                self.extra = json.load(fh)
        warnings.warn("x")

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None):
        self.eval()
        y = torch.compile(self.proj)(x) / math.sqrt(x.shape[-1])
        return y
'''


def names(source: str) -> set[tuple[str, str]]:
    return {(h.rule, h.name) for h in analyse_source(source).hits}


def test_common_modeling_idioms_are_not_flagged():
    report = analyse_source(BENIGN)
    assert report.hits == []
    assert "torch" in report.imports and ".configuration_x" in report.relative_imports
    assert report.classes == ["XModel"]
    assert not report.model_code_only  # os, re, json, importlib.util: more than model code


@pytest.mark.parametrize("source, expected", [
    ("import os as o\no.system('x')", ("TS411", "os.system")),
    ("from os import system as s\nf = s\nf('x')", ("TS411", "os.system")),
    ("import subprocess\nsubprocess.run(['x'])", ("TS411", "subprocess.run")),
    ("getattr(__import__('o' + 's'), 'metsys'[::-1])('x')", ("TS411", "os.system")),
    ("import importlib\nimportlib.import_module(''.join(['o', 's'])).popen('x')",
     ("TS411", "os.popen")),
    ("eval(chr(49))", ("TS410", "builtins.eval")),
    ("import base64\nc = base64.b64decode('eA==')\nexec(c)", ("TS415", "builtins.exec")),
    ("import os\nk = os.environ['HF_TOKEN']", ("TS414", "os.environ")),
    ("import os\nos.environ['X'] = '1'", ("TS414", "os.environ")),
    ("import torch\ntorch.load('x.pt')", ("TS416", "torch.load")),
    ("import numpy as np\nnp.load('x.npy', allow_pickle=True)", ("TS416", "numpy.load")),
    ("import yaml\nyaml.load(open('c.yml'))", ("TS416", "yaml.load")),
    ("open('/etc/cron.d/x', 'w')", ("TS413", "open")),
    ("import shutil\nshutil.rmtree(p)", ("TS413", "shutil.rmtree")),
    ("import sys\nsys.path.insert(0, '/tmp')", ("TS418", "sys.path.insert")),
    ("__import__(name)", ("TS418", "builtins.__import__")),
    ("import os\ngetattr(os, n)('x')", ("TS415", "getattr(os, ...)")),
    ("import builtins\nbuiltins.print = None", ("TS415", "builtins")),
    ("from socket import *", ("TS412", "socket")),
    ("x = '" + "A" * 3000 + "'", ("TS415", "long-constant")),
    ("def f(:", ("TS417", "source")),
    ("from os import *\nsystem('id')", ("TS411", "os.system")),
    ("list(map(eval, ['1']))", ("TS410", "builtins.eval")),
    ("__builtins__['ex' + 'ec']('1')", ("TS410", "builtins.exec")),
    ("import os\nos.__dict__['system']('id')", ("TS411", "os.system")),
    ("import importlib.util as u\nu.spec_from_file_location('m', '/tmp/m.py')",
     ("TS418", "importlib.util.spec_from_file_location")),
    ("import torch\ntorch.ops.load_library('/tmp/x.so')", ("TS410", "torch.ops.load_library")),
    ("import os\nsetattr(os, 'getcwd', f)", ("TS415", "setattr(os, ...)")),
])
def test_dangerous_uses_are_found(source, expected):
    assert expected in names(source)


def test_writes_are_rated_by_where_they_go():
    hits = {h.detail: h.severity for h in analyse_source(
        "open('cache.txt', 'w')\nopen(path, 'wb')\nopen('../x', 'a')\n").hits}
    assert sorted(hits.values(), key=str) == sorted(["low", "medium", None], key=str)


def test_file_changes_are_high_only_outside_the_folder():
    hits = analyse_source("import shutil\nshutil.copyfile(src, dst)\nshutil.rmtree('/home')\n"
                          "vars(self)\n").hits
    assert [(h.name, h.severity) for h in hits] == [("shutil.copyfile", "medium"),
                                                    ("shutil.rmtree", None)]


def test_torch_load_with_weights_only_is_fine():
    assert names("import torch\ntorch.load('x.pt', weights_only=True)") == set()
