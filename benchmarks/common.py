"""Helpers shared by the benchmark scripts (bench.py, content.py, real_projects.py, ...).

Machine information, timing statistics (medians, the alternating order of
repetitions), ninja's log, copies of corpora and of the code measured.  Not a
script: the others import it from benchmarks/.
"""

import compileall
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
IGNORED_NAMES = {".git", ".hg", ".tox", ".nox", ".venv", "venv", "__pycache__",
                 "node_modules", "_build", ".pytest_cache"}
BUILD_STATE = ("build", "build.ninja", ".ninja_log", ".ninja_deps")


class BenchError(Exception):
    pass


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


# --- statistics ---------------------------------------------------------------

def median(xs):
    return statistics.median(xs) if xs else None


def summarize(xs):
    """Median, min, max and the samples (None values left out); None when there are none."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "samples": xs}


def rep_order(items, rep):
    """The order of the variants in repetition `rep` (from 1): rotated by one each time,
    so that with two tools their order flips every repetition."""
    items = tuple(items)
    shift = (rep - 1) % len(items)
    return items[shift:] + items[:shift]


# --- the machine ------------------------------------------------------------------

def loadavg():
    """The 1/5/15-minute load averages: other work on the machine skews timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def version_of(cmd, env=None):
    """The first line a command's --version prints, or 'unknown'."""
    try:
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=60, env=env)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"


def machine_info(**extra):
    """Cores this process may use, CPU model, platform and Python; then `extra`."""
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    cpu = ""
    try:
        for line in read("/proc/cpuinfo").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": nproc, "cpu": cpu or platform.processor() or "unknown",
            "platform": platform.platform(),
            "python": f"{platform.python_version()} ({sys.executable})", **extra}


def descendants(pid):
    """pid's descendants, from one scan of /proc (the field after a stat line's `(name)` is
    the state, the next the parent's pid)."""
    children = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            children.setdefault(int(stat[stat.rindex(b")") + 2:].split()[1]), []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def find_sphinx_build():
    """sphinx-build of the Python that runs this script (and docbuild)."""
    beside = os.path.join(os.path.dirname(sys.executable), "sphinx-build")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return [beside]
    found = shutil.which("sphinx-build")
    return [found] if found else [sys.executable, "-m", "sphinx"]


# --- ninja ----------------------------------------------------------------------------

EDGE = re.compile(r"^\[(\d+)/(\d+)\] (.*)$", re.M)


def ninja_edges(text):
    """The descriptions of the edges ninja ran, from its output."""
    return [m.group(3) for m in EDGE.finditer(text)]


def ninja_log_entries(path):
    """(start ms, end ms, output) of every entry of a .ninja_log, oldest first
    (read by docbuild.ninja_tool, as docbuild's timing and report read it)."""
    from docbuild.errors import UserError
    from docbuild.ninja_tool import read_log

    try:
        return [(start, end, out) for start, end, out, _ in read_log(path)[1]]
    except UserError as exc:
        raise BenchError(str(exc))


def clean_build(top):
    """Remove a docbuild project's build state: build/, build.ninja and ninja's logs."""
    for name in BUILD_STATE:
        path = os.path.join(top, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)


# --- copies ----------------------------------------------------------------------------

def copy_tree(root, dest, work):
    """Copy `root` to `dest`, leaving out VCS/tool folders, build dirs and the work dir."""
    work = os.path.abspath(work)
    # The work dir holds the copies; when the corpus itself lies in it (the
    # default download), only the copies' folder must be left out.
    inside = root == work or root.startswith(work + os.sep)
    excluded = os.path.dirname(os.path.abspath(dest)) if inside else work

    def ignore(folder, names):
        skip = set()
        for name in names:
            path = os.path.abspath(os.path.join(folder, name))
            if name in IGNORED_NAMES or path == excluded or path.startswith(excluded + os.sep):
                skip.add(name)
            elif os.path.isdir(os.path.join(path, ".docbuild")):  # a docbuild build dir
                skip.add(name)
        return skip

    shutil.copytree(root, dest, symlinks=True, ignore=ignore)


def tree_digest(folder, skip=()):
    """{relative path: sha256} of every file below folder (but those named in `skip`)."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in set(files) - set(skip):
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return out


def snapshot_code(mode, dest, compile_it=False):
    """Copy the docbuild code to measure into `dest`; (its path or None, a description
    with a digest of the copy).

    Others may edit the repository while a benchmark runs (a half-saved file
    breaks a run, and a changed one mixes two versions in one table), so every
    subprocess runs a copy taken at the start: the package, its templates and
    build.ninja.in, found first through PYTHONPATH.  `tree` copies the working
    tree, `head` the last commit, `live` copies nothing (the editable
    install's files, as they change).  `compile_it` byte-compiles the copy (this
    machine sets PYTHONDONTWRITEBYTECODE=1; a normal install has .pyc files).
    """
    git = lambda *a: subprocess.run(["git", *a], cwd=REPO, stdin=subprocess.DEVNULL,  # noqa: E731
                                    capture_output=True, text=True).stdout
    desc = {"mode": mode, "git_head": git("rev-parse", "--short", "HEAD").strip() or "unknown",
            "modified_since_head": [line[3:] for line in git(
                "status", "--porcelain", "--", "docbuild", "templates", "build.ninja.in").splitlines()]}
    if mode == "live":
        desc["path"] = REPO
        return None, desc
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    if mode == "head":
        archive = subprocess.run(["git", "archive", "HEAD", "docbuild", "templates", "build.ninja.in"],
                                 cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True)
        if archive.returncode:
            raise BenchError("git archive HEAD failed: " + archive.stderr.decode(errors="replace"))
        subprocess.run(["tar", "-x", "-C", dest], input=archive.stdout, check=True)
    else:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in ("docbuild", "templates"):
            shutil.copytree(os.path.join(REPO, name), os.path.join(dest, name), ignore=ignore)
        shutil.copy2(os.path.join(REPO, "build.ninja.in"), dest)
    digest = hashlib.sha256()
    for rel, sha in sorted(tree_digest(dest).items()):
        digest.update(f"{rel}\0{sha}\0".encode())
    desc.update(path=dest, digest=digest.hexdigest()[:16], compiled=compile_it)
    if compile_it:
        compileall.compile_dir(os.path.join(dest, "docbuild"), quiet=1)
    return dest, desc


def with_pythonpath(code, env=None):
    """`env` (default: this process's) with `code` first on PYTHONPATH."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([code, *filter(None, [env.get("PYTHONPATH")])])
    return env



class Checks:
    """A run's self-checks: each is recorded, and a failed one becomes a note
    (the class sets self.checks and self.notes to lists)."""

    def check(self, ok, what):
        self.checks.append({"ok": bool(ok), "what": what})
        if not ok:
            self.notes.append(f"CHECK FAILED: {what}")
            print(f"  CHECK FAILED: {what}", flush=True)
        return ok


def end_table(lines, r):
    """The last lines of a result table: checks, notes and where the logs are."""
    lines.append(f"checks: {r['checks_passed']} passed, {len(r['checks_failed'])} failed")
    lines += [f"note: {note}" for note in r["notes"]]
    lines.append(f"logs: {r['logs']}")
    return "\n".join(lines)


def run_and_report(prog, run, table, json_path=None, json_default=None):
    """Run a benchmark (`run()`), print its table and write its JSON to `json_path`.

    The report, or None when it stopped with a BenchError (said on stderr as
    `PROG: error: ...`).
    """
    try:
        report = run()
    except BenchError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return None
    print()
    print(table(report))
    if json_path:
        with open(json_path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, default=json_default)
            f.write("\n")
    return report


def html_differences(a, b, limit=20):
    """How two html output folders differ, for people: the page files one
    has and the other lacks, and the pages whose text differs (the text
    between the tags, scripts and styles left out, spaces collapsed).  []
    when they are the same site.  Assets and Sphinx's own state (_static,
    _sources, .buildinfo, objects.inv, searchindex.js) are not compared."""
    import html as html_mod

    def pages(root):
        found = set()
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("_static", "_sources", "_images", "_downloads")]
            found |= {os.path.relpath(os.path.join(folder, f), root) for f in files if f.endswith(".html")}
        return found

    def text(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            page = f.read()
        page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
        return " ".join(html_mod.unescape(re.sub(r"(?s)<[^>]*>", " ", page)).split())

    ours, theirs = pages(a), pages(b)
    out = [f"only in {a}: {p}" for p in sorted(ours - theirs)]
    out += [f"only in {b}: {p}" for p in sorted(theirs - ours)]
    for p in sorted(ours & theirs):
        if len(out) >= limit:
            break
        if text(os.path.join(a, p)) != text(os.path.join(b, p)):
            out.append(f"text differs: {p}")
    return out[:limit]
