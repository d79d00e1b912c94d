"""docbuild serve (issue 16): a real ninja build, served on 127.0.0.1, read by a
real client (server-sent events) and a real browser (Debian's chromium,
driven by playwright).  Without aiohttp/watchfiles or the browser the tests
skip, except in CI (CI=true), where .ci/run installs them: there they fail."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import pytest

from conftest import IN_CI, Project, processes_with, sleep_in_hook
from test_nothing_hangs import kill_all, unique_sleep, wait_for, working_in

CHROMIUM = "/usr/bin/chromium"


def need(module):
    try:
        __import__(module)
    except ImportError:
        if IN_CI:
            raise
        pytest.skip(f"{module} is not installed (pip install 'docbuild[serve]')")


class Server:
    """`python -m docbuild serve --port 0` in a session of its own, its output in a file."""

    def __init__(self, project, *args):
        need("aiohttp")
        need("watchfiles")
        self.project = project
        self.out = project.path("serve.out")
        with open(self.out, "wb") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "docbuild", "serve", "--port", "0", *args],
                                         cwd=project.work, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        found = wait_for(lambda: re.search(r"http://127\.0\.0\.1:(\d+)/", self.output()), 30)
        assert found, self.output()
        self.port = int(found.group(1))
        self.url = found.group(0)

    def output(self):
        with open(self.out, encoding="utf-8", errors="replace") as f:
            return f.read()

    def get(self, path):
        with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as response:
            return response.read().decode("utf-8")

    def interrupt(self):
        """Ctrl-C, as a terminal sends it to the foreground process group."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout=30)

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        kill_all(self.project.work)


class Events:
    """A server-sent events client: each message's JSON."""

    def __init__(self, server):
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        self.conn.request("GET", "/__docbuild__/events")
        self.response = self.conn.getresponse()
        assert self.response.status == 200

    def next(self, predicate):
        """The first message (within 60 s) for which predicate(message) is true."""
        while True:
            line = self.response.readline()
            assert line, "the event stream ended"
            if line.startswith(b"data: "):
                message = json.loads(line[6:])
                if predicate(message):
                    return message

    def after_first_build(self):
        return self.next(lambda m: m["build"] >= 1)

    def close(self):
        self.conn.close()


@pytest.fixture
def served(tmp_path):
    project = Project(tmp_path / "work")
    project.configure()
    server = Server(project)
    events = Events(server)
    events.after_first_build()
    yield project, server, events
    events.close()
    server.close()


def test_an_edited_page_is_rebuilt_and_its_open_pages_are_told_to_reload(served):
    project, server, events = served
    project.edit("intro.rst", "\nA sentence added while serving.\n")
    message = events.next(lambda m: m["changed"])
    assert "/intro.html" in message["changed"]
    assert "/guide/usage.html" not in message["changed"]  # its bytes did not change
    assert "A sentence added while serving." in server.get("intro.html")


def test_an_edited_include_outside_the_source_folder_rebuilds_the_page(served):
    project, server, events = served
    project.edit("example.py", "print('changed while serving')\n", folder=project.path("shared"))
    message = events.next(lambda m: m["changed"])
    assert "/index.html" in message["changed"]
    assert "changed while serving" in server.get("/")


def test_a_warning_is_listed_with_its_file_and_line_until_it_is_fixed(served):
    project, server, events = served
    with open(os.path.join(project.src, "guide", "usage.rst"), encoding="utf-8") as f:
        good = f.read()
    project.edit("guide/usage.rst", "\nSee :ref:`nowhere-at-all`.\n")
    message = events.next(lambda m: m["problems"]["warnings"])
    line = good.count("\n") + 2
    assert message["problems"]["warnings"] == [
        {"where": f"proj/guide/usage.rst:{line}", "level": "WARNING",
         "message": "undefined label: 'nowhere-at-all'"}]
    with open(os.path.join(project.src, "guide", "usage.rst"), "w", encoding="utf-8") as f:
        f.write(good)
    message = events.next(lambda m: m["build"] and not m["problems"]["warnings"])
    assert not message["problems"]["failed"]


def test_a_failed_build_lists_the_failure_and_ninjas_last_lines_until_it_is_fixed(served):
    project, server, events = served
    with open(os.path.join(project.src, "conf.py"), encoding="utf-8") as f:
        good = f.read()
    project.edit("conf.py", "raise SystemExit('conf.py says no')\n")
    message = events.next(lambda m: m["build"] and m["problems"]["failed"])
    assert any("sys.exit() call" in line for line in message["problems"]["log"]), message
    assert "failed" in server.output() and "build/logs/serve.log" in server.output()
    with open(os.path.join(project.src, "conf.py"), "w", encoding="utf-8") as f:
        f.write(good)
    message = events.next(lambda m: m["build"] and not m["problems"]["failed"])
    assert message["problems"]["log"] == []


def test_the_reload_script_is_in_served_pages_and_not_in_the_build_output(served):
    project, server, events = served
    assert "/__docbuild__/reload.js" in server.get("intro.html")
    assert "/__docbuild__/reload.js" in server.get("/")  # a folder: its index.html
    for folder, _, names in os.walk(project.path("build", "html")):
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                assert b"__docbuild__" not in f.read(), name


def test_nothing_outside_the_output_folder_is_served(served):
    project, server, events = served
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for path in ("/../proj/conf.py", "/%2e%2e/proj/conf.py", "/..%2fproj/conf.py"):
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 404, path
        assert b"project = " not in response.read()
    conn.close()


def test_ctrl_c_during_a_build_leaves_no_process(tmp_path):
    project = Project(tmp_path / "work")
    project.configure()
    project.ninja("html")
    sleep = unique_sleep(1001)
    project.edit("conf.py", f"import subprocess\ndef setup(app):\n"
                            f"    subprocess.run(['sleep', '{sleep}'])\n")
    server = Server(project)
    try:
        assert wait_for(lambda: processes_with(sleep), 60), server.output()  # ninja -> runner -> sphinx -> sleep
        assert server.interrupt() == 0, server.output()
        assert not processes_with(sleep)
        assert not working_in(project.work)
        assert "Traceback" not in server.output()
    finally:
        server.close()


def test_a_port_in_use_is_an_error_that_says_what_to_do(served):
    project, server, events = served
    result = subprocess.run([sys.executable, "-m", "docbuild", "serve", "--port", str(server.port)],
                            cwd=project.work, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{server.port}" in result.stderr
    assert "--port" in result.stderr and "Traceback" not in result.stderr


def test_with_editions_an_edition_is_served_from_its_own_folder(tmp_path):
    project = Project(tmp_path / "work", files={
        "conf.py": 'project = "Editions"\n',
        "index.rst": "Editions\n========\n\n.. only:: cloud\n\n   Only in the cloud edition.\n",
        "docbuild.yaml": "editions:\n  cloud:\n    tags: [cloud]\n  onprem: {}\n",
    }, shared={})
    project.configure()
    refused = subprocess.run([sys.executable, "-m", "docbuild", "serve", "--port", "0", "html"],
                             cwd=project.work, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 1
    assert "'html' is not a target that writes HTML pages" in refused.stderr
    assert "serve one of: html-cloud, dirhtml-cloud, html-onprem, dirhtml-onprem" in refused.stderr
    server = Server(project)  # the default: the first edition's html
    try:
        events = Events(server)
        events.after_first_build()
        events.close()
        assert "build/html-cloud (html-cloud)" in server.output()
        assert "Only in the cloud edition." in server.get("/")
    finally:
        server.close()


# --- in a real browser -----------------------------------------------------------

BROWSER_PROJECT = {
    "conf.py": 'project = "Live"\n',
    "index.rst": "Live\n====\n\n.. toctree::\n\n   page\n",
    "page.rst": "Page\n====\n\nFirst words.\n\n.. include:: /includes/extracts/said.rst\n",
    "includes/extracts-live.yaml": "ref: said\ncontent: Generated words.\n",
}


@pytest.fixture
def browser():
    need("playwright")
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        try:
            yield chromium.new_page()
        finally:
            chromium.close()


def test_a_page_in_the_browser_shows_edits_warnings_and_yaml_changes_by_itself(tmp_path, browser):
    project = Project(tmp_path / "work", files=BROWSER_PROJECT, shared={})
    project.configure()
    server = Server(project)
    try:
        events = Events(server)
        events.after_first_build()
        page = browser
        page.goto(server.url + "page.html")
        body = page.locator("body")
        assert "First words." in body.inner_text()
        page.evaluate("window.notReloaded = true")

        project.replace("page.rst", "First words.", "Second words.")
        page.wait_for_function("document.body.innerText.includes('Second words.')", timeout=60000)
        assert page.evaluate("window.notReloaded === undefined")  # a reload, not a patch

        project.replace("page.rst", "Second words.", "Broken :ref:`no-such-label`.")
        overlay = page.locator("#docbuild-overlay")
        overlay.wait_for(timeout=60000)
        assert "proj/page.rst:4: WARNING: undefined label: 'no-such-label'" in overlay.inner_text()

        project.replace("page.rst", "Broken :ref:`no-such-label`.", "Fixed words.")
        page.wait_for_function("document.body.innerText.includes('Fixed words.')", timeout=60000)
        overlay.wait_for(state="detached", timeout=60000)

        project.replace("includes/extracts-live.yaml", "Generated words.", "Regenerated words.")
        page.wait_for_function("document.body.innerText.includes('Regenerated words.')", timeout=60000)
        events.close()
    finally:
        server.close()


@pytest.fixture
def slow_finish(tmp_path):
    """A served project whose builds sleep 3 s in build-finished, after the pages
    are written: (project, server, events, the first build's message, the sleep)."""
    project = Project(tmp_path / "work")
    sleep = unique_sleep(3)
    sleep_in_hook(project, "build-finished", "app, exception", sleep)
    project.configure()
    server = Server(project)
    events = Events(server)
    try:
        yield project, server, events, events.after_first_build(), sleep
    finally:
        events.close()
        server.close()


def test_an_edited_page_reloads_before_the_build_ends_and_only_once(slow_finish):
    project, server, events, first, sleep = slow_finish
    project.edit("intro.rst", "\nSeen before the build ends.\n")
    early = events.next(lambda m: m["changed"])
    assert processes_with(sleep), "the build had ended"  # still in its last phase
    assert early["changed"] == ["/intro.html"] and early["build"] == first["build"]
    assert "Seen before the build ends." in server.get("intro.html")
    done = events.next(lambda m: m["build"] > first["build"])
    assert "/intro.html" not in done["changed"]  # it reloads once
    assert wait_for(lambda: server.output().count(" built in ") == 2, 30), server.output()
    assert server.output().rstrip().endswith("1 page(s) changed, 0 warning(s)")  # counted still


def test_pages_reload_early_again_after_docbuild_clean_removed_the_output_folder(slow_finish):
    project, server, events, first, sleep = slow_finish
    result = subprocess.run([sys.executable, "-m", "docbuild", "clean"], cwd=project.work,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "removed build/html" in result.stdout, result.stdout + result.stderr
    project.edit("intro.rst", "\nWritten after a clean.\n")
    early = events.next(lambda m: m["changed"])
    assert early.get("early") and "/intro.html" in early["changed"], early
    assert processes_with(sleep), "the build had ended"
    assert "Written after a clean." in server.get("intro.html")
    events.next(lambda m: m["build"] > first["build"])
