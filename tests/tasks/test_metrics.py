"""Task metrics against values worked out by hand from their definitions, and against seqeval."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from albert_core.tasks import metrics
from albert_core.tasks.metrics import compute_metrics
from albert_core.tasks.squad_metrics import normalize_answer, squad_v1, squad_v2

# ------------------------------------------------------------------ classification
# Confusion matrix (label 1 positive): TP 3, FN 1, FP 2, TN 2.
GOLD = np.array([1, 1, 1, 1, 0, 0, 0, 0])
PRED = np.array([1, 1, 1, 0, 1, 1, 0, 0])


def one_hot_logits(ids: np.ndarray, width: int) -> np.ndarray:
    logits = np.full((*ids.shape, width), -1.0)
    np.put_along_axis(logits, ids[..., None], 2.0, axis=-1)
    return logits


def test_binary_classification_from_a_hand_made_confusion_matrix():
    results = compute_metrics("sequence-classification", one_hot_logits(PRED, 2), GOLD)
    f1_positive = 2 * 3 / (2 * 3 + 2 + 1)
    f1_negative = 2 * 2 / (2 * 2 + 1 + 2)
    assert results == pytest.approx({
        "accuracy": 5 / 8,
        "f1": f1_positive,
        "f1_macro": (f1_positive + f1_negative) / 2,
        "matthews_correlation": (3 * 2 - 2 * 1) / math.sqrt((3 + 2) * (3 + 1) * (2 + 2) * (2 + 1)),
    })
    assert all(type(v) is float for v in results.values())
    assert metrics.f1(PRED, GOLD, pos_label=0) == pytest.approx(f1_negative)


def test_multiclass_f1_is_macro():
    gold, pred = np.array([0, 1, 2, 2]), np.array([0, 2, 2, 1])
    results = compute_metrics("text-classification", pred, gold)
    # per-label F1: 1 (label 0), 0 (label 1), 2*1/(2*1+1+1) = 0.5 (label 2)
    assert results["f1"] == results["f1_macro"] == pytest.approx(0.5)
    assert results["accuracy"] == 0.5


def test_multi_label_metrics():
    logits = np.array([[1.0, -1.0], [1.0, 1.0], [-1.0, -1.0]])
    gold = np.array([[1, 0], [1, 0], [0, 1]])
    results = compute_metrics("sequence-classification", logits, gold,
                              problem_type="multi_label_classification")
    # micro: TP 2, FP 1, FN 1; label 0 F1 1, label 1 F1 0
    assert results == pytest.approx({"accuracy": 1 / 3, "f1_micro": 2 / 3, "f1_macro": 0.5})


def test_regression_correlations():
    pred, gold = np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([1.0, 3.0, 2.0, 10.0])
    results = compute_metrics("sequence-classification", pred, gold, problem_type="regression")
    # deviations (-1.5, -.5, .5, 1.5) and (-3, -1, -2, 6); ranks of gold (1, 3, 2, 4)
    assert results["pearson"] == pytest.approx(13 / math.sqrt(5 * 50))
    assert results["spearman"] == pytest.approx(4 / 5)
    assert compute_metrics("regression", pred[:, 0], gold) == results


def test_multiple_choice_accuracy():
    logits = np.array([[0.1, 0.9, 0.0, 0.0], [0.8, 0.1, 0.0, 0.1], [0.0, 0.0, 0.0, 1.0]])
    assert compute_metrics("multiple-choice", logits, [1, 2, 3]) == {"accuracy": 2 / 3}


@pytest.mark.parametrize("task, pred, gold", [
    ("sequence-classification", [1, 0, 1], [1, 0]),
    ("sequence-classification", np.zeros((3, 2)), [1, 0]),
    ("regression", [1.0, 2.0], [1.0, 2.0, 3.0]),
    ("multiple-choice", np.zeros((2, 4)), [0, 1, 2]),
    ("masked-lm", np.zeros((1, 3, 5)), [[1, 2]]),
])
def test_mismatched_lengths_are_errors(task, pred, gold):
    with pytest.raises(ValueError, match="predictions|shape|references"):
        compute_metrics(task, pred, gold)


def test_unknown_task_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown task 'summarization'.*masked-lm"):
        compute_metrics("summarization", [0], [0])
    with pytest.raises(ValueError, match="problem_type 'ranking'"):
        compute_metrics("sequence-classification", [0], [0], problem_type="ranking")


# ------------------------------------------------------------------ entities
def test_iob2_entities_counted_by_hand():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O"]]
    # gold PER, LOC, ORG; predicted PER, ORG (wrong span type), ORG; two right
    results = compute_metrics("token-classification", pred, gold, per_entity=True)
    assert results["precision"] == pytest.approx(2 / 3)
    assert results["recall"] == pytest.approx(2 / 3)
    assert results["f1"] == pytest.approx(2 / 3)
    assert results["accuracy"] == pytest.approx(5 / 6)
    assert results["LOC_recall"] == 0.0 and results["LOC_number"] == 1.0
    assert results["ORG_precision"] == 0.5 and results["ORG_recall"] == 1.0
    assert results["PER_f1"] == 1.0


def test_iob1_entities_counted_by_hand():
    # IOB1: I- starts an entity after O; B- only splits two adjacent entities of one type
    gold = [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]]
    pred = [["I-PER", "I-PER", "I-PER", "O", "I-LOC"]]
    # gold PER(0-1), PER(2), LOC(4); predicted PER(0-2), LOC(4); only LOC right
    results = metrics.entity_metrics(pred, gold)
    assert results == pytest.approx(
        {"precision": 1 / 2, "recall": 1 / 3, "f1": 2 / 5, "accuracy": 4 / 5})
    assert metrics.entity_metrics(pred, gold, scheme="IOB1")["f1"] == pytest.approx(2 / 5)


def test_strict_scheme_rejects_what_the_lenient_mode_reads():
    gold, pred = [["B-PER", "I-PER", "O"]], [["I-PER", "I-PER", "O"]]
    assert metrics.entity_metrics(pred, gold)["f1"] == 1.0
    assert metrics.entity_metrics(pred, gold, scheme="IOB2")["f1"] == 0.0
    with pytest.raises(ValueError, match="unknown tagging scheme 'BIO'"):
        metrics.entity_metrics(pred, gold, scheme="BIO")


@pytest.mark.parametrize("scheme_tags", [("B", "I"), ("I", "I")], ids=["IOB2", "IOB1"])
def test_entity_metrics_equal_seqeval(scheme_tags):
    from seqeval.metrics import accuracy_score, f1_score, precision_score, recall_score

    rng = np.random.default_rng(0)
    tags = ["O", f"{scheme_tags[0]}-PER", "I-PER", f"{scheme_tags[0]}-LOC", "I-LOC", "B-MISC"]
    gold = [list(rng.choice(tags, size=n)) for n in rng.integers(1, 12, size=40)]
    pred = [[t if rng.random() < 0.7 else str(rng.choice(tags)) for t in row] for row in gold]
    results = metrics.entity_metrics(pred, gold)
    assert results == pytest.approx({
        "precision": precision_score(gold, pred), "recall": recall_score(gold, pred),
        "f1": f1_score(gold, pred), "accuracy": accuracy_score(gold, pred),
    })
    assert 0.0 < results["f1"] < 1.0


def test_logits_to_tags_drops_masked_positions():
    id2label = {"0": "O", "1": "B-PER", "2": "I-PER"}
    ids = np.array([[0, 1, 2, 0], [1, 1, 0, 0]])
    labels = np.array([[-100, 1, 2, -100], [1, -100, 0, -100]])
    pred, gold = metrics.logits_to_tags(one_hot_logits(ids, 3), labels, id2label)
    assert pred == [["B-PER", "I-PER"], ["B-PER", "O"]]
    assert gold == [["B-PER", "I-PER"], ["B-PER", "O"]]
    assert metrics.logits_to_tags(ids, labels, ["O", "B-PER", "I-PER"]) == (pred, gold)
    results = compute_metrics("token-classification", one_hot_logits(ids, 3), labels,
                              id2label=id2label)
    assert results["f1"] == 1.0
    with pytest.raises(ValueError, match=r"label ids \[2\] are not in id2label"):
        metrics.logits_to_tags(ids, labels, ["O", "B-PER"])
    with pytest.raises(ValueError, match="need id2label"):
        compute_metrics("token-classification", ids, labels)


def test_tag_sequences_of_different_lengths_are_errors():
    with pytest.raises(ValueError, match="sequence 1 has 1 predicted tags and 2 gold"):
        metrics.entity_metrics([["O"], ["O"]], [["O"], ["O", "O"]])
    with pytest.raises(ValueError, match="1 predictions for 2 references"):
        metrics.entity_metrics([["O"]], [["O"], ["O"]])


# ------------------------------------------------------------------ SQuAD
@pytest.mark.parametrize("text, normalised", [
    ("The Cat", "cat"),
    ("An apple a day", "apple day"),
    ("theater anthem", "theater anthem"),
    ("Hello, World!", "hello world"),
    ("  spaced\tout\n words ", "spaced out words"),
    ("the-end", "theend"),
    ("A.", ""),
    ("U.S.A.", "usa"),
])
def test_normalize_answer(text, normalised):
    assert normalize_answer(text) == normalised


V1_REFERENCES = [
    {"id": "q1", "answers": {"text": ["Denver Broncos", "The Denver Broncos"],
                             "answer_start": [0, 0]}},
    {"id": "q2", "answers": {"text": ["Santa Clara, California"], "answer_start": [5]}},
    {"id": "q3", "answers": [{"text": "1990"}, {"text": "in 1990"}]},
]
V1_PREDICTIONS = {"q1": "denver broncos!", "q2": "Santa Clara", "q3": "in 1990s", "extra": "x"}


def test_squad_v1_takes_the_best_gold_answer():
    results = compute_metrics("question-answering", V1_PREDICTIONS, V1_REFERENCES)
    # q1 exact; q2 P 1, R 2/3 -> 0.8; q3 best against "in 1990": P 1/2, R 1/2 -> 0.5
    assert results == pytest.approx({"exact_match": 100 / 3, "f1": 100 * (1 + 0.8 + 0.5) / 3})
    records = [{"id": k, "prediction_text": v} for k, v in V1_PREDICTIONS.items()]
    assert squad_v1(records, V1_REFERENCES) == results


def test_squad_v1_missing_predictions_are_named():
    with pytest.raises(KeyError, match="2 question.*'q2', 'q3'"):
        squad_v1({"q1": "Denver"}, V1_REFERENCES)
    with pytest.raises(ValueError, match="'q9' has no gold answer"):
        squad_v1({"q9": ""}, [{"id": "q9", "answers": {"text": []}}])


def squad_dataset(questions):
    """The official nested layout around ``(id, [answer texts])`` pairs."""
    qas = [{"id": qid, "question": "?", "is_impossible": not texts,
            "answers": [{"text": t, "answer_start": 0} for t in texts]} for qid, texts in questions]
    return {"version": "v2.0",
            "data": [{"title": "t", "paragraphs": [{"context": "c", "qas": qas}]}]}


V2_DATASET = squad_dataset([("q1", ["Paris"]), ("q2", ["the blue whale"]), ("q3", []),
                            ("q4", [])])
V2_PREDICTIONS = {"q1": "paris", "q2": "blue", "q3": "", "q4": "London"}
V2_ODDS = {"q1": 0.1, "q2": 0.6, "q3": 0.9, "q4": 0.8}


def test_squad_v2_scores_and_best_thresholds(tmp_path):
    # raw exact 1, 0, 1, 0; raw F1 1, 2/3 (P 1, R 1/2), 1, 0
    results = compute_metrics("question-answering", V2_PREDICTIONS, V2_DATASET,
                              version_2_with_negative=True, null_odds=V2_ODDS)
    # By odds: q1 (+1 exact, +1 F1), q2 (+0, +2/3), q4 (-1, -1), q3 (0, 0) from 2 (all null)
    assert results == pytest.approx({
        "exact": 50.0, "f1": 100 * (8 / 3) / 4, "total": 4.0,
        "HasAns_exact": 50.0, "HasAns_f1": 100 * (5 / 3) / 2, "HasAns_total": 2.0,
        "NoAns_exact": 50.0, "NoAns_f1": 50.0, "NoAns_total": 2.0,
        "best_exact": 75.0, "best_exact_thresh": 0.1,
        "best_f1": 100 * (11 / 3) / 4, "best_f1_thresh": 0.6,
    })
    path = tmp_path / "dev-v2.0.json"
    path.write_text(json.dumps(V2_DATASET))
    assert squad_v2(V2_PREDICTIONS, path, V2_ODDS) == results
    assert "best_f1" not in squad_v2(V2_PREDICTIONS, str(path))


def test_squad_v2_threshold_turns_high_odds_into_no_answer(tmp_path):
    records = [{"id": q, "answers": {"text": [a["text"] for a in qa["answers"]]}}
               for q, qa in zip(V2_PREDICTIONS, V2_DATASET["data"][0]["paragraphs"][0]["qas"],
                                strict=True)]
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    results = squad_v2(V2_PREDICTIONS, path, V2_ODDS, no_answer_threshold=0.7)
    # q3 and q4 (odds 0.9, 0.8) count as answered "", both right
    assert results["exact"] == pytest.approx(75.0)
    assert results["f1"] == pytest.approx(100 * (1 + 2 / 3 + 1 + 1) / 4)
    assert results["NoAns_exact"] == 100.0 and results["HasAns_exact"] == 50.0


def test_squad_v2_best_threshold_reproduces_its_score():
    # equal odds switch together, and negative odds get a threshold below them
    dataset = squad_dataset([("a", ["yes"]), ("b", []), ("c", [])])
    preds, odds = {"a": "yes", "b": "wrong", "c": "wrong"}, {"a": 0.5, "b": 0.5, "c": -2.0}
    results = squad_v2(preds, dataset, odds)
    assert results["best_exact"] == pytest.approx(200 / 3)  # nothing answered: b, c right
    assert results["best_exact_thresh"] < -2.0
    again = squad_v2(preds, dataset, odds, no_answer_threshold=results["best_exact_thresh"])
    assert again["exact"] == pytest.approx(results["best_exact"])


def test_squad_v2_missing_ids_are_named():
    with pytest.raises(KeyError, match="1 question.*no prediction: 'q4'"):
        squad_v2({k: v for k, v in V2_PREDICTIONS.items() if k != "q4"}, V2_DATASET)
    with pytest.raises(KeyError, match="no null odds: 'q1'"):
        squad_v2(V2_PREDICTIONS, V2_DATASET, {k: 0.0 for k in ("q2", "q3", "q4")})
    with pytest.raises(ValueError, match="'q1' appears twice"):
        squad_v2({"q1": ""}, [{"id": "q1", "answers": {"text": []}}] * 2)
    with pytest.raises(ValueError, match="needs a 'data' key; found \\['version'\\]"):
        squad_v2({}, {"version": "v2.0"})


# ------------------------------------------------------------------ masked LM
def test_mlm_accuracy_and_perplexity_by_hand():
    logits = np.array([[[2.0, 0.0], [5.0, -5.0], [0.0, 0.0]]])
    labels = np.array([[0, -100, 1]])
    results = compute_metrics("masked-lm", logits, labels)
    # position 0: argmax 0 right, CE log(1 + e^-2); position 2: argmax 0 wrong, CE log 2
    loss = (math.log(1 + math.exp(-2)) + math.log(2)) / 2
    assert results == pytest.approx(
        {"accuracy": 0.5, "loss": loss, "perplexity": math.sqrt(2 * (1 + math.exp(-2)))})
    assert metrics.mlm_accuracy(np.array([[0, 1, 1]]), labels) == 1.0
    assert metrics.perplexity(1e6) == math.inf
    with pytest.raises(ValueError, match="every label is -100"):
        metrics.mlm_accuracy(logits, np.full((1, 3), -100))
