"""Render build.ninja from the Jinja2 template build.ninja.in.

Every placeholder must pass one of these filters, each of which makes its
value safe for one place in a ninja file and marks it `Escaped`:
  path     a path on a `build` line ($, space, colon and | escaped)
  paths    a list of those, space separated
  value    text on the right of `name =` ($ and a leading space escaped)
  arg      a shell word inside a command (shell-quoted, then $ escaped)
  name     a target or step name, also used unquoted in commands: letters,
           digits, _ . + @ - only, so that it needs no escaping anywhere
  int      a whole number
  comment  text in a comment line (control characters shown as escapes)
`join` keeps the mark when every item has it (`map('arg')|join(' ')`).
The environment's `finalize` refuses any other value, so a placeholder
that forgets its filter fails the render, in every test, rather than
letting a file name or a conf.py value write its own ninja rules.
"""

import os
import re

import jinja2

from docbuild.errors import UserError
from docbuild.paths import data_dir, ninja_path, ninja_value, shell_arg

TEMPLATE_DIR = data_dir()
TEMPLATE = os.path.join(TEMPLATE_DIR, "build.ninja.in")
# A word character first: a name never starts with `-` (an option) or `.`.
NAME = re.compile(r"\w[\w.+@-]*")


class Escaped(str):
    """Text a filter made safe for its place in build.ninja."""

    __slots__ = ()


def finalize(value):
    if type(value) is Escaped:
        return value
    raise TypeError(f"build.ninja.in prints {value!r} without an escaping filter "
                    "(path, paths, value, arg, name, int or comment)")


def path(text):
    return Escaped(ninja_path(text))


def paths(items):
    return Escaped(" ".join(ninja_path(p) for p in items))


def value(text):
    return Escaped(ninja_value(text))


def arg(text):
    return Escaped(shell_arg(text))


def check_target_name(text):
    """A name that is safe unquoted on a build line, in a value and in a shell command."""
    if not isinstance(text, str) or not NAME.fullmatch(text):
        raise UserError(f"{text!r} cannot be a target or step name",
                        hint="use letters, digits, _, ., +, @ and - only (not first)")
    return text


def name(text):
    return Escaped(check_target_name(text))


def integer(number):
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"build.ninja.in: {number!r} is not a whole number")
    return Escaped(str(number))


def comment(text):
    """Text for a comment line: a line break would end the comment, so it and
    every other unprintable character is written as its Python escape."""
    text = str(text)
    if text.isprintable():
        return Escaped(text)
    return Escaped("".join(c if c.isprintable() else ascii(c)[1:-1] for c in text))


def join(items, separator=""):
    """Jinja2's join, keeping the mark when every item is escaped (the
    separator is the template's own text)."""
    items = list(items)
    joined = str(separator).join(items)
    return Escaped(joined) if all(type(i) is Escaped for i in items) else joined


def environment(cache_dir=None):
    # Compiling the template is a tenth of a warm configure: the compiled
    # code is kept in the build dir (Jinja2 checks it against the source).
    cache = None
    if cache_dir:
        os.makedirs(cache_dir, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(cache_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        bytecode_cache=cache,
        finalize=finalize,
    )
    env.filters.update(path=path, paths=paths, value=value, arg=arg, name=name, int=integer,
                       comment=comment, join=join)
    return env


def render(cache_dir=None, **context):
    return environment(cache_dir).get_template("build.ninja.in").render(**context)
