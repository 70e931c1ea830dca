"""The task data layer: a user's data file in, numpy features for a head out.

* :mod:`~albert_core.tasks.files`: CSV, TSV, JSON and JSON lines files (or a ``datasets``
  dataset) as a :class:`~albert_core.tasks.files.Table` of records.
* :mod:`~albert_core.tasks.features`: :class:`~albert_core.tasks.features.TaskFeatures`, what
  every task gives (arrays keyed by the model's arguments, the label names, the problem type).
* :mod:`~albert_core.tasks.text_classification`,
  :mod:`~albert_core.tasks.token_classification`, :mod:`~albert_core.tasks.multiple_choice`,
  :mod:`~albert_core.tasks.masked_lm`, :mod:`~albert_core.tasks.question_answering`: one
  reader per task (question answering adds windows and post-processing into answers).
* :mod:`~albert_core.tasks.metrics` (and :mod:`~albert_core.tasks.squad_metrics`): the
  evaluation metrics of every task (scikit-learn, scipy and seqeval, imported when used).

The names below are loaded on first use; nothing here imports a deep-learning framework, and
``datasets`` is imported only when a dataset object is passed in.
"""

from __future__ import annotations

from albert_core.lazy import lazy_attributes

__all__, __getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "albert_core.tasks.files": (
            "DataFormatError", "FORMATS", "Table", "read_records", "read_table", "read_text",
        ),
        "albert_core.tasks.features": ("DEFAULT_MAX_LENGTH", "TaskFeatures"),
        "albert_core.tasks.text_classification": (
            "read_labels", "text_classification_features",
        ),
        "albert_core.tasks.token_classification": (
            "read_conll", "read_sentences", "token_classification_features",
        ),
        "albert_core.tasks.multiple_choice": ("multiple_choice_features",),
        "albert_core.tasks.masked_lm": (
            "mask_blocks", "masked_lm_blocks", "masked_lm_features", "read_documents",
        ),
        "albert_core.tasks.question_answering": (
            "QAData", "QAExample", "QAFeatures", "QAPredictions", "postprocess_qa_predictions",
            "prepare_qa_features", "read_squad",
        ),
        "albert_core.tasks.metrics": ("compute_metrics",),
    },
    globals(),
)
