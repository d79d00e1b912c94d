"""Doctrees moved between checkouts (docbuild/matrix.py's jobs): the doctrees
and Sphinx's pickled environment hold absolute paths, so a job on a checkout
at another path rewrites every path below an old folder to its new one.
"""

import os
import pickle
import shutil
import sys


def moved_path(text, moves):
    """`text`, when it is one of `moves`' old folders or below one, moved to
    the new folder; else `text` itself.  `moves`: [(old, new)], longest first."""
    for old, new in moves:
        if text == old or text.startswith(old + os.sep):
            return new + text[len(old):]
    return text


def relocate(obj, moves):
    """`obj` with every str and path that is one of `moves`' old folders, or
    below one, moved to the new folder: in place where the object can change,
    else a new one.  `moves`: [(old, new)], longest first."""
    from pathlib import PurePath

    seen = {}  # id -> (the object, kept alive so that its id is not reused; its result)
    atoms = (int, float, bool, bytes, complex, type(None))

    def walk(x):
        kind = type(x)
        if kind is str:
            return moved_path(x, moves)
        if kind in atoms or isinstance(x, (type, type(os), type(walk))):
            return x
        if id(x) in seen:
            return seen[id(x)][1]
        if isinstance(x, PurePath):
            seen[id(x)] = (x, kind(moved_path(str(x), moves)))
        elif kind is tuple or (isinstance(x, tuple) and hasattr(x, "_fields")):
            seen[id(x)] = (x, x)  # a cycle through a tuple keeps the old one
            items = [walk(v) for v in x]
            seen[id(x)] = (x, kind(items) if kind is tuple else kind._make(items))
        elif isinstance(x, frozenset):
            seen[id(x)] = (x, frozenset(walk(v) for v in x))
        else:
            seen[id(x)] = (x, x)
            if isinstance(x, dict):
                items = [(walk(k), walk(v)) for k, v in x.items()]
                x.clear()
                x.update(items)
            elif isinstance(x, list):
                x[:] = [walk(v) for v in x]
            elif isinstance(x, set):
                items = [walk(v) for v in x]
                x.clear()
                x.update(items)
            elif not isinstance(x, str):  # a str subclass (docutils' Text) keeps its text
                if isinstance(getattr(x, "__dict__", None), dict):
                    walk(x.__dict__)
                slots = getattr(kind, "__slots__", ())
                for slot in {slots} if isinstance(slots, str) else {s for k in kind.__mro__
                                                                   for s in getattr(k, "__slots__", ())}:
                    value = getattr(x, slot, None) if slot != "__dict__" else None
                    new = walk(value)
                    if new is not value:  # an immutable object keeps what needs no move
                        object.__setattr__(x, slot, new)
            elif hasattr(x, "__dict__"):
                walk(x.__dict__)
        return seen[id(x)][1]

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    try:
        return walk(obj)
    finally:
        sys.setrecursionlimit(limit)


def moved_doctree(tree, moves):
    """The pickle of a doctree moved by `moves`: the nodes' sources and
    attributes directly (walking every object of a doctree in Python took
    13 ms a page), then, if any old folder is left in the pickle, or a path
    object that holds it in parts, the whole of it (relocate)."""
    messages = [*getattr(tree, "parse_messages", []), *getattr(tree, "transform_messages", [])]
    for node in (n for top in [tree, *messages] for n in top.findall()):
        if isinstance(node, str):  # Text: its words are the page's, not a path
            continue
        if isinstance(getattr(node, "source", None), str):
            node.source = moved_path(node.source, moves)
        for key, value in node.attributes.items():
            if type(value) is str:
                node.attributes[key] = moved_path(value, moves)
            elif type(value) is list:
                value[:] = [moved_path(v, moves) if type(v) is str else v for v in value]
    if getattr(tree, "settings", None) is not None:
        relocate(tree.settings, moves)
    data = pickle.dumps(tree, pickle.HIGHEST_PROTOCOL)
    if b"pathlib" in data or any(old.encode() in data for old, _ in moves):
        data = pickle.dumps(relocate(tree, moves), pickle.HIGHEST_PROTOCOL)
    return data


def load_pickle(path):
    with open(path, "rb") as f:
        return pickle.load(f)


def import_doctrees(source, target, moves, read_time):
    """Make `target` the read's doctrees from an artifact, moved to this
    checkout, with Sphinx's record of when each document was read set to
    `read_time` (the sources were checked: they are the ones read).  Returns
    how many documents Sphinx reads on every run anyway (`reread_always`:
    a toctree that names an excluded document, for one)."""
    tmp = f"{target}.import{os.getpid()}"
    always = 0
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    for root, _, files in os.walk(tmp):
        for name in files:
            path = os.path.join(root, name)
            if name == "environment.pickle":
                env = relocate(load_pickle(path), moves) if moves else load_pickle(path)
                env.all_docs = dict.fromkeys(env.all_docs, read_time)
                always = len(env.reread_always)
                data = pickle.dumps(env, pickle.HIGHEST_PROTOCOL)
            elif name.endswith(".doctree") and moves:
                data = moved_doctree(load_pickle(path), moves)
            else:
                continue
            with open(path, "wb") as f:
                f.write(data)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return always
