"""Untrusted YAML in, plain data out, with the line of every mapping key.

Only the safe loader is used: a tag such as `!!python/object` is an error,
never code.  `load_documents` returns, for each document, the data and a
`Lines` object that says on which line each key (at any depth) stood, so
that errors can name file and line.
"""

import gc

import yaml

from docbuild import userfile
from docbuild.errors import UserError

# Bounds on what a small file can make: a list nested deeper than this is an
# error (Python's recursion limit would end configure with a traceback), and
# so is a document whose aliases expand to more nodes than ALIAS_LIMIT (a
# "billion laughs" file is a few lines that expand to 9**9 nodes).
MAX_DEPTH = 100
ALIAS_LIMIT = 100_000

try:  # libyaml is several times faster; fall back to the pure-Python loader
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class Lines:
    """Line numbers (1-based) of a mapping node's keys, nested by key.

    `keys` maps a key (or a list index) to the Lines of its value, or, for a
    scalar value, to just its line.  Given a node instead, they are found on
    first use.
    """

    def __init__(self, line, keys=None, node=None):
        self.line = line
        self._keys = keys
        self._node = node

    @property
    def keys(self):
        if self._keys is None:
            self._keys = _keys(self._node)
            self._node = None
        return self._keys

    def of(self, key):
        child = self.keys.get(key)
        if child is None:
            return self.line
        return child if child.__class__ is int else child.line

    def child(self, key):
        child = self.keys.get(key)
        if child is None:
            return Lines(self.line, {})
        return Lines(child, {}) if child.__class__ is int else child


def _keys(node):
    if isinstance(node, yaml.MappingNode):
        return {key_node.value: Lines(key_node.start_mark.line + 1, node=value_node)
                for key_node, value_node in node.value if isinstance(key_node, yaml.ScalarNode)}
    if isinstance(node, yaml.SequenceNode):
        return {i: Lines(n.start_mark.line + 1, node=n) for i, n in enumerate(node.value)}
    return {}


class _Slow(Exception):
    """A node the fast constructor leaves to PyYAML's own (SafeConstructor)."""


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Scalar tags whose SafeConstructor function is a plain function of the node.
_SCALARS = {tag: _Loader.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")}
_ScalarNode, _MappingNode, _SequenceNode = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode


class _TooBig(Exception):
    """A document past MAX_DEPTH or ALIAS_LIMIT: (message, line)."""


class _Duplicate(Exception):
    """A key given twice in one mapping: (key as written, first line, second line).
    PyYAML keeps the last value without a word; a config or content file
    with two `title:` is a mistake, and silently losing one hides it."""


def _construct(loader, node, done, busy, depth=0, budget=None):
    """(data, keys, size, height) for a node: the data loader.construct_document(node)
    would give, and for a mapping or list the `keys` of its Lines (None for a
    scalar); `size` counts the nodes it stands for with aliases expanded,
    `height` its nesting depth.  Handles plain strings, numbers, booleans,
    nulls, timestamps, mappings (no `<<` merge keys) and lists, with aliases
    shared as PyYAML shares them; anything else raises _Slow.  `budget` ([n])
    is how many more nodes aliases may add; past it, or MAX_DEPTH, _TooBig."""
    cls, tag = node.__class__, node.tag
    if cls is _ScalarNode:  # immutable: no need to share
        if tag == _STR:
            return node.value, None, 1, 0
        if tag in _SCALARS:
            return _SCALARS[tag](loader, node), None, 1, 0
        raise _Slow
    if depth >= MAX_DEPTH:
        raise _TooBig(f"lists and mappings nested more than {MAX_DEPTH} deep", node.start_mark.line + 1)
    key = id(node)
    if key in done:  # an alias: the same data again
        return _again(done[key], depth, budget)
    if key in busy:
        raise _Slow  # a recursive alias
    busy.add(key)
    keys, size, height = {}, 1, 1
    where = node.start_mark.line + 1
    try:
        if cls is _MappingNode and tag == _MAP:
            data = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is not _ScalarNode or (
                        key_node.tag != _STR and key_node.tag not in _SCALARS):
                    raise _Slow  # merge keys, `=` keys, unhashable keys
                where = key_node.start_mark.line + 1
                value, sub, n, h = _construct(loader, value_node, done, busy, depth + 1, budget)
                name = _construct(loader, key_node, done, busy)[0]
                if name in data:
                    raise _Duplicate(key_node.value, _line_of(node, name, loader), where)
                data[name] = value
                keys[key_node.value] = where if sub is None else Lines(where, sub)
                size += n + 1
                height = max(height, h + 1)
        elif cls is _SequenceNode and tag == _SEQ:
            data = []
            for i, item in enumerate(node.value):
                value, sub, n, h = _construct(loader, item, done, busy, depth + 1, budget)
                data.append(value)
                line = item.start_mark.line + 1
                keys[i] = line if sub is None else Lines(line, sub)
                size += n
                height = max(height, h + 1)
        else:
            raise _Slow
    except _TooBig as exc:
        if exc.args[1] is None:  # an alias right in this node: the line of its key, or of this list
            exc.args = (exc.args[0], where)
        raise
    busy.discard(key)
    done[key] = found = data, keys, size, height
    return found


def _again(found, depth, budget):
    """An alias's node, constructed before (`found`), counted against the
    budget and the depth where it appears again."""
    _, _, size, height = found
    budget[0] -= size
    if budget[0] < 0:
        raise _TooBig(f"aliases expand to more than {ALIAS_LIMIT} values", None)
    if depth + height > MAX_DEPTH:
        raise _TooBig(f"lists and mappings nested more than {MAX_DEPTH} deep (through aliases)", None)
    return found


def _line_of(node, name, loader):
    """The line of the first key of mapping `node` whose value is `name`."""
    for key_node, _ in node.value:
        if loader.construct_object(key_node) == name:
            return key_node.start_mark.line + 1
    return None  # pragma: no cover


def _check_duplicates(loader, node, seen=None):
    """_Duplicate for a key given twice in any mapping below `node`, for the
    documents the slow constructor builds.  Before it builds them: it
    rewrites a mapping with `<<` merge keys in place, and a merged key that
    an explicit one overrides is no duplicate."""
    seen = set() if seen is None else seen
    stack = [node]
    while stack:
        node = stack.pop()
        if node.__class__ is _ScalarNode or id(node) in seen:
            continue
        seen.add(id(node))
        if node.__class__ is _SequenceNode:
            stack.extend(node.value)
            continue
        names = {}
        for key_node, value_node in node.value:
            stack += [key_node, value_node]
            if key_node.__class__ is not _ScalarNode or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            # An `=` key is the string "=" to PyYAML's safe constructor.
            name = key_node.value if key_node.tag == "tag:yaml.org,2002:value" else \
                loader.construct_object(key_node)
            if name in names:
                raise _Duplicate(key_node.value, names[name], key_node.start_mark.line + 1)
            names[name] = key_node.start_mark.line + 1


def _check(node, depth=0, sizes=None, budget=None):
    """The bounds of _construct for a document the slow constructor builds
    (merge keys, tags): (size, height) of `node`, or _TooBig."""
    if sizes is None:
        sizes, budget = {}, [ALIAS_LIMIT]
    if node.__class__ is _ScalarNode:
        return 1, 0
    if depth >= MAX_DEPTH:
        raise _TooBig(f"lists and mappings nested more than {MAX_DEPTH} deep", node.start_mark.line + 1)
    key = id(node)
    if key in sizes:  # an alias
        size, height = sizes[key]
        if size is None:  # a recursive alias: PyYAML builds a cycle, not a copy
            return 1, 0
        budget[0] -= size
        if budget[0] < 0:
            raise _TooBig(f"aliases expand to more than {ALIAS_LIMIT} values", None)
        if depth + height > MAX_DEPTH:
            raise _TooBig(f"lists and mappings nested more than {MAX_DEPTH} deep (through aliases)", None)
        return size, height
    sizes[key] = None, None
    size, height = 1, 1
    if node.__class__ is _SequenceNode:
        items = [(node, item) for item in node.value]
    else:
        items = [pair for pair in node.value]
    for near, item in items:
        try:
            n, h = _check(near, depth + 1, sizes, budget) if near is not node else (0, 0)
            m, h2 = _check(item, depth + 1, sizes, budget)
        except _TooBig as exc:
            if exc.args[1] is None:  # the line of its key, or of this list
                exc.args = (exc.args[0], near.start_mark.line + 1)
            raise
        size, height = size + n + m, max(height, h + 1, h2 + 1)
    sizes[key] = size, height
    return size, height


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


def _bad_scalar_line(text):
    """The line of the first tagged scalar that the safe constructor cannot convert."""
    loader = yaml.SafeLoader(text)
    try:
        stack = []
        while loader.check_node():
            stack.append(loader.get_node())
            while stack:
                node = stack.pop()
                if isinstance(node, yaml.ScalarNode):
                    try:
                        loader.construct_object(node)
                    except (ValueError, TypeError, OverflowError):
                        return node.start_mark.line + 1
                    except yaml.YAMLError:
                        pass
                elif node is not None:
                    for item in reversed(node.value):
                        stack.extend(reversed(item) if isinstance(item, tuple) else [item])
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def read_text(path):
    """The text of a YAML file: a regular file, UTF-8, at most userfile.MAX_SIZE bytes."""
    try:
        data, _ = userfile.read(path)
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text ({exc.reason})", where=path) from None
    except userfile.NotReadable as exc:
        raise UserError(f"cannot read the file: {exc}", where=path,
                        hint="a YAML file must be a regular file") from None
    except OSError as exc:
        raise UserError(f"cannot read the file: {exc.strerror}", where=path) from None


def load_documents(path, text=None):
    """[(data, Lines)] for each non-empty document in the file at `path`."""
    if text is None:
        text = read_text(path)
    documents = []
    line = None
    # Loading allocates many objects and frees none, which makes Python's
    # cyclic GC run again and again over everything alive: hold it off.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        loader = _Loader(text)
        try:
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                line = node.start_mark.line + 1
                try:
                    data, keys, _, _ = _construct(loader, node, {}, set(), 0, [ALIAS_LIMIT])
                    lines = Lines(line, keys or {})
                except _Slow:
                    _check(node)
                    _check_duplicates(loader, node)
                    data = loader.construct_document(node)
                    lines = Lines(line, node=node)
                if data is None:
                    continue
                documents.append((data, lines))
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _problem(exc, path) from None
    except _Duplicate as exc:
        key, first, second = exc.args
        raise UserError(f"duplicate key {key!r}: it is also on line {first}", where=(path, second),
                        hint="a key may appear once in a mapping (YAML would keep only the last "
                             "value): remove one, or merge the two") from None
    except _TooBig as exc:
        raise UserError(exc.args[0], where=(path, exc.args[1]),
                        hint="write the values out, or nest them less; docbuild bounds what a YAML "
                             "file may expand to") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # A tagged scalar PyYAML cannot convert, such as `!!int x` or `!!float y`.
        raise UserError(f"a value cannot be read as its YAML tag says: {exc}",
                        where=(path, _bad_scalar_line(text) or line),
                        hint="remove the `!!` tag or fix the value; docbuild wants plain strings, "
                             "numbers, lists and mappings") from None
    finally:
        if gc_was_enabled:
            gc.enable()
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
