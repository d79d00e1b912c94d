"""docbuild's Sphinx extension, loaded by docbuild.sphinx_step into every build.

It is added to Sphinx's list of built-in extensions, so no conf.py needs to
name it.  It does nothing unless sphinx_step filled SETTINGS.
  * config-inited: keeps a build dir that lies inside the source dir out of
    the documents;
  * the include directive: `.. include:: /includes/steps/x.rst` finds the
    file docbuild generated in the build dir when the source dir has none
    (docutils records it, so Sphinx re-reads the page when it changes);
  * warnings: remembers every document's warnings, and emits again those of
    the documents Sphinx did not read or write this time, so that they are
    shown and counted again and a build that failed on warnings fails until
    they are fixed (plain Sphinx re-reads nothing and passes);
  * build-finished: writes the depfile that tells ninja every file this
    build read.
"""

import hashlib
import json
import logging
import os
import site
import sys

from docbuild import sphinx_search, sphinx_viewcode, sphinx_xrefs
from docbuild.paths import depfile_entry, depfile_path, spell, write_if_changed

SETTINGS = {}  # from sphinx_step's command line
OPENED = set()  # every file opened for reading in this process
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_workers_fd = None  # <depfile>.workers, appended to by forked processes
_in_worker = False  # set in a process forked from the Sphinx step


def audit(event, args):
    """Python audit hook: note every file opened for reading."""
    if event == "open" and isinstance(args[0], str):
        mode, flags = args[1], args[2]
        if mode is None:
            reading = flags & os.O_ACCMODE == os.O_RDONLY
        else:
            reading = not any(c in mode for c in "wax+")
        if reading:
            if _in_worker and args[0] not in OPENED:
                # A forked worker's OPENED dies with it: tell the parent.  One
                # small O_APPEND write does not interleave with other workers'.
                os.write(_workers_fd, os.fsencode(args[0]) + b"\0")
            OPENED.add(args[0])


def record_workers(depfile):
    """Have processes forked from now on (Sphinx's -j workers) append the
    files they open to `<depfile>.workers`, for write_depfile."""
    global _workers_fd
    if _workers_fd is None:
        os.register_at_fork(after_in_child=_forked)
    else:
        os.close(_workers_fd)
    _workers_fd = os.open(depfile + ".workers",
                          os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o666)


def _forked():
    global _in_worker
    _in_worker = True


def _workers_opened(depfile):
    """The files forked workers opened (see record_workers); the record goes."""
    path = depfile + ".workers"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return set()
    os.unlink(path)
    return {os.fsdecode(p) for p in data.split(b"\0") if p}


def setup(app):
    if SETTINGS:
        if SETTINGS.get("gen"):
            app.add_directive("include", generated_include(), override=True)
            # Before Sphinx collects images (doctree-read, priority 500).
            app.connect("doctree-read", generated_images, priority=400)
        app.connect("config-inited", exclude_build_dir)
        app.connect("config-inited", apply_variant)
        warnings = Warnings(app)
        logging.getLogger("sphinx").addHandler(warnings)
        note_documents(app)
        app.connect("builder-inited", warnings.builder_inited)
        app.connect("builder-inited", read_only)
        app.connect("env-get-outdated", warnings.outdated)
        app.connect("env-before-read-docs", skip_unreadable, priority=400)
        app.connect("env-before-read-docs", warnings.reading)
        app.connect("env-check-consistency", warnings.checking)
        app.connect("env-updated", warnings.rewrite)
        app.connect("write-started", warnings.write_started)
        app.connect("doctree-resolved", warnings.resolved)
        app.connect("build-finished", warnings.finishing, priority=1)
        app.connect("build-finished", warnings.remember, priority=800)
        app.connect("env-updated", pending_documents)
        app.connect("build-finished", clear_pending, priority=850)
        app.connect("env-updated", navigation_changed)
        app.connect("build-finished", remove_stale_pages, priority=700)
        app.connect("build-finished", write_depfile, priority=900)
        ATTACH.update(load_attach())
        app.connect("env-get-outdated", attach_outdated)
        app.connect("source-read", attach_source)
        # What an incremental build must write again so that it equals a clean one.
        sphinx_xrefs.setup(app)
        sphinx_search.setup(app)
        sphinx_viewcode.setup(app, navigation, _remove)
    # No env_version: Sphinx writes the versions into searchindex.js, and the
    # pages must be plain sphinx-build's.
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}


ATTACH = {}  # docname -> {"prepend": [include], "append": [include]}: configure's map


def load_attach():
    if not SETTINGS.get("attach"):
        return {}
    with open(SETTINGS["attach"], encoding="utf-8") as f:
        return json.load(f)


def attach_outdated(app, env, added, changed, removed):
    """Pages whose appended or prepended extracts changed are read again (and
    those that lost some): exactly those, the map's other pages stay as read."""
    old = getattr(env, "docbuild_attach", None) or {}
    new = {doc: entry for doc, entry in ATTACH.items() if doc in env.found_docs}
    env.docbuild_attach = new  # pickled with the environment
    return sorted(doc for doc in set(old) | set(new)
                  if old.get(doc) != new.get(doc) and doc in env.found_docs and doc not in removed)


def attach_source(app, docname, source):
    """An extract's `append`/`prepend`: its include, where giza put it (docbuild.attach)."""
    entry = ATTACH.get(docname)
    if entry:
        from docbuild.attach import attached

        source[0] = attached(source[0], entry)


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def exclude_build_dir(app, config):
    build_dir = os.path.abspath(SETTINGS["build_dir"])
    srcdir = os.path.abspath(app.srcdir)
    if _inside(build_dir, srcdir) and build_dir != srcdir:
        rel = os.path.relpath(build_dir, srcdir).replace(os.sep, "/")
        config.exclude_patterns = [*config.exclude_patterns, rel, rel + "/**"]


def skip_unreadable(app, env, docnames):
    """A document that is not a regular file of at most userfile.MAX_SIZE
    (a FIFO, a link to /dev/zero) is not read: reading it would hang the
    step or fill the memory.  configure warned about it too."""
    import stat

    from sphinx.util import logging as sphinx_logging

    from docbuild import userfile

    for doc in list(docnames):
        path = env.doc2path(doc)
        try:
            st = os.stat(path)
        except OSError:
            continue  # Sphinx reports it
        if not stat.S_ISREG(st.st_mode) or st.st_size > userfile.MAX_SIZE:
            docnames.remove(doc)
            env.project.docnames.discard(doc)
            sphinx_logging.getLogger(__name__).warning(
                "not read: not a regular file of at most %d MiB", userfile.MAX_SIZE // 2**20,
                location=doc)


def read_only(app):
    """The shared `read` step (the dummy builder) stops after reading: its
    doctrees and environment are pickled by then, and resolving every
    doctree only to write nothing cost ~20% of the step (4 s on Sphinx's
    docs, on the critical path of `ninja all`).  The writers still resolve,
    and report unresolved references, each for its own format."""
    if app.builder.name == "dummy":
        app.builder.write_documents = lambda docnames: None


def apply_variant(app, config):
    """An edition's excluded files, a language's compiled catalogs, and the
    values templates get (configure's --variant settings)."""
    if not SETTINGS.get("variant"):
        return
    variant = json.loads(SETTINGS["variant"])
    if variant.get("exclude"):
        config.exclude_patterns = [*config.exclude_patterns, *variant["exclude"]]
        # A toctree entry for a page this edition leaves out sits in an
        # `only::` block, but Sphinx warns at parse time, before `only` is
        # decided: drop that warning for the edition's own exclusions only.
        quiet = EditionExcluded(variant["exclude"], list(config.source_suffix))
        for handler in logging.getLogger("sphinx").handlers:
            # First, before Sphinx's own filter counts the warning for -W.
            handler.filters.insert(0, quiet)
    if variant.get("locale_dirs"):
        # The catalogs step compiled them into the build dir; Sphinx must not
        # compile .po files in the source tree itself.
        config.locale_dirs = variant["locale_dirs"]
        config.gettext_auto_build = False
    if variant.get("context"):
        config.html_context = {**(config.html_context or {}), **variant["context"]}


class EditionExcluded(logging.Filter):
    """Drops "toctree contains reference to excluded document" for documents
    the edition excludes (other excluded documents still warn)."""

    def __init__(self, patterns, suffixes):
        super().__init__()
        from sphinx.util.matching import Matcher

        self.matcher, self.suffixes = Matcher(patterns), suffixes

    def filter(self, record):
        if getattr(record, "type", None) == "toc" and getattr(record, "subtype", None) == "excluded" \
                and record.args:
            docname = str(record.args[0])
            return not any(self.matcher(docname + suffix) for suffix in self.suffixes)
        return True


PENDING = "docbuild-pending.json"
STATE = "docbuild-state.json"  # documents and navigation at the last finished build
# Builders whose pages show the navigation (global toctree, sidebars,
# previous/next) and which write only changed pages: after the navigation
# changed, every page must be written again (sphinx#5506).
NAV_BUILDERS = {"html", "dirhtml", "json"}


def _state(app):
    try:
        with open(os.path.join(SETTINGS["doctreedir"], STATE), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def navigation(env):
    """What the navigation of every page is made of: documents, titles, toctrees."""
    return hashlib.sha1(json.dumps([
        sorted(env.found_docs),
        sorted((doc, title.astext()) for doc, title in env.titles.items()),
        sorted((doc, list(entries)) for doc, entries in env.toctree_includes.items()),
    ]).encode()).hexdigest()


def navigation_changed(app, env):
    state = _state(app)
    if app.builder.name in NAV_BUILDERS and state and state.get("navigation") != navigation(env):
        return sorted(env.found_docs)
    return []


def output_files(app, docname):
    """The files a builder wrote for one document (for one-file-per-page builders)."""
    builder, outdir = app.builder, str(app.outdir)
    files = []
    if hasattr(builder, "get_outfilename"):
        files.append(str(builder.get_outfilename(docname)))
    elif builder.name in ("text", "xml", "pseudoxml", "man") and getattr(builder, "out_suffix", None):
        files.append(os.path.join(outdir, docname + builder.out_suffix))
    sources = os.path.join(outdir, "_sources")
    if os.path.isdir(sources):
        stem = os.path.join(sources, docname)
        folder = os.path.dirname(stem)
        if os.path.isdir(folder):
            base = os.path.basename(stem) + "."
            files += [os.path.join(folder, n) for n in os.listdir(folder) if n.startswith(base)]
    return files


def assets(app):
    """Images and downloads the builder copies into its output (relative paths)."""
    env, builder = app.env, app.builder
    found = set()
    imagedir = getattr(builder, "imagedir", None)
    if imagedir:
        found |= {os.path.join(imagedir, uniq) for _docs, uniq in env.images.values()}
    if builder.name in NAV_BUILDERS | {"singlehtml"}:
        found |= {os.path.join("_downloads", dest) for _docs, dest in env.dlfiles.values()}
    return found


def _remove(path, outdir):
    if os.path.isfile(path):
        os.unlink(path)
        folder = os.path.dirname(path)
        while folder != outdir and os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)
            folder = os.path.dirname(folder)


def remove_stale_pages(app, exception):
    """Delete the pages of documents that no longer exist, and the images and
    downloads nothing uses any more: Sphinx leaves them all behind."""
    if exception is not None:
        return
    env, outdir = app.env, str(app.outdir)
    state = _state(app) or {}
    removed = sorted(set(state.get("docs", [])) - set(env.found_docs))
    for docname in removed:
        for path in output_files(app, docname):
            _remove(path, outdir)
    if app.builder.name == "gettext" and removed:
        # A catalog (.pot) is per domain (a top-level folder when compact):
        # it goes when no document of its domain is left.
        from sphinx.util.i18n import docname_to_domain

        compact = app.config.gettext_compact
        live = {docname_to_domain(d, compact) for d in env.found_docs}
        for domain in {docname_to_domain(d, compact) for d in removed} - live:
            _remove(os.path.join(outdir, domain + ".pot"), outdir)
    used = assets(app)
    # Only files docbuild recorded as Sphinx's own: a theme or html_extra_path
    # may put other files beside them.
    for rel in sorted(set(state.get("assets", [])) - used):
        _remove(os.path.join(outdir, rel), outdir)
    write_if_changed(os.path.join(SETTINGS["doctreedir"], STATE), json.dumps(
        {"docs": sorted(env.found_docs), "navigation": navigation(env), "assets": sorted(used)}))


def note_pending(doctreedir, docnames):
    """Add documents a writer must write (see sphinx_step.sync_doctrees)."""
    path = os.path.join(doctreedir, PENDING)
    try:
        with open(path, encoding="utf-8") as f:
            known = set(json.load(f))
    except (OSError, ValueError):
        known = set()
    if docnames or known:
        write_if_changed(path, json.dumps(sorted(known | set(docnames))))


def pending_documents(app, env):
    try:
        with open(os.path.join(SETTINGS["doctreedir"], PENDING), encoding="utf-8") as f:
            return [d for d in json.load(f) if d in env.found_docs]
    except (OSError, ValueError):
        return []


def clear_pending(app, exception):
    path = os.path.join(SETTINGS["doctreedir"], PENDING)
    if exception is None and os.path.exists(path):
        os.unlink(path)


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

    def __init__(self, app):
        # Just below WARNING: it gets the same records, but a conf.py that
        # looks for Sphinx's warning handler by its level (pluggy's, to
        # filter a message) still finds exactly one.
        super().__init__(logging.WARNING - 1)
        self.app = app
        folder = os.path.abspath(SETTINGS["doctreedir"])
        self.file = os.path.join(folder, "docbuild-reread.json")
        self.memory = os.path.join(folder, "docbuild-warnings.json")
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


def generated_include():
    from docutils.parsers.rst.directives.misc import Include as BaseInclude
    from sphinx.directives.other import Include

    gen = os.path.abspath(SETTINGS["gen"])

    class GeneratedInclude(Include):
        def run(self):
            target = self.arguments[0]
            if not (target.startswith("<") and target.endswith(">")):
                rel, path = self.env.relfn2path(target)
                candidate = os.path.normpath(os.path.join(gen, rel))
                if not os.path.exists(path) and os.path.isfile(candidate):
                    # An absolute path: docutils takes it as it is.
                    self.arguments[0] = candidate
                    return BaseInclude.run(self)
                if not os.path.exists(path):
                    # docutils records only files it could open: without
                    # this, Sphinx would not read the page again once the
                    # file appears (a missing dependency is always outdated).
                    self.env.note_dependency(path)
            return super().run()

    return GeneratedInclude


def generated_images(app, doctree):
    """`/images/x.png` that the source dir lacks but docbuild generated (giza's
    images, docbuild.images): point the image at the generated file, by a
    path relative to the document, which Sphinx follows (and copies) as it
    does any image outside the source dir."""
    from docutils import nodes

    gen = os.path.abspath(SETTINGS["gen"])
    for node in doctree.findall(nodes.image):
        uri = node.get("uri", "")
        if "://" in uri or uri.startswith("data:") or "*" in uri:
            continue
        rel, path = app.env.relfn2path(uri, app.env.docname)
        candidate = os.path.normpath(os.path.join(gen, rel))
        if not os.path.exists(path) and os.path.isfile(candidate):
            docdir = os.path.dirname(app.env.doc2path(app.env.docname))
            node["uri"] = os.path.relpath(candidate, docdir)


def _walk(folder):
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            yield os.path.join(root, name)


def declared_files(app):
    """Files the build depends on by its configuration and environment:
    (the documents' paths, every other file)."""
    env, config = app.env, app.config
    srcdir, confdir = str(app.srcdir), str(app.confdir)
    files = {os.path.join(confdir, "conf.py"), os.path.join(confdir, "docutils.conf")}
    # Sphinx's own table of the documents' files, relative to srcdir: much
    # cheaper than doc2path (a pathlib join per document), which stays the
    # fallback.
    table = getattr(getattr(env, "project", None), "_docname_to_path", None)
    if isinstance(table, dict) and env.found_docs <= table.keys():
        docs = {os.path.join(srcdir, os.fspath(table[doc])) for doc in env.found_docs}
    else:
        docs = {str(env.doc2path(doc)) for doc in env.found_docs}
    for deps in env.dependencies.values():
        files.update(os.path.join(srcdir, str(d)) for d in deps)
    for table in (env.images, env.dlfiles):
        files.update(os.path.join(srcdir, str(name)) for name in table)
    for key in ("templates_path", "html_static_path", "html_extra_path", "html_theme_path"):
        for entry in getattr(config, key, None) or []:
            folder = os.path.join(confdir, str(entry))
            if os.path.isdir(folder):
                files.update(_walk(folder))
            else:
                files.add(folder)
    for key in ("html_logo", "html_favicon", "latex_logo", "epub_cover"):
        value = getattr(config, key, None)
        if isinstance(value, str) and value and "://" not in value:
            files.add(os.path.join(confdir, value))
    return docs, files - docs


def _python_roots():
    """Python's own installation: opened by every import, never a source."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, PACKAGE_DIR,
             "/dev", "/proc", "/sys", "/etc", "/usr/share/zoneinfo"}
    roots.update(site.getsitepackages())
    roots.add(site.getusersitepackages())
    return tuple(os.path.normpath(r) for r in roots)


def _output_roots():
    """What docbuild and this build write: never an input."""
    build_dir = SETTINGS["build_dir"]
    return tuple(os.path.abspath(p) for p in (
        SETTINGS["outdir"], SETTINGS["doctreedir"],
        os.path.join(build_dir, "logs"), os.path.join(build_dir, "stamps"),
        os.path.join(build_dir, ".docbuild")))


def _prefixes(roots):
    """For str.startswith: a path inside one of `roots` (or one of them)."""
    return tuple(r.rstrip(os.sep) + os.sep for r in roots)


def _metadata(path):
    """Package metadata and bytecode that imports read: not documentation."""
    return path.endswith(".pyc") or ".egg-info" + os.sep in path or ".dist-info" + os.sep in path


def write_depfile(app, exception):
    """Every file this build depends on, in ninja's depfile format.

    It runs at the end of every run, so it is kept cheap: one
    str.startswith per path to leave out Python's files and the outputs, no
    second stat of a document Sphinx found in this run, and the record of
    opened files rewritten only when it changed.
    """
    if exception is not None:
        return
    top = SETTINGS["top"]
    depfile = SETTINGS["depfile"]
    record = depfile + ".opened"
    # Files opened in earlier runs: an incremental run opens fewer (an
    # unchanged page does not re-read its template), yet still depends on them.
    try:
        with open(record, encoding="utf-8") as f:
            before = set(json.load(f))
    except (OSError, ValueError, TypeError):
        before = set()
    OPENED.update(_workers_opened(depfile))
    outputs = _prefixes(_output_roots())
    skip = outputs + _prefixes(_python_roots())
    opened = before | {os.path.normpath(os.path.join(top, p)) for p in OPENED}
    opened = {p for p in opened if not p.startswith(skip) and not _metadata(p)}
    docs, declared = declared_files(app)
    # Documents Sphinx found in this run exist; any other file may be gone.
    opened = {p for p in opened if p in docs or os.path.isfile(p)}
    declared = {os.path.normpath(p) for p in declared} - opened
    files = opened | docs | {p for p in declared
                             if not p.startswith(outputs) and os.path.isfile(p)}
    if opened != before:
        write_if_changed(record, json.dumps(sorted(opened), indent=0))
    lines = [depfile_path(spell(SETTINGS["target"], top)) + ":"]
    aliases = os.path.join(os.path.abspath(SETTINGS["build_dir"]), ".docbuild", "aliases")
    lines += [depfile_entry(path, top, aliases) for path in sorted(files)]
    write_if_changed(depfile, " \\\n  ".join(lines) + "\n")
