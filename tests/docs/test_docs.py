"""The documentation cannot rot: every example runs, the site builds with ``--strict``.

Every fenced ``python`` and ``bash`` block of ``docs/**/*.md`` runs here, page by page,
against tiny random models: the model names the pages use are replaced by tiny checkpoints
(:data:`MODELS`). The python blocks of a page share one namespace, in order; a bash block
holds ``albert ...`` commands (``echo ... | albert ...`` feeds stdin), run in-process
through :func:`albert_core.cli.main`, each of which must exit 0. A block preceded by an
``<!-- not-run: reason -->`` line is skipped (installation commands). Other fence languages
are shown as they are and must not hold code: none, ``text``, ``yaml`` and ``json`` only.
"""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from albert_core import cli

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

#: Model name used in the docs -> tiny checkpoint standing in for it.
MODELS = {
    "albert/albert-base-v2": "tiny-pretraining",
    "./albert-sst2": "tiny-sst2",
    "./albert-ner": "tiny-ner",
    "./albert-squad2": "tiny-squad2",
}

#: The original TF1 release directory the conversion guide converts (made from a tiny model).
TF1_RELEASE = "albert_base/"

RUNNABLE = {"python", "bash"}
SHOWN = {"", "text", "yaml", "json"}
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*\S.*-->$")

#: Framework -> (package that must be importable, patterns showing a page uses it).
FRAMEWORK_USES = {
    "torch": (r"albert_pt|import torch|framework=\"pt\"", "torch"),
    "tensorflow": (r"albert_tf|framework=\"tf\"|--framework tf|--to (all|tf)|\"tf\"", "tensorflow"),
    "flax": (r"albert_flax|\"flax\"|--framework flax|--to (all|flax)|--to tf,flax", "flax"),
}


@dataclass
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    lang: str
    code: str
    skip: str | None


def blocks_of(page: Path) -> list[Block]:
    """The fenced blocks of ``page``, with the not-run reason of each (None: it runs)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    out, index, previous = [], 0, ""
    while index < len(lines):
        line = lines[index]
        match = re.match(r"^(\s*)```(\w*)", line)
        if not match:
            if line.strip():
                previous = line.strip()
            index += 1
            continue
        indent, lang = match.groups()
        end = index + 1
        while not re.match(rf"^{indent}```\s*$", lines[end]):
            end += 1
        body = [text[len(indent):] for text in lines[index + 1:end]]
        skip = previous if NOT_RUN.match(previous) else None
        out.append(Block(page, index + 1, lang, "\n".join(body) + "\n", skip))
        previous, index = "", end + 1
    return out


def pages() -> list[Path]:
    """Every markdown page of the docs."""
    return sorted(DOCS.rglob("*.md"))


def pages_with_examples() -> list[Path]:
    return [p for p in pages() if any(b.lang in RUNNABLE and not b.skip for b in blocks_of(p))]


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory) -> dict[str, Path]:
    spec = importlib.util.spec_from_file_location(
        "docs_tiny_models", ROOT / "tests" / "pipelines" / "tiny_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(tmp_path_factory.mktemp("docs-models"))


def substitute(code: str, tiny_dirs: dict[str, Path]) -> str:
    for name, tiny in MODELS.items():
        code = code.replace(name, str(tiny_dirs[tiny]))
    return code


def make_tf1_release(directory: Path, tiny_dirs: dict[str, Path]) -> None:
    """An original-release-like TF1 directory: model.ckpt-*, albert_config.json,
    30k-clean.model (written from the tiny pre-training model by ``albert convert``)."""
    code = cli.main(["convert", str(tiny_dirs["tiny-pretraining"]), str(directory), "--to",
                     "tf1", "--no-progress"])
    assert code == 0, "could not write the TF1 fixture"
    (directory / "spiece.model").rename(directory / "30k-clean.model")
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json"):
        (directory / name).unlink(missing_ok=True)


def commands(block: Block) -> list[str]:
    """The shell commands of a bash block (backslash continuations joined)."""
    joined = re.sub(r"\\\n\s*", " ", block.code)
    return [line.strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def run_command(command: str, where: str, monkeypatch, capsys) -> None:
    """Run ``albert ...`` or ``echo [-e] TEXT | albert ...`` through cli.main."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|")
    lexer.whitespace_split = True
    tokens = list(lexer)
    stdin = None
    if "|" in tokens:
        bar = tokens.index("|")
        producer, tokens = tokens[:bar], tokens[bar + 1:]
        assert producer[0] == "echo", f"{where}: only 'echo ... | albert ...' pipes run here"
        escapes = producer[1:2] == ["-e"]
        text = " ".join(producer[2:] if escapes else producer[1:])
        stdin = (text.replace("\\n", "\n") if escapes else text) + "\n"
    assert tokens[0] == "albert", (
        f"{where}: {command!r} is not an albert command; mark the block <!-- not-run: ... -->")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    code = cli.main(tokens[1:])
    out, err = capsys.readouterr()
    assert code == 0, f"{where}: {command!r} exited {code}: {err.strip()}"
    assert out.strip() or tokens[1] == "convert", f"{where}: {command!r} printed nothing"


def test_fences_are_runnable_or_shown():
    for page in pages():
        for block in blocks_of(page):
            where = f"{page.relative_to(ROOT)}:{block.line}"
            assert block.lang in RUNNABLE | SHOWN, (
                f"{where}: fence language {block.lang!r}; use python or bash (run by this "
                f"test) or one of {sorted(SHOWN)}")
            if block.lang in SHOWN:
                assert not re.search(r"^\s*(import |from \w+ import|albert )", block.code,
                                     re.M) or block.code.startswith("albert "), (
                    f"{where}: code in a {block.lang} fence would not be tested")


@pytest.mark.parametrize("page", pages_with_examples(),
                         ids=lambda p: str(p.relative_to(DOCS)))
def test_examples_run(page, tiny_dirs, tmp_path, monkeypatch, capsys):
    text = page.read_text(encoding="utf-8")
    for package, (pattern, module) in FRAMEWORK_USES.items():
        if re.search(pattern, text) and importlib.util.find_spec(module) is None:
            pytest.skip(f"{page.name} uses {package}, which is not installed")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    if TF1_RELEASE in text:
        make_tf1_release(tmp_path / TF1_RELEASE, tiny_dirs)
        capsys.readouterr()
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for block in blocks_of(page):
        if block.skip or block.lang not in RUNNABLE:
            continue
        where = f"{page.relative_to(ROOT)}:{block.line}"
        code = substitute(block.code, tiny_dirs)
        if block.lang == "python":
            exec(compile(code, where, "exec"), namespace)  # noqa: S102 - the docs' own code
            capsys.readouterr()
        else:
            for command in commands(Block(page, block.line, "bash", code, None)):
                run_command(command, where, monkeypatch, capsys)


def test_every_page_is_in_the_nav():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in pages():
        name = page.relative_to(DOCS).as_posix()
        assert f": {name}" in config, f"{name} is not in mkdocs.yml's nav"


def test_cli_reference_matches_the_parser():
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    known = {option for subparser in sub.choices.values() for action in subparser._actions
             for option in action.option_strings}
    documented = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", reference))
    assert documented <= known, f"cli.md documents unknown options {documented - known}"
    run_options = {option for action in sub.choices["run"]._actions
                   for option in action.option_strings if option.startswith("--")}
    assert run_options - {"--help"} <= documented, (
        f"cli.md does not document {run_options - documented - {'--help'}}")
    for command in sub.choices:
        assert f"`albert {command}`" in reference, f"cli.md does not list albert {command}"


def test_mkdocs_build_strict(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[dev]' installs the "
                        "docs tools)")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "api" / "pipelines" / "index.html").is_file()
