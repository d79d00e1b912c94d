"""A deterministic synthetic Sphinx project of any size, for benchmarks/bench.py.

    python benchmarks/synthetic.py DEST --pages N      (writes DEST/; prints its statistics)

The same --pages always gives the same bytes (fixed seed, no timestamps).
Layout of DEST (the Sphinx source dir):

  conf.py           built-in Sphinx only (alabaster); exclude_patterns = ["includes"],
                    so that nothing under includes/ is a document
  docbuild.yaml     global replacements and a fixed branch for structured content
  index.rst         toctree of the sections, an included snippet
  glossary.rst      includes the generated glossary (terms the pages use with :term:)
  sec-NN/index.rst  one section per 50 pages: a toctree of its pages
  sec-NN/page-NNNNN.rst
                    the N pages: a label per page and per section, 3-5 sections of
                    paragraphs, lists, notes and code blocks, :ref:/:doc:/:term:
                    cross references to other pages; some pages also
                      .. include:: /includes/snippets/snippet-NNNN.rst   (every 3rd page;
                                   each snippet is included by about 3 pages)
                      .. literalinclude:: /includes/code/example-NNNN.py (every 4th)
                      .. include:: /includes/extracts/<ref>.rst          (every 2nd page,
                                   one generated extract each)
                      .. include:: /includes/steps/<name>.rst            (every 20th)
                      .. include:: /includes/option/option-<tool>-<name>.rst (every 30th:
                                   all options of one tool)
  includes/snippets/*.rst, includes/code/*.py   hand-written included files
  includes/*.yaml   structured content (docbuild generates the .rst):
                      extracts-common.yaml   abstract `_base-*` extracts, with {{subject}}
                      extracts-topic-NNNN.yaml  5 extracts each, half inheriting a base
                      steps-shared.yaml      abstract steps; steps-proc-NNNN.yaml 3-5 steps,
                                             some inheriting
                      options-shared.yaml    the abstract `_shared` program's options;
                      options-toolNNN.yaml   6 options each, 3 inherited
                      glossary-terms.yaml

docbuild generates includes/**.rst into its build dir.  Plain sphinx-build
needs them in the source dir, so bench.py runs docbuild's generator into the
plain copy (`python -m docbuild.generate --srcdir SRC --gen SRC ...`); since
exclude_patterns holds "includes", they are not documents in either build.
"""

import argparse
import json
import os
import random
import shutil
import sys

SEED = 6
VERSION = "7.0"
WORDS = ("server replica shard cluster index query document collection field operator "
         "cursor member primary secondary journal balancer chunk config storage engine cache "
         "write read concern preference timeout connection driver client session transaction "
         "snapshot oplog election vote arbiter backup restore export import user role privilege "
         "audit encryption key certificate network port host bind address log level verbosity "
         "profile sample metric").split()
TERMS = ["replica set", "shard key", "primary", "secondary", "oplog", "journal", "balancer",
         "chunk", "arbiter", "write concern", "read preference", "cursor"]
OWN_OPTIONS = ["out", "db", "collection", "query", "limit", "sort", "skip", "fields", "gzip",
               "archive", "drop", "dryRun"]
SHARED_OPTIONS = ["help", "verbose", "quiet", "host", "port", "config"]
PAGES_PER_SECTION = 50


class Synthetic:
    def __init__(self, pages, seed=SEED):
        if pages < 10:
            raise ValueError("--pages must be at least 10")
        self.n = pages
        self.rng = random.Random(seed)
        self.files = {}  # relative path: text
        self.n_sections = -(-pages // PAGES_PER_SECTION)
        self.n_snippets = max(3, pages // 10)
        self.n_code = max(2, pages // 20)
        self.n_extract_files = max(1, pages // 10)
        self.n_steps = max(1, pages // 20)
        self.n_tools = max(1, pages // 30)
        self.included_by = {}  # included file (relative) -> [pages]
        self.yaml_target = None  # (yaml file, marker line's key, page that shows it)

    # --- text ---------------------------------------------------------------
    def words(self, n):
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def sentence(self):
        return self.words(self.rng.randint(6, 14)).capitalize() + "."

    def paragraph(self, refs=True, width=None):
        parts = [self.sentence() for _ in range(self.rng.randint(3, 6))]
        if refs:
            r = self.rng.random()
            j = self.rng.randrange(self.n)
            if r < 0.35:
                parts.insert(1, f"See :ref:`page-{j}` for the {self.rng.choice(WORDS)} details.")
            elif r < 0.6:
                parts.insert(1, f"Read :doc:`{self.page_doc(j)}` first.")
            elif r < 0.75:
                parts.insert(1, f"A :term:`{self.rng.choice(TERMS)}` matters here.")
            elif r < 0.85:
                parts.insert(1, f"Compare :ref:`the {self.rng.choice(WORDS)} section "
                                f"<page-{j}-s1>`.")
        text = " ".join(parts)
        if width:
            return wrap(text, width)
        return wrap(text, 88)

    def page_name(self, i):
        return f"sec-{i // PAGES_PER_SECTION:02d}/page-{i:05d}"

    def page_doc(self, i):
        return "/" + self.page_name(i)

    def code(self, lines):
        out = []
        for k in range(lines):
            w = self.rng.choice(WORDS)
            out.append(f"    {w}_{k} = connect(\"{self.rng.choice(WORDS)}\", port={27000 + k})")
        return out

    # --- files ---------------------------------------------------------------
    def conf(self):
        self.files["conf.py"] = (
            "# A synthetic manual written by benchmarks/synthetic.py (deterministic).\n"
            'project = "Synthetic Manual"\n'
            'author = "Bench Writers"\n'
            'copyright = "2026, Bench Writers"\n'
            f'version = "{VERSION}"\n'
            f'release = "{VERSION}.3"\n'
            "extensions = []\n"
            "# Hand-written and generated included files are not documents.\n"
            'exclude_patterns = ["includes"]\n'
            'html_theme = "alabaster"\n'
            'latex_documents = [("index", "synthetic.tex", "Synthetic Manual", author, "manual")]\n'
            'man_pages = [("index", "synthetic", "Synthetic Manual", [author], 1)]\n')
        self.files["docbuild.yaml"] = (
            "# For docbuild only: global {{name}} values of the structured content.\n"
            "branch: bench\n"
            "replacements:\n  product: Example Server\n  shell: example-shell\n")

    def snippets_and_code(self):
        for k in range(self.n_snippets):
            body = [f".. note:: Snippet {k}.", "", "   " + self.sentence(), ""]
            body += [self.paragraph(refs=False), ""]
            if k % 2:
                body += ["- " + self.sentence() for _ in range(3)] + [""]
            self.files[f"includes/snippets/snippet-{k:04d}.rst"] = "\n".join(body)
        for k in range(self.n_code):
            lines = [f'"""Example {k}: {self.sentence()}"""', "", "import os", "",
                     f"def example_{k}(client):"]
            lines += self.code(self.rng.randint(20, 40))
            lines += ["    return client", ""]
            self.files[f"includes/code/example-{k:04d}.py"] = "\n".join(lines)

    def yaml_sources(self):
        # extracts: abstract bases, then topic files of 5 extracts, half inheriting
        bases = []
        docs = []
        for b in range(10):
            ref = f"_base-{b:02d}"
            bases.append(ref)
            docs.append(f"ref: {ref}\ntitle: {self.sentence()[:-1]} {{{{subject}}}}\n"
                        f"content: |\n{indent(self.paragraph(refs=False, width=80), 2)}\n"
                        f"  It applies to {{{{product}}}} {{{{version}}}} and {{{{subject}}}}.\n")
        self.files["includes/extracts-common.yaml"] = (
            "# Abstract extracts: only inherited.\n" + "---\n".join(docs))
        self.extract_refs = []
        target_file = self.n_extract_files // 2
        for f in range(self.n_extract_files):
            docs = []
            for d in range(5):
                ref = f"topic-{f:04d}-{d}"
                self.extract_refs.append(ref)
                if (f + d) % 2 and not (f == target_file and d == 2):
                    docs.append(f"ref: {ref}\ninherit: {{file: extracts-common.yaml, "
                                f"ref: {self.rng.choice(bases)}}}\nreplacement:\n"
                                f"  subject: {self.words(2)}\n")
                else:
                    doc = f"ref: {ref}\n"
                    if d % 3 == 0:
                        doc += f"title: {self.sentence()[:-1]}\n"
                    doc += f"content: |\n{indent(self.paragraph(refs=False, width=80), 2)}\n"
                    if d == 4:
                        doc += ("language: sh\ncode: |\n  {{shell}} --" + self.rng.choice(WORDS)
                                + "\n  # {{product}} {{version}}\n")
                    docs.append(doc)
            name = f"includes/extracts-topic-{f:04d}.yaml"
            self.files[name] = "---\n".join(docs)
            if f == target_file:
                self.yaml_target = (name, f"topic-{f:04d}-2")
        # steps
        shared = []
        docs = []
        for s in range(8):
            ref = f"_shared-{s}"
            shared.append(ref)
            docs.append(f"ref: {ref}\ntitle: {self.sentence()[:-1]}\n"
                        f"pre: |\n{indent(self.paragraph(refs=False, width=80), 2)}\n"
                        f"action:\n  language: sh\n  code: |\n    {{{{shell}}}} --{self.rng.choice(WORDS)}\n")
        self.files["includes/steps-shared.yaml"] = "---\n".join(docs)
        for p in range(self.n_steps):
            docs = []
            for s in range(self.rng.randint(3, 5)):
                if s % 2:
                    docs.append(f"ref: step-{s}\nstepnum: {s + 1}\ninherit: {{file: steps-shared.yaml, "
                                f"ref: {self.rng.choice(shared)}}}\n")
                else:
                    docs.append(f"ref: step-{s}\nstepnum: {s + 1}\ntitle: {self.sentence()[:-1]}\n"
                                f"pre: |\n{indent(self.paragraph(refs=False, width=80), 2)}\n"
                                f"action:\n  pre: {self.sentence()}\n  language: python\n"
                                f"  code: |\n    import {self.rng.choice(WORDS)}\n"
                                f"    {self.rng.choice(WORDS)}.run()\n")
            self.files[f"includes/steps-proc-{p:04d}.yaml"] = "---\n".join(docs)
        # options
        docs = []
        for name in SHARED_OPTIONS:
            doc = f"program: _shared\nname: {name}\ndirective: option\ndescription: |\n" \
                  f"{indent(self.paragraph(refs=False, width=80), 2)}\n" \
                  "  Used by {{program}}.\n"
            if name in ("host", "port", "config"):
                doc += f"args: <{name}>\ntype: string\n"
            docs.append(doc)
        self.files["includes/options-shared.yaml"] = "---\n".join(docs)
        for t in range(self.n_tools):
            program = f"tool{t:03d}"
            docs = []
            for k in range(3):
                docs.append(f"program: {program}\nname: {SHARED_OPTIONS[(t + k) % len(SHARED_OPTIONS)]}\n"
                            f"inherit: {{file: options-shared.yaml, program: _shared, "
                            f"name: {SHARED_OPTIONS[(t + k) % len(SHARED_OPTIONS)]}}}\n")
            for k in range(3):
                docs.append(f"program: {program}\nname: {OWN_OPTIONS[(t + k) % len(OWN_OPTIONS)]}\n"
                            f"directive: option\ndescription: |\n{indent(self.paragraph(refs=False, width=80), 2)}\n"
                            f"type: string\ndefault: none\n")
            self.files[f"includes/options-{program}.yaml"] = "---\n".join(docs)
        # glossary
        docs = [f"term: {t}\ndefinition: |\n{indent(self.paragraph(refs=False, width=80), 2)}\n"
                for t in TERMS]
        self.files["includes/glossary-terms.yaml"] = "---\n".join(docs)

    def options_of(self, t):
        names = [SHARED_OPTIONS[(t + k) % len(SHARED_OPTIONS)] for k in range(3)]
        names += [OWN_OPTIONS[(t + k) % len(OWN_OPTIONS)] for k in range(3)]
        return [f"/includes/option/option-tool{t:03d}-{n}.rst" for n in names]

    def page(self, i):
        title = f"Page {i}: {self.words(3)}"
        out = [f".. _page-{i}:", "", title, "=" * len(title), "", self.paragraph(), ""]
        n_sections = self.rng.randint(3, 5)
        for s in range(1, n_sections + 1):
            head = f"{self.words(2).capitalize()} {s}"
            out += [f".. _page-{i}-s{s}:", "", head, "-" * len(head), "", self.paragraph(), ""]
            kind = self.rng.random()
            if kind < 0.3:
                out += ["- " + self.sentence() for _ in range(self.rng.randint(2, 5))] + [""]
            elif kind < 0.5:
                out += [".. note::", "", indent(self.paragraph(refs=False), 3), ""]
            elif kind < 0.7:
                out += [".. code-block:: python", ""] + ["   " + line.strip()
                                                          for line in self.code(4)] + [""]
            out += [self.paragraph(), ""]
            if s == 1 and i % 3 == 0:
                k = (i // 3) % self.n_snippets
                inc = f"includes/snippets/snippet-{k:04d}.rst"
                self.included_by.setdefault(inc, []).append(self.page_name(i))
                out += [f".. include:: /{inc}", ""]
            if s == 2 and i % 4 == 0:
                k = (i // 4) % self.n_code
                out += [f".. literalinclude:: /includes/code/example-{k:04d}.py",
                        "   :language: python", f"   :lines: 1-{12 + i % 8}", ""]
            if s == 2 and i % 2 == 0 and i // 2 < len(self.extract_refs):
                ref = self.extract_refs[i // 2]
                inc = f"includes/extracts/{ref}.rst"
                self.included_by.setdefault(inc, []).append(self.page_name(i))
                out += [f".. include:: /{inc}", ""]
        if i % 20 == 5 and i // 20 < self.n_steps:
            out += ["Procedure", "-" * 9, "", f".. include:: /includes/steps/proc-{i // 20:04d}.rst", ""]
        if i % 30 == 10 and i // 30 < self.n_tools:
            out += ["Options", "-" * 7, ""]
            for inc in self.options_of(i // 30):
                out += [f".. include:: {inc}", ""]
        self.files[self.page_name(i) + ".rst"] = "\n".join(out)

    def tree(self):
        index = ["Synthetic Manual", "================", "", self.paragraph(refs=False), "",
                 ".. include:: /includes/snippets/snippet-0000.rst", "",
                 ".. toctree::", "   :maxdepth: 2", ""]
        index += [f"   sec-{s:02d}/index" for s in range(self.n_sections)] + ["   glossary", ""]
        self.included_by.setdefault("includes/snippets/snippet-0000.rst", []).append("index")
        self.files["index.rst"] = "\n".join(index)
        self.files["glossary.rst"] = "Glossary\n========\n\n.. include:: /includes/glossary/terms.rst\n"
        for s in range(self.n_sections):
            title = f"Section {s}: {self.words(2)}"
            lines = [title, "=" * len(title), "", self.paragraph(refs=False), "",
                     ".. toctree::", "   :maxdepth: 1", ""]
            first, last = s * PAGES_PER_SECTION, min(self.n, (s + 1) * PAGES_PER_SECTION)
            lines += [f"   page-{i:05d}" for i in range(first, last)] + [""]
            self.files[f"sec-{s:02d}/index.rst"] = "\n".join(lines)

    def plain_page(self):
        """A page that includes nothing, near the middle."""
        for i in list(range(self.n // 2, self.n)) + list(range(self.n // 2)):
            if i % 2 and i % 3 and i % 20 != 5:
                return self.page_name(i) + ".rst"
        raise ValueError("no plain page")

    def build(self):
        self.conf()
        self.snippets_and_code()
        self.yaml_sources()
        self.tree()
        for i in range(self.n):
            self.page(i)
        # The included-file edit: a hand-written snippet from the middle (about
        # three pages include it), present in both copies as it is.
        self.include_target = f"includes/snippets/snippet-{self.n_snippets // 2:04d}.rst"
        ref = self.yaml_target[1]
        self.yaml_page = self.included_by[f"includes/extracts/{ref}.rst"][0]
        return self

    def stats(self):
        yaml_files = [p for p in self.files if p.endswith(".yaml") and p.startswith("includes/")]
        docs = [p for p in self.files if p.endswith(".rst") and not p.startswith("includes/")]
        return {
            "pages": self.n,
            "documents": len(docs),
            "yaml_files": len(yaml_files),
            "snippets": self.n_snippets,
            "code_files": self.n_code,
            "files": len(self.files),
            "bytes": sum(len(t.encode()) for t in self.files.values()),
            "seed": SEED,
        }


def indent(text, n):
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.splitlines())


def wrap(text, width):
    lines, cur = [], ""
    for word in text.split(" "):
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def write(dest, pages):
    """(Re)write `dest` with the corpus of `pages` pages; returns a description."""
    s = Synthetic(pages).build()
    if os.path.exists(dest):
        shutil.rmtree(dest)
    for rel, text in sorted(s.files.items()):
        path = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    return {
        "stats": s.stats(),
        "page": s.plain_page(),
        "include": s.include_target,
        "include_pages": s.included_by[s.include_target],
        "yaml": s.yaml_target[0],
        "yaml_ref": s.yaml_target[1],
        "yaml_page": s.yaml_page,
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dest")
    p.add_argument("--pages", type=int, default=600)
    args = p.parse_args(argv)
    print(json.dumps(write(args.dest, args.pages), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
