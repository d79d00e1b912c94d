"""viewcode's module pages (`_modules/*.html`) of an incremental build are a clean build's.

sphinx.ext.viewcode writes a module's page only when the module's file is
newer than the page.  So the page keeps stale "[docs]" links when the
documents that describe the module change, stale navigation when the
toctree changes, and the pages of modules no longer documented stay.

Each writer keeps a digest of what every module page is made of
(docbuild-viewcode.json in its doctree folder).  Before viewcode collects
its pages, a page whose digest changed is dated back to 1970, so viewcode
writes it again, and the pages of modules gone are deleted (the overview,
`_modules/index`, too, when no module is left).
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
        """html-collect-pages, before viewcode's own: date back or delete module pages."""
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
                os.utime(path, (0, 0))
        gone = [m for m in before if m not in self.now and m != "index"]
        if not getattr(app.env, "_viewcode_modules", None):
            gone.append("index")
        for modname in gone:
            self.remove(self.page(app, modname), str(app.outdir))
        return []

    def finished(self, app, exception):
        if exception is None and self.now is not None:
            write_if_changed(self.path(app), json.dumps(self.now, indent=0, sort_keys=True))


def setup(app, navigation, remove):
    pages = ModulePages(navigation, remove)
    app.connect("html-collect-pages", pages.collect, priority=400)
    app.connect("build-finished", pages.finished)
