"""Records from CSV, TSV, JSON and JSON lines files, lists and datasets."""

from __future__ import annotations

import re

import pytest

from albert_core.tasks.files import DataFormatError, Table, read_records, read_table

RECORDS = [{"sentence": "a fine film", "label": "pos"}, {"sentence": "dull, long", "label": "neg"}]


def test_csv_keeps_quoted_commas_and_newlines(write):
    path = write("train.csv", 'sentence,label\n"dull, long",neg\n"two\nlines",pos\nok,pos\n')
    table = read_table(path)
    assert table.records == [{"sentence": "dull, long", "label": "neg"},
                             {"sentence": "two\nlines", "label": "pos"},
                             {"sentence": "ok", "label": "pos"}]
    assert table.lines == [2, 3, 5]
    assert table.columns == ["sentence", "label"]
    assert table.where(2) == f"{path} line 5"


def test_tsv_does_not_treat_quotes_specially(write):
    path = write("train.tsv", 'sentence\tlabel\n"quoted" start\t1\nit\'s\t0\n')
    assert read_records(path) == [{"sentence": '"quoted" start', "label": "1"},
                                  {"sentence": "it's", "label": "0"}]


def test_every_format_gives_the_same_records(write):
    csv_path = write("a.csv", "sentence,label\na fine film,pos\n\"dull, long\",neg\n")
    expected = read_records(csv_path)
    assert expected == RECORDS
    assert read_records(write("a.json", RECORDS)) == expected
    assert read_records(write("b.json", {"version": "1", "data": RECORDS})) == expected
    assert read_records(write("a.jsonl", RECORDS)) == expected
    # datasets' json loader reads a .json file of one object per line too
    lines = write("c.json", "".join(f'{{"sentence": "{r["sentence"]}", "label": "{r["label"]}"}}\n'
                                    for r in RECORDS))
    assert read_records(lines) == expected


def test_json_keeps_types_and_jsonl_skips_blank_lines(write):
    path = write("a.jsonl", '{"text": "x", "label": 1.5}\n\n{"text": "y", "label": [1, 2]}\n')
    table = read_table(path)
    assert table.records == [{"text": "x", "label": 1.5}, {"text": "y", "label": [1, 2]}]
    assert table.lines == [1, 3]


def test_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffsentence,label\nhi,1\n".encode())
    assert read_records(path) == [{"sentence": "hi", "label": "1"}]


def test_lists_tables_and_format_override(write):
    assert read_table(RECORDS).records == RECORDS
    table = read_table(RECORDS)
    assert read_table(table) is table
    path = write("train.data", "sentence,label\nhi,1\n")
    assert read_records(path, format="csv") == [{"sentence": "hi", "label": "1"}]
    with pytest.raises(DataFormatError, match=r"train\.data: cannot tell the format.*'\.data'"):
        read_records(path)


@pytest.mark.parametrize("name", ["a.csv", "a.tsv", "a.json", "a.jsonl"])
def test_empty_file(write, name):
    path = write(name, "  \n")
    with pytest.raises(DataFormatError, match=re.escape(f"{path} is empty")):
        read_records(path)


@pytest.mark.parametrize(("name", "content"), [
    ("a.csv", "sentence,label\n"), ("a.json", "[]"), ("b.json", '{"data": []}'),
])
def test_no_records(write, name, content):
    path = write(name, content)
    with pytest.raises(DataFormatError, match=re.escape(f"{path} holds no records")):
        read_records(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no data file"):
        read_records(tmp_path / "nope.csv")


def test_bad_json_lines_names_the_line(write):
    path = write("a.jsonl", '{"text": "x"}\n{"text": oops}\n')
    with pytest.raises(DataFormatError, match=re.escape(f"{path} line 2 is not JSON")):
        read_records(path)
    path = write("b.jsonl", '{"text": "x"}\n[1, 2]\n')
    with pytest.raises(DataFormatError, match="line 2 is a list, not an object of columns"):
        read_records(path)


def test_bad_json_document_names_the_line(write):
    path = write("a.json", '[\n  {"text": "x"},\n  {"text": }\n]\n')
    with pytest.raises(DataFormatError, match=re.escape(f"{path} line 3 is not JSON")):
        read_records(path)


def test_json_documents_that_are_not_records(write):
    with pytest.raises(DataFormatError, match=r"without a 'data' list.*keys found: \['rows'\]"):
        read_records(write("a.json", {"rows": RECORDS}))
    with pytest.raises(DataFormatError, match="holds a str, not a list of records"):
        read_records(write("b.json", '"text"'))
    with pytest.raises(DataFormatError, match="record 2 is a int, not an object"):
        read_records(write("c.json", [{"a": 1}, 5]))


def test_ragged_csv_row_names_the_line(write):
    path = write("a.csv", "sentence,label\nok,1\ntoo,many,fields\n")
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} line 3 has 3 fields, the header has 2 (['sentence', 'label'])")):
        read_records(path)
    with pytest.raises(DataFormatError, match="line 2 has 1 fields"):
        read_records(write("b.tsv", "sentence\tlabel\nlonely\n"))


def test_missing_column_names_file_column_and_columns(write):
    path = write("a.csv", "text,score\nhi,1\n")
    table = read_table(path)
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} has no column 'label'; columns found: ['text', 'score']")):
        table.require("label")
    table = Table([{"text": "a"}, {"other": "b"}], "x.json")
    with pytest.raises(DataFormatError, match=r"x\.json record 2 has no 'text'"):
        table.value(1, "text")


def test_datasets_dataset_and_dataset_dict(monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["neg", "pos"])})
    train = datasets.Dataset.from_list([{"sentence": "a", "label": 1},
                                        {"sentence": "b", "label": 0}], features=features)
    table = read_table(train)
    assert table.records == [{"sentence": "a", "label": 1}, {"sentence": "b", "label": 0}]
    assert table.label_names == {"label": ["neg", "pos"]}
    assert table.source == "dataset"
    both = datasets.DatasetDict({"train": train, "validation": train.select([0])})
    assert read_records(both, split="validation") == [{"sentence": "a", "label": 1}]
    with pytest.raises(DataFormatError, match=r"no split 'test'; splits found: \['train', "):
        read_records(both, split="test")
    with pytest.raises(DataFormatError, match="no split None"):
        read_records(both)
    assert len(read_records(datasets.DatasetDict({"train": train}))) == 2
