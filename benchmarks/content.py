#!/usr/bin/env python3
"""Benchmark structured-content generation: ninja edges vs one in-process loop.

    python benchmarks/content.py [--reps N] [--sizes 1,20,50] [--json FILE]

A synthetic corpus shaped like a large manual is generated (deterministically,
from a fixed seed) into the work dir (default benchmarks/work/content/,
git-ignored) as project/source/ (project/ holds build.ninja and build/, as in
a usual project): about 600 YAML files in source/includes/ holding 3,000
documents across the kinds (mostly extracts, steps and options; some toc,
toc-spec, ref-toc, ref-spec, apiargs, release, glossary, giza's tables and examples), half of them
inheriting (`inherit: {file, ref}`, options `{file, program, name}`, toc kinds
`source:`), with chains across files (up to four files deep), abstract `_`
documents, `replacement:` mappings, global replacements and `{{version}}`,
a few files in a subfolder (includes/primer/), plus conf.py and index.rst.
Sphinx is not run.

Measured in the same run, the variants alternating (their order rotates
every repetition), medians of --reps repetitions:

  (a) clean generation through ninja, for each content_group_size in --sizes
      (docbuild.yaml is rewritten for each): build/, build.ninja, .ninja_log
      and .ninja_deps are deleted, `python -m docbuild configure --source SRC`
      is timed, then `ninja generate`;
  (b) the same work as one loop in a fresh subprocess (benchmarks/inproc_generate.py): one
      content.Project, one generate.environment(), generate.generate() for
      every file, every output written with paths.write_if_changed into an
      empty folder (the whole subprocess is timed: Python start and imports
      included, as every ninja edge pays them too);
  (c) a one-file edit right after (a): a no-op `ninja generate` (checked,
      timed), then one document's text in one YAML file (which no other file
      inherits from) is changed in place (open 'w', not a rename) and
      `ninja generate` timed; exactly one edge, a generate edge, must run
      and the output must carry the new text; then the file is restored and
      `ninja generate` timed again (one edge).

The code measured is, by default, a copy of the working tree's docbuild/,
templates/ and build.ninja.in taken at the start (--code; others may edit
the repository during the run), put first on PYTHONPATH for every
subprocess; the report names the commit and the files modified since.

Wall times depend on what else the machine runs, so the CPU time (user +
system) of every measured process tree is reported too, the load average is
recorded at the start, after each repetition and at the end, and the
configure edge's own duration is read from .ninja_log.

Checks: every command succeeds; (a)'s generated tree and (b)'s are identical
(file names and bytes) and hold the expected number of files; (c) as above.
Every subprocess's output goes to a log file in the work dir's logs/ folder.
ninja is the real binary of the PyPI wheel (docbuild.ninja_tool), not a
pyenv shim, which would add ~0.1 s to every invocation.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from common import (EDGE, BenchError, clean_build, loadavg, machine_info,  # noqa: E402
                    ninja_edges, ninja_log_entries, read, rep_order, run_and_report, snapshot_code,
                    summarize, tree_digest, version_of, with_pythonpath)
from common import Checks, end_table  # noqa: E402
import tools  # noqa: E402
from synthetic import WORDS  # noqa: E402  (the same words as bench.py's corpus)
from tools import Runner  # noqa: E402

from docbuild.ninja_tool import ninja_binary  # noqa: E402

DEFAULT_WORK = os.path.join(HERE, "work", "content")
SEED = 20240607
VERSION, BRANCH = "7.0", "bench"
REPLACEMENTS = {"product": "Example Server", "shell": "example-shell", "daemon": "exampled"}
EDIT_TOKEN = "BENCH-EDIT-TARGET"


# --- the corpus -------------------------------------------------------------

TOPICS = ("install", "security", "replication", "sharding", "aggregation",
          "indexes", "crud", "admin", "monitoring", "backup")
LANGUAGES = ("sh", "javascript", "python", "yaml", "ini")


class Flow(dict):
    """A mapping written in flow style: `inherit: {file: x.yaml, ref: y}`."""


class Dumper(yaml.SafeDumper):
    pass


def _str(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data,
                                   style="|" if "\n" in data else None)


def _flow(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


Dumper.add_representer(str, _str)
Dumper.add_representer(Flow, _flow)


def dump_docs(docs, comment=None, end=False):
    parts = [yaml.dump(d, Dumper=Dumper, sort_keys=False, default_flow_style=False,
                       allow_unicode=True, width=100) for d in docs]
    text = "---\n".join(parts)
    if comment:
        text = f"# {comment}\n" + text
    if end:
        text += "...\n"
    return text


class Corpus:
    """Builds the corpus in memory: {relative path under includes/: text}."""

    def __init__(self, scale=1.0, seed=SEED):
        self.rng = random.Random(seed)
        self.scale = scale
        self.files = {}
        self.stats = {"documents": 0, "inheriting": 0, "abstract": 0, "outputs": 0,
                      "by_kind": {}, "max_chain_files": 1}
        self.edit_target = None  # (relative path, output path relative to gen/)
        self.index_includes = []

    # text ------------------------------------------------------------
    def words(self, n):
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def sentence(self, placeholders=()):
        w = self.words(self.rng.randint(6, 14)).capitalize()
        for p in placeholders:
            w += f" {{{{{p}}}}}"
        return w + "."

    def paragraph(self, n=3, placeholders=()):
        out = [self.sentence(placeholders if i == 0 else ()) for i in range(n)]
        if self.rng.random() < 0.4:
            out.append(f"See :doc:`/reference/{self.rng.choice(WORDS)}` for ``{self.rng.choice(WORDS)}``.")
        return " ".join(out)

    def fragment(self, placeholders=()):
        paras = [self.paragraph(self.rng.randint(2, 4), placeholders)]
        if self.rng.random() < 0.3:
            paras.append(".. note::\n\n   " + self.paragraph(2))
        if self.rng.random() < 0.3:
            paras.append("\n".join(f"- {self.sentence()}" for _ in range(self.rng.randint(2, 4))))
        return "\n\n".join(paras) + "\n"

    def code(self):
        lang = self.rng.choice(LANGUAGES)
        lines = [f"{{{{shell}}}} --{self.rng.choice(WORDS)} {self.rng.choice(WORDS)}"
                 for _ in range(self.rng.randint(1, 4))]
        if self.rng.random() < 0.5:
            lines.append("# version {{version}}")
        return lang, "\n".join(lines) + "\n"

    # bookkeeping -----------------------------------------------------
    def count(self, n):
        return max(1, round(n * self.scale))

    def split(self, total, files):
        """Document counts per file: `total` over `files`, uneven but deterministic."""
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(files)]
        s = sum(weights)
        sizes = [max(1, int(total * w / s)) for w in weights]
        i = 0
        while sum(sizes) < total:
            sizes[i % files] += 1
            i += 1
        while sum(sizes) > total and max(sizes) > 1:
            sizes[sizes.index(max(sizes))] -= 1
        return sizes

    def add(self, path, kind, docs, comment=None, outputs=0, inheriting=0, abstract=0):
        end = self.rng.random() < 0.2
        text = dump_docs(docs, comment, end)
        if self.rng.random() < 0.05:  # an empty document, which is skipped
            text = text.replace("---\n", "---\n---\n", 1) if "---\n" in text else text
        self.files[path] = text
        st = self.stats
        st["documents"] += len(docs)
        st["inheriting"] += inheriting
        st["abstract"] += abstract
        st["outputs"] += outputs
        k = st["by_kind"].setdefault(kind, {"files": 0, "documents": 0, "inheriting": 0})
        k["files"] += 1
        k["documents"] += len(docs)
        k["inheriting"] += inheriting

    def replacement(self, names):
        return {n: f"{self.words(self.rng.randint(1, 3))}" for n in names}

    # kinds -----------------------------------------------------------
    def extracts(self):
        n_common, d_common = self.count(25), self.count(125)
        n_leaf, d_leaf = self.count(210), self.count(1000)
        common = []  # per common file: [(ref, depth in files)]
        for i, size in enumerate(self.split(d_common, n_common)):
            name = f"extracts-common-{i:02d}.yaml"
            docs, refs, inh, abstract = [], [], 0, 0
            for j in range(size):
                is_abstract = self.rng.random() < 0.2
                ref = f"{'_' if is_abstract else ''}common-{i:02d}-{j}"
                doc = {"ref": ref}
                depth = 1
                # chains: a common file inherits from the one before, 3 deep at most
                if i % 3 and common[i - 1] and self.rng.random() < 0.4:
                    pref, pdepth = self.rng.choice(common[i - 1])
                    doc["inherit"] = Flow(file=f"extracts-common-{i - 1:02d}.yaml", ref=pref)
                    doc["replacement"] = self.replacement(["subject"])
                    depth = pdepth + 1
                    inh += 1
                else:
                    if self.rng.random() < 0.5:
                        doc["title"] = self.sentence(["subject"])
                    doc["content"] = self.fragment(["subject", "action"])
                    if self.rng.random() < 0.4:
                        doc["language"], doc["code"] = self.code()
                    doc["replacement"] = self.replacement(["subject", "action"])
                docs.append(doc)
                refs.append((ref, depth))
                abstract += is_abstract
            common.append(refs)
            self.add(name, "extracts", docs, "Shared snippets: leaf extracts inherit these.",
                     outputs=size - abstract, inheriting=inh, abstract=abstract)
        edit_file = n_leaf // 2
        for i, size in enumerate(self.split(d_leaf, n_leaf)):
            topic = TOPICS[i % len(TOPICS)]
            folder = "primer/" if i % 10 == 9 else ""
            stem = f"{topic}-{i:03d}"
            docs, inh = [], 0
            for j in range(size):
                ref = f"{stem}-{j}"
                if i != edit_file and self.rng.random() < 0.6:
                    c = self.rng.randrange(n_common)
                    pref, pdepth = self.rng.choice(common[c])
                    doc = {"ref": ref, "inherit": Flow(file=f"extracts-common-{c:02d}.yaml", ref=pref),
                           "replacement": self.replacement(["subject", "action"])}
                    if self.rng.random() < 0.3:
                        doc["title"] = self.sentence()
                    if self.rng.random() < 0.2:
                        doc["only"] = "html"
                    self.stats["max_chain_files"] = max(self.stats["max_chain_files"], pdepth + 1)
                    inh += 1
                else:
                    doc = {"ref": ref}
                    if self.rng.random() < 0.4:
                        doc["title"] = self.sentence()
                    if self.rng.random() < 0.3:
                        doc["pre"] = self.paragraph(1, ["product"])
                    doc["content"] = self.fragment(["product", "version"])
                    if self.rng.random() < 0.3:
                        doc["language"], doc["code"] = self.code()
                    if self.rng.random() < 0.2:
                        doc["post"] = self.paragraph(2)
                    if i == edit_file and j == size // 2:
                        doc["content"] = f"{EDIT_TOKEN} {doc['content']}"
                        self.edit_target = (f"{folder}extracts-{stem}.yaml",
                                            f"includes/{folder}extracts/{ref}.rst")
                docs.append(doc)
                if len(self.index_includes) < 5 and not folder and j == 0:
                    self.index_includes.append(f"/includes/extracts/{ref}.rst")
            self.add(f"{folder}extracts-{stem}.yaml", "extracts", docs, outputs=size, inheriting=inh)

    def step(self, ref, stepnum=None):
        doc = {"title": self.sentence(["subject"]), "ref": ref}
        if stepnum:
            doc["stepnum"] = stepnum
        if self.rng.random() < 0.5:
            doc["pre"] = self.paragraph(2, ["product"])
        actions = []
        for _ in range(self.rng.randint(1, 3)):
            lang, code = self.code()
            a = {"pre": self.sentence(), "language": lang, "code": code}
            if self.rng.random() < 0.4:
                a["heading"] = {"text": self.sentence(), "character": "'"}
            if self.rng.random() < 0.3:
                a["post"] = self.paragraph(1)
            actions.append(a)
        doc["action"] = actions[0] if len(actions) == 1 else actions
        if self.rng.random() < 0.3:
            doc["post"] = self.paragraph(2, ["version"])
        return doc

    def steps(self):
        n_shared, d_shared = self.count(15), self.count(75)
        n_leaf, d_leaf = self.count(125), self.count(620)
        shared = []
        for i, size in enumerate(self.split(d_shared, n_shared)):
            docs, refs, inh = [], [], 0
            for j in range(size):
                ref = f"shared-{i:02d}-{j}"
                if i % 2 and self.rng.random() < 0.4:
                    doc = {"ref": ref, "inherit": Flow(file=f"steps-shared-{i - 1:02d}.yaml",
                                                       ref=self.rng.choice(shared[i - 1])),
                           "replacement": self.replacement(["subject"])}
                    inh += 1
                else:
                    doc = self.step(ref)
                    doc["replacement"] = self.replacement(["subject"])
                docs.append(doc)
                refs.append(ref)
            shared.append(refs)
            self.add(f"steps-shared-{i:02d}.yaml", "steps", docs, "Steps reused by procedures.",
                     outputs=1, inheriting=inh)
        for i, size in enumerate(self.split(d_leaf, n_leaf)):
            name = f"{TOPICS[i % len(TOPICS)]}-procedure-{i:03d}"
            docs, inh = [], 0
            for j in range(size):
                ref = f"step-{j}"
                if self.rng.random() < 0.6:
                    s = self.rng.randrange(n_shared)
                    doc = {"ref": ref, "stepnum": j + 1,
                           "inherit": Flow(file=f"steps-shared-{s:02d}.yaml",
                                           ref=self.rng.choice(shared[s])),
                           "replacement": self.replacement(["subject"])}
                    if self.rng.random() < 0.3:
                        doc["pre"] = self.paragraph(1, ["daemon"])
                    inh += 1
                else:
                    doc = self.step(ref, j + 1)
                    doc["replacement"] = self.replacement(["subject"])
                docs.append(doc)
            self.add(f"steps-{name}.yaml", "steps", docs, outputs=1, inheriting=inh)
            if i == 0:
                self.index_includes.append(f"/includes/steps/{name}.rst")

    def options(self):
        shared_names = ["help", "verbose", "quiet", "version", "host", "port", "username",
                        "password", "config", "logpath"]
        docs = []
        for n in shared_names:
            doc = {"program": "_shared", "name": n, "directive": "option",
                   "description": self.paragraph(2) + " Used by {{program}}; see {{role}}.\n"}
            if n == "verbose":
                doc["aliases"] = "-v"
            if n in ("host", "port", "config", "logpath"):
                doc["args"] = f"<{n}>"
                doc["type"] = "string"
            docs.append(doc)
        self.add("options-shared.yaml", "options", docs,
                 "Options every tool has; `_shared` is abstract.", abstract=len(docs))
        n_prog, d_prog = self.count(89), self.count(600)
        own_names = ["out", "db", "collection", "<file>", "net.bindIp", "ssl.mode", "$cmd",
                     "query", "limit", "sort", "skip", "fields", "type", "jsonArray",
                     "gzip", "archive", "drop", "dryRun", "numParallel", "authDb"]
        previous = None  # (file, program, set of names, files in its chains)
        for i, size in enumerate(self.split(d_prog, n_prog)):
            program = f"tool{i:03d}"
            n_inherit = min(len(shared_names), round(size * 0.6))
            inherited = shared_names[:n_inherit]
            own = own_names[:size - n_inherit]
            if len(own) < size - n_inherit:
                own += [f"extra{k}" for k in range(size - n_inherit - len(own))]
            docs, depth = [], 2 if inherited else 1
            for n in inherited:
                if previous and i % 3 and n in previous[2]:
                    parent = Flow(file=previous[0], program=previous[1], name=n)
                    depth = max(depth, previous[3] + 1)
                else:
                    parent = Flow(file="options-shared.yaml", program="_shared", name=n)
                docs.append({"program": program, "name": n, "inherit": parent})
            for n in own:
                doc = {"program": program, "name": n, "directive": "option",
                       "description": self.fragment(["program"])}
                if self.rng.random() < 0.5:
                    doc["args"] = f"<{self.rng.choice(WORDS)}>"
                    doc["type"] = self.rng.choice(["string", "integer", "document", "boolean"])
                if self.rng.random() < 0.3:
                    doc["default"] = self.rng.choice([0, 1, "none", True])
                if self.rng.random() < 0.2:
                    doc["pre"] = ".. versionadded:: {{version}}\n"
                docs.append(doc)
            fname = f"options-{program}.yaml"
            self.add(fname, "options", docs, outputs=size, inheriting=n_inherit)
            previous = (fname, program, set(inherited), depth)
            self.stats["max_chain_files"] = max(self.stats["max_chain_files"], depth)

    def tocs(self):
        n_toc, d_toc = self.count(25), self.count(125)
        tocs = []
        for i, size in enumerate(self.split(d_toc, n_toc)):
            docs = []
            for j in range(size):
                doc = {"file": f"/{TOPICS[i % len(TOPICS)]}/page-{i:02d}-{j}",
                       "name": self.sentence().rstrip("."),
                       "description": self.paragraph(2, ["product"]) + "\n"}
                if j and self.rng.random() < 0.2:
                    doc["level"] = 2
                docs.append(doc)
            fname = f"toc-{TOPICS[i % len(TOPICS)]}-{i:02d}.yaml"
            tocs.append((fname, [d["file"] for d in docs]))
            self.add(fname, "toc", docs, outputs=2)
        for i, size in enumerate(self.split(self.count(25), self.count(5))):
            fname, files = tocs[i * 3 % len(tocs)]
            docs = [{"source": Flow(file=fname, ref=f)} for f in files[:size]]
            # A spec (its entries use source:): a definition list, no toctree.
            self.add(f"toc-spec-{i:02d}.yaml", "toc", docs, outputs=1, inheriting=len(docs))
        n_ref, d_ref = self.count(25), self.count(125)
        refs = []
        for i, size in enumerate(self.split(d_ref, n_ref)):
            docs = []
            for j in range(size):
                method = f"db.{self.rng.choice(WORDS)}{i:02d}{j}"
                docs.append({"file": f"/reference/method/{method}",
                             "name": f":doc:`{method}() </reference/method/{method}>`",
                             "description": self.paragraph(1) + "\n"})
            refs.append((f"ref-toc-methods-{i:02d}.yaml", [d["file"] for d in docs]))
            self.add(f"ref-toc-methods-{i:02d}.yaml", "ref-toc", docs, outputs=2)
        for i, size in enumerate(self.split(self.count(25), self.count(5))):
            fname, files = refs[i * 5 % len(refs)]
            docs = [{"source": Flow(file=fname, ref=f), "level": 1} for f in files[:size]]
            self.add(f"ref-spec-{i:02d}.yaml", "ref-spec", docs, outputs=1, inheriting=len(docs))

    def apiargs(self):
        common_names = ["writeConcern", "readConcern", "collation", "hint", "comment",
                        "maxTimeMS", "session", "let", "bypassDocumentValidation",
                        "arrayFilters", "upsert", "ordered", "projection", "filter",
                        "sort", "limit", "skip", "batchSize", "allowDiskUse", "explain"]
        n_common, d_common = self.count(5), self.count(20)
        placed = []
        for i, size in enumerate(self.split(d_common, n_common)):
            names = common_names[len(placed):len(placed) + size] or [f"common{i}"]
            docs = [{"arg_name": "param", "name": n, "type": self.rng.choice(["document", ["document", "string"], "integer"]),
                     "optional": True, "interface": "method", "operation": "{{operation}}",
                     "description": self.paragraph(2, ["operation"]) + "\n",
                     "replacement": {"operation": "the operation"}} for n in names]
            placed += [(f"apiargs-common-{i}.yaml", n) for n in names]
            self.add(f"apiargs-common-{i}.yaml", "apiargs", docs, outputs=1)
        for i, size in enumerate(self.split(self.count(140), self.count(35))):
            op = f"db.collection.{self.rng.choice(WORDS)}{i:02d}"
            docs, inh, used = [], 0, set()
            for j in range(size):
                if self.rng.random() < 0.5:
                    fname, n = self.rng.choice(placed)
                    if n not in used:
                        used.add(n)
                        docs.append({"name": n, "position": j + 1,
                                     "inherit": Flow(file=fname, ref=n),
                                     "replacement": {"operation": f":method:`{op}()`"}})
                        inh += 1
                        continue
                docs.append({"arg_name": "param", "name": f"arg{j}", "position": j + 1,
                             "type": "document", "optional": bool(j), "interface": "method",
                             "operation": op, "description": self.paragraph(2) + "\n"})
            self.add(f"apiargs-method-{op}-param.yaml", "apiargs", docs, outputs=1, inheriting=inh)

    def release_glossary(self):
        for i, size in enumerate(self.split(self.count(50), self.count(25))):
            docs = []
            for j in range(size):
                doc = {"ref": f"release-{i:02d}-{j}", "title": self.sentence(),
                       "pre": "For release {{version}} of {{product}}:\n"}
                doc["language"], doc["code"] = self.code()
                if self.rng.random() < 0.5:
                    doc["post"] = self.paragraph(2)
                docs.append(doc)
            self.add(f"release-{i:02d}.yaml", "release", docs, outputs=size)
        for i, size in enumerate(self.split(self.count(60), self.count(10))):
            docs = [{"term": f"{self.rng.choice(WORDS)} {i}-{j}",
                     "definition": self.paragraph(2) + "\n"} for j in range(size)]
            self.add(f"glossary-{i:02d}.yaml", "glossary", docs, outputs=1)

    def tables_examples(self):
        """giza's tables (layout, meta, content documents) and examples (a
        collection, then cases)."""
        for i in range(self.count(20)):
            rows = self.rng.randint(3, 8)
            layout = {"section": "layout", "header": ["meta.h1", "meta.h2"],
                      "rows": [{r + 1: [f"content.a{r}", f"content.b{r}"]} for r in range(rows)]}
            meta = {"section": "meta", "h1": self.sentence(), "h2": self.sentence()}
            content = {"section": "content", **{f"{c}{r}": self.sentence()
                                                for r in range(rows) for c in "ab"}}
            self.add(f"table-{i:02d}.yaml", "table", [layout, meta, content], outputs=2)
        for i in range(self.count(10)):
            cases = self.rng.randint(1, 3)
            docs = [{"collection": f"c{i}", "documents": [f'{{ n: {k} }}' for k in range(3)],
                     "pre": self.paragraph(2) + "\n"}]
            for k in range(cases):
                language, code = self.code()
                docs.append({"ref": f"case-{k}", "title": self.sentence(), "pre": self.paragraph(1) + "\n",
                             "operation": {"code": code, "language": language},
                             "results": [f'{{ n: {k} }}']})
            self.add(f"examples-{i:02d}.yaml", "examples", docs, outputs=1)

    def build(self):
        self.extracts()
        self.steps()
        self.options()
        self.tocs()
        self.apiargs()
        self.release_glossary()
        self.tables_examples()
        self.stats["files"] = len(self.files)
        self.stats["yaml_bytes"] = sum(len(t.encode()) for t in self.files.values())
        return self


def write_corpus(srcdir, scale):
    """(re)write srcdir with the corpus; its stats, edit target and digest."""
    corpus = Corpus(scale).build()
    if corpus.edit_target is None:
        raise BenchError("the corpus has no edit target (scale too small?)")
    if os.path.exists(srcdir):
        shutil.rmtree(srcdir)
    digest = hashlib.sha256()
    for rel, text in sorted(corpus.files.items()):
        path = os.path.join(srcdir, "includes", rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        digest.update(rel.encode() + b"\0" + text.encode() + b"\0")
    with open(os.path.join(srcdir, "conf.py"), "w", encoding="utf-8") as f:
        f.write('project = "Bench Manual"\n'
                f'version = "{VERSION}"\n'
                f'release = "{VERSION}.3"\n'
                'exclude_patterns = []\n')
    with open(os.path.join(srcdir, "index.rst"), "w", encoding="utf-8") as f:
        f.write("Bench Manual\n============\n\n"
                + "".join(f".. include:: {inc}\n\n" for inc in corpus.index_includes))
    corpus.stats["digest"] = digest.hexdigest()[:16]
    return corpus


def write_config(srcdir, group_size):
    with open(os.path.join(srcdir, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(f"content_group_size: {group_size}\n"
                f'version: "{VERSION}"\nbranch: {BRANCH}\nreplacements:\n'
                + "".join(f"  {k}: {v}\n" for k, v in REPLACEMENTS.items()))


def ninja_log_durations(path):
    """{output: milliseconds} of the last run of each edge, from a .ninja_log (v5+)."""
    return {out: end - start for start, end, out in ninja_log_entries(path)}


class Bench(Checks):
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        # A project as usual: build.ninja and build/ at the top, the Sphinx
        # source dir below it (so configure's root is the top).
        self.top = os.path.join(self.work, "project")
        self.srcdir = os.path.join(self.top, "source")
        self.inproc_out = os.path.join(self.work, "inproc")
        self.logs = os.path.join(self.work, "logs")
        self.globals_file = os.path.join(self.work, "globals.json")
        self.code_dir, self.code = snapshot_code(args.code, os.path.join(self.work, "code"))
        self.runner = Runner(self.logs, with_pythonpath(self.code_dir) if self.code_dir else None)
        # the wheel's binary (what docbuild uses), not a pyenv shim (~0.1 s a run)
        self.ninja = args.ninja or ninja_binary()
        self.ninja_cmd = [self.ninja] + (["-j", str(args.jobs)] if args.jobs else [])
        self.notes = []
        self.checks = []
        self.counter_notes = set()
        self.reference = None  # the generated tree's digest, from the in-process run

    def compare(self, tree, label):
        if self.reference is None:
            self.reference = tree
        same = tree == self.reference
        if not same:
            missing = sorted(set(self.reference) - set(tree))[:3]
            extra = sorted(set(tree) - set(self.reference))[:3]
            differ = sorted(k for k in set(tree) & set(self.reference)
                            if tree[k] != self.reference[k])[:3]
            label += f" (missing {missing}, extra {extra}, differing {differ})"
        self.check(same, f"{label}: the generated tree equals the reference tree")
        self.check(len(tree) == self.expected_outputs,
                   f"{label}: {len(tree)} generated files, expected {self.expected_outputs}")

    def setup(self):
        for sub in ("logs", "project", "inproc", "ninja", "source"):
            path = os.path.join(self.work, sub)
            if os.path.exists(path):
                shutil.rmtree(path)
        os.makedirs(self.logs)
        self.corpus = write_corpus(self.srcdir, self.args.scale)
        self.expected_outputs = self.corpus.stats["outputs"]
        values = {"version": VERSION, "branch": BRANCH, **REPLACEMENTS}
        with open(self.globals_file, "w", encoding="utf-8") as f:
            json.dump(values, f, sort_keys=True)

    # (a) ---------------------------------------------------------------
    def clean_top(self):
        clean_build(self.top)

    def ninja_clean(self, size, rep):
        self.clean_top()
        write_config(self.srcdir, size)
        conf = self.runner.run(
            f"g{size}-r{rep}-configure",
            [sys.executable, "-m", "docbuild", "configure", "--source", self.srcdir], self.top)
        if rep == 1:
            got = json.loads(read(os.path.join(self.top, "build", ".docbuild", "content-globals.json")))
            # docbuild's own keys (declared editions, what an unknown {{name}} is) are no values.
            got = {k: v for k, v in got.items() if not k.startswith("docbuild:")}
            self.check(got == json.loads(read(self.globals_file)),
                       f"g{size}: configure's globals equal the in-process run's")
        gen = self.runner.run(f"g{size}-r{rep}-clean", [*self.ninja_cmd, "generate"], self.top)
        text, log = gen.text, gen.log
        shutil.copyfile(os.path.join(self.top, ".ninja_log"), log[:-4] + ".ninja_log")
        edge_ms = ninja_log_durations(os.path.join(self.top, ".ninja_log"))
        ran = ninja_edges(text)
        n_generate = sum(d.startswith("generate ") for d in ran)
        n_configure = sum(d.startswith("configure") for d in ran)
        n_groups = -(-self.corpus.stats["files"] // size)
        self.check(n_generate == n_groups,
                   f"g{size} rep {rep}: clean `ninja generate` ran {n_generate} generate edges, "
                   f"expected {n_groups} ({log})")
        if rep == 1:
            self.compare(tree_digest(os.path.join(self.top, "build", "gen")),
                         f"g{size} ninja")
        return {"configure": conf.secs, "generate": gen.secs, "configure_cpu": conf.cpu,
                "generate_cpu": gen.cpu, "edges": len(ran), "generate_edges": n_generate,
                "configure_edges": n_configure,
                "configure_edge": edge_ms.get("build.ninja", 0) / 1000,
                "generate_edge_sum": sum(v for k, v in edge_ms.items() if k.endswith(".names")) / 1000}

    # (c) ---------------------------------------------------------------
    def edit(self, size, rep):
        noop = self.runner.run(f"g{size}-r{rep}-noop", [*self.ninja_cmd, "generate"], self.top)
        text, log = noop.text, noop.log
        self.check("ninja: no work to do." in text and not ninja_edges(text),
                   f"g{size} rep {rep}: `ninja generate` after the clean generation is a no-op ({log})")
        rel, out_rel = self.corpus.edit_target
        path = os.path.join(self.srcdir, "includes", rel)
        original = read(path)
        marker = f"{EDIT_TOKEN}-g{size}-r{rep}"
        with open(path, "w", encoding="utf-8") as f:  # in place: no rename
            f.write(original.replace(EDIT_TOKEN, marker, 1))
        try:
            edit = self.runner.run(f"g{size}-r{rep}-edit", [*self.ninja_cmd, "generate"], self.top)
            text, log = edit.text, edit.log
            ran = ninja_edges(text)
            counters = EDGE.findall(text)
            self.check(len(ran) == 1 and ran[0].startswith("generate "),
                       f"g{size} rep {rep}: the one-file edit ran exactly one edge, a generate "
                       f"edge (ran: {ran[:4]}; {log})")
            if counters and counters[0][:2] != ("1", "1"):
                self.counter_notes.add(
                    f"g{size}: the one-file edit's ninja output says [{counters[0][0]}/"
                    f"{counters[0][1]}], not [1/1]: the generate edge ran while ninja brought "
                    "build.ninja up to date (the names files are its inputs); the configure "
                    "edge it planned was pruned by restat, so one edge ran")
            out = os.path.join(self.top, "build", "gen", out_rel)
            self.check(os.path.isfile(out) and marker in read(out),
                       f"g{size} rep {rep}: the edited text reached {out_rel}")
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        back = self.runner.run(f"g{size}-r{rep}-restore", [*self.ninja_cmd, "generate"], self.top)
        text, log = back.text, back.log
        self.check(len(ninja_edges(text)) == 1,
                   f"g{size} rep {rep}: restoring the file ran exactly one edge ({log})")
        return {"noop": noop.secs, "edit": edit.secs, "edit_cpu": edit.cpu, "restore": back.secs}

    # (b) ---------------------------------------------------------------
    def inproc(self, rep):
        if os.path.exists(self.inproc_out):
            shutil.rmtree(self.inproc_out)
        os.makedirs(self.inproc_out)
        root = self.top  # what configure uses: the source dir is below the top
        run = self.runner.run(f"inproc-r{rep}", [sys.executable, os.path.join(HERE, "inproc_generate.py"),
                                                 self.srcdir, root, self.inproc_out, self.globals_file], self.work)
        if rep == 1:
            self.compare(tree_digest(self.inproc_out), "in-process")
        return run.secs, run.cpu

    def run(self):
        args = self.args
        info = machine(self.ninja)
        info["loadavg_start"] = loadavg()
        print(f"writing the corpus into {self.srcdir} ...", flush=True)
        self.setup()
        st = self.corpus.stats
        print(f"  {st['files']} files, {st['documents']} documents "
              f"({st['inheriting']} inheriting), {st['outputs']} outputs", flush=True)
        startup = tools.startup(self.runner, self.work, ["docbuild.generate"])
        tools.check_imported_from(self.runner, self.work, self.code)
        variants = [("ninja", s) for s in args.sizes] + [("inproc", None)]
        keys = ("configure", "generate", "configure_cpu", "generate_cpu", "configure_edge",
                "generate_edge_sum", "noop", "edit", "edit_cpu", "restore")
        samples = {"inproc": [], "inproc_cpu": []}
        for s in args.sizes:
            samples[s] = {k: [] for k in keys + ("edges", "configure_edges")}
        loads = []
        for rep in range(1, args.reps + 1):
            order = rep_order(variants, rep)
            parts = []
            for kind, size in order:
                if kind == "inproc":
                    secs, cpu = self.inproc(rep)
                    samples["inproc"].append(secs)
                    samples["inproc_cpu"].append(cpu)
                    parts.append(f"in-process {secs:.2f} s")
                    continue
                got = {**self.ninja_clean(size, rep), **self.edit(size, rep)}
                for k in samples[size]:
                    samples[size][k].append(got[k])
                parts.append(f"g{size}: configure {got['configure']:.2f} s, generate "
                             f"{got['generate']:.2f} s, edit {got['edit']:.3f} s")
            loads.append(loadavg())
            print(f"  rep {rep}/{args.reps} (load {loads[-1]}): " + "; ".join(parts), flush=True)
        info["loadavg_end"] = loadavg()
        info["loadavg_per_rep"] = loads
        self.notes += sorted(self.counter_notes)
        for s in args.sizes:
            if any(samples[s]["configure_edges"]):
                self.notes.append(
                    f"g{s}: clean `ninja generate` also ran the configure edge "
                    f"(configure edges per rep: {samples[s]['configure_edges']}): build.ninja "
                    "depends on the names files, which the generate edges create, so a clean "
                    "build runs configure twice (by hand, then from ninja); `ninja gen` includes it")
        inproc = summarize(samples["inproc"])
        inproc_cpu = summarize(samples["inproc_cpu"])
        results = {}
        for s in args.sizes:
            row = {k: summarize(samples[s][k]) for k in keys}
            row["groups"] = -(-st["files"] // s)
            row["edges_run_clean"] = samples[s]["edges"]
            row["configure_edges_run_clean"] = samples[s]["configure_edges"]
            row["ratio_generate_vs_inproc"] = row["generate"]["median"] / inproc["median"]
            row["ratio_configure_generate_vs_inproc"] = (
                (row["configure"]["median"] + row["generate"]["median"]) / inproc["median"])
            row["ratio_generate_cpu_vs_inproc_cpu"] = (row["generate_cpu"]["median"]
                                                      / inproc_cpu["median"])
            row["goal_ratio_met"] = row["ratio_generate_vs_inproc"] <= 2.0
            row["goal_edit_met"] = row["edit"]["median"] <= 0.5
            results[str(s)] = row
        return {
            "machine": info,
            "corpus": {**st, "srcdir": self.srcdir, "edit_target": self.corpus.edit_target[0],
                       "scale": args.scale, "seed": SEED},
            "code": self.code,
            "reps": args.reps,
            "ninja_command": " ".join(self.ninja_cmd),
            "startup": startup,
            "inproc": inproc,
            "inproc_cpu": inproc_cpu,
            "results": results,
            "goals": {"clean ninja generate / in-process (wall)": "<= 2x",
                      "one-file edit (wall)": "<= 0.5 s"},
            "checks_passed": sum(c["ok"] for c in self.checks),
            "checks_failed": [c["what"] for c in self.checks if not c["ok"]],
            "notes": self.notes,
            "logs": self.logs,
        }


# --- machine and report -----------------------------------------------------

def machine(ninja):
    import jinja2

    import docbuild
    return machine_info(
        ninja=f"{version_of([ninja, '--version'])} ({ninja})",
        docbuild=docbuild.__version__,
        pyyaml=f"{yaml.__version__}, libyaml loader: {hasattr(yaml, 'CSafeLoader')}",
        jinja2=jinja2.__version__)


def table(r):
    m, c = r["machine"], r["corpus"]
    med = lambda row, k: row[k]["median"]  # noqa: E731
    lines = [
        f"machine: nproc {m['nproc']}, {m['cpu']}; {m['platform']}",
        f"python {m['python']}; ninja {m['ninja']}",
        f"docbuild {m['docbuild']}; PyYAML {m['pyyaml']}; Jinja2 {m['jinja2']}",
        f"load average (1/5/15 min) at start {m['loadavg_start']}, at end {m['loadavg_end']}; "
        f"after each rep: {m['loadavg_per_rep']}",
        f"corpus: {c['files']} YAML files, {c['documents']} documents ({c['inheriting']} inheriting, "
        f"{c['abstract']} abstract; chains up to {c['max_chain_files']} files), "
        f"{c['outputs']} outputs, {c['yaml_bytes'] // 1024} KiB, digest {c['digest']}",
        "  by kind (files/docs/inheriting): " + ", ".join(
            f"{k} {v['files']}/{v['documents']}/{v['inheriting']}" for k, v in c["by_kind"].items()),
        f"code measured: {r['code']['mode']} (git HEAD {r['code']['git_head']}; modified since: "
        f"{', '.join(r['code']['modified_since_head']) or 'none'}; copy digest "
        f"{r['code'].get('digest', '-')}), imported from {r['code']['imported_from']}",
        f"reps: {r['reps']} (variants alternate, order rotating); ninja: {r['ninja_command']}",
        "startup, median of 5 (wall/CPU): " + "; ".join(
            f"{k} {v['wall']:.3f}/{v['cpu']:.3f} s" for k, v in r["startup"].items()),
        "",
        f"(b) in-process loop (one process, all {c['files']} files): wall "
        f"{r['inproc']['median']:.2f} s [{fmt(r['inproc']['samples'])}], CPU "
        f"{r['inproc_cpu']['median']:.2f} s",
        "",
        "(a) clean generation, (c) one-file edit; medians, seconds; ratios against (b)",
        f"{'group':>5} {'edges':>5} {'configure':>9} {'ninja gen':>9} {'ratio':>5} "
        f"{'cfg+gen':>7} {'ratio':>5} {'cfg edge':>8} {'gen CPU':>7} {'ratio':>5} "
        f"{'no-op':>6} {'edit':>6} {'edit CPU':>8}",
        f"{'size':>5} {'':>5} {'wall':>9} {'wall':>9} {'wall':>5} {'wall':>7} {'wall':>5} "
        f"{'in gen':>8} {'':>7} {'CPU':>5} {'wall':>6} {'wall':>6} {'':>8}",
    ]
    for s, row in r["results"].items():
        lines.append(
            f"{s:>5} {row['groups']:>5} {med(row, 'configure'):9.2f} {med(row, 'generate'):9.2f} "
            f"{row['ratio_generate_vs_inproc']:5.2f} "
            f"{med(row, 'configure') + med(row, 'generate'):7.2f} "
            f"{row['ratio_configure_generate_vs_inproc']:5.2f} {med(row, 'configure_edge'):8.2f} "
            f"{med(row, 'generate_cpu'):7.2f} {row['ratio_generate_cpu_vs_inproc_cpu']:5.2f} "
            f"{med(row, 'noop'):6.3f} {med(row, 'edit'):6.3f} {med(row, 'edit_cpu'):8.3f}")
    lines.append("")
    lines.append("goals: clean `ninja generate` / in-process loop <= 2x (wall); one-file edit <= 0.5 s")
    for s, row in r["results"].items():
        lines.append(f"  group size {s}: ratio {'met' if row['goal_ratio_met'] else 'MISSED'} "
                     f"({row['ratio_generate_vs_inproc']:.2f}x), edit "
                     f"{'met' if row['goal_edit_met'] else 'MISSED'} "
                     f"({med(row, 'edit'):.3f} s)")
    lines.append("samples (wall s unless CPU):")
    for s, row in r["results"].items():
        for k in ("configure", "generate", "generate_cpu", "configure_edge", "noop", "edit",
                  "restore"):
            lines.append(f"  g{s} {k}: [{fmt(row[k]['samples'])}]")
    return end_table(lines, r)


def fmt(samples):
    return ", ".join(f"{x:.3f}" for x in samples)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 2)[2])
    p.add_argument("--reps", type=int, default=3, help="repetitions (default: 3)")
    p.add_argument("--sizes", default="1,20,50",
                   help="content_group_size values to measure, comma-separated (default: 1,20,50)")
    p.add_argument("--work", default=DEFAULT_WORK,
                   help="work dir; its project/, code/, inproc/ and logs/ are recreated "
                        "(default: benchmarks/work/content, git-ignored)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="corpus size factor (default 1.0: ~600 files, ~3,000 documents)")
    p.add_argument("--ninja", help="the ninja binary (default: docbuild's, the PyPI wheel's)")
    p.add_argument("--code", choices=("tree", "head", "live"), default="tree",
                   help="the docbuild code measured: a copy of the working tree taken at the "
                        "start (default), of the last commit, or the live editable install")
    p.add_argument("--jobs", type=int, help="ninja -j (default: ninja's own, nproc + 2)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = p.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        p.error("--sizes must be whole numbers, comma-separated")
    if args.reps < 1 or not args.sizes or min(args.sizes) < 1:
        p.error("--reps and every size must be at least 1")
    report = run_and_report("content", lambda: Bench(args).run(), table, args.json)
    if report is None:
        return 1
    return 1 if report["checks_failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
