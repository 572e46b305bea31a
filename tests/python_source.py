"""Parse Python source for the tests that read code (architecture, layering, the example).

CPython 3.11 keeps the AST constructor's recursion depth in interpreter-wide state: when
another thread builds an AST at the same time (3.11's traceback formatting parses the failing
line to draw its ``^^^`` markers, e.g. in a server thread logging an error), ``ast.parse`` can
raise ``SystemError: AST constructor recursion depth mismatch`` for valid source
(python/cpython#106905, fixed in 3.12). The source is not at fault, so it is parsed again.
"""

from __future__ import annotations

import ast

ATTEMPTS = 5


def parse(source: str) -> ast.Module:
    for _ in range(ATTEMPTS - 1):
        try:
            return ast.parse(source)
        except SystemError as error:
            if "recursion depth mismatch" not in str(error):
                raise
    return ast.parse(source)
