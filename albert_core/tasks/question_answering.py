"""Extractive question answering (SQuAD v1.1 / v2.0): read, make features, post-process.

::

    data = read_squad("dev-v2.0.json")                 # QAData: examples + what was dropped
    features = prepare_qa_features(data, tokenizer)    # QAFeatures: numpy rows and labels
    outputs = backend.forward(model, features.model_inputs(labels=False))
    answers = postprocess_qa_predictions(data, features, outputs["start_logits"],
                                         outputs["end_logits"], version_2=True)
    answers.save("out")    # predictions.json, nbest_predictions.json, null_odds.json

One job per module: :mod:`~albert_core.tasks.qa_examples` reads the files,
:mod:`~albert_core.tasks.qa_features` windows contexts into model rows,
:mod:`~albert_core.tasks.qa_postprocess` turns logits back into answers; their public names
are gathered here.
"""

from __future__ import annotations

from albert_core.tasks.qa_examples import (
    QAAnswer,
    QAData,
    QADataError,
    QAExample,
    read_squad,
    squad_examples,
)
from albert_core.tasks.qa_features import (
    DOC_STRIDE,
    MAX_LENGTH,
    MAX_QUERY_LENGTH,
    QAFeatures,
    prepare_qa_features,
)
from albert_core.tasks.qa_postprocess import (
    MAX_ANSWER_LENGTH,
    N_BEST_SIZE,
    PREDICTION_FILES,
    QAPredictions,
    postprocess_qa_predictions,
)
from albert_core.tasks.qa_spans import rank_spans, strip_span

__all__ = [
    "DOC_STRIDE", "MAX_ANSWER_LENGTH", "MAX_LENGTH", "MAX_QUERY_LENGTH", "N_BEST_SIZE",
    "PREDICTION_FILES", "QAAnswer", "QAData", "QADataError", "QAExample", "QAFeatures",
    "QAPredictions", "postprocess_qa_predictions", "prepare_qa_features", "rank_spans",
    "read_squad", "squad_examples", "strip_span",
]
