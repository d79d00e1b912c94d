"""Untrusted YAML in, plain data out, with the line of every mapping key.

Only the safe loader is used: a tag such as `!!python/object` is an error,
never code.  `load_documents` returns, for each document, the data and a
`Lines` object that says on which line each key (at any depth) stood, so
that errors can name file and line.
"""

import yaml

from docbuild.errors import UserError

try:  # libyaml is several times faster; fall back to the pure-Python loader
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class Lines:
    """Line numbers (1-based) of a mapping node's keys, nested by key."""

    def __init__(self, line, keys=None):
        self.line = line
        self.keys = keys or {}

    def of(self, key):
        child = self.keys.get(key)
        return child.line if child else self.line

    def child(self, key):
        return self.keys.get(key) or Lines(self.of(key))


def _lines(node):
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        keys = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                sub = _lines(value_node)
                sub.line = key_node.start_mark.line + 1
                keys[key_node.value] = sub
        return Lines(line, keys)
    if isinstance(node, yaml.SequenceNode):
        return Lines(line, {i: _lines(n) for i, n in enumerate(node.value)})
    return Lines(line)


def _problem(exc, path):
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else None
    problem = getattr(exc, "problem", None) or str(exc)
    if "could not determine a constructor" in str(exc):
        tag = str(exc).split("tag '", 1)[-1].split("'", 1)[0]
        return UserError(
            f"the YAML tag {tag!r} is not allowed",
            where=(path, line),
            hint="docbuild reads YAML as untrusted data: use plain strings, lists and mappings",
        )
    return UserError(
        f"YAML syntax error: {problem}",
        where=(path, line),
        hint="fix the YAML at that line (check indentation, quotes and colons)",
    )


def load_documents(path, text=None):
    """[(data, Lines)] for each non-empty document in the file at `path`."""
    if text is None:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError as exc:
            raise UserError(f"not UTF-8 text ({exc.reason})", where=path) from None
        except OSError as exc:
            raise UserError(f"cannot read the file: {exc.strerror}", where=path) from None
    documents = []
    try:
        loader = _Loader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                data = loader.construct_document(node)
                if data is None:
                    continue
                documents.append((data, _lines(node)))
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _problem(exc, path) from None
    return documents


def load_mapping(path):
    """The single mapping a config file holds ({} for an empty file)."""
    documents = load_documents(path)
    if not documents:
        return {}, Lines(1)
    if len(documents) > 1:
        raise UserError("expected one YAML document, found several", where=(path, documents[1][1].line))
    data, lines = documents[0]
    if not isinstance(data, dict):
        raise UserError("expected a mapping of `key: value` lines", where=(path, lines.line))
    return data, lines
