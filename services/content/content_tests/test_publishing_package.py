"""The publishing package: its exports, and nothing built at import time."""

from __future__ import annotations

import subprocess
import sys

import kim_content.publishing as publishing


def test_exports() -> None:
    assert sorted(publishing.__all__) == sorted(set(publishing.__all__))
    for name in publishing.__all__:
        assert hasattr(publishing, name), name


def test_import_builds_nothing() -> None:
    code = (
        "import kim_content.publishing\n"
        "from kim_content.publishing import render\n"
        "from kim_shared import search_text\n"
        "assert render._parser.cache_info().currsize == 0\n"
        "assert render._cleaner.cache_info().currsize == 0\n"
        "assert search_text._stemmer.cache_info().currsize == 0\n"
        "assert search_text.stem_word.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
