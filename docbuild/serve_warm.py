"""A warm Sphinx step for `docbuild serve`: started ahead, built on request.

    python -m docbuild.serve_warm SOCKET -- SPHINX_STEP_ARGUMENTS...

Half of a Sphinx step on a one-page edit is getting ready: starting Python,
importing Sphinx, running conf.py, loading the pickled environment and
compiling the theme's templates.  docbuild serve starts a worker per Sphinx
step of the target it previews, right after a build, and the worker does all
that before the next save (and compiles the templates, and has docutils
compile its patterns).  Then it waits on SOCKET.

When ninja runs the step, the step's process (sphinx_step, which finds the
socket through DOCBUILD_WARM, set by serve for its ninja only) sends the
worker its standard output and error (the step's log, from the runner) and
waits.  The worker runs the build in that log, exactly as the step would
have (the same code: sphinx_step.main with the same arguments, paused just
before Sphinx's build()), replies with the exit status and exits.  One build
per worker: every build starts from the state a cold one would start from,
and serve starts the next worker.

The worker declines, and the step builds itself, when a file it read while
getting ready (conf.py, the pickled environment, a template, an extension,
a message catalog) changed since or while it read it, or the step runs in
another folder or as another user.  It
never takes a writer that copies the shared read's doctrees (--doctrees-from):
that copy changes the environment it would have loaded.  If the step is
stopped (a timeout, Ctrl-C), the worker sees its socket close and stops too;
if serve goes, the worker goes.
"""

import atexit
import hashlib
import json
import os
import select
import signal
import socket
import stat
import sys
import time

FOLDER = "DOCBUILD_WARM"  # the workers' sockets' folder: set by serve for its ninja
MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS


def socket_path(folder, args):
    """The socket of the worker for the step with these arguments, or None
    when its path is too long for a Unix socket."""
    key = hashlib.sha256("\0".join(args).encode()).hexdigest()[:16]
    path = os.path.join(folder, key + ".sock")
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        path = os.path.relpath(path)
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None


def takes(args):
    """Whether a worker can run the step with these arguments (not a writer
    fed by the shared read)."""
    return "--doctrees-from" not in args


# --- the step's side -------------------------------------------------------

def ask(args):
    """Have the warm worker run this step: its exit status, or None when
    there is none ready, or it declined (then the step builds itself)."""
    folder = os.environ.get(FOLDER)
    path = socket_path(folder, args) if folder and takes(args) else None
    if path is None or not os.path.exists(path):
        return None
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(path)
            socket.send_fds(conn, [json.dumps({"cwd": os.getcwd()}).encode()], [1, 2])
            reply = b""
            while not reply.endswith(b"\n") and (chunk := conn.recv(4096)):
                reply += chunk
        answer = json.loads(reply)
    except (OSError, ValueError):
        return None  # gone before it answered: nothing it did is trusted, the step builds
    return answer.get("status") if isinstance(answer, dict) else None


# --- the worker's side -------------------------------------------------------

class Declined(BaseException):
    """Not an Exception, so that it passes Sphinx's error handling."""


class Worker:
    def __init__(self, path):
        self.path = path
        self.parent = os.getppid()
        self.conn = None
        self.started = time.monotonic()
        self.started_ns = time.time_ns()
        if os.path.exists(path):
            os.unlink(path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(1)

    def before_build(self, app):
        """Called by sphinx_step just before Sphinx builds: get the rest
        ready, wait for the step, and hand the build over to it."""
        for warm in (warm_templates, warm_static_templates, warm_docutils):
            try:
                warm(app)
            except Exception as exc:  # noqa: BLE001 (a head start only: the build does it anyway)
                print(f"docbuild serve: {warm.__name__}: {exc!r}", file=sys.stderr)
        from docbuild import sphinx_depfile

        read = snapshot(sphinx_depfile.OPENED)
        # Edited while it was being read: what was read may be the old text.
        late = sorted(p for p, key in read.items() if key[0] >= self.started_ns)
        sys.stdout.flush()
        sys.stderr.flush()
        ready = os.lseek(1, 0, os.SEEK_CUR)  # what Sphinx said so far belongs to the step's log
        self.ready = time.monotonic()
        print(f"docbuild serve: warm in {time.monotonic() - self.started:.1f} s, "
              f"{len(read)} files read; waiting", file=sys.stderr, flush=True)
        request = self.wait()
        if request.get("cwd") != os.getcwd():
            raise Declined("the step runs in another folder")
        changed = late + [p for p, seen in read.items() if stat_key(p) != seen]
        if changed:
            raise Declined(f"{len(changed)} files changed since, {min(changed)} first")
        self.take_over(request["fds"], ready)

    def wait(self):
        """The step's request (its folder and its stdout and stderr)."""
        while True:
            readable, _, _ = select.select([self.listener], [], [], 1.0)
            if os.getppid() != self.parent:
                raise Declined("serve is gone")
            if readable:
                break
        self.conn, _ = self.listener.accept()
        self.listener.close()
        os.unlink(self.path)
        if peer_uid(self.conn) not in (None, os.getuid()):
            raise Declined("asked by another user")
        message, fds, _, _ = socket.recv_fds(self.conn, 4096, 2)
        request = json.loads(message or b"{}")
        if len(fds) != 2:
            raise Declined("no log handed over")
        request["fds"] = fds
        return request

    def take_over(self, fds, ready):
        """From here on Sphinx writes into the step's log, which starts with
        what it said while getting ready, as the step's own run would."""
        try:  # its stdout is its own log, opened for reading too (serve opens it so)
            said = os.pread(1, ready, 0)
        except OSError:
            said = b""
        said += (f"docbuild serve: built by a warm Sphinx process, ready "
                 f"{time.monotonic() - self.ready:.1f} s before this step\n").encode()
        os.write(fds[0], said)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in fds:
            os.close(fd)
        stop_with(self.conn)

    def answer(self, reply):
        signal.signal(signal.SIGIO, signal.SIG_IGN)  # the step closing its end after this is no stop
        if self.conn is not None:
            try:
                self.conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass


def stop_with(conn):
    """Stop this worker, and the processes it forked (Sphinx -j), the moment
    the step's end of the socket closes: the step was stopped."""
    import fcntl

    def closed(signum, frame):
        try:
            gone = conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            gone = False
        except OSError:
            gone = True
        if gone:
            os.killpg(0, signal.SIGKILL)

    signal.signal(signal.SIGIO, closed)
    fcntl.fcntl(conn.fileno(), fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(conn.fileno(), fcntl.F_SETFL, fcntl.fcntl(conn.fileno(), fcntl.F_GETFL) | os.O_ASYNC)
    closed(signal.SIGIO, None)  # it may have closed before the signal was set up


def peer_uid(conn):
    """The user id of the process at the other end (Linux), else None."""
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    import struct

    return struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]


def stat_key(path):
    """(mtime, size, inode) of a regular file, else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def snapshot(paths):
    """stat_key() of each regular file in `paths`."""
    return {path: key for path in paths if (key := stat_key(path)) is not None}


def warm_templates(app):
    """Compile the theme's page templates now: the first page written
    would compile them (Jinja2 keeps compiled templates per environment)."""
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    for loader in getattr(templates, "loaders", ()):
        try:
            names = loader.list_templates()
        except (TypeError, OSError):
            continue
        for name in names:
            if name.endswith(".html"):
                try:
                    environment.get_template(name)
                except Exception:  # a template that needs a context to load: the page compiles it
                    pass


def warm_static_templates(app):
    """Compile the theme's static files that are templates (basic.css_t):
    Sphinx renders them from their text on every build, before any page."""
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    try:
        folders = [os.path.join(d, "static") for d in app.builder.theme.get_theme_dirs()]
        folders += [os.path.join(app.confdir, p) for p in app.config.html_static_path]
    except (AttributeError, TypeError):
        return
    if environment is None or not hasattr(templates, "render_string"):
        return
    compiled = {}
    for folder in folders:
        for root, _, names in os.walk(folder):
            for name in names:
                if name.endswith(("_t", ".jinja")):
                    with open(os.path.join(root, name), encoding="utf-8") as f:
                        text = f.read()
                    compiled[text] = environment.from_string(text)
    render = templates.render_string

    def render_string(source, context):
        template = compiled.get(source)
        return render(source, context) if template is None else template.render(context)

    templates.render_string = render_string


def warm_docutils(app):
    """Parse a small text: docutils compiles its inline markup patterns on
    the first parse of a process (the re module keeps them)."""
    from docutils.core import publish_doctree

    # Inline markup only: a project may replace any directive or role.
    publish_doctree("Title\n=====\n\nA *paragraph* with **strong** ``code`` and `a link <x>`_.\n\n"
                    "- an item\n",
                    settings_overrides={"report_level": 5, "halt_level": 5, "warning_stream": False,
                                        "file_insertion_enabled": False, "raw_enabled": False})


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2 or argv[1] != "--":
        raise SystemExit("usage: python -m docbuild.serve_warm SOCKET -- SPHINX_STEP_ARGUMENTS...")
    path, args = argv[0], argv[2:]
    if not takes(args):
        raise SystemExit("docbuild.serve_warm: a writer fed by the shared read is not warmed")
    if os.getpgid(0) != os.getpid():
        os.setpgid(0, 0)  # a group of its own, that stop_with can end whole
    worker = Worker(path)
    from docbuild import sphinx_step

    try:
        status = sphinx_step.main(args, before_build=worker.before_build)
    except Declined as why:
        print(f"docbuild serve: declined: {why}", file=sys.stderr, flush=True)
        worker.answer({"declined": str(why)})
        return 0
    finally:
        if os.path.exists(path) and worker.conn is None:
            os.unlink(path)
    # As the step's process would end (the runner runs the exit functions),
    # then answer, and go without tearing down the environment: the step waits.
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    worker.answer({"status": status})
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
