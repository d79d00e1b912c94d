"""viewcode's module pages (`_modules/*.html`) of an incremental build are a clean build's.

sphinx.ext.viewcode writes a module's page only when the module's file is
newer than the page.  So the page keeps stale "[docs]" links when the
documents that describe the module change, stale navigation when the
toctree changes, and the pages of modules no longer documented stay.

Each writer keeps a digest of what every module page is made of
(docbuild-viewcode.json in its doctree folder).  Before viewcode collects
its pages, a page whose digest changed is deleted, so viewcode writes it
again (it writes a missing page), and so are the pages of modules gone (the
overview, `_modules/index`, too, when no module is left).
"""

import hashlib
import json
import os

from docbuild.paths import write_if_changed

STATE = "docbuild-viewcode.json"
FOLDER = "_modules"


def digests(env, navigation):
    modules = getattr(env, "_viewcode_modules", {})
    names = set(modules)
    found = {}
    for modname, entry in modules.items():
        if not entry:
            continue
        parents = [p for p in (modname.rsplit(".", i)[0] for i in range(1, modname.count(".") + 1)) if p in names]
        code, tags, used, refname = entry
        made_of = (code, sorted(tags.items()), sorted(used.items()), refname, parents, navigation)
        found[modname] = hashlib.sha1(repr(made_of).encode()).hexdigest()[:16]
    return found


class ModulePages:
    def __init__(self, navigation, remove):
        self.navigation = navigation  # sphinx_ext.navigation: what every page's sidebar shows
        self.remove = remove  # sphinx_ext._remove: a file, and the folders it leaves empty
        self.now = None

    def path(self, app):
        return os.path.join(app.doctreedir, STATE)

    def page(self, app, modname):
        return str(app.builder.get_outfilename(FOLDER + "/" + modname.replace(".", "/")))

    def collect(self, app):
        """html-collect-pages, before viewcode's own: delete the module pages to write again or drop."""
        if "sphinx.ext.viewcode" not in app.extensions:
            return []
        self.now = digests(app.env, self.navigation(app.env))
        try:
            with open(self.path(app), encoding="utf-8") as f:
                before = json.load(f)
        except (OSError, ValueError):
            before = {}
        if not isinstance(before, dict):
            before = {}
        for modname, digest in self.now.items():
            path = self.page(app, modname)
            if before.get(modname) != digest and os.path.exists(path):
                os.unlink(path)  # viewcode writes it again
        gone = [m for m in before if m not in self.now and m != "index"]
        if not getattr(app.env, "_viewcode_modules", None):
            gone.append("index")
        for modname in gone:
            self.remove(self.page(app, modname), str(app.outdir))
        return []

    def finished(self, app, exception):
        if exception is None and self.now is not None:
            write_if_changed(self.path(app), json.dumps(self.now, indent=0, sort_keys=True))


def note_empty(app, doctree):
    """doctree-read, after viewcode's: the modules left with no documented
    object after this document was read (viewcode makes such an entry for a
    module it looked in and did not find the object, and drops it when the
    next document is purged)."""
    modules = getattr(app.env, "_viewcode_modules", {})
    if not hasattr(app.env, "docbuild_viewcode_empty"):
        app.env.docbuild_viewcode_empty = {}
    app.env.docbuild_viewcode_empty[app.env.docname] = sorted(m for m, e in modules.items() if e and not e[2])


def drop_empty(app, env):
    """env-updated: the empty entries a clean build has.  A clean build reads
    every document in name order and purges each one before reading it, which
    drops every empty entry: only those of the last document stay.  An
    incremental build keeps those of whatever documents it read, and writes a
    `_modules/` page for each (pluggy: `_modules/pluggy.html`)."""
    modules = getattr(env, "_viewcode_modules", None)
    if not modules or not env.found_docs:
        return []
    last = max(env.found_docs)
    keep = set(getattr(env, "docbuild_viewcode_empty", {}).get(last, []))
    for modname in [m for m, e in modules.items() if e and not e[2] and m not in keep]:
        del modules[modname]
    return []


def setup(app, navigation, remove):
    app.connect("doctree-read", note_empty, priority=600)
    app.connect("env-updated", drop_empty, priority=400)
    pages = ModulePages(navigation, remove)
    app.connect("html-collect-pages", pages.collect, priority=400)
    app.connect("build-finished", pages.finished)
