"""Question answering data: SQuAD files read, contexts windowed into labelled rows, logits
turned back into answers and prediction files.

Fixture files (SQuAD v1.1 / v2.0 nested, flat JSON and JSON lines) are written into tmp_path;
windows and labels are checked by hand on a short context cut into tiny windows, and
post-processing runs on hand-made logits, so every expected answer is known.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from albert_core.pipelines import load_tokenizer
from albert_core.tasks.question_answering import (
    QAAnswer,
    QADataError,
    QAExample,
    postprocess_qa_predictions,
    prepare_qa_features,
    read_squad,
    squad_examples,
)
from albert_core.tokenizers.alignment import strip_word_spaces

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-fill-mask"
CONTEXT = "The capital of France is Paris, a big city on the Seine."
# Its 14 pieces: ▁the ▁capital ▁of ▁france ▁is ▁paris , ▁a ▁big ▁city ▁on ▁the ▁seine .
PIECES = 14
PARIS, SEINE, BIG_CITY = 25, 50, 34

V1 = {"version": "1.1", "data": [{"title": "France", "paragraphs": [{"context": CONTEXT, "qas": [
    {"id": "capital", "question": "Where?",
     "answers": [{"text": "Paris", "answer_start": PARIS},
                 {"text": "Paris,", "answer_start": PARIS}]},
    {"id": "river", "question": "Which river?",
     "answers": [{"text": "Seine", "answer_start": SEINE}]},
    {"id": "shifted", "question": "Where?", "answers": [{"text": "Paris", "answer_start": 3}]},
]}]}]}

V2 = {"version": "v2.0", "data": [{"title": "France", "paragraphs": [{"context": CONTEXT, "qas": [
    {"id": "capital", "question": "Where?", "is_impossible": False,
     "answers": [{"text": "Paris", "answer_start": PARIS},
                 {"text": "Lyon", "answer_start": PARIS}]},
    {"id": "king", "question": "Who is king?", "is_impossible": True, "answers": [],
     "plausible_answers": [{"text": "Paris", "answer_start": PARIS}]},
]}]}]}

FLAT = [
    {"id": "capital", "title": "France", "question": "Where?", "context": CONTEXT,
     "answers": {"text": ["Paris", "Paris,"], "answer_start": [PARIS, PARIS]}},
    {"id": "river", "title": "France", "question": "Which river?", "context": CONTEXT,
     "answers": {"text": ["Seine"], "answer_start": [SEINE]}},
    {"id": "king", "title": "France", "question": "Who is king?", "context": CONTEXT,
     "answers": {"text": [], "answer_start": []}},
]


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(TINY)


def write(path: Path, content: object, lines: bool = False) -> Path:
    if lines:
        path.write_text("".join(json.dumps(r) + "\n" for r in content), encoding="utf-8")
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def example(qid: str = "capital", question: str = "Where?", answers=((("Paris", PARIS)),),
            impossible: bool = False) -> QAExample:
    return QAExample(qid, question, CONTEXT, tuple(QAAnswer(t, s) for t, s in answers),
                     is_impossible=impossible)


# ------------------------------------------------------------------ reading
def test_squad_v1_nested(tmp_path):
    with pytest.warns(UserWarning, match=r"1 answers of 1 questions .*\(ids: shifted\)"):
        data = read_squad(write(tmp_path / "train-v1.1.json", V1))
    assert [e.id for e in data] == ["capital", "river"]
    capital = data[0]
    assert capital.answers == (QAAnswer("Paris", PARIS), QAAnswer("Paris,", PARIS))
    assert capital.answers[0].end == PARIS + 5 and capital.title == "France"
    assert not capital.is_impossible and not data.has_impossible
    assert data.mismatched == {"shifted": [QAAnswer("Paris", 3)]}
    assert data.skipped == ["shifted"]


def test_squad_v2_nested(tmp_path):
    with pytest.warns(UserWarning, match="ids: capital"):
        data = read_squad(write(tmp_path / "dev-v2.0.json", V2))
    capital, king = data
    assert capital.answers == (QAAnswer("Paris", PARIS),), "the bad answer is dropped"
    assert data.mismatched == {"capital": [QAAnswer("Lyon", PARIS)]} and data.skipped == []
    assert king.is_impossible and king.answers == () and data.has_impossible
    assert king.plausible_answers == (QAAnswer("Paris", PARIS),)


@pytest.mark.parametrize("form", ["json-data", "json-list", "jsonl"])
def test_flat_records_read_like_the_nested_layout(tmp_path, form):
    path = tmp_path / ("train.jsonl" if form == "jsonl" else "train.json")
    write(path, {"data": FLAT} if form == "json-data" else FLAT, lines=form == "jsonl")
    data = read_squad(path)
    assert [e.id for e in data] == ["capital", "river", "king"]
    assert data[0] == QAExample("capital", "Where?", CONTEXT,
                                (QAAnswer("Paris", PARIS), QAAnswer("Paris,", PARIS)),
                                title="France")
    assert data[2].is_impossible and data[2].answers == ()
    assert data.mismatched == {} and data.path == path
    nested = {"data": [{"title": "France", "paragraphs": [{"context": CONTEXT, "qas": [
        {"id": r["id"], "question": r["question"], "is_impossible": not r["answers"]["text"],
         "answers": [{"text": t, "answer_start": s}
                     for t, s in zip(r["answers"]["text"], r["answers"]["answer_start"],
                                     strict=True)]}
        for r in FLAT]}]}]}
    assert read_squad(write(tmp_path / "nested.json", nested)).examples == data.examples


def test_records_in_memory():
    records = [{**FLAT[0], "answers": [{"text": "Paris", "answer_start": PARIS}]}]
    (capital,) = squad_examples(records)
    assert capital.answers == (QAAnswer("Paris", PARIS),)


def test_reading_errors(tmp_path):
    def fails(content, match, name="bad.json", raw=False):
        path = tmp_path / name
        if raw:
            path.write_text(content, encoding="utf-8")
        else:
            write(path, content)
        with pytest.raises(QADataError, match=match):
            read_squad(path)

    fails("  \n", r"bad.json: the file is empty", raw=True)
    fails({"data": []}, "no question-answering records")
    fails({"data": [{"title": "x", "paragraphs": [{"context": "c"}]}]},
          r"bad.json: data\[0\].paragraphs\[0\] has no 'qas' \(keys: \['context'\]\)")
    fails([{k: v for k, v in FLAT[0].items() if k != "context"}],
          r"record 0 has no 'context' \(keys: \['answers', 'id', 'question', 'title'\]\)")
    fails({"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "q", "answers": []}]}]}]},
          r"data\[0\].paragraphs\[0\].qas\[0\] has no 'question'")
    fails([FLAT[0], FLAT[0]], "id 'capital' appears twice")
    fails([{**FLAT[0], "answers": {"text": ["Paris"], "answer_start": []}}],
          "same length")
    fails([{**FLAT[0], "context": 7}], "'context' must be text, got int")
    fails(json.dumps(FLAT[0]) + "\n{oops\n", "line 2 is not valid JSON", "bad.jsonl", raw=True)
    fails("[1, 2", "not valid JSON", raw=True)
    with pytest.raises(QADataError, match="cannot read"):
        read_squad(tmp_path / "missing.json")


# ------------------------------------------------------------------ features
def test_windows_stride_and_labels_by_hand(tokenizer):
    # "Where?" is 2 pieces: rows hold [CLS] q q [SEP] + 6 context pieces + [SEP] = 11 tokens;
    # windows share 2 pieces: [0, 6), [4, 10), [8, 14).
    features = prepare_qa_features([example()], tokenizer, max_length=11, doc_stride=2)
    assert len(features) == 3 and features.example_id == ["capital"] * 3
    assert features.overflow_to_sample_mapping.tolist() == [0, 0, 0]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    q = tokenizer.convert_tokens_to_ids(["▁where", "?"])
    c = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(CONTEXT))
    assert len(c) == PIECES
    assert features.input_ids.tolist() == [
        [cls, *q, sep, *c[0:6], sep], [cls, *q, sep, *c[4:10], sep], [cls, *q, sep, *c[8:14], sep]]
    assert features.token_type_ids[0].tolist() == [0] * 4 + [1] * 7
    assert features.attention_mask.tolist() == [[1] * 11] * 3
    # "▁paris" is context piece 5: position 4 + 5 of window 0, 4 + 1 of window 1.
    assert features.start_positions.tolist() == [9, 5, 0]
    assert features.end_positions.tolist() == [9, 5, 0]
    offsets = features.offset_mapping
    assert offsets[0, :4].tolist() == [[-1, -1]] * 4 and offsets[0, 10].tolist() == [-1, -1]
    # As transformers' fast tokenizer gives them: a word's first piece covers its space.
    assert tuple(offsets[0, 9]) == (PARIS - 1, PARIS + 5)
    assert tuple(offsets[1, 5]) == (PARIS - 1, PARIS + 5)
    assert CONTEXT[PARIS - 1] == " "
    # Piece 5 has 0 pieces on its right in window 0, 1 on each side in window 1.
    assert not features.token_is_max_context[0, 9] and features.token_is_max_context[1, 5]
    # Every context piece has exactly one window of maximal context.
    assert features.token_is_max_context.sum() == PIECES
    assert not features.token_is_max_context[:, :4].any()


def test_labels_of_multi_piece_answers_and_padding(tokenizer):
    ex = example(answers=[("big city", BIG_CITY)])
    features = prepare_qa_features([ex], tokenizer, max_length=32)
    assert len(features) == 1
    # "▁big ▁city" are context pieces 8 and 9, after [CLS] ▁where ? [SEP].
    assert (features.start_positions[0], features.end_positions[0]) == (12, 13)
    assert features.attention_mask[0].sum() == 4 + PIECES + 1
    assert (features.input_ids[0, 19:] == tokenizer.pad_token_id).all()
    assert (features.offset_mapping[0, 19:] == -1).all()
    inputs = features.model_inputs()
    assert set(inputs) == {"input_ids", "attention_mask", "token_type_ids", "start_positions",
                           "end_positions"}
    assert all(v.dtype == np.int64 for v in inputs.values())
    assert set(features.model_inputs(labels=False)) == {"input_ids", "attention_mask",
                                                        "token_type_ids"}


def test_impossible_and_cut_answers_point_at_cls(tokenizer):
    impossible = example("king", "Who is king?", answers=(), impossible=True)
    # "big city" (pieces 8-9) is cut by the window [4, 9) and whole in [8, 13).
    cut = example("city", answers=[("big city", BIG_CITY)])
    features = prepare_qa_features([impossible, cut], tokenizer, max_length=10, doc_stride=1)
    rows = {qid: [r for r, i in enumerate(features.example_id) if i == qid]
            for qid in ("king", "city")}
    assert features.start_positions[rows["king"]].tolist() == [0] * len(rows["king"])
    assert features.end_positions[rows["king"]].tolist() == [0] * len(rows["king"])
    labelled = [(int(features.start_positions[r]), int(features.end_positions[r]))
                for r in rows["city"]]
    # [CLS] ▁where ? [SEP] + 5 context pieces: windows [0,5) [4,9) [8,13) [12,14).
    assert labelled == [(0, 0), (0, 0), (4, 5), (0, 0)]
    assert features.overflow_to_sample_mapping.tolist() == [0] * len(rows["king"]) + [1] * 4


def test_question_is_cut_to_max_query_length(tokenizer):
    long = example(question="What is the capital of France?")   # 7 pieces
    with pytest.warns(UserWarning, match="1 questions longer than max_query_length=3"):
        features = prepare_qa_features([long], tokenizer, max_length=24, max_query_length=3)
    assert features.token_type_ids[0, :5].tolist() == [0] * 5  # [CLS] 3 pieces [SEP]
    assert features.token_type_ids[0, 5] == 1
    assert features.start_positions[0] == 5 + 5


def test_feature_errors(tokenizer):
    with pytest.raises(ValueError, match="no question-answering examples"):
        prepare_qa_features([], tokenizer)
    with pytest.raises(ValueError, match="doc_stride=6 must be smaller than the context window "
                                         "of 6 tokens"):
        prepare_qa_features([example()], tokenizer, max_length=11, doc_stride=6)
    with pytest.raises(ValueError, match="max_query_length=29 leaves no room"):
        prepare_qa_features([example()], tokenizer, max_length=32, max_query_length=29)
    with pytest.raises(ValueError, match="doc_stride must be an int >= 0"):
        prepare_qa_features([example()], tokenizer, doc_stride=-1)


class PlainOffsets:
    """The fixture tokenizer with offsets that leave out a word's leading space (what
    transformers' Python tokenizers and older versions of ours give)."""

    supports_offsets = True

    def __init__(self, tokenizer):
        self.inner = tokenizer
        self.cls_token_id, self.sep_token_id = tokenizer.cls_token_id, tokenizer.sep_token_id
        self.pad_token_id = tokenizer.pad_token_id

    def __call__(self, texts, **kwargs):
        out = self.inner(texts, **kwargs)
        moved = [strip_word_spaces(text, [tuple(o) for o in offsets])
                 for text, offsets in zip(texts, out["offset_mapping"], strict=True)]
        return {"input_ids": out["input_ids"], "offset_mapping": moved}


def test_either_offset_convention_gives_the_same_labels_and_answers(tokenizer):
    examples = [example(answers=[("big city", BIG_CITY)]), example("p")]
    spaced = prepare_qa_features(examples, tokenizer, max_length=11, doc_stride=2)
    plain = prepare_qa_features(examples, PlainOffsets(tokenizer), max_length=11, doc_stride=2)
    assert (spaced.offset_mapping != plain.offset_mapping).any()
    assert spaced.start_positions.tolist() == plain.start_positions.tolist()
    assert spaced.end_positions.tolist() == plain.end_positions.tolist()
    for features in (plain, spaced):
        start, end = logits_for(features, {BIG_CITY: 5.0, PARIS: 3.0},
                                {BIG_CITY + 8: 5.0, PARIS + 5: 3.0})
        answers = postprocess_qa_predictions(examples, features, start, end)
        assert answers.predictions == {"capital": "big city", "p": "big city"}
        assert answers.nbest["p"][0]["start"] == BIG_CITY


# ------------------------------------------------------------------ post-processing
def logits_for(features, starts: dict[int, float], ends: dict[int, float], *, cls=(0.0, 0.0),
               width: int | None = None):
    """Logits of -10 everywhere but on the tokens that start (end) at the given characters,
    and ``cls`` on ``[CLS]``; computed with the offsets without the leading space."""
    rows, seq = features.input_ids.shape
    start = np.full((rows, width or seq), -10.0, dtype=np.float32)
    end = np.full((rows, width or seq), -10.0, dtype=np.float32)
    start[:, 0], end[:, 0] = cls
    for r in range(rows):
        for p in range(seq):
            a, b = features.offset_mapping[r, p]
            if a < 0:
                continue
            a += CONTEXT[a] == " "
            start[r, p] = starts.get(int(a), start[r, p])
            end[r, p] = ends.get(int(b), end[r, p])
    return start, end


def test_nbest_order_probabilities_and_max_answer_length(tokenizer):
    features = prepare_qa_features([example()], tokenizer, max_length=32)
    start, end = logits_for(features, {PARIS: 4.0, BIG_CITY: 3.0, 0: 5.0},
                            {PARIS + 5: 4.0, BIG_CITY + 8: 2.0, len(CONTEXT): 6.0})
    answers = postprocess_qa_predictions([example()], features, start, end, n_best_size=4,
                                         max_answer_length=30)
    nbest = answers.nbest["capital"]
    texts = [c["text"] for c in nbest]
    assert texts[0] == CONTEXT  # 5 + 6, the whole context (14 pieces)
    assert texts == [CONTEXT, "Paris, a big city on the Seine.", "The capital of France is Paris",
                     "big city on the Seine."]  # 4 + 6, 5 + 4, 3 + 6 (ties: earlier start)
    assert [c["start_logit"] + c["end_logit"] for c in nbest] == [11.0, 10.0, 9.0, 9.0]
    probs = [c["probability"] for c in nbest]
    assert sum(probs) == pytest.approx(1.0) and probs == sorted(probs, reverse=True)
    assert all(CONTEXT[c["start"]:c["end"]] == c["text"] for c in nbest)
    assert answers.predictions == {"capital": CONTEXT} and answers.null_odds is None
    short = postprocess_qa_predictions([example()], features, start, end, n_best_size=20,
                                       max_answer_length=2)
    assert short.predictions == {"capital": "Paris"}
    pieces = [(int(a) + (CONTEXT[a] == " "), int(b))
              for a, b in features.offset_mapping[0] if a >= 0]
    for c in short.nbest["capital"]:
        assert 1 <= sum(c["start"] <= a < c["end"] for a, _ in pieces) <= 2
    # 14 spans of 1 piece, 13 of 2 pieces; "Paris," and "Paris" are different spans.
    assert len(short.nbest["capital"]) == 20


def test_windows_compete_and_a_span_counts_once(tokenizer):
    features = prepare_qa_features([example()], tokenizer, max_length=11, doc_stride=2)
    start, end = logits_for(features, {PARIS: 2.0, SEINE: 1.0}, {PARIS + 5: 2.0,
                                                               SEINE + 5: 1.0})
    answers = postprocess_qa_predictions([example()], features, start, end)
    nbest = answers.nbest["capital"]
    assert [c["text"] for c in nbest[:2]] == ["Paris", "Seine"]  # read in windows 1 and 2
    assert len({(c["start"], c["end"]) for c in nbest}) == len(nbest)


def test_null_answer_and_threshold(tokenizer):
    data = [example(), example("king", "Who is king?", answers=(), impossible=True)]
    features = prepare_qa_features(data, tokenizer, max_length=32)
    start, end = logits_for(features, {PARIS: 2.0}, {PARIS + 5: 2.0}, cls=(1.5, 1.0))
    v2 = postprocess_qa_predictions(data, features, start, end, version_2=True)
    assert v2.predictions == {"capital": "Paris", "king": "Paris"}
    assert v2.null_odds == {"capital": pytest.approx(-1.5), "king": pytest.approx(-1.5)}
    assert [c["text"] for c in v2.nbest["capital"][:2]] == ["Paris", ""]
    assert v2.nbest["capital"][1] | {"probability": 0} == {
        "text": "", "probability": 0, "start_logit": 1.5, "end_logit": 1.0, "start": 0, "end": 0}
    strict = postprocess_qa_predictions(data, features, start, end, version_2=True,
                                        null_score_diff_threshold=-2.0)
    assert strict.predictions == {"capital": "", "king": ""}
    start[1, 0] = 9.0
    mixed = postprocess_qa_predictions(data, features, start, end, version_2=True)
    assert mixed.predictions == {"capital": "Paris", "king": ""}
    assert mixed.nbest["king"][0]["text"] == "" and mixed.null_odds["king"] == pytest.approx(6.0)
    # The null answer stays in the n-best list even when n spans beat it.
    few = postprocess_qa_predictions(data, features, start, end, version_2=True, n_best_size=1)
    assert [c["text"] for c in few.nbest["capital"]] == ["Paris", ""]


def test_null_score_is_the_lowest_over_windows(tokenizer):
    features = prepare_qa_features([example()], tokenizer, max_length=11, doc_stride=2)
    start, end = logits_for(features, {PARIS: 1.0}, {PARIS + 5: 1.0})
    start[:, 0] = [5.0, 0.5, 3.0]
    answers = postprocess_qa_predictions([example()], features, start, end, version_2=True)
    assert answers.null_odds == {"capital": pytest.approx(0.5 - 2.0)}
    assert answers.predictions == {"capital": "Paris"}


def test_predictions_are_written_atomically_and_not_overwritten(tokenizer, tmp_path):
    data = [example(), example("king", "Who is king?", answers=(), impossible=True)]
    features = prepare_qa_features(data, tokenizer, max_length=32)
    start, end = logits_for(features, {PARIS: 2.0}, {PARIS + 5: 2.0}, cls=(9.0, 0.0))
    v2 = postprocess_qa_predictions(data, features, start, end, version_2=True)
    out = tmp_path / "out"
    paths = v2.save(out)
    assert [p.name for p in paths] == ["predictions.json", "nbest_predictions.json",
                                       "null_odds.json"]
    assert json.loads((out / "predictions.json").read_text()) == {"capital": "", "king": ""}
    assert json.loads((out / "null_odds.json").read_text()) == {"capital": 5.0, "king": 5.0}
    nbest = json.loads((out / "nbest_predictions.json").read_text())
    assert nbest["capital"][0]["text"] == "" and nbest["capital"][1]["text"] == "Paris"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)
    v1 = postprocess_qa_predictions(data, features, start, end)
    with pytest.raises(FileExistsError, match="predictions.json already exists"):
        v1.save(out)
    assert json.loads((out / "predictions.json").read_text()) == {"capital": "", "king": ""}
    v1.save(out, overwrite=True)
    assert json.loads((out / "predictions.json").read_text()) == {"capital": "Paris",
                                                                   "king": "Paris"}
    assert [p.name for p in v1.save(out, prefix="eval")] == ["eval_predictions.json",
                                                             "eval_nbest_predictions.json"]
    assert not any(p.name.endswith(".tmp") for p in out.iterdir())


def test_postprocess_errors(tokenizer):
    features = prepare_qa_features([example()], tokenizer, max_length=32)
    start, end = logits_for(features, {}, {})
    with pytest.raises(ValueError, match=r"start_logits of shape \(2, 32\) do not fit 1 feature"):
        postprocess_qa_predictions([example()], features, np.zeros((2, 32)), end)
    with pytest.raises(ValueError, match="reads example 'capital', which is not at its place"):
        postprocess_qa_predictions([example("other")], features, start, end)
    with pytest.raises(ValueError, match="example 'river' has no feature rows"):
        postprocess_qa_predictions([example(), example("river")], features, start, end)
    with pytest.raises(ValueError, match="n_best_size must be a positive int"):
        postprocess_qa_predictions([example()], features, start, end, n_best_size=0)
    wider = logits_for(features, {PARIS: 1.0}, {PARIS + 5: 1.0}, width=40)
    assert postprocess_qa_predictions([example()], features, *wider).predictions == {
        "capital": "Paris"}
