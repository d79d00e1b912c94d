"""The warnings memory: every document's warnings, kept in its doctree dir
between runs and emitted again for the documents a run did not read or write.

Its files, in the doctree dir: MEMORY (the warnings) and REREAD (the
documents an unfinished run was reading).  report.py reads MEMORY too.
"""

import hashlib
import json
import logging
import os

from docbuild.paths import write_if_changed

MEMORY = "docbuild-warnings.json"
REREAD = "docbuild-reread.json"


def targets(env):
    """What a cross-reference can resolve against: every domain's objects (the
    documents and labels among them) and the intersphinx inventories loaded."""
    names = [f"{domain.name}\0{kind}\0{name}"
             for domain in env.domains.values() for name, _, kind, *_ in domain.get_objects()]
    names.sort()
    cache = getattr(env, "intersphinx_cache", None) or {}
    names += sorted(f"{uri}\0{entry[1]}" for uri, entry in cache.items())
    return hashlib.sha1("\n".join(names).encode("utf-8", "surrogateescape")).hexdigest()


_writing = None  # the document the builder is writing in this process (set by builder_inited)


def current_document(app):
    """The document being read or written now, or None: the one a warning belongs to."""
    if _writing:
        return _writing
    try:
        return getattr(app, "env", None) and app.env.docname or None
    except (AttributeError, KeyError):  # Sphinx 8.1 keeps it in temp_data
        return None


def note_documents(app):
    """Stamp every warning with the document being read or written when it was
    made.  At its making, not when the handler sees it: a -j worker's warnings
    reach the handler in the main process, which reads or writes other documents
    by then (the stamp crosses the pipe with the record)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "docbuild", False):
        return

    def factory(*args, **kwargs):
        record = make(*args, **kwargs)
        if record.levelno >= logging.WARNING:
            record.docbuild_doc = current_document(app)
        return record

    factory.docbuild = True
    logging.setLogRecordFactory(factory)


def _writes(method):
    """`method(docname, ...)` of a builder, noting the document it writes."""
    def writing(docname, *args, **kwargs):
        global _writing
        before, _writing = _writing, docname
        try:
            return method(docname, *args, **kwargs)
        finally:
            _writing = before
    return writing


class Warnings(logging.Handler):
    """Every warning, remembered per document in the doctree dir between runs.

    docbuild-warnings.json: the current warnings of every document (the one
        read or written when the warning came, else the one its location
        names) and the ones of no document ("unplaced"), each as often as it
        came and with the phase that emitted it: "read"
        (reading the document or a file it includes), "check" (Sphinx's
        consistency check), "write" (resolving and writing the document) or
        "run" (set-up and finishing: they come on every run).  A run replaces
        a document's warnings of the phases it went through for it and keeps
        the others (the unplaced ones: until it goes through their phase);
        the kept ones are emitted again through Sphinx's logger,
        so they are shown and counted (--fail-on-warning) like fresh ones, and
        a build that failed on warnings fails until they are fixed, without
        reading anything again.  "targets" fingerprints what references
        resolved against when the remembered "write" warnings were made: when
        it changes (a label or document added, say), the documents with such
        warnings are written again, since a reference may resolve now.
    docbuild-reread.json: the documents a run is reading, until it finishes:
        after a run killed once Sphinx saved its environment, the next run
        reads them again rather than keep their old warnings.
    """

    def __init__(self, app, doctreedir):
        # Just below WARNING: it gets the same records, but a conf.py that
        # looks for Sphinx's warning handler by its level (pluggy's, to
        # filter a message) still finds exactly one.
        super().__init__(logging.WARNING - 1)
        self.app = app
        folder = os.path.abspath(doctreedir)
        self.file = os.path.join(folder, REREAD)
        self.memory = os.path.join(folder, MEMORY)
        self.records = []  # (location, level, category, message, phase, document or None)
        self.read, self.written = set(), set()
        self.checked = self.writing = self.finished = self.replaying = False
        self.targets = None
        try:
            with open(self.memory, encoding="utf-8") as f:
                old = json.load(f)
            self.old = {d: [i for i in items if isinstance(i, dict)]
                        for d, items in old.get("documents", {}).items()}
            self.old_targets = old.get("targets")
            self.old_unplaced = [i for i in old.get("unplaced", []) if isinstance(i, dict)]
        except (OSError, ValueError, AttributeError, TypeError):
            self.old, self.old_targets, self.old_unplaced = {}, None, []
        try:
            with open(self.file, encoding="utf-8") as f:
                self.unfinished = set(json.load(f))
        except (OSError, ValueError, TypeError):
            self.unfinished = set()

    def phase(self):
        if self.finished:
            return "run"
        if self.writing:
            return "write"
        # BuildPhase.CONSISTENCY_CHECK and RESOLVING are one value: both are
        # "check" until write-started.
        phase = int(getattr(getattr(self.app, "builder", None), "phase", 1))
        return "read" if phase == 2 else "check" if phase >= 3 else "run"

    def emit(self, record):
        if self.replaying or getattr(record, "docbuild_seen", False):
            return  # Sphinx hands warnings it held back (pending_warnings) over again
        record.docbuild_seen = True
        from sphinx.util.logging import get_node_location, is_suppressed_warning

        kind, sub = getattr(record, "type", None), getattr(record, "subtype", None)
        if is_suppressed_warning(kind, sub, getattr(self.app.config, "suppress_warnings", [])):
            return
        location = getattr(record, "location", None)
        if location is not None and not isinstance(location, (str, tuple)):
            location = get_node_location(location)
        category = f"{kind}.{sub}" if kind and sub else kind or ""
        doc = getattr(record, "docbuild_doc", None) if hasattr(record, "docbuild_doc") \
            else current_document(self.app)
        # The plain message: Sphinx's getMessage() puts "WARNING: " before
        # one that has no location, and the report adds the level itself.
        message = logging.LogRecord.getMessage(record)
        self.records.append((location, record.levelname, category, message, self.phase(), doc))

    def builder_inited(self, app):
        # The documents a run writes: prepare_writing gets all of them, also
        # from builders that assemble them into one output (latex, singlehtml),
        # and before any is written in another process (-j).
        builder = app.builder
        prepare = builder.prepare_writing

        def prepare_writing(docnames):
            self.written.update(docnames)
            return prepare(docnames)

        builder.prepare_writing = prepare_writing
        # A warning while writing (a reference in a docstring, a node the
        # translator cannot handle) belongs to the document being written.
        builder.write_doc = _writes(builder.write_doc)
        builder.write_doc_serialized = _writes(builder.write_doc_serialized)

    def outdated(self, app, env, added, changed, removed):
        again = set(self.unfinished)
        touched = added | changed | removed
        if touched and self.old:
            # A reading warning that names another document ("duplicate label
            # x, other instance in other.rst") may go when that one changes.
            import re

            tokens = set(touched) | {str(env.doc2path(d)) for d in touched}
            pattern = re.compile(r"(?<![\w/.-])(?:%s)(?![\w/-])" % "|".join(
                re.escape(t) for t in sorted(tokens, key=len, reverse=True)))
            again.update(doc for doc, items in self.old.items()
                         if any(i.get("phase", "read") == "read" and pattern.search(i.get("message", ""))
                                for i in items))
        return sorted(d for d in again if d in env.found_docs and d not in removed)

    def reading(self, app, env, docnames):
        self.read.update(docnames)
        if docnames:
            write_if_changed(self.file, json.dumps(sorted(docnames)))

    def checking(self, app, env):
        self.checked = True

    def rewrite(self, app, env):
        """Documents whose remembered writing warnings may have gone: written again."""
        docs = {d for d, items in self.old.items()
                if d in env.found_docs and d not in self.read
                and any(i.get("phase") == "write" for i in items)}
        if not docs:
            return []
        self.targets = targets(env)
        return sorted(docs) if self.targets != self.old_targets else []

    def write_started(self, app, builder):
        self.writing = True

    def resolved(self, app, doctree, docname):
        self.written.add(docname)

    def finishing(self, app, exception):
        self.finished = True

    def place(self, env, location):
        """(document or None, file, line) a warning's location points at."""
        if isinstance(location, tuple):
            doc, line = location
            return (doc, str(env.doc2path(doc)), line) if doc else (None, None, None)
        if not isinstance(location, str):
            return None, None, None
        if ":" not in location and location in env.found_docs:
            return location, str(env.doc2path(location)), None
        path, _, line = location.rpartition(":") if location.rpartition(":")[2].isdigit() \
            else (location.rstrip(":"), "", "")
        if path.startswith("<"):  # "<unknown>", "<string>": no file
            return None, path, int(line) if line else None
        path = os.path.normpath(os.path.abspath(path))
        return env.path2doc(path), path, int(line) if line else None

    def stands(self, item, doc):
        """Whether a remembered warning of `doc` was not made anew by this run."""
        phase = item.get("phase", "read")
        if phase == "read":
            return doc not in self.read
        if phase == "check":
            return not self.checked
        if phase == "write":
            return doc not in self.read and doc not in self.written
        return False  # "run": emitted again by every run that has its cause

    def ran(self, phase):
        """Whether this run went through a phase that makes warnings of no document."""
        if phase == "read":
            return bool(self.read)  # set-up and clean-up of reading come with documents read
        if phase == "check":
            return self.checked
        if phase == "write":
            return self.writing
        return True  # "run": set-up (builder-inited) and build-finished come every run

    def remember(self, app, exception):
        env = app.env
        found = env.found_docs
        # Each warning has one owner, and counts as often as it came: a clean
        # build shows a warning of a file two pages include twice, and two
        # identical references on one line of a docstring twice.
        fresh, unplaced = {}, []
        for location, level, category, message, phase, current in self.records:
            doc, path, line = self.place(env, location)
            # The document read or written when the warning came owns it: a
            # docstring's, an <unknown> or no location names none, and an
            # included file is every including document's.
            owner = current if current in found else doc if doc in found else None
            item = {"file": path, "line": line, "level": level, "category": category,
                    "message": message, "phase": phase}
            if owner:
                fresh.setdefault(owner, []).append(item)
            else:
                unplaced.append(item)
        memory, replay = {}, []
        for doc in sorted((set(self.old) | set(fresh)) & found):
            kept = [i for i in self.old.get(doc, []) if self.stands(i, doc)]
            replay += [(doc, i) for i in kept]
            if fresh.get(doc) or kept:
                memory[doc] = fresh.get(doc, []) + kept
        # Warnings of no document are kept per phase: until a run goes through
        # that phase again, which makes them anew if their cause is still there.
        kept = [i for i in self.old_unplaced if not self.ran(i.get("phase", "run"))]
        replay += [(None, i) for i in kept]
        unplaced += kept
        if exception is None and replay:
            self.replay(env, sorted(replay, key=lambda r: (
                r[1].get("file") or "", r[1].get("line") or 0, r[1].get("message") or "")))
        data = {"documents": memory, "unplaced": unplaced}
        if any(i.get("phase") == "write" for items in memory.values() for i in items):
            data["targets"] = self.targets or targets(env)
        write_if_changed(self.memory, json.dumps(data, indent=0, sort_keys=True))
        if os.path.exists(self.file):
            os.unlink(self.file)

    def replay(self, env, items):
        """Emit remembered warnings again, as Sphinx would had it read or written their documents."""
        from sphinx.util import logging as sphinx_logging

        logger = sphinx_logging.getLogger(__name__)
        logger.info("docbuild: %d warning(s) remembered from earlier runs, of documents "
                    "not read or written again:", len(items))
        self.replaying = True
        try:
            for doc, item in items:
                kind, _, sub = (item.get("category") or "").partition(".")
                level = logging.getLevelName(item.get("level") or "WARNING")
                path, line = item.get("file"), item.get("line")
                if not path:
                    location = None
                elif doc and env.path2doc(path) == doc:
                    location = (doc, line)  # spelled by Sphinx, as when it was made
                else:
                    location = f"{path}:{line or ''}"
                logger.log(level if isinstance(level, int) else logging.WARNING, item.get("message", ""),
                           type=kind or None, subtype=sub or None, location=location)
        finally:
            self.replaying = False
