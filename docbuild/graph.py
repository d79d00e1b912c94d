"""The dependency graph between documents and the files they pull in.

Built at configure time from the scan, so that (a) files that a generator
writes are known to ninja before the Sphinx runs that read them, and (b) a
missing include target is reported at configure time, with file and line,
instead of a warning lost in a long Sphinx log: a warning by default (the
project may create the file at build time, or never read it: sphinx-build
builds anyway), an error in CI mode.  Sphinx itself reports the
exact set of files it read after each run (the depfile); this graph is the
advance knowledge ninja needs for ordering.
"""

import gc
import os
from collections import defaultdict

from docbuild.errors import UserError, _short
from docbuild.scan import Ref, is_markdown, parse_text, read_source

class Graph:
    def __init__(self, srcdir, docs, suffixes, generated=(), cache=None):
        self.srcdir = srcdir
        self.suffixes = tuple(suffixes)
        self.generated = set(generated)  # absolute paths some edge writes
        self.doc_files = {os.path.join(srcdir, d) for d in docs}
        self.edges = defaultdict(list)  # file -> [(kind, target, line)]
        self.problems = []  # UserError, one per missing include target
        self.missing = set()  # absolute paths of the missing include targets
        self.used_generated = set()  # generated files that documents read
        self._refs = {}
        self._resolved = {}  # (target, base) -> absolute path
        self._isfile = {}  # absolute path -> whether it is a file (most are named many times)
        # path -> [mtime_ns, size, refs]: parsing is most of configure's time,
        # and between two runs almost no file changed.
        self._cache = cache or {}
        self.cache = {}  # what this run used: the next run's cache
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the walk allocates much and frees little: no GC passes over it all
        try:
            for doc in sorted(self.doc_files):
                self._walk(doc, os.path.dirname(doc), set())
        finally:
            if gc_was_enabled:
                gc.enable()

    def refs(self, path):
        if path in self._refs:
            return self._refs[path]
        entry = self._cache.get(path)
        refs = None
        if entry:  # a stat tells whether the file changed since the last run
            try:
                st = os.stat(path)
                if entry[:2] == [st.st_mtime_ns, st.st_size]:
                    refs = [Ref(*r) for r in entry[2]]
            except OSError:
                entry = None
        if refs is None:
            text, key = read_source(path)  # its stat comes with the open file
            refs = parse_text(text, is_markdown(path)) if text else []
            entry = [*key, [[r.kind, r.target, r.line] for r in refs]] if key else None
        if entry:
            self.cache[path] = entry
        self._refs[path] = refs
        return refs

    def resolve(self, target, base):
        """The absolute file a path in a directive names (Sphinx's relfn2path)."""
        key = (target, base)
        path = self._resolved.get(key)
        if path is None:
            if target.startswith("/"):
                path = os.path.normpath(os.path.join(self.srcdir, target.lstrip("/")))
            else:
                path = os.path.normpath(os.path.join(base, target))
            self._resolved[key] = path
        return path

    def isfile(self, path):
        found = self._isfile.get(path)
        if found is None:
            found = self._isfile[path] = os.path.isfile(path)
        return found

    def _walk(self, path, base, seen):
        seen.add(path)
        self.edges[path]  # part of the graph even when it names nothing (deps FILE)
        for ref in self.refs(path):
            target = ref.target
            if ref.kind == "toctree":
                doc = self._toctree_doc(target, base)
                if doc:
                    self._edge(path, "toctree", doc, ref.line)
                continue
            if (target.startswith("<") and target.endswith(">")) or "://" in target:
                continue  # docutils' standard includes, and URLs
            if ref.kind in ("image", "figure") and "*" in target:
                continue  # Sphinx picks the best candidate; nothing to check
            resolved = self.resolve(target, base)
            self._edge(path, ref.kind, resolved, ref.line)
            exists = self.isfile(resolved)
            if resolved in self.generated:
                self.used_generated.add(resolved)
            elif ref.kind == "include" and not exists:
                self.missing.add(resolved)
                self.problems.append(UserError(
                    f"the included file {target} does not exist (looked for {resolved})",
                    where=(path, ref.line),
                    hint="fix the path (a leading / means the source folder), or create the file",
                ))
            if ref.kind == "include" and exists and resolved not in seen:
                self._walk(resolved, base, seen)

    def _toctree_doc(self, entry, base):
        if entry == "self" or "://" in entry or any(c in entry for c in "*?["):
            return None
        stem = self.resolve(entry, base)
        for suffix in self.suffixes:
            if stem + suffix in self.doc_files:
                return stem + suffix
        return None

    def _edge(self, source, kind, target, line):
        edge = (kind, target, line)
        if edge not in self.edges[source]:
            self.edges[source].append(edge)

    def to_json(self):
        return {src: [list(e) for e in edges] for src, edges in sorted(self.edges.items())}


def as_warning(problem):
    """A missing include as configure prints it when it is not an error."""
    path, line = problem.where
    return f"{_short(path)}:{line}: warning: {problem.message}\n  hint: {problem.hint}"


def describe(graph_json, path):
    """Text for `docbuild deps FILE`: what FILE pulls in, and what pulls it in."""
    path = os.path.abspath(path)
    if not any(path == src or any(e[1] == path for e in edges) for src, edges in graph_json.items()):
        raise UserError(f"{path} is not part of the documentation graph",
                        hint="check the path; run configure again if the file is new")
    out = [f"{path}", "  includes:"]
    own = graph_json.get(path, [])
    out += [f"    {kind:15} {target}  (line {line})" for kind, target, line in own] or ["    (nothing)"]
    out.append("  included by:")
    users = [(src, kind, line) for src, edges in graph_json.items()
             for kind, target, line in edges if target == path]
    out += [f"    {kind:15} {src}:{line}" for src, kind, line in users] or ["    (nothing)"]
    return "\n".join(out)
