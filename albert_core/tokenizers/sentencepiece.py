"""The ALBERT tokenizer on the ``sentencepiece`` library (the reference behaviour)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import DEFAULT_MODEL_MAX_LENGTH, AlbertTokenizerBase, EncodedText
from .files import (
    VOCAB_FILE_NAME,
    check_model_path,
    load_sentencepiece,
    locate,
    options_from_directory,
    resolve_hub_id,
)
from .special_tokens import SpecialToken
from .text import (
    is_digit_comma_piece,
    lower_per_character,
    preprocess_text,
    split_digit_comma_pieces,
)


class AlbertTokenizer(AlbertTokenizerBase):
    """ALBERT tokenizer on the ``sentencepiece`` library (the reference behaviour).

    ``vocab_file`` is the path of an ALBERT ``spiece.model``.  The text is normalised like the
    original ALBERT code (``remove_space``: strip and collapse whitespace; ````` `` ````` and
    ``''`` become ``"``; NFKD accent stripping unless ``keep_accents``; lowercasing when
    ``do_lower_case``), cut by sentencepiece, and pieces such as ``"▁9,"`` are split into
    ``"▁9"`` and ``","``.  Special tokens that appear in the text are kept whole.
    """

    def __init__(
        self,
        vocab_file: str | os.PathLike[str],
        do_lower_case: bool = True,
        remove_space: bool = True,
        keep_accents: bool = False,
        bos_token: str | SpecialToken = "[CLS]",
        eos_token: str | SpecialToken = "[SEP]",
        unk_token: str | SpecialToken = "<unk>",
        sep_token: str | SpecialToken = "[SEP]",
        pad_token: str | SpecialToken = "<pad>",
        cls_token: str | SpecialToken = "[CLS]",
        mask_token: str | SpecialToken = "[MASK]",
        model_max_length: int | None = DEFAULT_MODEL_MAX_LENGTH,
        padding_side: str = "right",
        truncation_side: str = "right",
        clean_up_tokenization_spaces: bool = False,
        sp_model_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        """Load ``vocab_file`` (a sentencepiece model) and set the options."""
        self.vocab_file = str(check_model_path(vocab_file, "vocab_file"))
        self._model_bytes = Path(self.vocab_file).read_bytes()
        self.sp_model_kwargs = dict(sp_model_kwargs or {})
        self._load_processor()
        sp = self.sp_model
        size = sp.get_piece_size()
        self._setup(
            [sp.id_to_piece(index) for index in range(size)],
            control_ids=[index for index in range(size) if sp.is_control(index)],
            user_defined_ids=[index for index in range(size) if _is_user_defined(sp, index)],
            unk_id=sp.unk_id(),
            unk_surface=sp.decode([sp.unk_id()]),
            do_lower_case=do_lower_case,
            remove_space=remove_space,
            keep_accents=keep_accents,
            special_tokens={
                "bos_token": bos_token,
                "eos_token": eos_token,
                "unk_token": unk_token,
                "sep_token": sep_token,
                "pad_token": pad_token,
                "cls_token": cls_token,
                "mask_token": mask_token,
            },
            model_max_length=model_max_length,
            padding_side=padding_side,
            truncation_side=truncation_side,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
        )

    def _load_processor(self) -> None:
        self.sp_model = load_sentencepiece(self._model_bytes, self.vocab_file, self.sp_model_kwargs)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: the sentencepiece processor is rebuilt from the model bytes."""
        state = self.__dict__.copy()
        state.pop("sp_model", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled tokenizer."""
        self.__dict__.update(state)
        self._load_processor()

    @classmethod
    def from_pretrained(
        cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> AlbertTokenizer:
        """Load from a directory holding ``spiece.model`` (plus optional json configs).

        Reads directories written by :meth:`save_pretrained` and by transformers.  Keyword
        arguments override the saved options.  A path to a ``.model`` file is accepted too.
        """
        directory, model_file = locate(resolve_hub_id(pretrained_model_name_or_path, kwargs))
        if model_file is None:
            model_file = directory / VOCAB_FILE_NAME
            if not model_file.is_file():
                raise FileNotFoundError(
                    f"{directory} has no {VOCAB_FILE_NAME}; an ALBERT sentencepiece tokenizer "
                    "directory must contain it"
                )
        options = options_from_directory(directory, kwargs)
        tokenizer = cls(model_file, **options)
        tokenizer.name_or_path = str(pretrained_model_name_or_path)
        return tokenizer

    def preprocess_text(self, inputs: str) -> str:
        """Normalise text the way ALBERT does before sentencepiece sees it."""
        return preprocess_text(
            inputs,
            do_lower_case=self.do_lower_case,
            remove_space=self.remove_space,
            keep_accents=self.keep_accents,
        )

    def _tokenize(self, text: str) -> list[str]:
        """Cut a text without special tokens into pieces (normalisation + digit-comma rule)."""
        pieces = self.sp_model.encode(self.preprocess_text(text), out_type=str)
        if any(is_digit_comma_piece(piece) for piece in pieces):
            pieces = split_digit_comma_pieces(
                pieces, lambda text: self.sp_model.encode(text, out_type=str)
            )
        return pieces

    def _encode_chunks(self, chunks: list[str], with_offsets: bool) -> list[EncodedText]:
        results = []
        for chunk in chunks:
            if self.do_lower_case:
                chunk = lower_per_character(chunk)
            tokens = self._tokenize(chunk)
            ids = [self._piece_to_id.get(token, self._unk_id) for token in tokens]
            results.append(EncodedText(ids, tokens, None))
        return results

    def _model_files(self) -> dict[str, bytes]:
        return {VOCAB_FILE_NAME: self._model_bytes}


def _is_user_defined(sp: Any, index: int) -> bool:
    """Whether piece ``index`` is a user-defined symbol (``sentencepiece`` gives them score 0)."""
    return sp.get_score(index) == 0.0 and not (
        sp.is_control(index) or sp.is_unknown(index) or sp.is_unused(index)
    )
