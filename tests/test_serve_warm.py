"""The warm Sphinx process of docbuild serve (issue 16, docbuild/serve_warm.py):
started ahead of the next build, it builds exactly what the step would have,
steps aside when what it read changed, and stops with the step."""

import os
import re
import shutil
import signal
import subprocess
import sys

from conftest import NINJA, Project, processes_with, sleep_in_hook, tree
from test_nothing_hangs import kill_all, unique_sleep, wait_for

from docbuild import serve, serve_plan, serve_warm

TAKEN = "docbuild serve: built by a warm Sphinx process"


class Warm:
    """A warm worker for the project's html step, started as docbuild serve starts it."""

    def __init__(self, project, while_warming=None):
        self.project = project
        self.folder = project.path("build", ".docbuild", "warm")
        steps = serve_plan.sphinx_steps(project.work, "html", NINJA)
        assert len(steps) == 1, steps
        python, args = steps[0]
        cwd = os.getcwd()
        os.chdir(project.work)  # as serve runs: a long socket path is relative to the top folder
        try:
            path = serve_warm.socket_path(self.folder, args)
            self.proc = serve.start_worker(python, path, args, project.work, "build")
        finally:
            os.chdir(cwd)
        self.log = project.path("build", "logs", f"serve-warm-{os.path.basename(path)[:-5]}.log")
        if while_warming:
            while_warming(self)
        assert wait_for(lambda: self.said().rstrip().endswith("; waiting") or self.proc.poll() is not None,
                        120), self.said()
        assert self.proc.poll() is None, self.said()

    def said(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def ninja(self, *targets):
        return self.project.ninja(*targets, env={serve_warm.FOLDER: self.folder})

    def close(self):
        serve.stop_worker(self.proc)


def built_warm(project, edit):
    """Make `edit`, then build html through a warm worker started before it."""
    warm = Warm(project)
    try:
        edit()
        warm.ninja("html")
        assert warm.proc.wait(timeout=60) == 0
        assert TAKEN in project.log("html"), warm.said() + project.log("html")
        assert "declined" not in warm.said()
    finally:
        warm.close()


def page(project, name):
    with open(project.path("build", "html", name), encoding="utf-8") as f:
        return f.read()


def clean_build(project, tmp_path):
    clean = Project(tmp_path / "clean", files={})
    shutil.rmtree(clean.src, ignore_errors=True)
    shutil.copytree(project.src, clean.src)
    if os.path.isdir(project.path("shared")):
        shutil.copytree(project.path("shared"), clean.path("shared"), dirs_exist_ok=True)
    clean.configure()
    clean.ninja("html")
    return tree(clean.path("build", "html"))


def test_warm_builds_of_edits_equal_a_clean_build(tmp_path):
    project = Project(tmp_path / "work")
    project.edit("index.rst", "\nSee :ref:`usage-label` and :doc:`guide/usage`.\n")
    project.replace("guide/usage.rst", "Usage\n=====", ".. _usage-label:\n\nUsage\n=====")
    project.configure()
    project.ninja("html")
    built_warm(project, lambda: project.edit("intro.rst", "\nA sentence added while warm.\n"))
    assert "A sentence added while warm." in page(project, "intro.html")
    built_warm(project, lambda: project.replace("guide/usage.rst", "Usage\n=====", "Using it\n========"))
    assert "Using it" in page(project, "index.html")  # the :ref: text
    built_warm(project, lambda: project.edit("snippets/note.inc", "An included line, warm.\n"))
    assert project.ninja("html").stdout.strip().endswith("no work to do.")
    assert tree(project.path("build", "html")) == clean_build(project, tmp_path)


def test_a_parallel_warm_build_equals_a_clean_build(tmp_path):
    pages = {f"p{i}.rst": f"Page {i}\n=======\n\nText of page {i}; see :doc:`p{(i + 1) % 8}`.\n"
             for i in range(8)}
    files = {"conf.py": "project = 'Parallel'\nsmartquotes = False\n",
             "docbuild.yaml": "sphinx_jobs: 2\n",
             "index.rst": "Parallel\n========\n\n.. toctree::\n\n" + "".join(f"   p{i}\n" for i in range(8)),
             **pages}
    project = Project(tmp_path / "work", files=files, shared={})
    project.configure()
    with open(project.path("build.ninja"), encoding="utf-8") as f:
        assert "--jobs 2" in f.read()
    project.ninja("html")

    def edit_every_page():
        for i in range(8):  # more than Sphinx's 5 documents: it reads and writes with -j
            project.edit(f"p{i}.rst", f"\nEdited while warm, page {i}.\n")

    built_warm(project, edit_every_page)
    assert re.search(r"reading sources\.\.\. \[ *\d+%\] \S+ \.\. ", project.log("html"))  # in chunks: -j
    assert tree(project.path("build", "html")) == clean_build(project, tmp_path)


def test_a_warm_worker_steps_aside_when_conf_py_changed_since_it_started(tmp_path):
    project = Project(tmp_path / "work")
    project.configure()
    project.ninja("html")
    warm = Warm(project)
    try:
        project.edit("conf.py", "\nhtml_title = 'Changed after the worker started'\n")
        warm.ninja("html")
        assert warm.proc.wait(timeout=60) == 0
        assert "declined: " in warm.said() and "conf.py" in warm.said()
        assert TAKEN not in project.log("html")
        assert "Changed after the worker started" in page(project, "intro.html")
    finally:
        warm.close()


def test_a_file_edited_while_the_worker_read_it_makes_the_worker_step_aside(tmp_path):
    project = Project(tmp_path / "work")
    project.edit("conf.py", "import time\ntime.sleep(2)  # the worker is reading conf.py\nhtml_title = 'Old'\n")
    project.configure()
    project.ninja("html")

    def edit_conf_py(warm):
        assert wait_for(lambda: "Running Sphinx" in warm.said(), 60), warm.said()
        project.replace("conf.py", "'Old'", "'New, while the worker ran conf.py'")

    warm = Warm(project, while_warming=edit_conf_py)
    try:
        assert "New, while" not in page(project, "intro.html")
        warm.ninja("html")
        assert "declined: " in warm.said() and "conf.py" in warm.said()
        assert "New, while the worker ran conf.py" in page(project, "intro.html")
    finally:
        warm.close()


def test_a_step_stopped_with_ctrl_c_stops_its_warm_worker(tmp_path):
    project = Project(tmp_path / "work")
    sleep = unique_sleep(1003)
    sleep_in_hook(project, "source-read", "app, docname, source", sleep,
                  when="docname == 'intro' and 'slowly' in source[0]")
    project.configure()
    project.ninja("html")
    warm = Warm(project)
    try:
        project.edit("intro.rst", "\nRead slowly.\n")
        env = dict(os.environ, **{serve_warm.FOLDER: warm.folder})
        ninja = subprocess.Popen([NINJA, "html"], cwd=project.work, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        assert wait_for(lambda: processes_with(sleep), 60), warm.said()  # the worker reads intro
        os.killpg(ninja.pid, signal.SIGINT)
        assert ninja.wait(timeout=30) != 0
        assert warm.proc.wait(timeout=30) != 0  # gone with the step, not after its sleep
        assert wait_for(lambda: not processes_with(sleep), 30)
    finally:
        warm.close()
        kill_all(project.work)


def test_a_warm_worker_goes_when_its_server_goes(tmp_path):
    project = Project(tmp_path / "work")
    project.configure()
    project.ninja("html")
    parent = subprocess.Popen(  # a stand-in for serve: starts the worker, then is killed
        [sys.executable, "-c",
         "import os, sys, time\n"
         "sys.path.insert(0, sys.argv[1])\n"
         "from test_serve_warm import Warm\n"
         "from conftest import Project\n"
         "p = Project.__new__(Project); p.work = sys.argv[2]; p.src = os.path.join(p.work, 'proj')\n"
         "w = Warm(p)\n"
         "print(w.proc.pid, flush=True)\n"
         "time.sleep(600)\n", os.path.dirname(__file__), project.work],
        stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        parent.kill()
        parent.wait()
        assert wait_for(lambda: not os.path.exists(f"/proc/{worker}") or _zombie(worker), 30)
    finally:
        parent.kill()
        kill_all(project.work)


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
