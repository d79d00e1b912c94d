"""Hostile input: nothing hangs, nothing is left running, no traceback (issue 12, items 9-11).

Each test is an attack as the issue reproduced it, run with a time and a
memory bound, so that a regression fails the test instead of the machine.
"""

import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import NINJA, Project, processes_with

MEMORY = 4 << 30  # bytes: /dev/zero read whole fails here, not in the machine


def bounded(command, cwd, env=None, timeout=60):
    """subprocess.run with a memory limit, a time limit and no stdin."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    return subprocess.run(command, cwd=cwd, env=dict(os.environ, **(env or {})),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)


def configure(project, *args, env=None, timeout=60):
    return bounded([sys.executable, "-m", "docbuild", "configure",
                    "--source", os.path.relpath(project.src, project.work), *args],
                   project.work, env=env, timeout=timeout)


def ninja(project, *targets, timeout=120):
    return bounded([NINJA, *targets], project.work, timeout=timeout)


def working_in(folder):
    """PIDs of the processes whose working directory is in `folder`."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                continue
            if cwd == folder or cwd.startswith(folder + os.sep):
                found.append((int(pid), cwd))
    return found


def kill_all(text):
    """Kill what a failed test left: processes naming `text` or working in it."""
    for pid, _ in processes_with(text) + (working_in(text) if os.path.isabs(text) else []):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def unique_sleep(seconds):
    """A `sleep` argument no other process on the machine has: `seconds`.<random>."""
    return f"{seconds}.{random.randrange(10**8):08d}"


def assert_clean(result, *needles, code=None):
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text
    if code is None:
        assert result.returncode != 0, text
    else:
        assert result.returncode == code, text
    for needle in needles:
        assert needle in text, text
    return text


def write_source(project, name, text):
    path = os.path.join(project.src, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


@pytest.fixture
def project(tmp_path):
    p = Project(tmp_path / "work")
    yield p
    kill_all(p.work)


# --- item 9: conf.py, odd files and YAML cannot hang configure

def test_a_conf_py_that_never_ends_is_a_configure_error_naming_it_and_its_log(project):
    project.edit("conf.py", "while 1: pass\n")
    result = configure(project, env={"DOCBUILD_CONF_TIMEOUT": "2"})
    assert_clean(result, "conf.py: error: conf.py did not finish within 2 s",
                 "build/logs/conf.py.log", "DOCBUILD_CONF_TIMEOUT")
    assert not processes_with(project.work)
    assert not os.path.exists(project.path("build.ninja"))


def wait_for(predicate, seconds):
    """Poll `predicate` until it is true or `seconds` passed; its last value."""
    deadline = time.monotonic() + seconds
    while not (found := predicate()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_killing_ninja_while_configure_reads_conf_py_leaves_nothing_running(project):
    assert configure(project).returncode == 0
    project.edit("conf.py", "while 1: pass\n")  # ninja re-runs configure, which reads it
    ninja = subprocess.Popen([NINJA], cwd=project.work, start_new_session=True, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        # conf.py runs in its own folder
        assert wait_for(lambda: {pid for pid, _ in processes_with("docbuild.sphinxconf")}
                        & {pid for pid, _ in working_in(project.src)}, 30), "conf.py was never read"
        os.killpg(ninja.pid, signal.SIGKILL)  # ninja's group: ninja alone
        ninja.wait()
        # Nobody records configure's result now: it and conf.py stop.
        assert wait_for(lambda: not working_in(project.work), 15), working_in(project.work)
    finally:
        ninja.stdout.close()
        kill_all(project.work)


def test_a_bad_conf_py_time_limit_is_a_clear_error(project):
    result = configure(project, env={"DOCBUILD_CONF_TIMEOUT": "nan"})
    assert_clean(result, "DOCBUILD_CONF_TIMEOUT='nan' is not a number of seconds")


def test_a_fifo_named_like_a_source_is_skipped_with_a_warning(project):
    os.mkfifo(os.path.join(project.src, "f.rst"))
    result = configure(project, timeout=30)
    assert_clean(result, "f.rst: warning: a FIFO, not a regular file: not scanned", code=0)
    built = ninja(project, "html", timeout=120)  # Sphinx does not read it either
    assert_clean(built, "f.rst: WARNING: not read: not a regular file", code=0)


def test_a_link_to_dev_zero_named_like_a_source_is_skipped_with_a_warning(project):
    os.symlink("/dev/zero", os.path.join(project.src, "z.rst"))
    result = configure(project, timeout=30)
    assert_clean(result, "z.rst: warning: a character device, not a regular file", code=0)
    built = ninja(project, "html", timeout=120)
    assert_clean(built, "z.rst: WARNING: not read: not a regular file", code=0)
    assert os.path.isfile(project.path("build", "html", "intro.html"))


BOMB = "name: bomb\narg_name: param\ntype: [" + ", ".join(
    [f"&a [{', '.join(['lol'] * 9)}]"]
    + [f"&{level} [{', '.join([f'*{prev}'] * 9)}]" for prev, level in zip("abcdefgh", "bcdefghi")]) + "]\n"


def test_a_yaml_alias_bomb_is_an_error_naming_the_alias(project):
    """Nine levels of nine aliases in an apiargs `type:`."""
    write_source(project, "includes/apiargs-bomb.yaml", BOMB)
    result = configure(project, timeout=30)
    assert_clean(result, "apiargs-bomb.yaml:3: error: aliases expand to more than 100000 values")


DEEP = "[" * 995 + "]" * 995


@pytest.mark.parametrize("name, text", [
    ("docbuild.yaml", f"formats: {DEEP}\n"),
    ("includes/extracts-deep.yaml", f"ref: deep\ncontent: {DEEP}\n"),
])
def test_a_list_nested_995_deep_is_an_error_naming_its_line(project, name, text):
    write_source(project, name, text)
    result = configure(project)
    line = text.count("\n", 0, text.index("["))
    assert_clean(result, f"{os.path.basename(name)}:{line + 1}: error: "
                         f"lists and mappings nested more than 100 deep")


def test_a_generator_step_runs_under_the_runner_and_its_time_limit(project):
    os.makedirs(os.path.join(project.src, "tpl"))
    with open(os.path.join(project.src, "tpl", "extracts.rst"), "w", encoding="utf-8") as f:
        f.write("{% for i in range(10**12) %}{% endfor %}\n")
    write_source(project, "includes/extracts-x.yaml", "ref: x\ncontent: X.\n")
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("templates: tpl\ntimeouts:\n  default: {total: 3, idle: 0}\n")
    assert configure(project).returncode == 0
    result = ninja(project, "generate", timeout=60)
    assert_clean(result, "step 'generate' failed: timed out after 3 s", "group-0000.log")
    assert not working_in(project.work)


# --- item 10: nothing that conf.py starts outlives the step or configure

def test_a_process_that_leaves_its_group_does_not_outlive_the_build(project):
    sleep = unique_sleep(1002)
    project.edit("conf.py", f'import subprocess\nsubprocess.Popen(["sleep", "{sleep}"], '
                            f'start_new_session=True)\n')
    try:
        assert configure(project).returncode == 0
        assert not processes_with(f"sleep {sleep}")  # configure's conf.py child
        ninja(project, "html")
        assert not processes_with(f"sleep {sleep}")  # the Sphinx step's
    finally:
        kill_all(f"sleep {sleep}")


def test_a_child_of_conf_py_does_not_outlive_configure(project):
    sleep = unique_sleep(3017)
    project.edit("conf.py", f'import subprocess\nsubprocess.Popen(["sleep", "{sleep}"])\n')
    try:
        assert configure(project).returncode == 0
        assert not processes_with(f"sleep {sleep}")
    finally:
        kill_all(f"sleep {sleep}")


# --- item 11: no traceback

def test_conf_py_calling_sys_exit_is_a_configure_error_naming_it(project):
    project.edit("conf.py", "import sys\nsys.exit(0)\n")
    result = configure(project)
    assert_clean(result, "proj/conf.py: error: conf.py (or a module it imports) called sys.exit()",
                 "build/logs/conf.py.log", "remove the sys.exit() call")
    assert "called sys.exit()" in project.log("conf.py")
    assert not os.path.exists(project.path("build.ninja"))


def unshare_works():
    return shutil.which("unshare") and subprocess.run(
        ["unshare", "-rm", "true"], capture_output=True).returncode == 0


def test_a_read_only_build_folder_is_one_clear_line(project):
    if not unshare_works():
        pytest.skip("unshare -rm (user and mount namespaces) is not permitted here")
    assert configure(project).returncode == 0
    build = project.path("build")
    # The build folder, read-only for ninja and its steps only (a mount namespace).
    result = bounded(["unshare", "-rm", "sh", "-c",
                      'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$2" html',
                      "sh", build, NINJA], project.work)
    text = assert_clean(result, "cannot write build/logs/html.log.lock: Read-only file system",
                        "make the build folder writable")
    assert text.count("cannot write") == 1, text
