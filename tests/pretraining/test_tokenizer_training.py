"""``train_tokenizer``: ALBERT's conventions, usable by both tokenizers."""

from __future__ import annotations

from pathlib import Path

import pytest
from pretraining_testutils import VOCAB_SIZE

from albert_core.tokenizers import AlbertTokenizer, AlbertTokenizerFast, train_tokenizer

TEXTS = [
    "The small cat sees the old dog near the lake.",
    "THE GOLDEN CASTLE (by the river) - \"quiet\" . Café naïve!",
    "the [MASK] dog helps the farmer.",
    "an unseen word: zyxwv 42",
]


def test_vocabulary_follows_albert_conventions(tokenizer_dir: Path) -> None:
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto.FromString((tokenizer_dir / "spiece.model").read_bytes())
    pieces = [(p.piece, p.type) for p in proto.pieces]
    control, unknown, user = (pb.ModelProto.SentencePiece.CONTROL,
                              pb.ModelProto.SentencePiece.UNKNOWN,
                              pb.ModelProto.SentencePiece.USER_DEFINED)
    assert pieces[:5] == [("<pad>", control), ("<unk>", unknown), ("[CLS]", control),
                          ("[SEP]", control), ("[MASK]", control)]
    assert [p for p, t in pieces if t == user] == ["(", ")", '"', "-", ".", "–", "£", "€"]
    assert len(pieces) == VOCAB_SIZE
    spec = proto.trainer_spec
    assert spec.model_type == pb.TrainerSpec.UNIGRAM and spec.bos_id == -1 and spec.eos_id == -1
    assert proto.normalizer_spec.name == "nmt_nfkc"
    assert sorted(p.name for p in tokenizer_dir.iterdir()) == [
        "special_tokens_map.json", "spiece.model", "tokenizer.json", "tokenizer_config.json"]


def test_both_tokenizers_load_it_and_agree(tokenizer_dir: Path) -> None:
    slow = AlbertTokenizer.from_pretrained(tokenizer_dir)
    fast = AlbertTokenizerFast.from_pretrained(tokenizer_dir)
    from_json = AlbertTokenizerFast(tokenizer_file=str(tokenizer_dir / "tokenizer.json"))
    assert (slow.pad_token_id, slow.unk_token_id, slow.cls_token_id, slow.sep_token_id,
            slow.mask_token_id) == (0, 1, 2, 3, 4)
    for text in TEXTS:
        expected = slow(text)["input_ids"]
        assert fast(text)["input_ids"] == expected
        assert from_json(text)["input_ids"] == expected
        assert expected[0] == 2 and expected[-1] == 3
    masked = slow(TEXTS[2])["input_ids"]
    assert masked.count(4) == 1  # [MASK] is one token
    assert slow.tokenize("THE CAT") == slow.tokenize("the cat")  # lower-cased
    assert "▁the" in slow.get_vocab() or "the" in slow.get_vocab()


def test_cased_training_and_errors(corpus: Path, tmp_path: Path) -> None:
    out = train_tokenizer([corpus], tmp_path / "cased", 100, do_lower_case=False,
                          num_threads=1)
    cased = AlbertTokenizer.from_pretrained(out)
    assert cased.do_lower_case is False
    assert cased.tokenize("The") != cased.tokenize("the")
    with pytest.raises(ValueError, match="Vocabulary size too high"):
        train_tokenizer([corpus], tmp_path / "big", 5000, num_threads=1)
    with pytest.raises(FileNotFoundError):
        train_tokenizer([tmp_path / "missing.txt"], tmp_path / "x", 100)
    with pytest.raises(ValueError, match="exceed"):
        train_tokenizer([corpus], tmp_path / "x", 10)
