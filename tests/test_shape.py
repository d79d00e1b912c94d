"""docbuild/ stays readable a piece at a time (issue 15): no module over 450
lines, no function over 60 lines, no parameter list over 6 (self and cls
not counted).  Each offender is named as file:line, so the message says
where to split.  Nothing is exempt: a module that grows past a limit is
split where its concerns part (docs/internals.rst)."""

import ast
import glob
import os

from conftest import ROOT

MODULE_LINES = 450
FUNCTION_LINES = 60
PARAMETERS = 6


def modules():
    """(path relative to the checkout, source, tree) of every docbuild/*.py."""
    for path in sorted(glob.glob(os.path.join(ROOT, "docbuild", "*.py"))):
        with open(path, encoding="utf-8") as f:
            source = f.read()
        yield os.path.relpath(path, ROOT), source, ast.parse(source, path)


def functions(tree):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def parameters(function):
    a = function.args
    names = [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, (a.vararg, a.kwarg))]
    if a.args and a.args[0].arg in ("self", "cls"):
        names = names[1:]
    return len(names)


def test_no_module_is_over_450_lines():
    over = [f"{path}:1: {len(source.splitlines())} lines"
            for path, source, _ in modules() if len(source.splitlines()) > MODULE_LINES]
    assert not over, f"modules over {MODULE_LINES} lines:\n" + "\n".join(over)


def test_no_function_is_over_60_lines():
    over = [f"{path}:{f.lineno}: {f.name} {f.end_lineno - f.lineno + 1} lines"
            for path, _, tree in modules() for f in functions(tree)
            if f.end_lineno - f.lineno + 1 > FUNCTION_LINES]
    assert not over, f"functions over {FUNCTION_LINES} lines:\n" + "\n".join(over)


def test_no_function_takes_over_6_parameters():
    over = [f"{path}:{f.lineno}: {f.name} takes {parameters(f)}"
            for path, _, tree in modules() for f in functions(tree) if parameters(f) > PARAMETERS]
    assert not over, f"functions with over {PARAMETERS} parameters:\n" + "\n".join(over)
