#!/usr/bin/env python3
"""Acceptance check on real projects: docbuild against plain `sphinx-build`.

    python benchmarks/real_projects.py [--projects a,b] [--keep] [--json FILE]

For each project (PROJECTS below: a pinned release whose sdist holds its
documentation), in benchmarks/work/real/NAME/ (git-ignored):

  setup    `pip download --no-deps --no-binary :all: NAME==VER`, unpacked to
           tree/; a venv of its own (venv/, kept for the next run) with docbuild
           installed editable, the project's doc requirements (its docs
           requirements file less any pin of Sphinx: the Sphinx under test is
           docbuild's) and the project itself from its sdist, for its metadata
           and dependencies.  Every build runs with PYTHONPATH=tree/SRC, so that
           autodoc and viewcode read the tree's modules, which the edits change.
  compare  a clean `sphinx-build -b html` and `-b text` (sphinx/) and a clean
           docbuild build (`python -m docbuild configure --source tree/DOCS`,
           `ninja html text`, in db/) of the same tree:
             configure ok      configure succeeded (where sphinx-build did)
             html files        the same set of files in both html folders
             text equal        every text page byte for byte, and every html
                               page the same after normalising HTML_VOLATILE
             warnings          sphinx-build's html warnings (stderr) and
                               docbuild's html step's (report.json), as
                               multisets of `file:line: LEVEL: message` (the
                               first line), paths relative to the tree;
                               also after the edits
  edits    in the same tree, each followed by `ninja html text` in db/:
           retitle a section that another page's :ref: names, retitle a page
           that another page's :doc: names, edit a page's text, add a page to the
           root toctree, remove a page (and its toctree entry), edit the
           docstring of an object autodoc documents.  Then every file of db/'s
           html and text output is compared byte for byte (only .buildinfo
           excepted; searchindex.js unnormalised) with a clean docbuild build
           (db-clean/) and a clean sphinx-build (sphinx-edited/) of the edited
           tree; the differing files are listed with a few lines of diff.

All three builds read the one tree, so absolute paths are the same in each.
Downloads and venvs are kept; the rest of NAME/ is removed unless --keep.
Needs the network (PyPI) the first time: it is not part of the test suite.
"""

import argparse
import collections
import difflib
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import corpora  # noqa: E402
from common import REPO, BenchError, machine_info, read, run_and_report, snapshot_code  # noqa: E402

WORK = os.path.join(HERE, "work", "real")

# name: version, docs folder, import root (for PYTHONPATH), doc requirements
# (a requirements file in the sdist, or extras of the project itself), and
# the root document when it is not "index".  pluggy and more-itertools use
# viewcode (and autodoc, as all but attrs's MyST pages do).
PROJECTS = {
    "werkzeug": {"version": "3.1.3", "docs": "docs", "src": "src", "reqs": "requirements/docs.in"},
    "click": {"version": "8.1.8", "docs": "docs", "src": "src", "reqs": "requirements/docs.in"},
    "jinja2": {"version": "3.1.6", "docs": "docs", "src": "src", "reqs": "requirements/docs.in"},
    "attrs": {"version": "25.3.0", "docs": "docs", "src": "src", "extras": "docs"},
    "pluggy": {"version": "1.6.0", "docs": "docs", "src": "src", "reqs": "docs/requirements.txt"},
    "more-itertools": {"version": "10.7.0", "docs": "docs", "src": ".", "reqs": "docs/requirements.txt",
                       "root": "toctree"},
}

# What may differ between docbuild's html pages and sphinx-build's for the
# same sources (nothing is normalised in the incremental == clean checks).
HTML_VOLATILE = []

MARK = "benchmark-edit"


class Run:
    """One project's folders, environment and log."""

    def __init__(self, name, spec, code=None):
        self.name, self.spec = name, spec
        self.top = os.path.join(WORK, name)
        self.tree = os.path.join(self.top, "tree")
        self.docs = os.path.join(self.tree, spec["docs"])
        self.venv = os.path.join(self.top, "venv")
        self.logs = os.path.join(self.top, "logs")
        self.env = dict(os.environ, VIRTUAL_ENV=self.venv,
                        PATH=os.path.join(self.venv, "bin") + os.pathsep + os.environ["PATH"],
                        PYTHONPATH=os.pathsep.join(filter(None, [code, os.path.join(self.tree, spec["src"])])))
        self.env.pop("PYTHONHOME", None)
        self.times = {}

    def bin(self, name):
        return os.path.join(self.venv, "bin", name)

    def cmd(self, label, args, cwd=None):
        """Run args with output to logs/LABEL.log; (exit status, the log's text)."""
        os.makedirs(self.logs, exist_ok=True)
        log = os.path.join(self.logs, label + ".log")
        start = time.perf_counter()
        with open(log, "w", encoding="utf-8") as f:
            f.write(f"$ cd {cwd or self.top} && {' '.join(args)}\n")
            f.flush()
            rc = subprocess.run(args, cwd=cwd or self.top, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=f, stderr=subprocess.STDOUT).returncode
        self.times[label] = round(time.perf_counter() - start, 2)
        return rc, read(log)


# --- setup --------------------------------------------------------------------

def without_sphinx(lines):
    """Requirement lines less those that pin Sphinx itself (not sphinx-foo):
    the Sphinx under test is the one docbuild requires."""
    name = re.compile(r"^\s*sphinx\s*($|[<>=!~;\[ ])", re.I)
    return [line for line in lines if not name.match(line)]


def make_venv(run, tarball):
    """The project's own venv, made once (a marker says it is complete)."""
    done = os.path.join(run.venv, "complete")
    if os.path.exists(done):
        return
    shutil.rmtree(run.venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", run.venv], check=True)
    args = [run.bin("pip"), "install", "-q", "-e", REPO]
    if "reqs" in run.spec:
        reqs = os.path.join(run.top, "doc-requirements.txt")
        with open(reqs, "w", encoding="utf-8") as f:
            f.writelines(without_sphinx(open(os.path.join(run.tree, run.spec["reqs"])).readlines()))
        args += ["-r", reqs, tarball]
    else:
        args += [f"{run.name}[{run.spec['extras']}] @ file://{tarball}"]
    rc, log = run.cmd("pip-install", args)
    if rc:
        raise BenchError(f"{run.name}: installing the doc requirements failed:\n{log[-1500:]}")
    open(done, "w").close()


# --- building -------------------------------------------------------------------

def sphinx_build(run, out, builder):
    return run.cmd(f"{os.path.basename(out)}-{builder}", [
        run.bin("sphinx-build"), "-b", builder, run.docs, os.path.join(out, builder),
        "-d", os.path.join(out, "doctrees-" + builder)])


def docbuild_configure(run, folder):
    os.makedirs(folder, exist_ok=True)
    return run.cmd(os.path.basename(folder) + "-configure",
                   [run.bin("python"), "-m", "docbuild", "configure", "--source", run.docs], folder)


def ninja(run, folder, label):
    return run.cmd(label, [run.bin("ninja"), "html", "text"], folder)


WARNING = re.compile(r"^(?:(.*?):(\d*):? )?(WARNING|ERROR|CRITICAL|SEVERE): (.*?)(?: \[([\w.]+)\])?$")


def warning_key(path, line, level, message, category, tree):
    """`file:line: LEVEL: first line of the message`, the file relative to the tree.

    The category is left out: sphinx-build's log shows none for a CRITICAL
    docutils message, which report.json files under "docutils"."""
    path = os.path.relpath(path, tree) if path and os.path.isabs(path) else path
    message = re.sub(r"^(WARNING|ERROR|CRITICAL): ", "", message.splitlines()[0] if message else "")
    return f"{path or ''}:{line or ''}: {level}: {message}"


def stderr_warnings(text, tree):
    """The warnings in a sphinx-build log, as a Counter of warning_key()."""
    found = collections.Counter()
    for line in text.splitlines():
        m = WARNING.match(line)
        if m:
            found[warning_key(*m.groups(), tree)] += 1
    return found


def report_warnings(run, folder):
    """docbuild's warnings of the html step (report.json), as a Counter.  The
    html step reads the sources itself (the shared read serves the other
    formats), so it is the counterpart of `sphinx-build -b html`."""
    run.cmd(os.path.basename(folder) + "-report", [run.bin("python"), "-m", "docbuild", "report"], folder)
    with open(os.path.join(folder, "build", "report.json"), encoding="utf-8") as f:
        (html,) = [s for s in json.load(f)["steps"] if s["name"] == "html"]
    return collections.Counter(warning_key(w["file"], w["line"], w["level"], w["message"], w["category"],
                                           run.tree) for w in html["warnings"])


def compare_warnings(run, folder, log):
    """docbuild's warnings in `folder` against those of a sphinx-build log."""
    ours, theirs = report_warnings(run, folder), stderr_warnings(log, run.tree)
    return {"counts": [sum(theirs.values()), sum(ours.values())], "equal": ours == theirs,
            "differences": (sorted(f"sphinx-build only: {w}" for w in theirs - ours)
                            + sorted(f"docbuild only: {w}" for w in ours - theirs))[:20]}


# --- comparing ---------------------------------------------------------------------

def files(folder, skip=(".buildinfo",)):
    out = set()
    for root, _, names in os.walk(folder):
        out |= {os.path.relpath(os.path.join(root, n), folder) for n in names if n not in skip}
    return out


def normalised_html(data):
    text = data.decode("utf-8", "replace")
    for pattern, repl in HTML_VOLATILE:
        text = re.sub(pattern, repl, text)
    return text


def short_diff(a, b, lines=6):
    """A few lines of how text b differs from a (long lines cut around the first difference)."""
    a, b = a.decode("utf-8", "replace"), b.decode("utf-8", "replace")
    if a.count("\n") < 3 and b.count("\n") < 3:  # one long line (searchindex.js)
        i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return [f"sizes {len(a)} / {len(b)}; first difference at {i}:",
                f"- ...{a[max(0, i - 60):i + 100]}", f"+ ...{b[max(0, i - 60):i + 100]}"]
    diff = difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
    return [d[:200] for d in diff if not d.startswith(("---", "+++", "@@"))][:lines]


def compare_trees(a, b, normalise=None):
    """How folder b differs from folder a: a list of (file, diff lines)."""
    fa, fb = files(a), files(b)
    out = [(f, [f"only in {a}"]) for f in sorted(fa - fb)] + [(f, [f"only in {b}"]) for f in sorted(fb - fa)]
    for f in sorted(fa & fb):
        da, db = (open(os.path.join(x, f), "rb").read() for x in (a, b))
        if da == db:
            continue
        if normalise and f.endswith(".html") and normalise(da) == normalise(db):
            continue
        out.append((f, short_diff(da, db)))
    return out


def compare_outputs(a, b, normalise=None):
    """compare_trees of the html and the text folders below a and b."""
    return [(os.path.join(fmt, f), d) for fmt in ("html", "text")
            for f, d in compare_trees(os.path.join(a, fmt), os.path.join(b, fmt), normalise)]


# --- the edits -------------------------------------------------------------------------

SOURCE_EXT = (".rst", ".md")
LABEL = re.compile(r"^(?:\.\. _([\w-]+):|\(([\w-]+)\)=)\s*$", re.M)
REF = re.compile(r"(?::ref:|\{ref\})`([\w-]+)`")
DOC = re.compile(r"(?::doc:|\{doc\})`/?([\w/-]+)`")
AUTO = re.compile(r"(?:\.\. |\{)auto(?:class|function|exception)(?:::|\})\s*([\w.]+)")
UNDERLINE = re.compile(r"^([=\-~^\"'`#*+<>_:.])\1*\s*$")


def sources(docs):
    """{docname: path} of the source pages."""
    out = {}
    for root, _, names in os.walk(docs):
        for n in names:
            if n.endswith(SOURCE_EXT):
                path = os.path.join(root, n)
                out[os.path.splitext(os.path.relpath(path, docs))[0]] = path
    return out


def retitle_at(lines, i, suffix=" Retitled"):
    """Append `suffix` to the title at or after line i (rst underline or MyST #); True if found."""
    for j in range(i, min(i + 6, len(lines))):
        if lines[j].startswith("#"):
            lines[j] = lines[j].rstrip("\n") + suffix + "\n"
            return True
        if j + 1 < len(lines) and lines[j].strip() and UNDERLINE.match(lines[j + 1]) and len(lines[j + 1].strip()) >= len(lines[j].strip()):
            new = lines[j].rstrip() + suffix
            char = lines[j + 1].strip()[0]
            lines[j], lines[j + 1] = new + "\n", char * len(new.strip()) + "\n"
            if j and UNDERLINE.match(lines[j - 1]) and lines[j - 1].strip():
                lines[j - 1] = char * len(new.strip()) + "\n"
            return True
    return False


def root(run):
    return run.spec.get("root", "index")


def edit_lines(path, change):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    ok = change(lines)
    if ok:
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(lines)
    return ok


def edit_text(run, pages, used):
    name = next(n for n in sorted(pages) if n not in used and n != root(run))
    with open(pages[name], "a", encoding="utf-8") as f:
        f.write(f"\n\nA paragraph added by the {MARK}.\n")
    return name


def retitle_section(run, pages, used):
    """Retitle a section whose label another page's :ref: names (no explicit title)."""
    texts = {n: read(p) for n, p in pages.items()}
    for name in sorted(texts):
        for m in LABEL.finditer(texts[name]):
            label = m.group(1) or m.group(2)
            if any(label in REF.findall(t) for n, t in texts.items() if n != name):
                line = texts[name].count("\n", 0, m.start()) + 1
                if edit_lines(pages[name], lambda ls: retitle_at(ls, line)):
                    return f"{name} ({label})"
    return None


def retitle_page(run, pages, used):
    """Retitle a page that another page's :doc: names."""
    texts = {n: read(p) for n, p in pages.items()}
    for name in sorted(texts):
        if name not in used and any(name in DOC.findall(t) for n, t in texts.items() if n != name):
            if edit_lines(pages[name], lambda ls: retitle_at(ls, 0, " Renamed")):
                return name
    return None


def toctree_entries(lines):
    """Indexes of the entry lines of the first toctree (rst or MyST) in lines."""
    start = next((i for i, l in enumerate(lines) if "toctree::" in l or "{toctree}" in l), None)
    if start is None:
        return []
    out = []
    for i in range(start + 1, len(lines)):
        s = lines[i].strip()
        if s.startswith("```") or (s and not lines[i][0].isspace() and not lines[start].startswith("```")):
            break
        if s and not s.startswith(":") and s != "---":
            out.append(i)
    return out


def add_page(run, pages, used):
    index = pages[root(run)]
    lines = open(index, encoding="utf-8").readlines()
    entries = toctree_entries(lines)
    first = lines[entries[0]]
    lines.insert(entries[0], first[:len(first) - len(first.lstrip())] + "bench-added\n")
    open(index, "w", encoding="utf-8").writelines(lines)
    with open(os.path.join(run.docs, "bench-added.rst"), "w", encoding="utf-8") as f:
        f.write(f"Added Page\n==========\n\nA page added by the {MARK}: see :doc:`{root(run)}`.\n")
    return "bench-added"


def remove_page(run, pages, used):
    """Remove the last page of the root toctree that no edit used and that has no
    autodoc directive (the docstring edit comes later), and its entry."""
    lines = open(pages[root(run)], encoding="utf-8").readlines()
    for i in reversed(toctree_entries(lines)):
        name = re.sub(r"^.*<|>$", "", lines[i].strip()).lstrip("/")
        if name in pages and name not in used and name != root(run) and ".. auto" not in read(pages[name]):
            del lines[i]
            open(pages[root(run)], "w", encoding="utf-8").writelines(lines)
            os.unlink(pages[name])
            return name
    return None


def edit_docstring(run, pages, used):
    """Edit the docstring of a class or function that an autodoc directive documents."""
    src = os.path.join(run.tree, run.spec["src"])
    targets = [t for p in sorted(pages.values()) for t in AUTO.findall(read(p))]
    modules = sorted(glob.glob(os.path.join(src, "**", "*.py"), recursive=True))
    for target in targets:
        name = target.rsplit(".", 1)[-1]
        for path in modules:
            lines = open(path, encoding="utf-8").readlines()
            for i, line in enumerate(lines):
                if re.match(rf"(class|def) {name}\b", line):
                    for j in range(i + 1, min(i + 30, len(lines))):
                        if re.match(r"\s*(class|def) ", lines[j]):
                            break
                        m = re.match(r'(\s*r?""")', lines[j])
                        if m:
                            lines[j] = m.group(1) + f"Edited by the {MARK}. " + lines[j][m.end():]
                            open(path, "w", encoding="utf-8").writelines(lines)
                            return f"{target} ({os.path.relpath(path, src)})"
    return None


def edit_sequence(run):
    """Apply each edit, then `ninja html text`; a list of (edit, what, ninja status)."""
    used, out = set(), []
    # The retitles come first: they need pages that others reference, which
    # the text edit (of any page) might otherwise take.
    steps = [("retitle section", retitle_section), ("retitle page", retitle_page),
             ("edit text", edit_text), ("add page", add_page), ("remove page", remove_page),
             ("edit docstring", edit_docstring)]
    for label, edit in steps:
        what = edit(run, sources(run.docs), used)
        if what and label != "edit text":  # the text-edited page may still be removed
            used.add(what.split(" ")[0])
            rc, _ = ninja(run, os.path.join(run.top, "db"), "db-" + label.replace(" ", "-"))
        else:
            rc = None
        out.append({"edit": label, "what": what, "ninja": rc})
    return out


# --- one project ------------------------------------------------------------------------

def check_project(name, keep, code):
    run = Run(name, PROJECTS[name], code)
    start = time.perf_counter()
    tarball = corpora.sdist(name, run.spec["version"], os.path.join(WORK, "downloads"))
    for folder in ("tree", "sphinx", "db", "db-clean", "sphinx-edited", "logs"):
        shutil.rmtree(os.path.join(run.top, folder), ignore_errors=True)
    corpora.unpack(tarball, run.tree)
    make_venv(run, tarball)
    setup = time.perf_counter() - start
    start = time.perf_counter()
    r = {"project": name, "version": run.spec["version"], "logs": run.logs}
    sphinx = os.path.join(run.top, "sphinx")
    rc_html, log = sphinx_build(run, sphinx, "html")
    rc_text, _ = sphinx_build(run, sphinx, "text")
    r["sphinx_ok"] = not rc_html and not rc_text
    db = os.path.join(run.top, "db")
    rc_conf, conf_log = docbuild_configure(run, db)
    r["configure_ok"] = not rc_conf
    if rc_conf:
        r["configure_log"] = conf_log[-2000:]
        return finish(r, run, start, setup, keep)
    r["build_ok"] = not ninja(run, db, "db-build")[0]
    diffs = compare_outputs(sphinx, os.path.join(db, "build"), normalised_html)
    only = [f for f, d in diffs if d[0].startswith("only in")]
    r["html_files_equal"] = not [f for f in only if f.startswith("html")]
    r["text_equal"] = not diffs
    r["clean_differences"] = diffs
    r["warnings"] = compare_warnings(run, db, log)
    r["edits"] = edit_sequence(run)
    r["noop"] = "no work to do" in ninja(run, db, "db-noop")[1]
    clean = os.path.join(run.top, "db-clean")
    docbuild_configure(run, clean)
    ninja(run, clean, "db-clean-build")
    edited = os.path.join(run.top, "sphinx-edited")
    r["warnings_after_edits"] = compare_warnings(run, db, sphinx_build(run, edited, "html")[1])
    sphinx_build(run, edited, "text")
    r["incremental_vs_clean"] = compare_outputs(os.path.join(clean, "build"), os.path.join(db, "build"))
    r["incremental_vs_sphinx"] = compare_outputs(edited, os.path.join(db, "build"))
    return finish(r, run, start, setup, keep)


def finish(r, run, start, setup, keep):
    r["seconds"] = round(time.perf_counter() - start, 1)
    r["setup_seconds"] = round(setup, 1)
    r["times"] = run.times
    if not keep:
        for folder in ("tree", "sphinx", "db", "db-clean", "sphinx-edited"):
            shutil.rmtree(os.path.join(run.top, folder), ignore_errors=True)
    return r


# --- the table ----------------------------------------------------------------------------

def yes(value):
    return "-" if value is None else ("yes" if value else "NO")


def table(report):
    head = ("project", "version", "configure ok", "html files equal", "text equal",
            "warnings equal", "after edits", "incr == clean (docbuild)", "incr == clean (sphinx-build)",
            "seconds")
    rows = [head] + [row(r) for r in report["projects"]]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    for r in report["projects"]:
        lines += details(r)
    return "\n".join(lines)


def counted(diffs):
    """'yes', or how many html and text files differ."""
    count = lambda fmt: sum(f.startswith(fmt + "/") for f, _ in diffs)  # noqa: E731
    return "yes" if not diffs else f"NO (html {count('html')}, text {count('text')})"


def row(r):
    def warnings(key):
        w = r.get(key)
        return "-" if w is None else f"{yes(w['equal'])} ({w['counts'][0]}/{w['counts'][1]})"

    def same(key):
        return counted(r[key]) if key in r else "-"

    return (r["project"], r["version"], yes(r["configure_ok"]), yes(r.get("html_files_equal")),
            same("clean_differences"), warnings("warnings"), warnings("warnings_after_edits"),
            same("incremental_vs_clean"), same("incremental_vs_sphinx"), f"{r['seconds']:.0f}")


def details(r):
    out = [f"\n{r['project']} {r['version']}: logs in {r['logs']}"]
    if not r["configure_ok"]:
        return out + ["  configure failed:", *("    " + l for l in r["configure_log"].splitlines()[-8:])]
    for e in r["edits"]:
        out.append(f"  {e['edit']}: {e['what'] or 'nothing found to edit'}"
                   + ("" if e["ninja"] in (0, None) else f" (ninja exit {e['ninja']})"))
    if not r["noop"]:
        out.append("  a second ninja after the edits did not say 'no work to do'")
    for key in ("warnings", "warnings_after_edits"):
        diffs = r[key]["differences"]
        out += [f"  {key}: {len(diffs)} difference(s)"] * bool(diffs) + ["    " + d[:240] for d in diffs[:8]]
    for key, title in (("clean_differences", "docbuild vs sphinx-build, clean"),
                       ("incremental_vs_clean", "incremental vs clean docbuild"),
                       ("incremental_vs_sphinx", "incremental vs clean sphinx-build")):
        items = r.get(key) or []
        if items:
            out.append(f"  {title}: {len(items)} difference(s)")
        for item in items[:8]:
            if isinstance(item, str):
                out.append("    " + item)
            else:
                out += [f"    {item[0]}"] + ["      " + line for line in item[1][:6]]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", default=",".join(PROJECTS),
                        help="comma-separated, from: " + ", ".join(PROJECTS))
    parser.add_argument("--keep", action="store_true", help="keep the trees and build folders")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    names = [n for n in args.projects.split(",") if n]
    unknown = [n for n in names if n not in PROJECTS]
    if unknown:
        parser.error(f"unknown project(s): {', '.join(unknown)}")

    def run():
        # A copy of docbuild's code, first on PYTHONPATH: the repository may
        # change (a merge) while the run goes on.
        code, desc = snapshot_code("tree", os.path.join(WORK, "code"))
        projects = []
        for name in names:
            print(f"{name} ...", flush=True)
            projects.append(check_project(name, args.keep, code))
        return {"machine": machine_info(), "docbuild": desc, "projects": projects}

    report = run_and_report("real_projects.py", run, table, args.json)
    return 0 if report else 1


if __name__ == "__main__":
    sys.exit(main())
