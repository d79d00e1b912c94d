# Fault injection for benchmarks/stress.py: the file ../fault-BUILDER (beside
# the source folder, so that it changes no source folder) holds "MODE ARG".
import os
import signal
import sys
import time

project = "Stress"
exclude_patterns = ["_build"]
_HERE = os.path.dirname(os.path.abspath(__file__))
_STATE = {"mode": None, "written": 0}


def _builder_inited(app):
    try:
        with open(os.path.join(_HERE, "..", "fault-" + app.builder.name)) as f:
            mode, arg = f.read().split()
    except (OSError, ValueError):
        return
    _STATE["mode"] = mode
    if mode == "hang":
        print("hanging now", flush=True)
        time.sleep(300)
    elif mode == "crash":
        raise RuntimeError("injected crash " + arg)
    elif mode == "flood":
        for i in range(int(arg)):
            sys.stdout.write("flood-out %09d %s\n" % (i, "o" * 80))
            sys.stderr.write("flood-err %09d %s\n" % (i, "e" * 80))


def _doctree_resolved(app, doctree, docname):
    # sigkill: killed in the write phase, after the first page was written
    if _STATE["mode"] == "sigkill":
        _STATE["written"] += 1
        if _STATE["written"] == 2:
            os.kill(os.getpid(), signal.SIGKILL)


def _build_finished(app, exception):
    if _STATE["mode"] == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)


def setup(app):
    app.connect("builder-inited", _builder_inited)
    app.connect("doctree-resolved", _doctree_resolved)
    app.connect("build-finished", _build_finished, priority=100)
