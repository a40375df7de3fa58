"""The operators ordinary TorchScript archives call: the allow-list the loader's check ships.

Scripts and traces a wide set of ``torch.nn`` layers and a few functional blocks, reads every
TorchScript archive under the folders given (zoos made by our code and by other training
loops), and collects the names called as ``torch.<op>`` / ``ops.<ns>.<op>`` and the method names
called on values that the archive does not define itself. Names matching the check's denied
patterns are left out. Writes ``src/trojanscope/scan/torchscript_ops.json``.

    python benchmarks/torchscript_op_survey.py --scratch /tmp/opsurvey /tmp/h9 /tmp/h14 ...
"""

from __future__ import annotations

import argparse
import ast
import json
import zipfile
from collections import Counter
from pathlib import Path

import torch
from torch import nn

from trojanscope.scan.torchscript_code import _operator, denied, is_code_member

OUT = Path(__file__).resolve().parents[1] / "src/trojanscope/scan/torchscript_ops.json"


class Kitchen(nn.Module):
    """Common functional operations between layers."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([x, x], 1).reshape(x.shape[0], -1).view(x.shape[0], 2, -1)
        y = y.permute(0, 2, 1).transpose(1, 2).contiguous().flatten(1)
        z = torch.softmax(y, -1) + torch.log_softmax(y, -1).exp() + y.clamp(-1, 1)
        z = torch.where(z > 0, z, z * 0.1) + torch.stack([z, z]).mean(0)
        z = z.unsqueeze(1).squeeze(1) + z.sum(-1, keepdim=True) / z.norm(dim=-1, keepdim=True)
        z = z @ z.t() if z.dim() == 2 else z
        a, _ = z.max(-1)
        b = z.argmax(-1).float() + z.abs().sqrt().pow(2).mean(-1) + z.std(-1) + a
        c = torch.nn.functional.pad(z, [1, 1]).narrow(-1, 0, z.shape[-1])
        c = c[:, ::2].repeat(1, 2)[:, : z.shape[-1]] + torch.einsum("ij,ij->ij", z, z)
        c = torch.nn.functional.normalize(c, dim=-1) + torch.sigmoid(c) * torch.tanh(c)
        d = torch.roll(c, 1, -1).flip(-1).cumsum(-1) + c.topk(1, -1)[0] + c.sort(-1)[0]
        d = d + c.gather(-1, c.argsort(-1)) + c.index_select(-1, torch.arange(c.shape[-1]))
        d = d.masked_fill(d > 1e6, 0.0) + torch.cat(d.chunk(2, -1), -1) + d.clone().detach()
        d = d + torch.ones_like(d) * torch.zeros_like(d).float().type_as(d).to(torch.float32)
        e = torch.nn.functional.interpolate(d.unsqueeze(1), scale_factor=2.0).mean((1, 2))
        e = e + torch.full_like(e, 0.5) - torch.linspace(0, 1, e.shape[0]) + d.var(-1)
        e = e + d.expand(2, -1).amax(-1) + d.min(-1)[0] + d.prod(-1)
        e = e + d.log1p().nan_to_num().mean(-1)
        return c.mean(-1) + b + torch.bmm(z.unsqueeze(1), z.unsqueeze(2)).flatten() + e


class Common(nn.Module):
    """Operations scripted models often hold (review, stop 35: refused by the first list)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.nn.functional.normalize(x, dim=-1) + x.new_zeros(x.shape)
        z = torch.ones(x.shape) + torch.randn(x.shape) * 0.0 + torch.rand_like(x) * 0.0
        g = torch.nn.functional.grid_sample(x.view(1, 1, 4, 4), torch.zeros(1, 2, 2, 2),
                                            align_corners=False)
        return y + z + torch.cdist(x, x).sum() + g.sum() + torch.zeros_like(x).clamp_min_(0.0)


def layers() -> dict[str, tuple[nn.Module, torch.Tensor]]:
    img = torch.randn(2, 3, 16, 16)
    seq = torch.randn(2, 5, 8)
    vec = torch.randn(2, 8)
    out: dict[str, tuple[nn.Module, torch.Tensor]] = {
        "conv": (nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                               nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, groups=2, dilation=2),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)), img),
        "convt": (nn.Sequential(nn.ConvTranspose2d(3, 2, 2, stride=2), nn.GroupNorm(1, 2),
                                nn.Upsample(scale_factor=0.5, mode="bilinear"),
                                nn.PixelShuffle(2), nn.InstanceNorm2d(1), nn.AvgPool2d(2),
                                nn.ReflectionPad2d(1), nn.ReplicationPad2d(1), nn.ZeroPad2d(1),
                                nn.LPPool2d(2, 2), nn.AdaptiveMaxPool2d(2), nn.Dropout2d()),
                  img),
        "conv1d3d": (nn.Sequential(nn.Conv1d(5, 4, 3), nn.BatchNorm1d(4), nn.MaxPool1d(2),
                                   nn.AvgPool1d(1), nn.AdaptiveAvgPool1d(1)), seq),
        "conv3d": (nn.Sequential(nn.Conv3d(1, 2, 3, padding=1), nn.BatchNorm3d(2),
                                 nn.MaxPool3d(2), nn.AvgPool3d(1)), torch.randn(1, 1, 4, 4, 4)),
        "rnn": (nn.LSTM(8, 8, batch_first=True, bidirectional=True), seq),
        "gru": (nn.GRU(8, 8, num_layers=2, batch_first=True), seq),
        "plainrnn": (nn.RNN(8, 8, batch_first=True), seq),
        "encoder": (nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True,
                                                                     norm_first=True), 2), seq),
        "decoder": (nn.TransformerDecoderLayer(8, 2, 16, batch_first=True), seq),
        "mha": (nn.MultiheadAttention(8, 2, batch_first=True), seq),
        "norms": (nn.Sequential(nn.LayerNorm(8), nn.Linear(8, 8), nn.Dropout(), nn.AlphaDropout(),
                                nn.Identity(), nn.Unflatten(1, (2, 4)), nn.Flatten()), vec),
        "bag": (nn.EmbeddingBag(10, 4, mode="mean"), torch.randint(0, 10, (2, 5))),
        "emb": (nn.Sequential(nn.Embedding(10, 4, padding_idx=0)), torch.randint(0, 10, (2, 5))),
        "kitchen": (Kitchen(), vec),
        "common": (Common(), vec),
    }
    acts = [nn.ReLU(), nn.LeakyReLU(), nn.PReLU(), nn.ELU(), nn.SELU(), nn.GELU(), nn.SiLU(),
            nn.Mish(), nn.Tanh(), nn.Sigmoid(), nn.Softmax(-1), nn.LogSoftmax(-1),
            nn.Hardswish(), nn.Hardsigmoid(), nn.Softplus(), nn.Softsign(), nn.Tanhshrink(),
            nn.Threshold(0.1, 0.0), nn.ReLU6(), nn.CELU(), nn.Hardtanh(), nn.LogSigmoid(),
            nn.Softmin(-1), nn.Hardshrink(), nn.Softshrink(), nn.GLU()]
    out["acts"] = (nn.Sequential(*acts[:-1]), vec)
    out.update(quantized(vec, seq, img))
    out["glu"] = (nn.Sequential(nn.Linear(8, 8), acts[-1]), vec)
    return out


def quantized(vec: torch.Tensor, seq: torch.Tensor, img: torch.Tensor
              ) -> dict[str, tuple[nn.Module, torch.Tensor]]:
    """Dynamically quantized linear and recurrent layers, and a statically quantized CNN."""
    q = torch.ao.quantization
    mlp = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    out: dict[str, tuple[nn.Module, torch.Tensor]] = {
        "q-int8": (q.quantize_dynamic(mlp, {nn.Linear}, dtype=torch.qint8), vec),
        "q-fp16": (q.quantize_dynamic(mlp, {nn.Linear}, dtype=torch.float16), vec),
        "q-lstm": (q.quantize_dynamic(nn.LSTM(8, 8, batch_first=True), {nn.LSTM},
                                      dtype=torch.qint8), seq),
    }
    cnn = nn.Sequential(q.QuantStub(), nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(196, 3), q.DeQuantStub()).eval()
    cnn.qconfig = q.get_default_qconfig("fbgemm")
    prepared = q.prepare(cnn)
    prepared(img)
    out["q-static"] = (q.convert(prepared), img)
    return out


def calls(source: str) -> tuple[set[str], set[str], set[str]]:
    """(torch/ops operator names, method names called, methods the code defines)."""
    tree = ast.parse(source)
    ops: set[str] = set()
    methods: set[str] = set()
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            parts: list[str] = []
            f: ast.AST = node.func
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            root = f.id if isinstance(f, ast.Name) else ""
            parts = parts[::-1]
            if root in ("torch", "ops"):
                ops.add(_operator([root, *parts]))
            else:
                methods.add(parts[-1])
    return ops, methods, defined


def archive_calls(path: Path) -> tuple[set[str], set[str]]:
    ops: set[str] = set()
    methods: set[str] = set()
    defined: set[str] = set()
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if is_code_member(name):
                o, m, d = calls(zf.read(name).decode())
                ops |= o
                methods |= m
                defined |= d
    return ops, methods - defined


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--scratch", type=Path, required=True)
    ap.add_argument("--write", action="store_true", help="write the shipped allow-list")
    args = ap.parse_args()
    torch.manual_seed(0)
    args.scratch.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name, (module, x) in layers().items():
        module = module.eval()
        for how in ("script", "trace"):
            path = args.scratch / f"{name}-{how}.pt"
            try:
                built = (torch.jit.script(module) if how == "script" else
                         torch.jit.trace(module, x, check_trace=False))
            except Exception as exc:  # a layer one of the two cannot compile: reported
                print(f"{name} {how}: not built ({type(exc).__name__})")
                continue
            built.save(str(path))
            paths.append(path)
    for folder in args.folders:
        for p in sorted(folder.rglob("*.pt")):
            try:
                with zipfile.ZipFile(p) as zf:
                    if any(is_code_member(n) for n in zf.namelist()):
                        paths.append(p)
            except (zipfile.BadZipFile, OSError):
                continue
    op_count: Counter[str] = Counter()
    method_count: Counter[str] = Counter()
    for p in paths:
        ops, methods = archive_calls(p)
        op_count.update(ops)
        method_count.update(methods)
    names = sorted(n for n in op_count if not denied(n.rsplit(".", 1)[-1]))
    left = sorted(n for n in op_count if denied(n.rsplit(".", 1)[-1]))
    methods = sorted(m for m in method_count if not denied(m))
    summary = {"archives": len(paths), "operators": names, "methods": methods,
               "left_out_as_denied": left}
    print(json.dumps({k: (v if k == "archives" else len(v)) for k, v in summary.items()}))
    print("left out:", left, "methods:", methods)
    if args.write:
        OUT.write_text(json.dumps({"_made_by": "benchmarks/torchscript_op_survey.py",
                                   "archives": len(paths), "operators": names,
                                   "methods": methods}, indent=0) + "\n")


if __name__ == "__main__":
    main()
