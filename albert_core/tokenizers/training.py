"""Train an ALBERT sentencepiece vocabulary (``albert train-tokenizer``).

The result follows the conventions of the released ALBERT ``spiece.model``: a unigram model
with the ``nmt_nfkc`` normaliser, ``<pad>`` = 0 and ``<unk>`` = 1, then the control symbols
``[CLS]``, ``[SEP]``, ``[MASK]`` (ids 2, 3, 4), the same user-defined symbols (``(``, ``)``,
``"``, ``-``, ``.``, ``–``, ``£``, ``€``, each always a piece of its own), no ``<s>``/``</s>``,
pieces of at most 16 characters. The training text is first normalised exactly as
:class:`~albert_core.tokenizers.sentencepiece.AlbertTokenizer` normalises its input
(lower-casing, accent stripping, quote and whitespace rules), so the vocabulary is learnt on
what the tokenizer will see. The output directory is loadable by both ``AlbertTokenizer`` and
``AlbertTokenizerFast`` (``spiece.model``, ``tokenizer.json`` and the json configs).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from albert_core.io_utils import atomic_write_bytes
from albert_core.tokenizers.files import VOCAB_FILE_NAME
from albert_core.tokenizers.text import preprocess_text
from albert_core.training.corpus import open_binary

#: Control symbols of ALBERT's vocabulary, in id order after ``<pad>`` and ``<unk>``.
CONTROL_SYMBOLS: tuple[str, ...] = ("[CLS]", "[SEP]", "[MASK]")
#: User-defined symbols of the released ALBERT vocabulary (always single pieces).
USER_DEFINED_SYMBOLS: tuple[str, ...] = ("(", ")", '"', "-", ".", "–", "£", "€")


def normalized_lines(
    paths: Iterable[str | os.PathLike[str]],
    *,
    do_lower_case: bool = True,
    keep_accents: bool = False,
    max_sentence_length: int = 4192,
) -> Iterator[str]:
    """Stream the non-empty lines of text files, normalised like the ALBERT tokenizer input.

    Lines longer than ``max_sentence_length`` bytes are cut at a space (sentencepiece
    would skip them otherwise).
    """
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(f"input file {path} does not exist")
        with open_binary(path) as handle:
            for raw in handle:
                line = raw.decode("utf-8", errors="replace").strip()
                if not line:
                    continue
                line = preprocess_text(line, do_lower_case=do_lower_case, remove_space=True,
                                       keep_accents=keep_accents)
                while len(line.encode("utf-8")) > max_sentence_length:
                    cut = line.rfind(" ", 0, max_sentence_length // 4)
                    cut = cut if cut > 0 else max_sentence_length // 4
                    yield line[:cut]
                    line = line[cut:].strip()
                if line:
                    yield line


def train_tokenizer(
    inputs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    vocab_size: int = 30000,
    *,
    do_lower_case: bool = True,
    keep_accents: bool = False,
    character_coverage: float = 0.99995,
    input_sentence_size: int = 10_000_000,
    user_defined_symbols: Sequence[str] = USER_DEFINED_SYMBOLS,
    seed: int = 0,
    num_threads: int | None = None,
    model_max_length: int = 512,
    **trainer_options: Any,
) -> Path:
    """Train a sentencepiece unigram vocabulary with ALBERT's conventions; return ``out_dir``.

    Args:
        inputs: text files (``.gz`` too), one sentence or paragraph per line.
        out_dir: where ``spiece.model``, ``tokenizer.json``, ``tokenizer_config.json`` and
            ``special_tokens_map.json`` are written (created if needed).
        vocab_size: number of pieces, the five special ones included.
        do_lower_case, keep_accents: the tokenizer options (applied to the training text
            and saved in ``tokenizer_config.json``).
        character_coverage: share of characters the vocabulary must cover.
        input_sentence_size: lines sampled for training at most (sentencepiece's option).
        user_defined_symbols: strings that are always single pieces.
        seed: seed of sentencepiece's sampling.
        num_threads: training threads (default: the CPU count).
        model_max_length: the tokenizer's maximum length.
        **trainer_options: other ``SentencePieceTrainer`` options (``max_sentencepiece_length``,
            ``hard_vocab_limit``, ...).
    """
    import sentencepiece as spm

    from albert_core.tokenizers.fast import AlbertTokenizerFast

    special = 2 + len(CONTROL_SYMBOLS) + len(user_defined_symbols)
    if vocab_size <= special:
        raise ValueError(f"vocab_size must exceed the {special} special and user-defined pieces")
    paths = [Path(p) for p in inputs]
    if not paths:
        raise ValueError("no input files")
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"input file {path} does not exist")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = io.BytesIO()
    options: dict[str, Any] = {
        "model_type": "unigram",
        "vocab_size": vocab_size,
        "character_coverage": character_coverage,
        "input_sentence_size": input_sentence_size,
        "shuffle_input_sentence": True,
        "max_sentencepiece_length": 16,
        "max_sentence_length": 4192,
        "split_by_unicode_script": True,
        "split_by_whitespace": True,
        "split_by_number": True,
        "normalization_rule_name": "nmt_nfkc",
        "pad_id": 0,
        "unk_id": 1,
        "bos_id": -1,
        "eos_id": -1,
        "pad_piece": "<pad>",
        "unk_piece": "<unk>",
        "control_symbols": list(CONTROL_SYMBOLS),
        "user_defined_symbols": list(user_defined_symbols),
        "hard_vocab_limit": True,
        "num_threads": num_threads or os.cpu_count() or 1,
        "minloglevel": 2,
        **trainer_options,
    }
    spm.set_random_generator_seed(seed)
    lines = normalized_lines(paths, do_lower_case=do_lower_case, keep_accents=keep_accents)
    try:
        spm.SentencePieceTrainer.train(sentence_iterator=lines, model_writer=model, **options)
    except RuntimeError as err:  # e.g. "Vocabulary size too high (N). Please set it to <= M"
        raise ValueError(f"sentencepiece could not train the vocabulary: {err}") from err
    model_path = out / VOCAB_FILE_NAME
    atomic_write_bytes(model_path, model.getvalue(), overwrite=True)
    tokenizer = AlbertTokenizerFast(
        vocab_file=str(model_path),
        do_lower_case=do_lower_case,
        keep_accents=keep_accents,
        model_max_length=model_max_length,
    )
    tokenizer.save_pretrained(out)
    return out


__all__ = ["CONTROL_SYMBOLS", "USER_DEFINED_SYMBOLS", "normalized_lines", "train_tokenizer"]
