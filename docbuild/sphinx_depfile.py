"""The depfile recorder: every file a Sphinx run reads, as ninja's depfile.

sphinx_step installs the audit hook (audit) before Sphinx starts and, with
record_workers, has Sphinx's forked -j workers report what they open;
docbuild's extension (sphinx_ext) calls write_depfile(settings, app,
exception) when the build finishes.  The record of opened files is state of
the process (an audit hook cannot be removed), so it lives here; everything
else comes in as arguments.
"""

import json
import os
import site
import sys

from docbuild.paths import BuildDir, depfile_entry, depfile_path, spell, write_if_changed

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

OPENED = set()  # every file opened for reading in this process
_workers_fd = None  # <depfile>.workers, appended to by forked processes
_in_worker = False  # set in a process forked from the Sphinx step


def audit(event, args):
    """Python audit hook: note every file opened for reading."""
    if event == "open" and isinstance(args[0], str):
        mode, flags = args[1], args[2]
        if mode is None:
            reading = flags & os.O_ACCMODE == os.O_RDONLY
        else:
            reading = not any(c in mode for c in "wax+")
        if reading:
            if _in_worker and args[0] not in OPENED:
                # A forked worker's OPENED dies with it: tell the parent.  One
                # small O_APPEND write does not interleave with other workers'.
                os.write(_workers_fd, os.fsencode(args[0]) + b"\0")
            OPENED.add(args[0])


def record_workers(depfile):
    """Have processes forked from now on (Sphinx's -j workers) append the
    files they open to `<depfile>.workers`, for write_depfile."""
    global _workers_fd
    if _workers_fd is None:
        os.register_at_fork(after_in_child=_forked)
    else:
        os.close(_workers_fd)
    _workers_fd = os.open(depfile + ".workers",
                          os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o666)


def _forked():
    global _in_worker
    _in_worker = True


def _workers_opened(depfile):
    """The files forked workers opened (see record_workers); the record goes."""
    path = depfile + ".workers"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return set()
    os.unlink(path)
    return {os.fsdecode(p) for p in data.split(b"\0") if p}


def _walk(folder):
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            yield os.path.join(root, name)


def declared_files(app):
    """Files the build depends on by its configuration and environment:
    (the documents' paths, every other file)."""
    env, config = app.env, app.config
    srcdir, confdir = str(app.srcdir), str(app.confdir)
    files = {os.path.join(confdir, "conf.py"), os.path.join(confdir, "docutils.conf")}
    # Sphinx's own table of the documents' files, relative to srcdir: much
    # cheaper than doc2path (a pathlib join per document), which stays the
    # fallback.
    table = getattr(getattr(env, "project", None), "_docname_to_path", None)
    if isinstance(table, dict) and env.found_docs <= table.keys():
        docs = {os.path.join(srcdir, os.fspath(table[doc])) for doc in env.found_docs}
    else:
        docs = {str(env.doc2path(doc)) for doc in env.found_docs}
    for deps in env.dependencies.values():
        files.update(os.path.join(srcdir, str(d)) for d in deps)
    for table in (env.images, env.dlfiles):
        files.update(os.path.join(srcdir, str(name)) for name in table)
    for key in ("templates_path", "html_static_path", "html_extra_path", "html_theme_path"):
        for entry in getattr(config, key, None) or []:
            folder = os.path.join(confdir, str(entry))
            if os.path.isdir(folder):
                files.update(_walk(folder))
            else:
                files.add(folder)
    for key in ("html_logo", "html_favicon", "latex_logo", "epub_cover"):
        value = getattr(config, key, None)
        if isinstance(value, str) and value and "://" not in value:
            files.add(os.path.join(confdir, value))
    return docs, files - docs


def _python_roots():
    """Python's own installation: opened by every import, never a source."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, PACKAGE_DIR,
             "/dev", "/proc", "/sys", "/etc", "/usr/share/zoneinfo"}
    roots.update(site.getsitepackages())
    roots.add(site.getusersitepackages())
    return tuple(os.path.normpath(r) for r in roots)


def _output_roots(settings):
    """What docbuild and this build write: never an input."""
    build = BuildDir(settings["build_dir"])
    return tuple(os.path.abspath(p) for p in (
        settings["outdir"], settings["doctreedir"],
        build.path("logs"), build.path("stamps"), build.state()))


def _prefixes(roots):
    """For str.startswith: a path inside one of `roots` (or one of them)."""
    return tuple(r.rstrip(os.sep) + os.sep for r in roots)


def _metadata(path):
    """Package metadata and bytecode that imports read: not documentation."""
    return path.endswith(".pyc") or ".egg-info" + os.sep in path or ".dist-info" + os.sep in path


def write_depfile(settings, app, exception):
    """Every file this build depends on, in ninja's depfile format.

    It runs at the end of every run, so it is kept cheap: one
    str.startswith per path to leave out Python's files and the outputs, no
    second stat of a document Sphinx found in this run, and the record of
    opened files rewritten only when it changed.
    """
    if exception is not None:
        return
    top = settings["top"]
    depfile = settings["depfile"]
    record = depfile + ".opened"
    # Files opened in earlier runs: an incremental run opens fewer (an
    # unchanged page does not re-read its template), yet still depends on them.
    try:
        with open(record, encoding="utf-8") as f:
            before = set(json.load(f))
    except (OSError, ValueError, TypeError):
        before = set()
    OPENED.update(_workers_opened(depfile))
    outputs = _prefixes(_output_roots(settings))
    skip = outputs + _prefixes(_python_roots())
    opened = before | {os.path.normpath(os.path.join(top, p)) for p in OPENED}
    opened = {p for p in opened if not p.startswith(skip) and not _metadata(p)}
    docs, declared = declared_files(app)
    # Documents Sphinx found in this run exist; any other file may be gone.
    opened = {p for p in opened if p in docs or os.path.isfile(p)}
    declared = {os.path.normpath(p) for p in declared} - opened
    files = opened | docs | {p for p in declared
                             if not p.startswith(outputs) and os.path.isfile(p)}
    if opened != before:
        write_if_changed(record, json.dumps(sorted(opened), indent=0))
    lines = [depfile_path(spell(settings["target"], top)) + ":"]
    aliases = BuildDir(os.path.abspath(settings["build_dir"])).state("aliases")
    lines += [depfile_entry(path, top, aliases) for path in sorted(files)]
    write_if_changed(depfile, " \\\n  ".join(lines) + "\n")
