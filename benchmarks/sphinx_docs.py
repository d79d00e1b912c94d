#!/usr/bin/env python3
"""Benchmark docbuild (`ninja html`) against plain `sphinx-build` on a real project.

    python benchmarks/sphinx_docs.py [--corpus DIR] [--reps N] [--json FILE]

By default the corpus is Sphinx's own documentation: the sphinx==9.0.4 sdist
is downloaded with pip and unpacked into benchmarks/work/ (git-ignored), and
its doc/ folder is used unchanged.

The source tree is copied twice into benchmarks/work/run/, one copy per
tool, so that both read identical files and the originals are never edited.
After a first full build with each tool (timed once, for information), the
script measures, alternating the two tools and their order in every
repetition:

  no-op          nothing changed: `ninja html` vs `sphinx-build -b html SRC OUT -d DOCTREES`
  one-page edit  a line of text appended to one page (the same in both copies)

and prints the median of each with the ratio docbuild / sphinx-build.
Every command's stdout and stderr go to a log file in benchmarks/work/run/logs/.

Checks made on the way (a failed check is reported, and stops the run when
the numbers would be meaningless): every build succeeds; docbuild's no-op
says "no work to do"; sphinx-build's no-op reads no document; the edited
text reaches the page's HTML in both outputs; and the incremental build
gives the edited page no warning or error that the full build did not (some
pages break when rebuilt alone: usage/extensions/duration.rst of Sphinx's
docs uses a role that only another page defines).
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import (BenchError, copy_tree, find_sphinx_build, loadavg, machine_info,  # noqa: E402
                    read, rep_order, run_and_report, summarize, version_of)
from tools import DocBuild, Runner, SphinxBuild, page_problems  # noqa: E402

DEFAULT_WORK = os.path.join(HERE, "work")
DEFAULT_SDIST = "sphinx==9.0.4"
# A plain page of Sphinx's docs: it uses only roles that conf.py registers,
# so rebuilding it alone gives the same result as a full build.
DEFAULT_PAGE = "usage/markdown.rst"
TOOLS = ("docbuild", "sphinx-build")


# --- setup ------------------------------------------------------------------

def fetch_default_corpus(work, spec):
    """Download and unpack the sdist `spec` into work/download; (root, corpus)."""
    download = os.path.join(work, "download")
    os.makedirs(download, exist_ok=True)
    name, _, version = spec.partition("==")
    unpacked = os.path.join(download, f"{name}-{version}")
    if not os.path.isfile(os.path.join(unpacked, "doc", "conf.py")):
        tarballs = glob.glob(os.path.join(download, f"{name}-{version}.tar.gz"))
        if not tarballs:
            print(f"downloading the {spec} sdist into {download} ...", flush=True)
            with open(os.path.join(download, "pip.log"), "w", encoding="utf-8") as log:
                rc = subprocess.call([sys.executable, "-m", "pip", "download", "--no-deps",
                                      "--no-binary", ":all:", spec, "-d", download], cwd=download,
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            tarballs = glob.glob(os.path.join(download, f"{name}-{version}.tar.gz"))
            if rc or not tarballs:
                raise BenchError(f"pip download {spec} failed; see {download}/pip.log")
        with tarfile.open(tarballs[0]) as tar:
            kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(download, **kwargs)
    corpus = os.path.join(unpacked, "doc")
    if not os.path.isfile(os.path.join(corpus, "conf.py")):
        raise BenchError(f"{corpus} has no conf.py after unpacking {spec}")
    return unpacked, corpus


def default_root(corpus):
    """The folder to copy: the corpus, or its parent when that is a project root.

    Docs often include files beside them (Sphinx's doc/ includes ../CHANGES.rst),
    which a copy of the corpus alone would lose.
    """
    parent = os.path.dirname(corpus)
    markers = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
    if any(os.path.exists(os.path.join(parent, m)) for m in markers):
        return parent
    return corpus


# --- checks -----------------------------------------------------------------

# --- measurement --------------------------------------------------------------

def find_ninja():
    found = shutil.which("ninja")
    if found:
        return found
    from docbuild.ninja_tool import ninja_binary
    return ninja_binary()


def append_edit(path, rep):
    marker = f"Benchmark edit number {rep}, appended by benchmarks/sphinx_docs.py."
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"\n\n{marker}\n")
    return marker


def out_page(outdir, page):
    return os.path.join(outdir, os.path.splitext(page)[0] + ".html")


def benchmark(args):
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    if args.corpus:
        corpus = os.path.abspath(args.corpus)
        if not os.path.isfile(os.path.join(corpus, "conf.py")):
            raise BenchError(f"{corpus} has no conf.py: --corpus must be a Sphinx source dir")
        root = os.path.abspath(args.root) if args.root else default_root(corpus)
    else:
        root, corpus = fetch_default_corpus(work, DEFAULT_SDIST)
        if args.root:
            root = os.path.abspath(args.root)
    if corpus != root and not corpus.startswith(root + os.sep):
        raise BenchError(f"--root {root} does not contain the corpus {corpus}")
    rel_corpus = os.path.relpath(corpus, root)
    if not os.path.isfile(os.path.join(corpus, args.page)):
        raise BenchError(f"the page {args.page} is not in {corpus}; choose one with --page")

    run_dir = os.path.join(work, "run")
    if os.path.exists(run_dir):
        shutil.rmtree(run_dir)
    logs = os.path.join(run_dir, "logs")
    os.makedirs(logs)
    print(f"copying {root} twice into {run_dir} ...", flush=True)
    copies = {}
    for name in TOOLS:
        copies[name] = os.path.join(run_dir, f"src-{name}")
        copy_tree(root, copies[name], work)

    ninja, sphinx_build = find_ninja(), find_sphinx_build()
    runner = Runner(logs, None)
    db = DocBuild(runner, os.path.join(run_dir, "docbuild"), os.path.join(copies["docbuild"], rel_corpus),
                  ninja)
    db.configure("docbuild-configure")
    sb = SphinxBuild(runner, os.path.join(run_dir, "sphinx-build"),
                     os.path.join(copies["sphinx-build"], rel_corpus), sphinx_build, db.jobs, [])
    tools = {"docbuild": db, "sphinx-build": sb}

    def build(name, kind):
        """(seconds, whether it was a no-op, Sphinx's output) of an html build."""
        run = tools[name].html(f"{name}-{kind}")
        return run.secs, run.noop, run.sphinx_text
    try:
        import docbuild
        docbuild_version = docbuild.__version__
    except ImportError:
        docbuild_version = "not importable"
    info = machine_info(sphinx=version_of([*sphinx_build, "--version"]),
                        ninja=version_of([ninja, "--version"]), docbuild=docbuild_version)
    info["sphinx_jobs"] = db.jobs
    info["loadavg_start"] = loadavg()
    notes = []

    # Full builds: one each, for information and as the baseline state.
    full, full_problems = {}, {}
    for name in TOOLS:
        print(f"full build with {name} ...", flush=True)
        secs, _, text = build(name, "full")
        full[name] = secs
        full_problems[name] = page_problems(text, os.path.join(tools[name].srcdir, args.page))
        print(f"  {secs:.1f} s", flush=True)
    # One untimed no-op each: a tool that does work here is reported, not hidden.
    for name in TOOLS:
        _, noop, _ = build(name, "warmup-noop")
        if not noop:
            notes.append(f"{name}: the first run after the full build was not a no-op")

    samples = {kind: {name: [] for name in TOOLS} for kind in ("noop", "edit")}
    for rep in range(1, args.reps + 1):
        order = rep_order(TOOLS, rep)
        for name in order:
            secs, noop, _ = build(name, f"noop{rep}")
            samples["noop"][name].append(secs)
            if not noop:
                notes.append(f"{name}: no-op run {rep} did work (see its log)")
        marker = None
        for name in TOOLS:  # the same edit in both copies, before either builds
            marker = append_edit(os.path.join(tools[name].srcdir, args.page), rep)
        for name in order:
            try:
                secs, _, text = build(name, f"edit{rep}")
            except BenchError as exc:
                raise BenchError(f"{exc}\n  The full build succeeded, so {args.page} probably "
                                 f"breaks when rebuilt alone (usage/extensions/duration.rst "
                                 f"of Sphinx's docs does); choose another page with --page")
            samples["edit"][name].append(secs)
            page_path = os.path.join(tools[name].srcdir, args.page)
            new = page_problems(text, page_path) - full_problems[name]
            if new:
                raise BenchError(
                    f"{name}: the incremental build of {args.page} gives problems the full "
                    f"build did not, so the page breaks when rebuilt alone; choose another "
                    f"with --page.  First: {sorted(new)[0]}")
            html = out_page(tools[name].outdir, args.page)
            if not os.path.isfile(html) or marker not in read(html):
                raise BenchError(f"{name}: after edit {rep}, {html} lacks the appended text")
        print(f"  rep {rep}/{args.reps}: no-op db {samples['noop']['docbuild'][-1]:.2f} s, "
              f"sb {samples['noop']['sphinx-build'][-1]:.2f} s; edit db "
              f"{samples['edit']['docbuild'][-1]:.2f} s, sb "
              f"{samples['edit']['sphinx-build'][-1]:.2f} s", flush=True)

    results = {
        "full build (1 run)": {name: summarize([full[name]]) for name in TOOLS},
        "no-op": {name: summarize(samples["noop"][name]) for name in TOOLS},
        f"one-page edit ({args.page})": {name: summarize(samples["edit"][name]) for name in TOOLS},
    }
    info["loadavg_end"] = loadavg()
    for row in results.values():
        row["ratio"] = row["docbuild"]["median"] / row["sphinx-build"]["median"]
    return {
        "machine": info,
        "corpus": corpus,
        "copied_root": root,
        "page": args.page,
        "reps": args.reps,
        "commands": {
            "docbuild": f"python -m docbuild configure --source SRC; {ninja} html",
            "sphinx-build": " ".join(sb.cmd("html", sb.outdir, sb.doctrees)),
        },
        "logs": logs,
        "results": results,
        "notes": notes,
    }


def table(report):
    m = report["machine"]
    lines = [
        f"machine: nproc {m['nproc']}, {m['cpu']}; {m['platform']}",
        f"python {m['python']}; {m['sphinx']}; ninja {m['ninja']}; docbuild {m['docbuild']}",
        f"corpus: {report['corpus']} (copied from {report['copied_root']}); "
        f"reps: {report['reps']}; Sphinx -j {m['sphinx_jobs']} for both",
        f"load average (1/5/15 min) at start {m['loadavg_start']}, at end {m['loadavg_end']}",
        "",
        f"{'measurement':40} {'docbuild s':>11} {'sphinx-build s':>15} {'ratio db/sb':>12}",
        f"{'':40} {'median':>11} {'median':>15}",
    ]
    for name, row in report["results"].items():
        lines.append(f"{name:40} {row['docbuild']['median']:11.3f} "
                     f"{row['sphinx-build']['median']:15.3f} {row['ratio']:12.3f}")
    lines.append("")
    for name, row in report["results"].items():
        if len(row["docbuild"]["samples"]) > 1:
            for tool in TOOLS:
                s = ", ".join(f"{x:.3f}" for x in row[tool]["samples"])
                lines.append(f"  {name} / {tool}: [{s}]")
    for note in report["notes"]:
        lines.append(f"note: {note}")
    lines.append(f"logs: {report['logs']}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 2)[2])
    p.add_argument("--corpus", metavar="DIR",
                   help=f"a Sphinx source dir (holding conf.py); default: the {DEFAULT_SDIST} "
                        "sdist's doc/, downloaded into the work dir")
    p.add_argument("--root", metavar="DIR",
                   help="the folder copied for each tool (must contain the corpus); default: "
                        "the corpus's parent if it is a project root (pyproject.toml, setup.py, "
                        "setup.cfg or .git), else the corpus")
    p.add_argument("--page", default=DEFAULT_PAGE,
                   help=f"the page edited, relative to the corpus (default: {DEFAULT_PAGE})")
    p.add_argument("--reps", type=int, default=5, help="repetitions of each measurement (default: 5)")
    p.add_argument("--work", default=DEFAULT_WORK,
                   help="work dir; its run/ folder is recreated (default: benchmarks/work)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    args = p.parse_args(argv)
    if args.reps < 1:
        p.error("--reps must be at least 1")
    report = run_and_report("sphinx_docs", lambda: benchmark(args), table, args.json)
    if report is None:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
