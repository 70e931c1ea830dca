"""The pre-training data pipeline: reading, pairs, shards, masking statistics, batches, resume."""

from __future__ import annotations

import gzip
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from pretraining_testutils import MAX_SEQ_LENGTH

from albert_core.modeling_utils import IGNORE_INDEX
from albert_core.training import (
    DataConfig,
    PretrainingData,
    VocabInfo,
    create_segment_pairs,
    dataset_statistics,
    is_word_start_piece,
    mask_example,
    ngram_weights,
    prepare_pretraining_data,
    read_documents,
    read_meta,
    sample_ngram_length,
    split_sentences,
    whole_words,
)


# ============================================================================== reading
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? four", ["One.", "Two!", "Three? four"]),
        ("Mr. Smith met Dr. Jones. They left.", ["Mr. Smith met Dr. Jones.", "They left."]),
        ("J. R. R. Tolkien wrote it. \"Really?\" she asked.",
         ["J. R. R. Tolkien wrote it.", "\"Really?\" she asked."]),
        ("It costs 3.5 dollars, e.g. Tuesday. Then 1990 came.",
         ["It costs 3.5 dollars, e.g. Tuesday.", "Then 1990 came."]),
        ("  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_read_documents_streams_blank_line_separated_documents(tmp_path: Path) -> None:
    plain = tmp_path / "a.txt"
    plain.write_text("First one. Second one.\nThird.\n\n\nOther doc.\n", encoding="utf-8")
    packed = tmp_path / "b.txt.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write("Zipped doc.\n")

    class Bar:
        n = 0

        def update(self, count: int) -> None:
            self.n += count

    bar = Bar()
    docs = list(read_documents([plain, packed], bar))
    assert docs == [["First one.", "Second one.", "Third."], ["Other doc."], ["Zipped doc."]]
    assert bar.n == plain.stat().st_size + len("Zipped doc.\n")
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        list(read_documents([tmp_path / "missing.txt"]))


@pytest.mark.parametrize(
    ("piece", "start"),
    [("▁the", True), ("ing", False), ("▁", True), (".", True), ("9", True), ("'s", False),
     ("é", True), ("<unk>", True), ("xyz", False)],
)
def test_word_start_rule(piece: str, start: bool) -> None:
    assert is_word_start_piece(piece) is start


# ======================================================================== segment pairs
def _vocab(size: int = 50, starts: set[int] | None = None) -> VocabInfo:
    """Ids 0-3 special (pad, cls, sep, mask); words start at ``starts`` (default: all)."""
    word_start = np.ones(size, bool) if starts is None else np.isin(np.arange(size), list(starts))
    return VocabInfo(size, 0, 1, 2, 3, word_start, np.arange(4, size, dtype=np.int32))


def test_pairs_fill_the_length_and_swap_half_the_time() -> None:
    config = DataConfig(max_seq_length=32, short_seq_prob=0.0)
    rng = random.Random(0)
    document = [[10 + (i % 30)] * 5 for i in range(400)]  # 400 sentences of 5 tokens
    pairs = create_segment_pairs(document, config, rng, _vocab())
    lengths = [len(a) + len(b) for a, b, _ in pairs]
    assert all(n <= 29 for n in lengths) and all(a and b for a, b, _ in pairs)
    assert np.mean(lengths[:-1]) > 27  # chunks fill max_seq_length - 3 (then truncated)
    labels = [label for _, _, label in pairs]
    assert 0.35 < np.mean(labels) < 0.65

    short = create_segment_pairs(document, DataConfig(max_seq_length=32, short_seq_prob=1.0),
                                 random.Random(0), _vocab())
    short_lengths = [len(a) + len(b) for a, b, _ in short]
    assert min(short_lengths) < 15 and np.mean(short_lengths) < np.mean(lengths)


def test_pairs_keep_sentence_order_unless_swapped() -> None:
    config = DataConfig(max_seq_length=64, short_seq_prob=0.0)
    document = [[10 + i] * 3 for i in range(40)]  # sentence i is three copies of id 10 + i
    pairs = create_segment_pairs(document, config, random.Random(3), _vocab(60))
    assert pairs
    for a, b, label in pairs:
        assert a == sorted(a) and b == sorted(b)  # segments are runs of consecutive sentences
        assert (a[-1] < b[0]) == (label == 0)


def test_single_sentence_document_is_cut_at_a_word_boundary() -> None:
    vocab = _vocab(60, starts={10, 13, 16})
    pairs = create_segment_pairs([[10, 11, 12, 13, 14, 15, 16, 17]], DataConfig(),
                                 random.Random(1), vocab)
    (a, b, label), = pairs
    original = a + b if label == 0 else b + a
    assert original == [10, 11, 12, 13, 14, 15, 16, 17]
    second = b if label == 0 else a
    assert second[0] in (13, 16)
    assert create_segment_pairs([[10]], DataConfig(), random.Random(1), vocab) == []


# ============================================================================== masking
def test_ngram_length_distribution() -> None:
    rng = random.Random(0)
    cumulative = np.cumsum(ngram_weights(3)).tolist()
    draws = Counter(sample_ngram_length(rng, cumulative, 3) for _ in range(20000))
    expected = ngram_weights(3)  # 6/11, 3/11, 2/11
    for n in (1, 2, 3):
        assert draws[n] / 20000 == pytest.approx(expected[n - 1], abs=0.01)
    assert {sample_ngram_length(rng, cumulative, 1) for _ in range(100)} == {1}
    two = Counter(sample_ngram_length(rng, cumulative, 2) for _ in range(20000))
    assert two[1] / 20000 == pytest.approx(2 / 3, abs=0.01)


def test_masking_selects_whole_words_within_budget() -> None:
    vocab = _vocab(60, starts={1, 2, 10, 20, 30, 40, 50})
    config = DataConfig(max_seq_length=64)
    ids = np.zeros(64, np.int32)
    tokens = [1] + [10, 11, 12, 20, 21, 30, 40, 41, 42, 43, 50] * 3 + [2] + [20, 21] * 8 + [2]
    ids[: len(tokens)] = tokens
    length = len(tokens)
    runs = whole_words(ids, length, vocab)
    assert len(runs) == 2 and runs[0][0] == [1, 2, 3]  # [CLS] starts no word
    for seed in range(200):
        m = mask_example(ids, length, vocab, config, random.Random(seed))
        chosen = set(np.flatnonzero(m.labels != IGNORE_INDEX).tolist())
        assert 1 <= len(chosen) <= min(config.max_predictions, round(length * 0.15))
        for run in runs:
            for word in run:
                assert set(word) <= chosen or not set(word) & chosen  # whole words only
        assert np.all(m.labels[sorted(chosen)] == ids[sorted(chosen)])
        assert np.all(m.input_ids[[i for i in range(64) if i not in chosen]]
                      == ids[[i for i in range(64) if i not in chosen]])
        assert sorted(chosen) == m.positions[m.weights == 1].tolist()
        assert all(1 <= n <= 3 for n in m.ngrams)


def test_masking_statistics(data_dir: Path) -> None:
    data = PretrainingData(data_dir)
    stats = dataset_statistics(data, range(len(data)), epoch=0, seed=0)
    assert stats["masked_fraction"] == pytest.approx(0.15, abs=0.02)
    assert stats["mask_share"] == pytest.approx(0.8, abs=0.04)
    assert stats["keep_share"] == pytest.approx(0.1, abs=0.03)
    assert stats["random_share"] == pytest.approx(0.1, abs=0.03)
    assert stats["sop_swapped"] == pytest.approx(0.5, abs=0.08)


def test_masked_span_lengths_follow_one_over_n() -> None:
    """On a long run of one-piece words the chosen spans are 1, 2, 3 words with shares close
    to 6/11, 3/11, 2/11 (a little shorter: spans are shortened at the budget and overlapping
    ones skipped, as in ALBERT)."""
    vocab = _vocab(300)
    ids = np.array([1, *np.random.default_rng(0).integers(4, 300, 510), 2], np.int32)
    chosen: Counter[int] = Counter()
    for seed in range(200):
        chosen.update(mask_example(ids, 512, vocab, DataConfig(max_seq_length=512),
                                   random.Random(seed)).ngrams)
    total = sum(chosen.values())
    for n, expected in zip((1, 2, 3), ngram_weights(3), strict=True):
        assert chosen[n] / total == pytest.approx(expected, abs=0.04)


def test_masks_are_deterministic_per_seed_epoch_and_row(data_dir: Path) -> None:
    data = PretrainingData(data_dir)
    first = data.masked_example(5, epoch=0, seed=1)["masked"]
    again = data.masked_example(5, epoch=0, seed=1)["masked"]
    np.testing.assert_array_equal(first.input_ids, again.input_ids)
    other_epochs = [data.masked_example(5, epoch=e, seed=1)["masked"].labels for e in (1, 2, 3)]
    assert any(not np.array_equal(first.labels, labels) for labels in other_epochs)


# ================================================================================ shards
def test_prepared_data_is_deterministic(corpus: Path, tokenizer_dir: Path, data_dir: Path,
                                        data_config: DataConfig, tmp_path: Path) -> None:
    again = tmp_path / "again"
    prepare_pretraining_data([corpus], tokenizer_dir, again, data_config, progress=False)
    meta, meta_again = read_meta(data_dir), read_meta(again)
    assert meta["splits"] == meta_again["splits"]
    for name in meta["splits"]["train"]["shards"] + meta["splits"]["heldout"]["shards"]:
        with np.load(data_dir / name) as a, np.load(again / name) as b:
            for key in a.files:
                np.testing.assert_array_equal(a[key], b[key])
    other = tmp_path / "other"
    config = DataConfig(**{**data_config.to_dict(), "seed": 8})
    prepare_pretraining_data([corpus], tokenizer_dir, other, config, progress=False)
    assert read_meta(other)["splits"] != meta["splits"]
    with pytest.raises(FileExistsError):
        prepare_pretraining_data([corpus], tokenizer_dir, other, config, progress=False)


def test_examples_have_the_albert_layout(data_dir: Path) -> None:
    data = PretrainingData(data_dir)
    meta = read_meta(data_dir)
    assert len(data.shards) > 1 and len(data) == meta["splits"]["train"]["examples"]
    assert meta["documents"]["heldout"] > 0 and meta["documents"]["train"] > 0
    for row in range(0, len(data), 7):
        ex = data.example(row)
        ids, types, n = ex["input_ids"], ex["token_type_ids"], ex["length"]
        assert n <= MAX_SEQ_LENGTH and np.all(ids[n:] == data.vocab.pad_id)
        seps = np.flatnonzero(ids == data.vocab.sep_id)
        assert ids[0] == data.vocab.cls_id and len(seps) == 2 and seps[1] == n - 1
        assert np.all(types[: seps[0] + 1] == 0) and np.all(types[seps[0] + 1 : n] == 1)
        assert np.all(types[n:] == 0)
        assert ex["sentence_order_label"] in (0, 1)


# =============================================================================== batches
def test_epoch_order_is_a_permutation(data_dir: Path) -> None:
    data = PretrainingData(data_dir, cache_shards=3)
    for epoch in (0, 1):
        order = data.epoch_order(epoch, seed=4)
        assert sorted(order.tolist()) == list(range(len(data)))
    assert not np.array_equal(data.epoch_order(0, 4), data.epoch_order(1, 4))
    np.testing.assert_array_equal(data.epoch_order(0, 4, shuffle=False), np.arange(len(data)))


def test_batches_and_resume_of_the_data_position(data_dir: Path) -> None:
    data = PretrainingData(data_dir)
    batch_size = 48  # does not divide the split: batches cross epoch boundaries
    stream = data.batches(batch_size, seed=2)
    reference = [next(stream) for _ in range(3 * len(data) // batch_size)]
    first = reference[0]
    assert first["input_ids"].shape == (batch_size, MAX_SEQ_LENGTH)
    assert first["masked_lm_positions"].shape == (batch_size, data.config.max_predictions)
    assert first["masked_lm_weights"].dtype == np.float32
    assert first["input_ids"].dtype == np.int32
    rows = np.arange(batch_size)[:, None]
    picked = first["labels"][rows, first["masked_lm_positions"]]
    weight = first["masked_lm_weights"] == 1
    np.testing.assert_array_equal(picked[weight], first["masked_lm_ids"][weight])
    assert np.all((first["labels"] != IGNORE_INDEX).sum(1) == weight.sum(1))

    for cut in (1, len(reference) // 2, len(reference) - 1):
        resumed = data.batches(batch_size, seed=2)
        resumed.load_state_dict({"position": cut * batch_size, "seed": 2})
        for expected in reference[cut:]:
            got = next(resumed)
            for key in expected:
                np.testing.assert_array_equal(got[key], expected[key])
    with pytest.raises(ValueError, match="seed"):
        data.batches(batch_size, seed=3).load_state_dict({"position": 0, "seed": 2})
    assert np.array_equal(data.batches(batch_size, seed=2).batch(4)["input_ids"],
                          reference[4]["input_ids"])


def test_finite_iteration_and_held_out_split(data_dir: Path) -> None:
    heldout = PretrainingData(data_dir, "heldout")
    batches = list(heldout.batches(16, shuffle=False, drop_last=False, epochs=1))
    assert sum(len(b["input_ids"]) for b in batches) == len(heldout)
    assert len(list(heldout.batches(16, drop_last=True, epochs=1))) == len(heldout) // 16
    with pytest.raises(ValueError, match="fixed"):
        PretrainingData(data_dir, max_seq_length=64)
    assert PretrainingData(data_dir, masked_lm_prob=0.3).config.masked_lm_prob == 0.3
