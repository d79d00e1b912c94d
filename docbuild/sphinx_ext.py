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
    they are fixed (plain Sphinx re-reads nothing and passes): the warnings
    memory, docbuild/sphinx_warnings.py;
  * build-finished: writes the depfile that tells ninja every file this
    build read: the depfile recorder, docbuild/sphinx_depfile.py.
This module holds the build hooks (attached extracts, variants, stale pages,
navigation, pending documents) and wires the other two in setup().
"""

import functools
import hashlib
import json
import logging
import os

from docbuild import sphinx_depfile, sphinx_search, sphinx_viewcode, sphinx_warnings, sphinx_xrefs
from docbuild.formats import FORMATS
from docbuild.paths import write_if_changed

SETTINGS = {}  # from sphinx_step's command line: the hooks below read it, and
# setup() hands it to the depfile recorder and the warnings memory explicitly


def setup(app):
    if SETTINGS:
        if SETTINGS.get("gen"):
            app.add_directive("include", generated_include(), override=True)
            # Before Sphinx collects images (doctree-read, priority 500).
            app.connect("doctree-read", generated_images, priority=400)
        app.connect("config-inited", exclude_build_dir)
        app.connect("config-inited", apply_variant)
        warnings = sphinx_warnings.Warnings(app, SETTINGS["doctreedir"])
        logging.getLogger("sphinx").addHandler(warnings)
        sphinx_warnings.note_documents(app)
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
        app.connect("build-finished", functools.partial(sphinx_depfile.write_depfile, SETTINGS), priority=900)
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
NAV_BUILDERS = {name for name, fmt in FORMATS.items() if fmt.navigation}


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


