"""The task data layer: a user's data file in, numpy features for a head out.

* :mod:`~albert_core.tasks.files`: CSV, TSV, JSON and JSON lines files (or a ``datasets``
  dataset) as a :class:`~albert_core.tasks.files.Table` of records.
* :mod:`~albert_core.tasks.features`: :class:`~albert_core.tasks.features.TaskFeatures`, what
  every task gives (arrays keyed by the model's arguments, the label names, the problem type).
* :mod:`~albert_core.tasks.text_classification`,
  :mod:`~albert_core.tasks.token_classification`, :mod:`~albert_core.tasks.multiple_choice`,
  :mod:`~albert_core.tasks.masked_lm`: one reader per task.

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
    },
    globals(),
)
