"""Tables of records from CSV, TSV, JSON and JSON lines files, or from a ``datasets`` dataset.

Every task reader starts here: :func:`read_table` turns a file (chosen by its extension), a
list of dicts, or a ``datasets.Dataset`` / ``DatasetDict`` split into a :class:`Table` whose
records are plain dicts and which remembers where each record came from, so that the task
readers can name the file and the line of a bad value. :func:`read_records` is the same
without the bookkeeping.

* ``.csv``: comma-separated with a header row (quoted fields as the ``csv`` module reads them).
* ``.tsv``: tab-separated with a header row and no quoting (as GLUE's files and the
  google-research scripts read them).
* ``.json``: a list of records, or an object whose ``data`` key holds the list (SQuAD's
  layout); a file of one object per line is read as JSON lines, as ``datasets`` does.
* ``.jsonl``: one JSON object per line; blank lines are skipped.

CSV and TSV values are strings; JSON values keep their JSON types. ``datasets`` is imported
only when a dataset object is passed in, and nothing here touches the network.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: File extension -> the format :func:`read_table` reads it as.
FORMATS: dict[str, str] = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".jsonl": "jsonl"}


class DataFormatError(ValueError):
    """A data file (or dataset) that cannot be read as the task needs; the message names it."""


@dataclasses.dataclass
class Table:
    """Records read from one source.

    Attributes:
        records: one dict per record, in file order.
        source: what the records came from (the file path, or a description).
        lines: the line each record starts on (text files), or None (JSON documents, objects).
        columns: the column names: the header of a CSV/TSV file, else the keys of the records
            in order of first appearance.
        label_names: for ``datasets`` inputs, the names of ``ClassLabel`` columns (also inside
            a ``Sequence``), ``{column: [name of id 0, name of id 1, ...]}``.
    """

    records: list[dict[str, Any]]
    source: str
    lines: list[int] | None = None
    columns: list[str] = dataclasses.field(default_factory=list)
    label_names: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.columns:
            seen: dict[str, None] = {}
            for record in self.records:
                seen.update(dict.fromkeys(record))
            self.columns = list(seen)

    def __len__(self) -> int:
        return len(self.records)

    def where(self, index: int) -> str:
        """Where record ``index`` (0-based) is: ``train.csv line 4``, ``train.json record 3``."""
        if self.lines is not None:
            return f"{self.source} line {self.lines[index]}"
        return f"{self.source} record {index + 1}"

    def require(self, *columns: str) -> None:
        """Raise :class:`DataFormatError` naming the source, the column and the columns found
        when one of ``columns`` is missing."""
        for column in columns:
            if column not in self.columns:
                raise DataFormatError(
                    f"{self.source} has no column {column!r}; columns found: {self.columns}"
                )

    def value(self, index: int, column: str) -> Any:
        """``records[index][column]``; a record lacking it is an error naming where it is."""
        record = self.records[index]
        if column not in record:
            raise DataFormatError(
                f"{self.where(index)} has no {column!r}; its keys: {sorted(record)}"
            )
        return record[column]


def read_records(
    data: str | os.PathLike[str] | Any, *, split: str | None = None, format: str | None = None
) -> list[dict[str, Any]]:
    """The records of a CSV, TSV, JSON or JSON lines file (or a dataset) as a list of dicts.

    See :func:`read_table` for the arguments and the errors.
    """
    return read_table(data, split=split, format=format).records


def read_table(
    data: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Any,
    *,
    split: str | None = None,
    format: str | None = None,
) -> Table:
    """Read ``data`` into a :class:`Table`.

    Args:
        data: a file path (its extension picks the format, see :data:`FORMATS`), a list of
            dicts, a :class:`Table`, or a ``datasets.Dataset`` / ``DatasetDict``.
        split: the split of a ``DatasetDict`` (may be left out when it has one split).
        format: ``"csv"``, ``"tsv"``, ``"json"`` or ``"jsonl"`` to override the extension.

    Raises:
        DataFormatError: an empty file or a file without records, JSON that does not parse
            (with the line number), a JSON document that is not a list of objects, a CSV/TSV
            row with more or fewer fields than the header, an unknown extension.
        FileNotFoundError: no such file.
    """
    if isinstance(data, Table):
        return data
    if _is_dataset(data):
        return _from_dataset(data, split)
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        records = [dict(_as_record(r, "input", i)) for i, r in enumerate(data)]
        if not records:
            raise DataFormatError("no records given")
        return Table(records, "input")
    path = Path(data)
    kind = format or FORMATS.get(path.suffix.lower())
    if kind not in FORMATS.values():
        raise DataFormatError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; use one of "
            f"{sorted(FORMATS)} or pass format= one of {sorted(FORMATS.values())}"
        )
    text = read_text(path)
    if kind in ("csv", "tsv"):
        table = _read_delimited(text, str(path), kind)
    elif kind == "jsonl":
        table = _read_json_lines(text, str(path))
    else:
        table = _read_json(text, str(path))
    if not table.records:
        raise DataFormatError(f"{path} holds no records")
    return table


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of a UTF-8 file (a byte-order mark dropped); an empty file is an error."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no data file {path}")
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        raise DataFormatError(f"{path} is empty")
    return text


def _as_record(value: Any, source: str, index: int) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DataFormatError(
            f"{source} record {index + 1} is a {type(value).__name__}, not an object of columns"
        )
    return value


def _read_delimited(text: str, source: str, kind: str) -> Table:
    stream = io.StringIO(text, newline="")
    if kind == "tsv":
        reader = csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        reader = csv.reader(stream)
    header = next(reader)
    records, lines = [], []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise DataFormatError(f"{source} line {start}: {error}") from None
        if not row:
            continue
        if len(row) != len(header):
            raise DataFormatError(
                f"{source} line {start} has {len(row)} fields, the header has {len(header)} "
                f"({header})"
            )
        records.append(dict(zip(header, row, strict=True)))
        lines.append(start)
    return Table(records, source, lines, list(header))


def _read_json_lines(text: str, source: str) -> Table:
    records, lines = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFormatError(
                f"{source} line {number} is not JSON: {error.msg} (column {error.colno})"
            ) from None
        if not isinstance(value, Mapping):
            raise DataFormatError(
                f"{source} line {number} is a {type(value).__name__}, not an object of columns"
            )
        records.append(dict(value))
        lines.append(number)
    return Table(records, source, lines)


def _read_json(text: str, source: str) -> Table:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        first = text.lstrip().split("\n")[0]
        if error.msg == "Extra data" and _is_object(first):
            return _read_json_lines(text, source)
        raise DataFormatError(
            f"{source} line {error.lineno} is not JSON: {error.msg} (column {error.colno})"
        ) from None
    if isinstance(document, Mapping):
        if "data" not in document:
            raise DataFormatError(
                f"{source} holds an object without a 'data' list of records; keys found: "
                f"{sorted(document)}"
            )
        document = document["data"]
    if not isinstance(document, list):
        raise DataFormatError(
            f"{source} holds a {type(document).__name__}, not a list of records"
        )
    return Table([dict(_as_record(r, source, i)) for i, r in enumerate(document)], source)


def _is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), Mapping)
    except json.JSONDecodeError:
        return False


def _is_dataset(data: Any) -> bool:
    module = type(data).__module__ or ""
    return module == "datasets" or module.startswith("datasets.")


def _from_dataset(data: Any, split: str | None) -> Table:
    name = type(data).__name__
    if name in ("DatasetDict", "IterableDatasetDict"):
        splits = sorted(data)
        if split is None and len(splits) == 1:
            split = splits[0]
        if split not in data:
            raise DataFormatError(
                f"the DatasetDict has no split {split!r}; splits found: {splits}"
            )
        dataset, source = data[split], f"dataset split {split!r}"
    else:
        dataset, source = data, "dataset"
    records = [dict(record) for record in dataset]
    if not records:
        raise DataFormatError(f"the {source} holds no records")
    features = getattr(dataset, "features", None) or {}
    return Table(records, source, columns=list(features) or [],
                 label_names=_class_label_names(features))


def _class_label_names(features: Mapping[str, Any]) -> dict[str, list[str]]:
    """``ClassLabel`` names of a dataset's columns (a ``Sequence`` / list of them too)."""
    out: dict[str, list[str]] = {}
    for column, feature in features.items():
        inner = feature
        if isinstance(inner, list) and inner:
            inner = inner[0]
        inner = getattr(inner, "feature", inner)
        names = getattr(inner, "names", None)
        if isinstance(names, list) and type(inner).__name__ == "ClassLabel":
            out[column] = [str(n) for n in names]
    return out
