#!/usr/bin/env python3
"""Benchmark docbuild against plain sphinx-build on one corpus, in one run (issue 6).

    python benchmarks/bench.py --corpus {synthetic,sphinx,manual,DIR} [--pages N] [--reps N]
                               [--formats-reps N] [--configure-sizes 2000,10000]
                               [--page P] [--root DIR] [--json FILE] [--quick] [--work DIR]

Corpora:
  synthetic  benchmarks/synthetic.py, deterministic, --pages N pages (default 600) with
             includes, literalincludes, toctrees, cross references and YAML sources in
             includes/ that docbuild generates into its build dir.  Plain sphinx-build
             needs the generated .rst in the source dir: the harness runs docbuild's own
             generator into the plain copy (`python -m docbuild.generate --srcdir SRC
             --gen SRC --root .. --globals G FILES`, G being the global values docbuild's
             configure wrote), i.e. what a team with a generator script does before
             `make html`.  conf.py excludes includes/, so neither build reads them as
             documents.  The generation is timed apart; it is part of the plain
             sequence only in the all-formats-from-clean comparison.
  sphinx     Sphinx 9.0.4's own doc/ (the sdist, fetched with pip into
             benchmarks/work/download/; the sdist root is copied, since doc/
             includes ../AUTHORS.rst and others).  The page edited is usage/markdown.rst
             (usage/extensions/duration.rst breaks when rebuilt alone); the included file
             edited is AUTHORS.rst (included by authors.rst).
  manual     our docs/ (copied).  Its YAML sources are generated into the plain copy as
             above, and since its conf.py does not exclude the generated folders, plain
             sphinx-build gets `-D exclude_patterns=...` for them (checked with Sphinx's own
             file matcher).  It has no hand-written included file: that edit is n/a.

  DIR        any Sphinx source folder (with --page, the page edited; the copied root is
             DIR's parent when that is a project root, or --root).  No included file, no
             YAML edit.  Use --formats-reps 0 for the no-op and one-page edit alone.

Each tool gets its own copy of the corpus (edited identically) and its own output and
doctree dirs.  After a first full html build with each (timed once), --reps repetitions
alternate the two tools (the order flips every repetition):
  no-op            `ninja html` vs `sphinx-build -b html SRC OUT -d DOCTREES` (same -j
                   as docbuild gives its Sphinx step); plus ninja's floor (below).  The
                   docbuild and floor no-ops take milliseconds: --noop-runs (5) of each,
                   interleaved, per repetition
  one-page edit    a paragraph appended to a plain page (no includes)
  include edit     a paragraph appended to a hand-written file pulled in with
                   `.. include::`
  YAML edit        one YAML document's text changed (docbuild only, `ninja html`)
  configure        `python -m docbuild configure --source SRC` by hand (warm: the
                   caches of the previous run exist); the first configure (cold) is
                   timed once, and again before every all-formats build
Then --formats-reps repetitions (default: --reps), alternating, of all seven formats
from clean:
  docbuild         rm -rf build build.ninja .ninja_log .ninja_deps; configure; `ninja html
                   dirhtml singlehtml epub latex man text` (configure is included)
  make-style       rm -rf the outputs and the ONE shared doctree dir (and regenerate the
                   YAML includes, when there are any); then `sphinx-build -b FMT` for each
                   format, one after the other, as `make html dirhtml ...` does
Per-step durations of docbuild's build come from .ninja_log.

ninja's floor: our build.ninja's graph (every edge, every explicit/implicit/order-only
input, and every dependency recorded in .ninja_deps as an implicit input) is mirrored
under fresh names in a synthetic build.ninja whose edges run `touch` (phony edges stay
phony; build.ninja's own edge stays the manifest's edge); its leaf files are created,
it is built, and `ninja html` on it when up to date is timed like ours.  The ratio of
docbuild's no-op to it says what docbuild's graph costs beyond what ninja must pay for a
graph of that size (depfile-loaded deps, restat, generator edge, pools).  `ninja -d
stats` of both is logged once.

Peak memory: every command runs under `/usr/bin/time -v` (max RSS of the largest single
process in the tree; else a Python wrapper reading RUSAGE_CHILDREN), and full/clean
builds also sample the whole process tree every 0.25 s (sum of RSS of all processes
alive at once: docbuild runs several Sphinx processes at a time).  CPU time (user+sys of
the process tree) is recorded for every command: on a shared machine it is steadier
than wall time.

The docbuild code measured is a copy of the working tree taken at the start (others may
edit the repository during the run; build.ninja depends on docbuild/*.py, so an edit
would make a no-op regenerate), byte-compiled (this machine sets
PYTHONDONTWRITEBYTECODE=1 and docbuild/ has no __pycache__; a normal install has .pyc
files), first on PYTHONPATH for every command (--code live uses the editable install).

--configure-sizes (default 2000,10000 for the synthetic corpus, none for others) times
configure alone on synthetic corpora of that many pages: cold (no build dir) and warm
(again), --reps each, and profiles one of each (python -X importtime, cProfile).

Every command's output goes to a log file in WORK/run/logs/ (never a pipe).  The table
names the machine, versions and load averages (and CPU pressure, when the kernel has
/proc/pressure) at start and end; --json writes everything.
"""

import argparse
import json
import os
import pstats
import re
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import corpora  # noqa: E402
import floor  # noqa: E402
import synthetic  # noqa: E402
from common import (BenchError, copy_tree, find_sphinx_build, loadavg,  # noqa: E402
                    machine_info, median, ninja_log_entries, read, rep_order,
                    run_and_report, summarize, version_of, with_pythonpath)
import common  # noqa: E402
from common import Checks, end_table, html_differences  # noqa: E402
import tools  # noqa: E402
from tools import TIME_BIN, DocBuild, Runner, SphinxBuild, page_problems  # noqa: E402


DEFAULT_WORK = os.path.join(HERE, "work", "bench")
TOOLS = ("docbuild", "sphinx-build")
FORMATS7 = ["html", "dirhtml", "singlehtml", "epub", "latex", "man", "text"]


def div(a, b):
    """a / b, or None when b is 0 (CPU times below /usr/bin/time's 10 ms resolution)."""
    return a / b if a is not None and b else None


def cpu_pressure():
    """'some avg10/avg60/avg300' of /proc/pressure/cpu: share of time a task waited for a CPU."""
    try:
        line = read("/proc/pressure/cpu").splitlines()[0]
        return {k: float(v) for k, v in (p.split("=") for p in line.split()[1:4])}
    except (OSError, IndexError, ValueError):
        return None


def proc_stat():
    """The machine's CPU time counters (/proc/stat `cpu` line, in clock ticks)."""
    try:
        f = read("/proc/stat").splitlines()[0].split()
        names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
        return dict(zip(names, map(int, f[1:9])))
    except (OSError, IndexError, ValueError):
        return None


def cpu_shares(before, after):
    """% of all CPU time between two proc_stat() readings, per kind (nice: niced
    processes, i.e. other people's background jobs here; idle: nobody)."""
    if not before or not after:
        return None
    delta = {k: after[k] - before[k] for k in before}
    total = sum(delta.values()) or 1
    return {k: round(100 * v / total, 1) for k, v in delta.items()}


# --- running commands ---------------------------------------------------------------

# --- checks ---------------------------------------------------------------------------------------

def html_of(outdir, docname):
    return os.path.join(outdir, docname + ".html")


def marker_in(outdir, docname, marker):
    path = html_of(outdir, docname)
    return os.path.isfile(path) and marker in read(path)


def new_problems(log_text, full_text, needle):
    return page_problems(log_text, needle) - page_problems(full_text, needle)


def ninja_log_steps(top):
    """{step: (start s, end s)} of the last run of each edge in .ninja_log."""
    steps = {}
    try:
        entries = ninja_log_entries(os.path.join(top, ".ninja_log"))
    except BenchError:
        return steps
    for start, end, out in entries:
        m = re.match(r".*/stamps/(.+)\.stamp$", out)
        if m:
            label = m.group(1)
        elif out == "build.ninja":
            label = "configure (ninja)"
        elif out.endswith(".names") and "/gen/" in out:
            label = "generate " + os.path.basename(out)[:-6]
        else:
            continue
        steps[label] = (start / 1000, end / 1000)
    return steps


# --- the benchmark ------------------------------------------------------------------------------------------

def machine(ninja, sphinx_build, env):
    mem = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    return machine_info(
        memory_gib=round(mem, 1),
        sphinx=version_of([*sphinx_build, "--version"], env),
        ninja=f"{version_of([ninja, '--version'])} ({ninja})",
        docutils=version_of([sys.executable, "-c", "import docutils; print(docutils.__version__)"], env),
        time=TIME_BIN if os.access(TIME_BIN, os.X_OK) else "python RUSAGE_CHILDREN wrapper")


class Bench(Checks):
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        self.run_dir = os.path.join(self.work, "run")
        if os.path.exists(self.run_dir):
            shutil.rmtree(self.run_dir)
        self.logs = os.path.join(self.run_dir, "logs")
        os.makedirs(self.logs)
        code, self.code = common.snapshot_code(args.code, os.path.join(self.work, "code"), not args.no_compile)
        self.env = with_pythonpath(code) if code else dict(os.environ)
        self.runner = Runner(self.logs, self.env)
        from docbuild.ninja_tool import ninja_binary  # the wheel's binary, not a shim
        self.ninja = args.ninja or ninja_binary()
        self.sphinx_build = find_sphinx_build()
        self.notes, self.checks = [], []

    def say(self, text):
        print(text, flush=True)

    # --- setup --------------------------------------------------------------
    def setup(self):
        args = self.args
        c = corpora.corpus(args.corpus, self.work, args.pages, args.page, args.root)
        self.corpus = c
        self.copies = {}
        self.say(f"copying {c.root} twice into {self.run_dir} ...")
        for name in TOOLS:
            dest = os.path.join(self.run_dir, f"src-{name}")
            copy_tree(c.root, dest, self.work)
            self.copies[name] = dest
        tools.check_imported_from(self.runner, self.run_dir, self.code)
        srcdirs = {n: os.path.normpath(os.path.join(self.copies[n], c.rel)) for n in TOOLS}
        self.db = DocBuild(self.runner, os.path.join(self.run_dir, "docbuild"), srcdirs["docbuild"],
                           self.ninja)
        self.say("configure (cold) ...")
        self.first_configure = self.db.configure("configure-first")
        self.generated = self.plain_generate_setup(srcdirs["sphinx-build"])
        extra = self.plain_excludes(srcdirs["sphinx-build"])
        self.sb = SphinxBuild(self.runner, os.path.join(self.run_dir, "sphinx-build"),
                              srcdirs["sphinx-build"], self.sphinx_build, self.db.jobs, extra)
        self.tools = {"docbuild": self.db, "sphinx-build": self.sb}
        c.stats.update(corpora.count(srcdirs["docbuild"]))
        m = re.search(r"(\d+) documents", self.first_configure.text)
        c.stats["documents_docbuild"] = int(m.group(1)) if m else None
        c.stats["generated_files"] = len(self.generated)

    def plain_generate_setup(self, srcdir):
        """Generate the YAML includes into the plain copy (as a team's script would)."""
        from docbuild import content
        yaml_files = content.discover(srcdir)
        if not yaml_files:
            self.plain_gen_cmd = None
            return []
        globals_src = os.path.join(self.db.build, ".docbuild", "content-globals.json")
        self.globals_file = os.path.join(self.run_dir, "plain-globals.json")
        shutil.copyfile(globals_src, self.globals_file)
        before = set(self.walk(srcdir))
        self.plain_gen_cmd = [sys.executable, "-m", "docbuild.generate", "--srcdir", srcdir,
                              "--gen", srcdir, "--root", os.path.dirname(srcdir),
                              "--globals", self.globals_file,
                              *[os.path.relpath(p, srcdir) for p in yaml_files]]
        self.say("generating the YAML includes into the plain copy ...")
        self.plain_gen_first = self.runner.run("plain-generate", self.plain_gen_cmd, srcdir)
        # compared with docbuild's build/gen after its first build
        return sorted(set(self.walk(srcdir)) - before)

    @staticmethod
    def walk(folder):
        for root, dirs, files in os.walk(folder):
            for f in files:
                yield os.path.join(root, f)

    def plain_excludes(self, srcdir):
        """-D exclude_patterns for generated files plain Sphinx would take for documents."""
        if not self.generated:
            return []
        from docbuild import sphinxconf
        from sphinx.util.matching import get_matching_files
        tmp = os.path.join(self.run_dir, "plain-conf")
        os.makedirs(tmp, exist_ok=True)
        values, _ = sphinxconf.read(srcdir, tmp)
        found = {os.path.join(srcdir, p) for p in get_matching_files(
            srcdir, values.get("include_patterns") or ["**"], values.get("exclude_patterns") or [])}
        leaked = [p for p in self.generated if p in found and p.endswith(tuple(values["source_suffix"]))]
        if not leaked:
            return []
        dirs = sorted({os.path.relpath(os.path.dirname(p), srcdir).replace(os.sep, "/") for p in leaked})
        patterns = list(values.get("exclude_patterns") or []) + [d + "/**" for d in dirs]
        self.notes.append(f"plain sphinx-build gets -D exclude_patterns={','.join(patterns)}: the "
                          f"generated includes would otherwise be read as documents")
        return ["-D", "exclude_patterns=" + ",".join(patterns)]

    # --- measurements --------------------------------------------------------------
    def full_builds(self):
        self.full = {}
        for name in TOOLS:
            self.say(f"full html build with {name} ...")
            run = self.tools[name].html(f"{name}-full", sample=True)
            self.full[name] = run
            self.say(f"  {run.secs:.1f} s wall, {run.cpu:.1f} s CPU, max RSS "
                     f"{(run.maxrss_kb or 0) / 1024:.0f} MiB, tree peak "
                     f"{(run.tree_peak_kb or 0) / 1024:.0f} MiB")
        if self.generated:
            gen = os.path.join(self.db.build, "gen")
            same = all(os.path.isfile(os.path.join(gen, os.path.relpath(p, self.sb.srcdir)))
                       and read(p) == read(os.path.join(gen, os.path.relpath(p, self.sb.srcdir)))
                       for p in self.generated if not p.endswith(".json"))
            self.check(same, "the plain copy's generated includes equal docbuild's build/gen")
        for name in TOOLS:
            run = self.tools[name].html(f"{name}-warmup-noop")
            if not run.noop:
                self.notes.append(f"{name}: the first run after the full build was not a no-op ({run.log})")

    def setup_floor(self):
        self.say("ninja's floor: mirroring build.ninja's graph ...")
        edges, deps = floor.parse_graph(self.db.top, self.ninja, self.runner)
        self.graph = floor.graph_counts(edges, deps)
        self.floor_dir = os.path.join(self.run_dir, "floor")
        self.graph["floor_leaf_files"] = floor.write_floor(self.floor_dir, self.db.top, edges, deps, "html")
        for k in range(3):
            run = self.runner.run(f"floor-build{k}", [self.ninja, "html"], self.floor_dir)
        self.check("no work to do" in run.text, "ninja's floor graph is up to date after building")

    def floor_noop(self, label):
        run = self.runner.run(label, [self.ninja, "html"], self.floor_dir)
        self.check("no work to do" in run.text, f"{label}: the floor no-op did nothing")
        return run

    def sample(self, kind, name, run):
        self.samples[kind][name].append(run.secs)
        self.cpu[kind][name].append(run.cpu)

    def edit_round(self, kind, rep, order, what, pages, path_of):
        """A paragraph appended to path_of(tool) in both copies, then each tool's html
        build in `order`, timed; checks that the text reached `pages`.  {tool: Run}."""
        marker = f"Benchedit {what} rep{rep} marker."
        for name in TOOLS:
            corpora.append_paragraph(path_of(name), marker)
        runs = {}
        for name in order:
            runs[name] = run = self.tools[name].html(f"{name}-{kind}{rep}")
            self.sample(kind, name, run)
            for page in pages:
                self.check(marker_in(self.tools[name].outdir, page, marker),
                           f"{name}: {'edit' if kind == 'edit' else 'include edit'} {rep} reached {page}.html")
            if name == "docbuild":
                self.extra[f"{kind}_html_edge"].append(ninja_log_steps(self.db.top).get("html"))
        return runs

    def reps(self):
        args, c = self.args, self.corpus
        kinds = ["noop", "floor", "edit", "include", "yaml", "configure"]
        self.samples = {k: {n: [] for n in TOOLS} for k in kinds}
        self.cpu = {k: {n: [] for n in TOOLS} for k in kinds}
        self.extra = {"edit_html_edge": [], "include_html_edge": [], "yaml_edges": [],
                      "loadavg_per_rep": [], "mem_noop": {n: [] for n in TOOLS}}
        for rep in range(1, args.reps + 1):
            order = rep_order(TOOLS, rep)
            # no-op (and ninja's floor right after docbuild's)
            for name in order:
                # docbuild's no-op takes milliseconds: --noop-runs of it per rep, each
                # followed by the floor's, against one sphinx-build no-op
                for k in range(args.noop_runs if name == "docbuild" else 1):
                    run = self.tools[name].html(f"{name}-noop{rep}.{k}")
                    self.sample("noop", name, run)
                    self.extra["mem_noop"][name].append(run.maxrss_kb)
                    self.check(run.noop, f"{name}: no-op {rep}.{k} did nothing ({run.log})")
                    if name == "docbuild":
                        fl = self.floor_noop(f"floor-noop{rep}.{k}")
                        self.sample("floor", "docbuild", fl)
            # one-page edit
            runs = self.edit_round("edit", rep, order, "page", [os.path.splitext(c.page)[0]],
                                   lambda name: os.path.join(self.tools[name].srcdir, c.page))
            for name, run in runs.items():
                problems = new_problems(run.sphinx_text, self.full[name].sphinx_text,
                                        os.path.join(self.tools[name].srcdir, c.page))
                self.check(not problems, f"{name}: edit {rep} gave no new warning for {c.page} "
                                         f"{sorted(problems)[:1]}")
            # included file
            if c.include:
                self.edit_round("include", rep, order, "include", c.include_pages,
                                lambda name: os.path.join(self.copies[name], c.include))
            # YAML source (docbuild only; the plain copy's YAML gets the same edit)
            if c.yaml and self.generated:
                yfile, ref, page = c.yaml
                marker = f"Benchedit yaml rep{rep} marker."
                for name in TOOLS:
                    corpora.edit_yaml(os.path.join(self.tools[name].srcdir, yfile), ref, marker)
                run = self.db.html(f"docbuild-yaml{rep}")
                self.sample("yaml", "docbuild", run)
                self.extra["yaml_edges"].append(run.edges)
                self.check(marker_in(self.db.outdir, page, marker),
                           f"docbuild: YAML edit {rep} reached {page}.html")
            # configure by hand (warm)
            run = self.db.configure(f"configure{rep}")
            self.sample("configure", "docbuild", run)
            self.extra["loadavg_per_rep"].append(loadavg())
            self.say(f"  rep {rep}/{args.reps} (load {loadavg()}): no-op db "
                     f"{self.samples['noop']['docbuild'][-1]:.3f} s / sb "
                     f"{self.samples['noop']['sphinx-build'][-1]:.2f} s / floor "
                     f"{self.samples['floor']['docbuild'][-1]:.3f} s; edit db "
                     f"{self.samples['edit']['docbuild'][-1]:.2f} s / sb "
                     f"{self.samples['edit']['sphinx-build'][-1]:.2f} s"
                     + (f"; include db {self.samples['include']['docbuild'][-1]:.2f} s / sb "
                        f"{self.samples['include']['sphinx-build'][-1]:.2f} s" if c.include else "")
                     + (f"; yaml db {self.samples['yaml']['docbuild'][-1]:.2f} s"
                        if self.samples["yaml"]["docbuild"] else "")
                     + f"; configure {self.samples['configure']['docbuild'][-1]:.2f} s")
        # one verified no-op after the last configure, and ninja's own statistics
        run = self.db.html("docbuild-noop-final")
        self.check(run.noop, f"docbuild: no-op after configure by hand did nothing ({run.log})")
        # Both tools built the same sources with the same edits: the same site, once the
        # plain copy has the YAML edits too (generated and built, untimed)
        if self.samples["yaml"]["docbuild"]:
            self.runner.run("plain-generate-final", self.plain_gen_cmd, self.sb.srcdir)
            self.sb.html("sphinx-build-after-yaml")
        diffs = html_differences(self.db.outdir, self.sb.outdir)
        self.check(not diffs, "docbuild's html equals sphinx-build's (the same page files, the same "
                              "text on each page)" + (": " + "; ".join(diffs[:5]) if diffs else ""))
        ours = self.runner.run("ninja-d-stats-docbuild", [self.ninja, "-d", "stats", "html"], self.db.top)
        floor_run = self.runner.run("ninja-d-stats-floor", [self.ninja, "-d", "stats", "html"], self.floor_dir)
        self.ninja_stats = {"docbuild": floor.ninja_stats(ours.text), "floor": floor.ninja_stats(floor_run.text)}

    def all_formats(self):
        args = self.args
        self.formats = {"docbuild": [], "sphinx-build": [], "docbuild_cpu": [], "sphinx-build_cpu": [],
                        "docbuild_configure": [],
                        "plain_generate": [], "plain_per_format": [], "docbuild_steps": [],
                        "docbuild_mem": [], "plain_mem": []}
        all_dir = os.path.join(self.sb.top, "all")
        for rep in range(1, args.formats_reps + 1):
            order = rep_order(TOOLS, rep)
            for name in order:
                if name == "docbuild":
                    self.db.clean()
                    cfg = self.db.configure(f"formats{rep}-configure")
                    run = self.db.ninja_run(f"formats{rep}-docbuild", FORMATS7, sample=True)
                    self.formats["docbuild"].append(cfg.secs + run.secs)
                    self.formats["docbuild_cpu"].append(cfg.cpu + run.cpu)
                    self.formats["docbuild_configure"].append(cfg.secs)
                    steps = ninja_log_steps(self.db.top)
                    self.formats["docbuild_steps"].append(steps)
                    self.formats["docbuild_mem"].append((run.maxrss_kb, run.tree_peak_kb))
                    for fmt in FORMATS7:
                        self.check(os.path.isfile(os.path.join(self.db.build, "stamps", f"{fmt}.stamp")),
                                   f"docbuild all-formats {rep}: {fmt} built")
                    self.say(f"  formats rep {rep}: docbuild {cfg.secs + run.secs:.1f} s "
                             f"(configure {cfg.secs:.2f} s), CPU {run.cpu + cfg.cpu:.1f} s")
                else:
                    if os.path.exists(all_dir):
                        shutil.rmtree(all_dir)
                    total, per, cpu, mem = 0.0, {}, 0.0, []
                    if self.plain_gen_cmd:
                        for p in self.generated:
                            os.unlink(p)
                        g = self.runner.run(f"formats{rep}-plain-generate", self.plain_gen_cmd,
                                            self.sb.srcdir)
                        total += g.secs
                        cpu += g.cpu
                        self.formats["plain_generate"].append(g.secs)
                    doctrees = os.path.join(all_dir, "doctrees")
                    for fmt in FORMATS7:
                        out = os.path.join(all_dir, fmt)
                        r = self.sb.build(f"formats{rep}-plain-{fmt}", fmt, out, doctrees, sample=True)
                        per[fmt] = r.secs
                        total += r.secs
                        cpu += r.cpu
                        mem.append((r.maxrss_kb, r.tree_peak_kb))
                        self.check(os.path.isdir(out) and os.listdir(out),
                                   f"make-style {rep}: {fmt} wrote {out}")
                    self.formats["sphinx-build"].append(total)
                    self.formats["sphinx-build_cpu"].append(cpu)
                    self.formats["plain_per_format"].append(per)
                    self.formats["plain_mem"].append((max(m[0] or 0 for m in mem),
                                                      max(m[1] or 0 for m in mem)))
                    self.say(f"  formats rep {rep}: make-style {total:.1f} s "
                             + ", ".join(f"{k} {v:.1f}" for k, v in per.items()) + f"; CPU {cpu:.1f} s")

    def configure_sizes(self):
        self.config_sizes = {}
        for size in self.args.configure_sizes:
            self.say(f"configure alone on a synthetic corpus of {size} pages ...")
            base = os.path.join(self.work, "configure", f"pages-{size}")
            src = os.path.join(base, "source")
            desc = synthetic.write(src, size)
            top = os.path.join(base, "top")
            cold, warm, cold_cpu, warm_cpu = [], [], [], []
            cmd = [sys.executable, "-m", "docbuild", "configure", "--source", src]
            for rep in range(1, self.args.reps + 1):
                if os.path.exists(top):
                    shutil.rmtree(top)
                os.makedirs(top)
                r = self.runner.run(f"configure{size}-cold{rep}", cmd, top)
                cold.append(r.secs)
                cold_cpu.append(r.cpu)
                r = self.runner.run(f"configure{size}-warm{rep}", cmd, top)
                warm.append(r.secs)
                warm_cpu.append(r.cpu)
            m = re.search(r"(\d+) documents", r.text)
            # profiles: import time, and cProfile of a cold and a warm run
            imp = self.runner.run(f"configure{size}-importtime",
                                  [sys.executable, "-X", "importtime", *cmd[1:]], top)
            profiles = {}
            for kind in ("cold", "warm"):
                if kind == "cold":
                    shutil.rmtree(top)
                    os.makedirs(top)
                prof = os.path.join(self.logs, f"configure{size}-{kind}.prof")
                self.runner.run(f"configure{size}-cprofile-{kind}",
                                [sys.executable, "-m", "cProfile", "-o", prof, "-m", "docbuild",
                                 "configure", "--source", src], top)
                profiles[kind] = top_functions(prof, os.path.join(self.logs, f"configure{size}-{kind}.pstats.txt"))
            nodes = len([line for line in read(os.path.join(top, "build.ninja")).splitlines()
                         if line.startswith("build ")])
            self.config_sizes[str(size)] = {
                "pages": size, "documents": int(m.group(1)) if m else None,
                "yaml_files": desc["stats"]["yaml_files"], "build_edges": nodes,
                "cold": summarize(cold), "warm": summarize(warm),
                "cold_cpu": summarize(cold_cpu), "warm_cpu": summarize(warm_cpu),
                "imports": top_imports(imp.text), "profile": profiles,
            }
            self.say(f"  {size} pages: cold {median(cold):.2f} s, warm {median(warm):.2f} s")
            shutil.rmtree(base)  # large; the logs stay

    # --- everything ----------------------------------------------------------------------
    def run(self):
        args = self.args
        info = machine(self.ninja, self.sphinx_build, self.env)
        info["loadavg_start"], info["cpu_pressure_start"] = loadavg(), cpu_pressure()
        stat0, t0 = proc_stat(), time.time()
        if not args.configure_only:
            self.setup()
            info["startup"] = tools.startup(self.runner, self.run_dir, ["docbuild.configure", "sphinx.application"])
            info["sphinx_jobs"], info["sphinx_pool_depth"] = self.db.jobs, self.db.depth
            self.full_builds()
            self.setup_floor()
            self.say(f"{args.reps} repetitions, alternating ...")
            self.reps()
            info["loadavg_mid"] = loadavg()
            if args.formats_reps > 0:
                self.say(f"all {len(FORMATS7)} formats from clean, {args.formats_reps} repetitions ...")
                self.all_formats()
        self.configure_sizes()
        info["loadavg_end"], info["cpu_pressure_end"] = loadavg(), cpu_pressure()
        info["cpu_shares_during_run"] = cpu_shares(stat0, proc_stat())
        info["duration_s"] = round(time.time() - t0, 1)
        if args.configure_only:
            return {"machine": info, "code": self.code, "reps": args.reps, "configure_only": True,
                    "configure_sizes": self.config_sizes, "goals": configure_goals(self.config_sizes),
                    "logs": self.logs}
        return self.report(info)

    def report(self, info):
        c, s = self.corpus, self.samples
        res = {}

        def pair(key, label, note=None):
            db, sb = summarize(s[key]["docbuild"]), summarize(s[key]["sphinx-build"])
            if not db and not sb:
                return
            row = {"label": label, "docbuild": db, "sphinx-build": sb,
                   "docbuild_cpu": summarize(self.cpu[key]["docbuild"]),
                   "sphinx-build_cpu": summarize(self.cpu[key]["sphinx-build"])}
            if db and sb:
                row["ratio"] = db["median"] / sb["median"]
                row["ratio_cpu"] = div(row["docbuild_cpu"]["median"], row["sphinx-build_cpu"]["median"])
                row["pair_ratios"] = pair_ratios(db["samples"], sb["samples"])
                row["ratio_pairs_median"] = median(row["pair_ratios"])
            if note:
                row["note"] = note
            res[key] = row

        res["full"] = {"label": "first full html build (1 run)",
                       "docbuild": summarize([self.full["docbuild"].secs]),
                       "sphinx-build": summarize([self.full["sphinx-build"].secs]),
                       "docbuild_cpu": summarize([self.full["docbuild"].cpu]),
                       "sphinx-build_cpu": summarize([self.full["sphinx-build"].cpu]),
                       "ratio": self.full["docbuild"].secs / self.full["sphinx-build"].secs,
                       "ratio_cpu": div(self.full["docbuild"].cpu, self.full["sphinx-build"].cpu)}
        pair("noop", "no-op html")
        pair("edit", f"one-page edit ({c.page})")
        if c.include:
            pair("include", f"include edit ({c.include}, {len(c.include_pages)} pages)")
        if s["yaml"]["docbuild"]:
            pair("yaml", f"YAML edit ({c.yaml[0]})")
        pair("configure", "configure by hand (warm)")
        floor_noop = summarize(s["floor"]["docbuild"])
        res["floor"] = {"label": "ninja floor no-op (same graph, touch edges)", "floor": floor_noop,
                        "floor_cpu": summarize(self.cpu["floor"]["docbuild"]),
                        "docbuild_noop": res["noop"]["docbuild"],
                        "ratio_noop_vs_floor": res["noop"]["docbuild"]["median"] / floor_noop["median"],
                        "graph": self.graph, "ninja_stats": self.ninja_stats}
        res["configure_cold"] = {"first": self.first_configure.secs,
                                 "before_formats": getattr(self, "formats", {}).get("docbuild_configure", [])}
        if self.args.formats_reps > 0:
            f = self.formats
            db, sb = summarize(f["docbuild"]), summarize(f["sphinx-build"])
            res["formats"] = {"label": "all 7 formats from clean (configure incl.)",
                              "docbuild": db, "sphinx-build": sb,
                              "docbuild_cpu": summarize(f["docbuild_cpu"]),
                              "sphinx-build_cpu": summarize(f["sphinx-build_cpu"]),
                              "ratio": db["median"] / sb["median"],
                              "ratio_cpu": div(median(f["docbuild_cpu"]), median(f["sphinx-build_cpu"])),
                              "pair_ratios": pair_ratios(f["docbuild"], f["sphinx-build"]),
                              "ratio_pairs_median": median(pair_ratios(f["docbuild"], f["sphinx-build"])),
                              "details": f}
        mem = {
            "full_html": {n: {"maxrss_kb": self.full[n].maxrss_kb, "tree_peak_kb": self.full[n].tree_peak_kb}
                          for n in TOOLS},
            "noop_maxrss_kb": {n: max(filter(None, self.extra["mem_noop"][n]), default=None) for n in TOOLS},
        }
        if self.args.formats_reps > 0:
            mem["formats"] = {
                "docbuild": {"maxrss_kb": max(m[0] or 0 for m in self.formats["docbuild_mem"]),
                             "tree_peak_kb": max(m[1] or 0 for m in self.formats["docbuild_mem"])},
                "sphinx-build": {"maxrss_kb": max(m[0] for m in self.formats["plain_mem"]),
                                 "tree_peak_kb": max(m[1] for m in self.formats["plain_mem"])}}
        goals = self.goals(res)
        return {
            "machine": info, "code": self.code,
            "corpus": {"name": c.name, "root": c.root, "srcdir_rel": c.rel, "page": c.page,
                       "include": c.include, "include_pages": c.include_pages, "yaml": c.yaml,
                       "stats": c.stats},
            "reps": self.args.reps, "formats_reps": self.args.formats_reps,
            "commands": {"docbuild": f"python -m docbuild configure --source SRC; {self.ninja} html",
                         "sphinx-build": " ".join(self.sb.cmd("html", "OUT", "DOCTREES")),
                         "plain_generate": " ".join(self.plain_gen_cmd) if self.plain_gen_cmd else None,
                         "formats_docbuild": f"rm -rf build build.ninja .ninja_log .ninja_deps; "
                                             f"python -m docbuild configure --source SRC; "
                                             f"ninja {' '.join(FORMATS7)}",
                         "formats_plain": "for F in " + " ".join(FORMATS7) + ": sphinx-build -b $F SRC "
                                          "all/$F -d all/doctrees"},
            "results": res, "memory": mem, "extra": self.extra,
            "configure_sizes": self.config_sizes, "goals": goals,
            "checks_passed": sum(x["ok"] for x in self.checks),
            "checks_failed": [x["what"] for x in self.checks if not x["ok"]],
            "notes": self.notes, "logs": self.logs,
        }

    def goals(self, res):
        """Each goal of issue 6 with its wall-time value and, as a check on noise, its CPU value."""
        g = []
        noop, fl = res["noop"], res["floor"]
        med = lambda row, k: row[k]["median"]  # noqa: E731
        g.append({"goal": "no-op >= 100x faster than sphinx-build's no-op",
                  "value": med(noop, "sphinx-build") / med(noop, "docbuild"),
                  "cpu": div(med(noop, "sphinx-build_cpu"), med(noop, "docbuild_cpu")),
                  "unit": "x faster", "met": med(noop, "sphinx-build") / med(noop, "docbuild") >= 100})
        g.append({"goal": "no-op within 2x of ninja's floor", "value": fl["ratio_noop_vs_floor"],
                  "cpu": div(med(noop, "docbuild_cpu"), fl["floor_cpu"]["median"]), "unit": "x",
                  "met": fl["ratio_noop_vs_floor"] <= 2.0})
        for key, label in (("edit", "one-page edit (html) <= 1.05x"),
                           ("include", "(same bound for the include edit) <= 1.05x")):
            if key in res:
                g.append({"goal": label, "value": res[key]["ratio"], "cpu": res[key]["ratio_cpu"],
                          "unit": "x", "met": res[key]["ratio"] <= 1.05})
        if "formats" in res:
            g.append({"goal": "all 7 formats from clean <= 0.65x of the make-style sequence",
                      "value": res["formats"]["ratio"], "cpu": res["formats"]["ratio_cpu"], "unit": "x",
                      "met": res["formats"]["ratio"] <= 0.65})
        return g + configure_goals(self.config_sizes)


def configure_goals(sizes):
    """Configure alone: <= 0.5 s up to 2,000 pages, <= 2 s above, cold and warm."""
    g = []
    for size, row in sizes.items():
        limit = 0.5 if int(size) <= 2000 else 2.0
        for kind in ("cold", "warm"):
            v = row[kind]["median"]
            g.append({"goal": f"configure {kind}, {size} pages ({row['documents']} documents) <= {limit:g} s",
                      "value": v, "cpu": row[kind + "_cpu"]["median"], "unit": "s", "met": v <= limit})
    return g


def pair_ratios(db, sb):
    """docbuild / sphinx-build per repetition (when docbuild has k samples per
    repetition, as the no-op does, their median): robust to load that drifts."""
    if not sb or len(db) % len(sb):
        return []
    k = len(db) // len(sb)
    return [median(db[i * k:(i + 1) * k]) / b for i, b in enumerate(sb)]


def top_functions(prof, out_txt, n=12):
    st = pstats.Stats(prof)
    with open(out_txt, "w", encoding="utf-8") as f:
        st2 = pstats.Stats(prof, stream=f)
        st2.sort_stats("cumulative").print_stats(40)
        st2.sort_stats("tottime").print_stats(25)
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _) in st.stats.items():
        rows.append({"function": f"{os.path.basename(file)}:{line}({func})", "calls": nc,
                     "tottime": round(tt, 4), "cumtime": round(ct, 4)})
    rows.sort(key=lambda r: -r["tottime"])
    return {"total": round(max((r["cumtime"] for r in rows), default=0), 3),
            "by_tottime": rows[:n]}


def top_imports(text, n=10):
    """The slowest top-level imports (cumulative µs) from `python -X importtime`."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) <= 1:
            rows.append({"module": m.group(4), "cumulative_ms": int(m.group(2)) / 1000})
    rows.sort(key=lambda r: -r["cumulative_ms"])
    return {"total_top_level_ms": round(sum(r["cumulative_ms"] for r in rows), 1), "top": rows[:n]}


# --- the table -----------------------------------------------------------------------------------------------

def mib(kb):
    return f"{kb / 1024:.0f}" if kb else "-"


def fmt_samples(row):
    return ", ".join(f"{x:.3f}" for x in row["samples"]) if row else "-"


def configure_table(r):
    m = r["machine"]
    lines = [f"machine: nproc {m['nproc']}, {m['cpu']}, {m['memory_gib']} GiB; python {m['python']}",
             f"docbuild: {r['code']['mode']} copy of git {r['code']['git_head']}; reps {r['reps']}",
             f"load average: start {m['loadavg_start']}, end {m['loadavg_end']}; CPU pressure: start "
             f"{m['cpu_pressure_start']}, end {m['cpu_pressure_end']}; machine CPU time, %: "
             f"{m['cpu_shares_during_run']}",
             "configure alone on synthetic corpora (median s, wall/CPU; samples wall):"]
    for size, row in r["configure_sizes"].items():
        lines.append(f"  {size} pages ({row['documents']} documents, {row['yaml_files']} YAML files, "
                     f"{row['build_edges']} edges): cold {row['cold']['median']:.3f}/{row['cold_cpu']['median']:.3f} "
                     f"{fmt_samples(row['cold'])}; warm {row['warm']['median']:.3f}/{row['warm_cpu']['median']:.3f} "
                     f"{fmt_samples(row['warm'])}")
    for g in r["goals"]:
        lines.append(f"  {'met   ' if g['met'] else 'MISSED'} {g['goal']}: {g['value']:.3g} s (CPU {g['cpu']:.3g} s)")
    lines.append(f"logs: {r['logs']}")
    return "\n".join(lines)


def table(r):
    if r.get("configure_only"):
        return configure_table(r)
    m, c, res = r["machine"], r["corpus"], r["results"]
    st = c["stats"]
    code = r["code"]
    lines = [
        f"machine: nproc {m['nproc']}, {m['cpu']}, {m['memory_gib']} GiB; {m['platform']}",
        f"python {m['python']}; {m['sphinx']}; docutils {m['docutils']}; ninja {m['ninja']}",
        f"docbuild: {code['mode']} copy of git {code['git_head']} (modified since: "
        f"{', '.join(code['modified_since_head']) or 'none'}; byte-compiled: {code.get('compiled', '-')}); "
        f"imported from {code.get('imported_from')}",
        f"Sphinx -j {m['sphinx_jobs']} for both; docbuild's Sphinx pool depth {m['sphinx_pool_depth']}; "
        f"memory via {m['time']}",
        f"load average (1/5/15 min): start {m['loadavg_start']}, after the edit reps {m['loadavg_mid']}, "
        f"end {m['loadavg_end']}; per rep {r['extra']['loadavg_per_rep']}",
        f"CPU pressure (some, avg10/60/300 %): start {m['cpu_pressure_start']}, end {m['cpu_pressure_end']}; "
        f"run took {m['duration_s']:.0f} s; machine CPU time during the run, %: {m.get('cpu_shares_during_run')}",
        "startup, median of 5 (wall/CPU ms): " + "; ".join(
            f"{k} {v['wall'] * 1000:.0f}/{v['cpu'] * 1000:.0f}" for k, v in m["startup"].items()),
        f"corpus: {c['name']} ({c['root']}); " + ", ".join(f"{k} {v}" for k, v in st.items()),
        f"reps: {r['reps']} (order alternating); all-formats reps: {r['formats_reps']}",
        "",
        f"{'':50} {'---------------- wall s (median) ----------------':>49}  "
        f"{'---------- CPU s (median) -----------':>37}",
        f"{'measurement':50} {'docbuild':>11} {'sphinx-build':>13} {'ratio':>11} {'pairs*':>11}  "
        f"{'docbuild':>11} {'sphinx-build':>13} {'ratio':>11}",
    ]

    def num(row, key, width, digits=3):
        v = row.get(key) if row else None
        return f"{v['median']:{width}.{digits}f}" if v else f"{'-':>{width}}"

    def ratio(row, key):
        return f"{row[key]:11.3f}" if row.get(key) is not None else f"{'-':>11}"

    for key in ("full", "noop", "edit", "include", "yaml", "configure", "formats"):
        row = res.get(key)
        if not row:
            continue
        d = 1 if key == "formats" else 3
        lines.append(f"{row['label'][:50]:50} {num(row, 'docbuild', 11, d)} {num(row, 'sphinx-build', 13, d)} "
                     f"{ratio(row, 'ratio')} {ratio(row, 'ratio_pairs_median')}  {num(row, 'docbuild_cpu', 11, d)} "
                     f"{num(row, 'sphinx-build_cpu', 13, d)} {ratio(row, 'ratio_cpu')}")
    fl = res["floor"]
    lines.append(f"{'ninja floor: same graph, touch edges (no-op)':50} {fl['floor']['median']:11.3f} "
                 f"{'-':>13} {'-':>11} {'-':>11}  {fl['floor_cpu']['median']:11.3f}")
    lines.append("  * pairs: the median over repetitions of docbuild / sphinx-build within one repetition")
    lines.append(f"  docbuild no-op / floor: {fl['ratio_noop_vs_floor']:.2f}x; graph: "
                 + ", ".join(f"{k} {v}" for k, v in fl["graph"].items()))
    for who in ("docbuild", "floor"):
        stats = fl["ninja_stats"].get(who, {})
        lines.append(f"  ninja -d stats ({who}): " + ", ".join(
            f"{k} {v['total_ms']:.1f} ms" for k, v in stats.items()
            if k in (".ninja parse", ".ninja_log load", ".ninja_deps load", "node stat",
                     "depfile load", "StartEdge")))
    cold = res["configure_cold"]
    lines.append(f"configure cold (fresh build dir): first {cold['first']:.3f} s; before each all-formats "
                 f"build: [{', '.join(f'{x:.3f}' for x in cold['before_formats'])}]")
    if "formats" in res:
        f = res["formats"]
        d = f["details"]
        per = d["plain_per_format"][-1]
        lines.append("  make-style, last rep: " + (f"generate {d['plain_generate'][-1]:.1f}, "
                                                    if d["plain_generate"] else "")
                     + ", ".join(f"{k} {v:.1f}" for k, v in per.items()))
        steps = d["docbuild_steps"][-1]
        if steps:
            t0 = min(a for a, _ in steps.values())
            lines.append("  docbuild steps, last rep (.ninja_log start-end s): " + ", ".join(
                f"{k} {a - t0:.1f}-{b - t0:.1f}" for k, (a, b) in sorted(steps.items(), key=lambda kv: kv[1])
                if not k.startswith("generate")))
            gens = [(a, b) for k, (a, b) in steps.items() if k.startswith("generate")]
            if gens:
                lines.append(f"  docbuild generate edges: {len(gens)}, {min(a for a, _ in gens) - t0:.1f}-"
                             f"{max(b for _, b in gens) - t0:.1f} s")
    mem = r["memory"]
    lines.append("peak memory MiB (max RSS of one process / sampled sum over the tree):")
    lines.append(f"  full html: docbuild {mib(mem['full_html']['docbuild']['maxrss_kb'])} / "
                 f"{mib(mem['full_html']['docbuild']['tree_peak_kb'])}, sphinx-build "
                 f"{mib(mem['full_html']['sphinx-build']['maxrss_kb'])} / "
                 f"{mib(mem['full_html']['sphinx-build']['tree_peak_kb'])}; no-op: docbuild "
                 f"{mib(mem['noop_maxrss_kb']['docbuild'])}, sphinx-build {mib(mem['noop_maxrss_kb']['sphinx-build'])}")
    if "formats" in mem:
        fm = mem["formats"]
        lines.append(f"  all formats: docbuild {mib(fm['docbuild']['maxrss_kb'])} / {mib(fm['docbuild']['tree_peak_kb'])}, "
                     f"make-style {mib(fm['sphinx-build']['maxrss_kb'])} / {mib(fm['sphinx-build']['tree_peak_kb'])}")
    if r["configure_sizes"]:
        lines.append("configure alone on synthetic corpora (median s, wall/CPU):")
        for size, row in r["configure_sizes"].items():
            lines.append(f"  {size} pages ({row['documents']} documents, {row['yaml_files']} YAML files, "
                         f"{row['build_edges']} edges): cold {row['cold']['median']:.3f}/"
                         f"{row['cold_cpu']['median']:.3f}, warm {row['warm']['median']:.3f}/"
                         f"{row['warm_cpu']['median']:.3f}; imports {row['imports']['total_top_level_ms']:.0f} ms")
    lines.append("")
    lines.append("goals (issue 6):")
    for g in r["goals"]:
        lines.append(f"  {'met   ' if g['met'] else 'MISSED'} {g['goal']}: {g['value']:.3g} {g['unit']} "
                     + (f"(CPU time: {g['cpu']:.3g} {g['unit']})" if g["cpu"] is not None
                        else "(CPU time: below /usr/bin/time's 10 ms resolution)"))
    lines.append("samples (wall s | CPU s):")
    for key in ("noop", "edit", "include", "yaml", "configure"):
        row = res.get(key)
        if row:
            lines.append(f"  {key}: docbuild [{fmt_samples(row.get('docbuild'))} | "
                         f"{fmt_samples(row.get('docbuild_cpu'))}]; sphinx-build "
                         f"[{fmt_samples(row.get('sphinx-build'))} | {fmt_samples(row.get('sphinx-build_cpu'))}]")
    lines.append(f"  floor: [{fmt_samples(fl['floor'])}]")
    if "formats" in res:
        fr = res["formats"]
        lines.append(f"  formats: docbuild [{fmt_samples(fr['docbuild'])} | {fmt_samples(fr['docbuild_cpu'])}]; "
                     f"make-style [{fmt_samples(fr['sphinx-build'])} | {fmt_samples(fr['sphinx-build_cpu'])}]")
    ex = r["extra"]
    if ex["edit_html_edge"]:
        lines.append("  docbuild html edge in the edit builds (.ninja_log s): " + ", ".join(
            f"{b - a:.2f}" for a, b in filter(None, ex["edit_html_edge"])))
    return end_table(lines, r)


def upgrade(r):
    """Fill in what an older JSON lacks (pair ratios) so that table() can print it."""
    res = r.get("results", {})
    for key, row in res.items():
        if isinstance(row, dict) and row.get("docbuild") and row.get("sphinx-build") \
                and "pair_ratios" not in row:
            row["pair_ratios"] = pair_ratios(row["docbuild"]["samples"], row["sphinx-build"]["samples"])
            row["ratio_pairs_median"] = median(row["pair_ratios"])
    r["machine"].setdefault("cpu_shares_during_run", None)
    return r


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--corpus", default="synthetic", metavar="{synthetic,sphinx,manual,DIR}",
                   help="the corpus (default synthetic); DIR: any Sphinx source folder")
    p.add_argument("--page", help="the page edited, relative to the source dir (the corpus's own by default)")
    p.add_argument("--root", metavar="DIR", help="with --corpus DIR: the folder copied for each tool "
                   "(default: DIR's parent if it is a project root, else DIR)")
    p.add_argument("--pages", type=int, help="pages of the synthetic corpus (default 600; 60 with --quick)")
    p.add_argument("--reps", type=int, help="repetitions (default 3; 1 with --quick)")
    p.add_argument("--formats-reps", type=int,
                   help="repetitions of the all-formats comparison (default: --reps; 0 skips it)")
    p.add_argument("--configure-sizes",
                   help="page counts of synthetic corpora to time configure on, comma-separated "
                        "(default 2000,10000 for --corpus synthetic, none otherwise; 200 with --quick)")
    p.add_argument("--noop-runs", type=int, default=5,
                   help="docbuild and floor no-ops per repetition (milliseconds each; default 5)")
    p.add_argument("--quick", action="store_true", help="a small smoke run")
    p.add_argument("--configure-only", action="store_true",
                   help="only time configure on the --configure-sizes synthetic corpora (no Sphinx)")
    p.add_argument("--code", choices=("tree", "live"), default="tree",
                   help="a copy of the working tree's docbuild (default) or the live editable install")
    p.add_argument("--no-compile", action="store_true", help="do not byte-compile the code copy")
    p.add_argument("--ninja", help="the ninja binary (default: the PyPI wheel's, as docbuild uses)")
    p.add_argument("--work", default=DEFAULT_WORK, help="work dir (default: benchmarks/work/bench)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--from-json", metavar="FILE", help="only print the table of an earlier run's JSON")
    args = p.parse_args(argv)
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            print(table(upgrade(json.load(f))))
        return 0
    args.pages = args.pages or (60 if args.quick else 600)
    args.reps = args.reps or (1 if args.quick else 3)
    args.formats_reps = args.reps if args.formats_reps is None else args.formats_reps
    if args.configure_sizes is None:
        args.configure_sizes = "200" if args.quick else (
            "2000,10000" if args.corpus == "synthetic" or args.configure_only else "")
    args.configure_sizes = [int(x) for x in args.configure_sizes.split(",") if x.strip()]
    if args.reps < 1:
        p.error("--reps must be at least 1")
    report = run_and_report("bench", lambda: Bench(args).run(), table, args.json, str)
    if report is None:
        return 1
    return 1 if report.get("checks_failed") else 0


if __name__ == "__main__":
    sys.exit(main())
