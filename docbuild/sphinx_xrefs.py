"""Pages whose cross-references changed meaning are written again.

Sphinx writes a page again only when its own doctree changed.  But the text
and address of a page's `:ref:`, `:doc:` and object links come from other
pages: a section's title, a page's title, the page an object is documented
on.  After a retitle or a move, a clean build shows the new ones and an
incremental build the old ones on every page not itself edited.

So reading notes what each document refers to (`env.docbuild_xrefs`, pickled
with the environment: the writers, which start from the shared read's
environment, have it for every document), and each writer keeps the
fingerprint of every target as it was when it last finished
(docbuild-xrefs.json in its own doctree folder).  A document that refers to
a target whose fingerprint changed is written again.

Keys are coarse on purpose: an object link is keyed by the last part of its
name (`pkg.mod.f`, `mod.f` and `f` are all "obj:f"), since resolving it as
its domain would needs the context of the page (current module and class,
search mode).  A coarse key may write a page too many, never one too few.
"""

import hashlib
import json
import os
import re

from docbuild.paths import write_if_changed

STATE = "docbuild-xrefs.json"
_LAST = re.compile(r"[.:/\s]+")


def last_part(name):
    """`pkg.mod.Class.f()` -> `f`, `prog -v` -> `-v`, `Some Term` -> `term`."""
    parts = [p for p in _LAST.split(name.strip().lstrip("~!").removesuffix("()")) if p]
    return (parts[-1] if parts else name).lower()


def key(node, docname):
    from sphinx.util import docname_join

    kind, target = node.get("reftype"), node.get("reftarget") or ""
    if kind == "doc":
        return "doc:" + docname_join(node.get("refdoc") or docname, target)
    if node.get("refdomain") == "std" and kind in ("ref", "numref", "keyword"):
        return "label:" + target.lower()
    return "obj:" + last_part(target)


def _notes(env):
    if not hasattr(env, "docbuild_xrefs"):
        env.docbuild_xrefs = {}
    return env.docbuild_xrefs


def references(doctree, docname):
    from sphinx import addnodes

    return sorted({key(node, docname) for node in doctree.findall(addnodes.pending_xref)})


def note_references(app, doctree):
    _notes(app.env)[app.env.docname] = references(doctree, app.env.docname)


def complete(app, env):
    """Notes of the documents read before docbuild took them (an environment
    of an older docbuild), from their doctrees: once, since the shared read
    saves its environment with them."""
    notes = _notes(env)
    for doc in sorted(env.found_docs - set(notes)):
        try:
            notes[doc] = references(env.get_doctree(doc), doc)
        except (OSError, EOFError, ValueError):
            pass  # no doctree: the document is being read, and noted, now
    return []


def purge(app, env, docname):
    _notes(env).pop(docname, None)


def merge(app, env, docnames, other):
    """A -j reader's notes join the main process's."""
    theirs = getattr(other, "docbuild_xrefs", {})
    _notes(env).update({d: theirs[d] for d in docnames if d in theirs})


def fingerprints(env, wanted):
    """{key: digest of what a reference by that key resolves to}, for the keys in `wanted`."""
    values = {}
    std = env.get_domain("std")
    for name, value in std.labels.items():
        values.setdefault("label:" + name, []).append(("label",) + tuple(value))
    for name, value in std.anonlabels.items():
        values.setdefault("label:" + name, []).append(("anon",) + tuple(value))
    for doc in env.found_docs:
        title = env.titles.get(doc)
        values["doc:" + doc] = [title.astext() if title is not None else None]
    for domain in sorted(env.domains.values(), key=lambda d: d.name):
        for name, dispname, kind, docname, anchor, prio in domain.get_objects():
            short = "obj:" + last_part(name)
            if short in wanted:
                values.setdefault(short, []).append((domain.name, name, dispname, kind, docname, anchor, prio))
    return {k: hashlib.sha1(repr(sorted(values[k], key=repr)).encode()).hexdigest()[:16]
            for k in sorted(wanted) if k in values}


class References:
    """The writer's side: which documents to write again, and the state it leaves."""

    def __init__(self):
        self.now = None

    def path(self, app):
        return os.path.join(app.doctreedir, STATE)

    def outdated(self, app, env):
        """env-updated: the documents referring to a target that changed."""
        if app.builder.name == "dummy":  # the shared read writes nothing
            return complete(app, env)
        complete(app, env)
        notes = _notes(env)
        wanted = set().union(*notes.values()) if notes else set()
        self.now = fingerprints(env, wanted)
        try:
            with open(self.path(app), encoding="utf-8") as f:
                before = json.load(f)
        except (OSError, ValueError):
            before = None
        if not isinstance(before, dict):
            # Nothing known (a first build writes every page anyway; pages
            # written by an older docbuild may hold old link texts).
            return sorted(d for d, keys in notes.items() if keys and d in env.found_docs)
        changed = {k for k in wanted if before.get(k) != self.now.get(k)}
        return sorted(d for d, keys in notes.items() if d in env.found_docs and changed.intersection(keys))

    def finished(self, app, exception):
        if exception is None and self.now is not None:
            write_if_changed(self.path(app), json.dumps(self.now, indent=0, sort_keys=True))


def setup(app):
    refs = References()
    app.connect("doctree-read", note_references)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-updated", refs.outdated)
    app.connect("build-finished", refs.finished)
