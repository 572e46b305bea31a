"""docs/operations.md names real commands: every ``kim …`` line in its code blocks
parses with the operator CLI's own parser (subcommands, options, value types), and
its internal links point at headings that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from kim_shared.cli import build_parser

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "operations.md"
_FENCE = re.compile(r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
_SHELL_END = frozenset({"|", "||", "&&", ";", ">", ">>", "&"})
# Every procedure the guide must keep (the list).
REQUIRED = (
    ("dlq", "replay"),
    ("outbox", "retry"),
    ("projections", "rebuild"),
    ("regions", "import"),
    ("manifests", "write"),
    ("contracts", "write"),
)


def shell_lines(text: str) -> list[str]:
    """Commands of the ``sh`` blocks: continuations joined, comments dropped."""
    lines: list[str] = []
    for match in _FENCE.finditer(text):
        if match[1] not in {"sh", "bash", "shell"}:
            continue
        joined = match[2].replace("\\\n", " ")
        for line in joined.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def kim_invocations(text: str) -> list[list[str]]:
    """The arguments after ``kim`` wherever a line runs it (``uv run kim``,
    ``kubectl exec … -- kim``, or ``kim`` first)."""
    found = []
    for line in shell_lines(text):
        tokens = shlex.split(line, comments=False)
        for i, token in enumerate(tokens):
            if token == "kim" and (i == 0 or tokens[i - 1] in {"run", "--"}):
                args = []
                for arg in tokens[i + 1 :]:
                    if arg in _SHELL_END:
                        break
                    args.append(arg)
                found.append(args)
    return found


def test_the_guide_runs_the_operator_commands_it_must_explain() -> None:
    invocations = kim_invocations(GUIDE.read_text(encoding="utf-8"))
    assert len(invocations) >= 15
    named = {tuple(args[:2]) for args in invocations}
    for required in REQUIRED:
        assert required in named, f"no `kim {' '.join(required)}` in the guide"


@pytest.mark.parametrize("args", kim_invocations(GUIDE.read_text(encoding="utf-8")), ids=" ".join)
def test_every_kim_command_in_the_guide_parses(args: list[str]) -> None:
    try:
        build_parser().parse_args(args)
    except SystemExit as exc:
        pytest.fail(f"`kim {' '.join(args)}` is refused by the CLI (exit {exc.code})")


def test_a_wrong_command_is_refused() -> None:
    (args,) = kim_invocations("```sh\nkubectl exec deploy/x -- kim dlq replay --offset abc\n```\n")
    with pytest.raises(SystemExit):
        build_parser().parse_args(args)
    assert kim_invocations("```sh\nuv run kim outbox retry --all | tee x\n```\n") == [
        ["outbox", "retry", "--all"]
    ]


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_internal_links_point_at_headings() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    anchors = {_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    anchors |= set(re.findall(r'<a id="([^"]+)"', text))
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert links
    for link in links:
        assert link in anchors, f"#{link} is no heading of {GUIDE.name}"


def test_headings_are_in_indonesian_and_english() -> None:
    headings = [line for line in GUIDE.read_text().splitlines() if line.startswith("## ")]
    assert len(headings) >= 10
    for heading in headings:
        assert " / " in heading, heading
