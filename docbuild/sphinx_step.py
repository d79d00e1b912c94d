"""One Sphinx build, in this process, reporting every file it read.

    python -m docbuild.sphinx_step --builder B --depfile F --srcdir S
        --confdir C --outdir O --doctreedir D --build-dir BD --jobs N
        -- [extra sphinx-build options]

It runs sphinx-build's own main() with docbuild's Sphinx extension added to
Sphinx's built-in list, so the project's conf.py is not touched.  The
extension writes the depfile when the build finishes: every document, every
file Sphinx recorded as a dependency (includes, literalincludes, images,
downloads), conf.py, templates, static files, catalogs, and every other file
the process, or a worker it forked (-j), opened for reading outside Python's
own installation.
"""

import errno
import logging
import os
import sys

from docbuild import serve_warm
from docbuild.paths import OWN_STATE_PREFIX, working_folder_last

FULL = (errno.ENOSPC, errno.EDQUOT)


class DiskFull(BaseException):
    """A full disk during the build: not an Exception, so that it passes
    Sphinx's crash handler (which would print a traceback into the log)."""


def disk_full(exc):
    """The OSError of a full disk that caused `exc`, or `exc` itself for
    a parallel worker's (it arrives as text), or None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in FULL:
            return exc
        if "[Errno 28]" in str(exc) + str(getattr(exc, "traceback", "")):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def stop_on_full_disk(application, before_build=None):
    """Make Sphinx.build turn a full disk into DiskFull, its traceback saved
    aside (and first call before_build(app), for a warm worker)."""
    build = application.Sphinx.build

    def guarded(self, *args, **kwargs):
        if before_build is not None:
            before_build(self)
        # Sphinx reports some failed writes as warnings and goes on: watch for them.
        watch = FullDiskWarnings()
        logging.getLogger("sphinx").addHandler(watch)
        try:
            result = build(self, *args, **kwargs)
        except Exception as exc:
            full = disk_full(exc)
            if full is None:
                raise
            raise DiskFull(getattr(full, "filename2", None) or getattr(full, "filename", None)
                           or self.outdir, save_traceback()) from exc
        finally:
            logging.getLogger("sphinx").removeHandler(watch)
        if watch.seen:
            raise DiskFull(self.outdir, None)
        return result

    application.Sphinx.build = guarded


class FullDiskWarnings(logging.Handler):
    """Notes a warning about a write that failed on a full disk."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen = False

    def emit(self, record):
        if os.strerror(errno.ENOSPC) in str(record.msg) or "[Errno 28]" in str(record.msg) \
                or "OSError(28," in str(record.msg):
            self.seen = True


def save_traceback():
    """The current exception's traceback in a temporary file (its path), or None."""
    import tempfile
    import traceback

    try:
        fd, path = tempfile.mkstemp(prefix="docbuild-sphinx-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            traceback.print_exc(file=f)
        return path
    except OSError:  # that disk may be full too
        return None


def parse(argv):
    split = argv.index("--") if "--" in argv else len(argv)
    own, extra = argv[:split], argv[split + 1:]
    opts = dict(zip((k.lstrip("-").replace("-", "_") for k in own[::2]), own[1::2]))
    return opts, extra


OWN = OWN_STATE_PREFIX  # each doctree dir's own memory (sphinx_ext, sphinx_xrefs ...): never copied


def sync_doctrees(source, target):
    """Make `target` a copy of the shared doctree dir, copying only what changed.

    Each writer has its own copy: Sphinx has no locking, and a writer may
    re-read (and so rewrite) documents.  Copies keep their mtimes, which
    Sphinx compares; files are replaced by rename, never rewritten in place.
    """
    import shutil

    wanted, copied = set(), []
    for root, _, files in os.walk(source):
        for name in files:
            if name.startswith(OWN):
                continue
            src = os.path.join(root, name)
            rel = os.path.relpath(src, source)
            dst = os.path.join(target, rel)
            wanted.add(rel)
            st = os.stat(src)
            try:
                dt = os.stat(dst)
                if (dt.st_size, dt.st_mtime_ns) == (st.st_size, st.st_mtime_ns):
                    continue
            except FileNotFoundError:
                pass
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            tmp = f"{dst}.tmp{os.getpid()}"
            try:
                shutil.copy2(src, tmp)
                os.replace(tmp, dst)
            except BaseException:  # a full disk, most often: leave no temporary behind
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            copied.append(rel)
    for root, _, files in os.walk(target):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), target)
            if rel not in wanted and not name.startswith(OWN):
                os.unlink(os.path.join(root, name))
    return [rel[:-len(".doctree")].replace(os.sep, "/") for rel in copied if rel.endswith(".doctree")]


def main(argv=None, before_build=None):
    argv = sys.argv[1:] if argv is None else argv
    if before_build is None and os.environ.get(serve_warm.FOLDER):
        status = serve_warm.ask(argv)  # docbuild serve's warm worker builds it, if it is ready
        if status is not None:
            return status
    # Imported here: a step that docbuild serve's warm worker builds needs none of it.
    from docbuild import sphinx_depfile, sphinx_ext

    opts, extra = parse(argv)
    if opts.get("doctrees_from"):
        # Documents the shared read re-read since this writer last wrote: the
        # writer reads nothing itself, so Sphinx would not know to rewrite
        # them (a changed include leaves the page's own mtime alone).  Kept
        # in the doctree dir until a run finishes writing them.
        try:
            updated = sync_doctrees(opts.pop("doctrees_from"), opts["doctreedir"])
        except OSError as exc:
            if exc.errno not in FULL:
                raise
            return full_disk(exc.filename2 or exc.filename or opts["doctreedir"], None)
        sphinx_ext.note_pending(opts["doctreedir"], updated)
    working_folder_last()
    sphinx_ext.SETTINGS.update(opts, top=os.getcwd())
    # The log is a file, read by people and by docbuild: one line per item.
    # Where CI=true or FORCE_COLOR is set, Sphinx thinks it writes to a
    # terminal and redraws one progress line with escape sequences and \r.
    os.environ["NO_COLOR"] = "1"
    # Each line reaches the log as Sphinx prints it, not a buffer later:
    # `docbuild build` shows the phase and count from the log's last line.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):  # a TextIOWrapper; tests may swap in others
            stream.reconfigure(line_buffering=True)
    sphinx_depfile.record_workers(opts["depfile"])
    sys.addaudithook(sphinx_depfile.audit)

    import sphinx.application
    from sphinx.cmd.build import build_main

    if "docbuild.sphinx_ext" not in sphinx.application.builtin_extensions:
        sphinx.application.builtin_extensions += ("docbuild.sphinx_ext",)
    stop_on_full_disk(sphinx.application, before_build)
    args = ["-b", opts["builder"], "-d", opts["doctreedir"], "-c", opts["confdir"], "--no-color"]
    if int(opts.get("jobs", 1)) > 1:
        args += ["-j", opts["jobs"]]
    try:
        return build_main([*args, *extra, opts["srcdir"], opts["outdir"]])
    except DiskFull as exc:
        return full_disk(*exc.args)


def full_disk(path, saved):
    """Say that the disk is full, in one line and a hint; the exit status."""
    print(f"docbuild: error: the disk is full: no space left on the device to write {path}\n"
          "  hint: free space on that file system (or use a build dir on another one), then "
          "run ninja again" + (f"; Sphinx's traceback is in {saved}" if saved else ""),
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
