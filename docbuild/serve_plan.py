"""What `docbuild serve` watches, serves and shows: plain functions, no event loop.

The watch set is what the build graph says the target reads, never a new
scan: every input upstream of TARGET as `ninja -t query` gives it (conf.py,
docbuild.yaml, templates, YAML, every source folder: the regeneration edge's
inputs), the depfile records ninja keeps in .ninja_deps for its stamps
(`ninja -t deps`: every file a Sphinx run read, includes outside the source
folder too), both walked by docbuild.ninja_tool.read_graph (`ninja -t inputs`
of ninja 1.13 leaves out files that have a phony edge), and the
plan files configure wrote (sources.list, graph.json).  Nothing inside the
build folder is watched: the build writes there.
"""

import json
import os
import re

from docbuild.paths import BuildDir
from docbuild.ninja_tool import NoGraph, _ninja_tool, read_graph

RELOAD_SCRIPT = "/__docbuild__/reload.js"
TAG = f'<script src="{RELOAD_SCRIPT}"></script>'.encode()
TEXT_OUTPUTS = (".html", ".htm")


def steps(build_dir):
    path = BuildDir(build_dir).state("steps.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return []


def page_targets(build_dir):
    """The steps that write HTML pages a browser can show: html and dirhtml, and
    their variants (html-cloud)."""
    return [s["name"] for s in steps(build_dir)
            if s["name"].split("-")[0] in ("html", "dirhtml")]


def default_target(build_dir):
    """html, or dirhtml when that is the configured default and html is not;
    with editions or languages, the first variant's (html-cloud)."""
    names = page_targets(build_dir)
    try:
        with open(BuildDir(build_dir).state("help.txt"), encoding="utf-8") as f:
            defaults = re.findall(r"^\s+(\S+)\s.*\[default", f.read(), re.M)
    except OSError:
        defaults = []
    formats = [f for f in ("html", "dirhtml") if f in defaults] + ["html", "dirhtml"]
    for fmt in formats:
        for name in names:
            if name == fmt or name.startswith(fmt + "-"):
                return name
    return "html"


def output_dir(build_dir, target):
    """A format's pages are in build/<step name> (configure's sphinx_row)."""
    return BuildDir(build_dir).output(target)


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def watch_set(top, build_dir, target, ninja):
    """(files, folders): absolute paths the target reads; a change to a file,
    or a file added to or removed from a folder, means a rebuild."""
    ninja_file = os.path.join(top, "build.ninja")
    found = set()
    try:  # {node: its inputs and depfile records}, through phony edges and every upstream edge
        graph = read_graph([target], ninja_file, ninja)
    except NoGraph:
        graph = {}
    for node, inputs in graph.items():
        found.add(node)
        found.update(inputs)
    found.update(_plan_files(build_dir))
    build = os.path.abspath(build_dir)
    files, folders = set(), set()
    for path in found:
        path = os.path.normpath(os.path.join(top, path))
        if _inside(path, build) or path == ninja_file or not os.path.exists(path):
            continue  # what the build writes, and phony names that are no file
        (folders if os.path.isdir(path) else files).add(path)
    return files, folders


def _plan_files(build_dir):
    """Documents (sources.list) and every file the include graph names (graph.json)."""
    meta = BuildDir(build_dir).state()
    top = os.path.dirname(os.path.abspath(build_dir))
    found = []
    try:
        with open(os.path.join(meta, "sources.list"), encoding="utf-8", errors="surrogateescape") as f:
            found += [os.path.join(top, line.rstrip("\n")) for line in f
                      if line.strip() and not line.startswith("missing include: ")]
    except OSError:
        pass
    try:
        with open(os.path.join(meta, "graph.json"), encoding="utf-8") as f:
            graph = json.load(f)
        for doc, refs in graph.items():
            found.append(doc)
            found += [ref[1] for ref in refs if os.path.exists(ref[1])]
    except (OSError, ValueError, TypeError, IndexError):
        pass
    return found


def sphinx_steps(top, target, ninja):
    """The Sphinx steps ninja would run for `target`: (python, the arguments
    after `-m docbuild.sphinx_step`) each, as `ninja -t commands` gives them."""
    import shlex

    try:
        commands = _ninja_tool(ninja, os.path.join(top, "build.ninja"), "commands", [target])
    except NoGraph:
        return []
    found = []
    for line in commands.splitlines():
        words = shlex.split(line)
        for at in range(len(words) - 2):
            if words[at + 1:at + 3] == ["-m", "docbuild.sphinx_step"]:
                found.append((words[at], words[at + 3:]))
    return found


def roots(files, folders):
    """The folders to watch (not recursively): each folder, and each file's folder."""
    return sorted(folders | {os.path.dirname(f) for f in files})


def triggers(change, path, files, folders):
    """Whether one watchfiles event (change: 1 added, 2 modified, 3 deleted) means a rebuild."""
    path = os.path.normpath(path)
    if path in files:
        return True
    return change != 2 and os.path.dirname(path) in folders


def entry(path, old=None):
    """(mtime_ns, size, digest) of a file, `old` again when its mtime and size
    have not moved (Sphinx rewrites some files with the same bytes on every
    run, and a page should not reload for that); None when it is gone."""
    import zlib

    try:
        st = os.stat(path)
        if old and old[:2] == (st.st_mtime_ns, st.st_size):
            return old
        with open(path, "rb") as f:
            return st.st_mtime_ns, st.st_size, zlib.crc32(f.read())
    except OSError:
        return None


def snapshot(folder, previous=None):
    """{relative path: entry()} of every file in the output folder; only the
    files whose mtime or size moved since `previous` are read again."""
    previous = previous or {}
    out = {}
    for parent, dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            found = entry(path, previous.get(rel))
            if found is not None:
                out[rel] = found
    return out


def written(folder, paths, known):
    """URL paths of the pages among `paths` (files in `folder` a running build
    just wrote) whose bytes differ from `known`, which is updated with them:
    the build's snapshot at its end then leaves them out, and they do not
    reload twice."""
    found = []
    for path in paths:
        if not path.endswith(TEXT_OUTPUTS) or not _inside(path, folder):
            continue
        rel = os.path.relpath(path, folder).replace(os.sep, "/")
        new = entry(path)
        if new is None:
            continue
        if (known.get(rel) or (0, 0, None))[1:] != new[1:]:
            found.append("/" + rel)
        known[rel] = new
    return sorted(found)


def changed(before, after):
    """URL paths (/a/b.html) of the files added, removed or with other bytes."""
    return sorted("/" + p for p in set(before) | set(after)
                  if (before.get(p) or (0, 0, None))[1:] != (after.get(p) or (0, 0, None))[1:])


def inject(html):
    """The page with the reload script before its last </body> (or at the end)."""
    at = html.lower().rfind(b"</body>")
    return html + TAG if at < 0 else html[:at] + TAG + html[at:]


def problems(build_dir, target, top, ninja, ninja_log, failed):
    """What the overlay shows: the warnings (file:line, message) of the steps the
    target reaches, from docbuild's warnings memory, and after a failed build
    the failed steps and the last lines of ninja's output."""
    from docbuild.report import collect, place

    reached = {os.path.normpath(os.path.join(top, p)) for p in
               _safe_inputs(ninja, top, target)} | {os.path.normpath(BuildDir(build_dir).stamp(target))}
    try:
        report = collect(build_dir, top, reached)
    except (OSError, ValueError):
        report = {"steps": []}
    warnings = [{"where": place(w, top), "message": w.get("message", ""), "level": w.get("level", "")}
                for step in report["steps"] for w in step["warnings"]]
    out = {"warnings": warnings, "failed": bool(failed), "failures": [], "log": []}
    if failed:
        out["failures"] = [s["name"] for s in report["steps"] if s["status"] != "ok"]
        out["log"] = _tail(ninja_log, 40)
    return out


def _safe_inputs(ninja, top, target):
    try:
        return _ninja_tool(ninja, os.path.join(top, "build.ninja"), "inputs", [target]).splitlines()
    except NoGraph:
        return []


def _tail(path, lines):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 32768))
            return f.read().decode("utf-8", "replace").splitlines()[-lines:]
    except OSError:
        return []


def resolve(folder, url_path):
    """The file under `folder` that a URL path names (a folder: its index.html),
    or None: nothing outside the folder is ever served."""
    rel = os.path.normpath(url_path.lstrip("/")) if url_path.strip("/") else "."
    if rel.startswith("..") or os.path.isabs(rel) or "\0" in rel:
        return None
    path = os.path.join(folder, rel)
    if os.path.isdir(path):
        path = os.path.join(path, "index.html")
    real, base = os.path.realpath(path), os.path.realpath(folder)
    if not _inside(real, base) or not os.path.isfile(real):
        return None
    return path
