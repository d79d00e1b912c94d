"""Random edit sequences: an incremental build equals a clean build (issues 7, 14).

A tiny project (a toctree of pages, an include file, a literalinclude, an
image, a structured YAML source, includes/extracts-x.yaml, whose refs pages
include, labelled sections, Python functions, index entries, and `:ref:`,
`:doc:` and `:py:func:` links between pages) is configured once and then
edited, one edit at a time, in a seeded random order: pages are added,
removed, renamed and retitled (the toctree follows), bodies, the include
file, the literalinclude and the YAML change, YAML refs come and go together
with the includes that use them, sections and functions are added, retitled,
edited, moved to another page and removed (links to them stay, and may
break), links and index entries come and go.  After every edit `ninja html
text` runs in the same build folder; its output must be what a clean build
of a fresh copy of the same sources gives, both:

  * docbuild's clean build, in a separate folder (build/html, build/text
    and build/gen, the generated includes: a removed ref must not leave its
    file), and
  * plain `sphinx-build -b html` and `-b text` of the same sources, with the
    generated includes copied where the pages name them (as a team's own
    generator script would put them), so that a fault in what docbuild
    changes in Sphinx's behaviour shows too.

Files are compared as bytes, searchindex.js included.  Only html/.buildinfo
is left out: Sphinx's own record of the config hash for its next run, not a
page (docbuild's staging leaves it out too).

Any difference fails the test with the seed, the edits so far, the list of
differing files and a unified diff of the first one.  CI runs two fixed
seeds; more:

    DOCBUILD_RANDOM_SEED=1,2,3,4,5 DOCBUILD_RANDOM_STEPS=20 pytest tests/test_random_edits.py
"""

import difflib
import os
import random
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import Project, png, run

SEEDS = [int(s) for s in os.environ.get("DOCBUILD_RANDOM_SEED", "2024,7").split(",") if s.strip()]
STEPS = int(os.environ.get("DOCBUILD_RANDOM_STEPS", "12"))
COMPARED = ("html", "text", "gen")
WORDS = ["apple", "bridge", "cobalt", "delta", "ember", "fjord", "garnet", "harbor",
         "island", "juniper", "kestrel", "lagoon", "meadow", "nickel", "orchid", "prairie"]


LINK = {"ref": ":ref:`{}`", "doc": ":doc:`/{}`", "func": ":py:func:`{}`"}


class Site:
    """The model of the project's sources; `files()` renders it."""

    def __init__(self):
        self.counter = 0
        self.order = []  # the toctree, in order
        self.pages = {}  # docname -> {"title", "body", "features", "extracts"}
        self.include = 0
        self.literal = 0
        self.refs = {}  # ref -> version of its text, in file order
        self.renamed = None  # (old, new) docname of the last edit, if it renamed a page
        for i, (name, features) in enumerate([
                ("intro", {"include"}), ("example", {"literal"}), ("picture", {"image"}),
                ("guide/setup", set()), ("guide/usage", set()), ("faq", set()),
                ("notes", set()), ("history", set())]):
            self.order.append(name)
            self.pages[name] = {"title": f"Page {WORDS[i].title()}", "body": 0,
                                "features": features, "extracts": []}
        for ref, doc in [("x-one", "intro"), ("x-two", "guide/usage"), ("x-three", "faq")]:
            self.refs[ref] = 0
            self.pages[doc]["extracts"].append(ref)
        # Cross-references: labelled sections, Python objects and index
        # entries live on pages; links to them (and to pages) too.
        self.labels = {}  # label -> {"page", "title"}
        self.functions = {}  # function name -> {"page", "text"}
        for page in self.pages.values():
            page.update(links=[], index=[])
        for label, doc in [("sec-alpha", "guide/setup"), ("sec-beta", "faq")]:
            self.labels[label] = {"page": doc, "title": f"Section {label[4:].title()}"}
        for name, doc in [("alpha_func", "guide/usage"), ("beta_func", "notes")]:
            self.functions[name] = {"page": doc, "text": 0}
        self.pages["intro"]["links"] += [("ref", "sec-alpha"), ("doc", "faq"), ("func", "alpha_func")]
        self.pages["history"]["links"] += [("ref", "sec-beta"), ("doc", "guide/setup")]
        self.pages["notes"]["index"].append("ember")

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def files(self):
        """{path relative to the work folder: text} of every source file."""
        out = {
            "proj/conf.py": 'project = "Random"\n',
            "proj/index.rst": "Random site\n===========\n\n.. toctree::\n   :maxdepth: 2\n\n"
                              + "".join(f"   {name}\n" for name in self.order),
            "proj/snippets/note.inc": f"Included note, version {self.include}.\n",
            "shared/example.py": f"print('literal version {self.literal}')\n",
            "proj/includes/extracts-x.yaml": "---\n".join(
                f"ref: {ref}\ncontent: Extract {ref}, version {v}.\n" for ref, v in self.refs.items())
                + "...\n",
        }
        for name, page in self.pages.items():
            title = page["title"]
            parts = [f"{title}\n{'=' * len(title)}\n\n",
                     f"Body of {name}, version {page['body']}.\n\n"]
            if "include" in page["features"]:
                parts.append(".. include:: /snippets/note.inc\n\n")
            if "literal" in page["features"]:
                parts.append(".. literalinclude:: /../shared/example.py\n\n")
            if "image" in page["features"]:
                parts.append(".. image:: /pic.png\n\n")
            parts += [f".. include:: /includes/extracts/{ref}.rst\n\n" for ref in page["extracts"]]
            parts += [f".. index:: {word}\n\n" for word in page["index"]]
            parts += [f"See {LINK[kind].format(target)}.\n\n" for kind, target in page["links"]]
            for fname, func in sorted(self.functions.items()):
                if func["page"] == name:
                    parts.append(f".. py:function:: {fname}()\n\n   Does {fname}, version {func['text']}.\n\n")
            for label, section in sorted(self.labels.items()):
                if section["page"] == name:
                    title = section["title"]
                    parts.append(f".. _{label}:\n\n{title}\n{'-' * len(title)}\n\n"
                                 f"Text of {label}.\n\n")
            out[f"proj/{name}.rst"] = "".join(parts)
        return out

    # --- edits: each returns a description, or None when it does not apply now

    def new_name(self, rng):
        return self.fresh(rng.choice(["", "guide/", "more/deep/"]) + "page")

    def add_page(self, rng):
        name = self.new_name(rng)
        features = {f for f in ("include", "literal", "image") if rng.random() < 0.2}
        extracts = [r for r in self.refs if rng.random() < 0.3]
        self.order.insert(rng.randrange(len(self.order) + 1), name)
        self.pages[name] = {"title": f"New {self.fresh('title ')}", "body": 0,
                            "features": features, "extracts": extracts, "links": [], "index": []}
        return f"add page {name} (with {sorted(features) + extracts})"

    def remove_page(self, rng):
        if len(self.order) <= 2:
            return None
        name = rng.choice(self.order)
        self.order.remove(name)
        del self.pages[name]
        # Its sections and objects go with it; links to them stay, broken.
        for table in (self.labels, self.functions):
            for key in [k for k, v in table.items() if v["page"] == name]:
                del table[key]
        return f"remove page {name}"

    def rename_page(self, rng):
        old = rng.choice(self.order)
        new = self.new_name(rng)
        self.order[self.order.index(old)] = new
        self.pages[new] = self.pages.pop(old)
        for table in (self.labels, self.functions):
            for item in table.values():
                if item["page"] == old:
                    item["page"] = new
        self.renamed = (old, new)  # the test renames the file: it keeps its mtime
        return f"rename page {old} -> {new}"

    def retitle_page(self, rng):
        name = rng.choice(self.order)
        self.pages[name]["title"] = f"{rng.choice(WORDS).title()} {self.fresh('title ')}"
        return f"retitle page {name}"

    def edit_body(self, rng):
        name = rng.choice(self.order)
        self.pages[name]["body"] += 1
        return f"edit body of {name}"

    def edit_include(self, rng):
        self.include += 1
        return "edit snippets/note.inc"

    def edit_literal(self, rng):
        self.literal += 1
        return "edit shared/example.py (literalinclude)"

    def yaml_text(self, rng):
        ref = rng.choice(list(self.refs))
        self.refs[ref] += 1
        return f"yaml: change text of {ref}"

    def yaml_add(self, rng):
        ref = self.fresh("x-new")
        self.refs[ref] = 0
        doc = rng.choice(self.order)
        self.pages[doc]["extracts"].append(ref)
        return f"yaml: add {ref}, included from {doc}"

    def yaml_remove(self, rng):
        if len(self.refs) <= 1:
            return None
        ref = rng.choice(list(self.refs))
        del self.refs[ref]
        users = [name for name, page in self.pages.items() if ref in page["extracts"]]
        for name in users:
            self.pages[name]["extracts"].remove(ref)
        return f"yaml: remove {ref} and its includes from {users}"

    def retitle_section(self, rng):
        if not self.labels:
            return None
        label = rng.choice(sorted(self.labels))
        self.labels[label]["title"] = f"{rng.choice(WORDS).title()} {self.fresh('section ')}"
        return f"retitle section {label}"

    def add_section(self, rng):
        label = self.fresh("sec-new")
        page = rng.choice(self.order)
        self.labels[label] = {"page": page, "title": f"Section {self.fresh('s')}"}
        return f"add section {label} to {page}"

    def target(self, rng):
        """(the table, a key in it) of a labelled section or a function, or None."""
        table = rng.choice([self.labels, self.functions])
        return (table, rng.choice(sorted(table))) if table else None

    def move_target(self, rng):
        """A labelled section or a function moves to another page."""
        if not (found := self.target(rng)):
            return None
        table, key = found
        table[key]["page"] = rng.choice(self.order)
        return f"move {key} to {table[key]['page']}"

    def add_function(self, rng):
        name = self.fresh("func_")
        self.functions[name] = {"page": rng.choice(self.order), "text": 0}
        return f"add function {name} to {self.functions[name]['page']}"

    def remove_target(self, rng):
        if not (found := self.target(rng)):
            return None
        table, key = found
        del table[key]
        return f"remove {key} (links to it stay)"

    def edit_function(self, rng):
        if not self.functions:
            return None
        name = rng.choice(sorted(self.functions))
        self.functions[name]["text"] += 1
        return f"edit the text of function {name}"

    def add_link(self, rng):
        kind = rng.choice(list(LINK))
        targets = {"ref": sorted(self.labels), "doc": self.order, "func": sorted(self.functions)}[kind]
        if not targets:
            return None
        page, target = rng.choice(self.order), rng.choice(targets)
        self.pages[page]["links"].append((kind, target))
        return f"add a {kind} link to {target} on {page}"

    def remove_link(self, rng):
        pages = [name for name in self.order if self.pages[name]["links"]]
        if not pages:
            return None
        page = rng.choice(pages)
        link = self.pages[page]["links"].pop(rng.randrange(len(self.pages[page]["links"])))
        return f"remove the link {link} from {page}"

    def index_entry(self, rng):
        page = rng.choice(self.order)
        entries = self.pages[page]["index"]
        if entries and rng.random() < 0.5:
            return f"remove index entry {entries.pop()} from {page}"
        entries.append(rng.choice(WORDS))
        return f"add index entry {entries[-1]} to {page}"


EDITS = [Site.add_page, Site.remove_page, Site.rename_page, Site.retitle_page, Site.edit_body,
         Site.edit_include, Site.edit_literal, Site.yaml_text, Site.yaml_add, Site.yaml_remove,
         Site.retitle_section, Site.add_section, Site.move_target, Site.add_function,
         Site.remove_target, Site.edit_function, Site.add_link, Site.remove_link, Site.index_entry]


def edit_kinds(rng):
    """Edit kinds in random order, dealt from a reshuffled deck: every kind
    comes once in each round of len(EDITS), so that a short run (the default
    12 steps) still makes every kind of edit at least once."""
    while True:
        deck = list(EDITS)
        rng.shuffle(deck)
        yield from deck


def write_tree(work, files, old):
    """Write what changed since `old`, delete what went: an editor's edits."""
    for rel in sorted(set(old) - set(files)):
        os.unlink(os.path.join(work, rel))
        prune(os.path.dirname(os.path.join(work, rel)), work)
    for rel, text in sorted(files.items()):
        if old.get(rel) != text:
            path = os.path.join(work, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)


def prune(folder, root):
    while folder != root and os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)
        folder = os.path.dirname(folder)


def normalise(fmt, rel, data):
    """The bytes to compare, or None to leave the file out (see the module docstring)."""
    if fmt == "html" and rel == ".buildinfo":
        return None
    return data


def outputs(build):
    found = {}
    for fmt in COMPARED:
        top = os.path.join(build, fmt)
        for root, dirs, names in os.walk(top):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, top).replace(os.sep, "/")
                with open(path, "rb") as f:
                    data = normalise(fmt, rel, f.read())
                if data is not None:
                    found[f"{fmt}/{rel}"] = data
    return found


def first_diff(name, want, got):
    if name not in want or name not in got:
        return f"{name}: only in the {'clean' if name in want else 'incremental'} build"
    lines = lambda data: data.decode("utf-8", "replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(lines(want[name]), lines(got[name]),
                                        f"clean/{name}", f"incremental/{name}"))


def copy_sources(work, folder):
    for part in ("proj", "shared"):
        shutil.copytree(os.path.join(work, part), os.path.join(folder, part))


def clean_build(folder):
    """The outputs of `folder`'s sources built from scratch by docbuild, and by
    plain sphinx-build (html and text), or an error."""
    clean = Project(folder, files={}, shared={})
    for result in (clean.configure(check=False), clean.ninja("html", "text", check=False)):
        if result.returncode != 0:
            return f"the clean build failed:\n{result.stdout}{result.stderr}"
    found = outputs(clean.path("build"))
    # Plain sphinx-build reads the generated includes where the pages name
    # them, as a team's own generator script would put them.
    plain = os.path.join(folder, "plain")
    copy_sources(folder, plain)
    shutil.copytree(clean.path("build", "gen"), os.path.join(plain, "proj"), dirs_exist_ok=True)
    for fmt in ("html", "text"):
        result = run([sys.executable, "-m", "sphinx", "-q", "-b", fmt, "-d", "doctrees", "-D",
                      "exclude_patterns=includes", "proj", os.path.join("out", fmt)], cwd=plain)
        if result.returncode != 0:
            return f"the plain sphinx-build -b {fmt} failed:\n{result.stdout}{result.stderr}"
    found.update({"plain/" + name: data for name, data in outputs(os.path.join(plain, "out")).items()
                  if name.split("/")[0] in ("html", "text")})
    shutil.rmtree(folder)
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_random_edits_build_like_a_clean_build(tmp_path, seed):
    rng = random.Random(seed)
    site = Site()
    files = site.files()
    project = Project(tmp_path / "work", files={"pic.png": png()}, shared={})
    write_tree(project.work, files, {})
    project.configure()
    project.ninja("html", "text")
    history = []
    kinds = edit_kinds(rng)
    for step in range(1, STEPS + 1):
        site.renamed = None
        edit = None
        while edit is None:  # a kind that does not apply now is skipped
            edit = next(kinds)(site, rng)
        history.append(f"{step:3d}. {edit}")
        time.sleep(0.01)  # the edit is newer than the last build's outputs
        if site.renamed:
            old, new = (os.path.join(project.src, f"{n}.rst") for n in site.renamed)
            os.makedirs(os.path.dirname(new), exist_ok=True)
            os.rename(old, new)
            prune(os.path.dirname(old), project.work)
            files[f"proj/{site.renamed[1]}.rst"] = files.pop(f"proj/{site.renamed[0]}.rst")
        new_files = site.files()
        write_tree(project.work, new_files, files)
        files = new_files
        context = (f"seed {seed}, step {step} of {STEPS} (rerun: DOCBUILD_RANDOM_SEED={seed} "
                   f"DOCBUILD_RANDOM_STEPS={step}); edits:\n" + "\n".join(history))
        # The clean build of a fresh copy runs beside the incremental one
        # (neither writes to the sources): the step costs one build's time.
        folder = str(tmp_path / f"clean-{step}")
        copy_sources(project.work, folder)
        with ThreadPoolExecutor(1) as pool:
            clean = pool.submit(clean_build, folder)
            result = project.ninja("html", "text", check=False)
            want = clean.result()
        assert result.returncode == 0, f"{context}\n\nninja failed:\n{result.stdout}{result.stderr}"
        assert not isinstance(want, str), f"{context}\n\n{want}"
        got = outputs(project.path("build"))
        plain = {name[len("plain/"):]: data for name, data in want.items() if name.startswith("plain/")}
        want = {name: data for name, data in want.items() if not name.startswith("plain/")}
        for against, wanted, compared in (("docbuild's clean build", want, got),
                                          ("plain sphinx-build's clean build", plain,
                                           {n: d for n, d in got.items() if n.split("/")[0] in ("html", "text")})):
            differing = sorted(n for n in set(wanted) | set(compared) if wanted.get(n) != compared.get(n))
            assert not differing, (f"{context}\n\nthe incremental build differs from {against} in: "
                                   f"{differing}\n\n{first_diff(differing[0], wanted, compared)}")
        again = project.ninja("html", "text", check=False)
        assert "no work to do" in again.stdout, \
            f"{context}\n\na second ninja had work:\n{again.stdout}{again.stderr}"
