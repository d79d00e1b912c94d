"""Hostile input to redirects, staging and publishing: it cannot escape, nothing is lost.

Each attack of issue 12 is reproduced as written there, on a small real project.
"""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import NINJA, Project, run

# --- redirects: the grammar of `from` and `to` (docbuild/redirects.py)


def redirect_project(tmp_path, redirects):
    project = Project(tmp_path / "work", src="docs")
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("redirects: redirects.yaml\n")
    with open(os.path.join(project.src, "redirects.yaml"), "w", encoding="utf-8") as f:
        f.write(redirects)
    return project


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def everything_under(folder):
    return {os.path.relpath(os.path.join(root, name), folder)
            for root, dirs, files in os.walk(folder) for name in files + dirs}


INJECTION = ('from: /a.html\n'
             'to: "/n; }\\nlocation /admin { root /; autoindex on; }\\nlocation = /x { return 301 https://evil"\n')
ESCAPE = 'from: "/../../../docs/pwned://x.html"\nto: /index.html\n'


def test_a_redirect_cannot_inject_nginx_directives(tmp_path):
    project = redirect_project(tmp_path, INJECTION)
    result = project.configure(check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "docs/redirects.yaml:2: error: field `to`:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not os.path.exists(project.path("build", "redirects"))
    assert not os.path.exists(project.path("build.ninja"))


def test_a_redirect_from_cannot_write_outside_the_build_folder(tmp_path):
    project = redirect_project(tmp_path, ESCAPE)
    before = everything_under(project.src)
    result = project.configure(check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "docs/redirects.yaml:1: error: field `from`:" in result.stderr
    assert "'..' part" in result.stderr
    assert everything_under(project.src) == before
    assert not [p for p in everything_under(project.work) if "pwned" in p]


def test_every_bad_redirect_is_reported(tmp_path):
    project = redirect_project(tmp_path, INJECTION + "---\n" + ESCAPE + "---\n"
                               "from: /ok.html\nto: javascript:alert(1)\nexternal: true\n---\n"
                               "from: /file.html\nto: file:///etc/passwd\nexternal: true\n")
    result = project.configure(check=False)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [e.split(": error: ")[0].split("redirects.yaml")[1] for e in errors] == [":2", ":4", ":8", ":12"]
    assert "can go to http:// or https:// only, not javascript:" in errors[2]
    assert "not file:" in errors[3]


def test_a_protocol_relative_redirect_is_external_and_written_as_such(tmp_path):
    project = redirect_project(tmp_path, "from: /moved.html\nto: //evil.example.com\n")
    result = project.configure(check=False)
    assert result.returncode == 1  # it leaves the site: the author must say so
    assert "docs/redirects.yaml:2: error: field `to`: '//evil.example.com' is an address on " \
           "another site" in result.stderr and "external: true" in result.stderr
    with open(os.path.join(project.src, "redirects.yaml"), "a", encoding="utf-8") as f:
        f.write("external: true\n")
    project.configure()
    project.ninja("build/redirects/nginx.conf")
    nginx = read(project.path("build", "redirects", "nginx.conf"))
    assert 'location = "/moved.html" { return 301 "https://evil.example.com"; }' in nginx
    assert 'Redirect 301 "/moved.html" "https://evil.example.com"' in \
        read(project.path("build", "redirects", ".htaccess"))
    assert 'url=https://evil.example.com"' in read(project.path("build", "redirects", "pages", "moved.html"))


@pytest.mark.parametrize("value", ["javascript:alert(1)", "file:///etc/passwd", "JavaScript://x.example.com/%0a"])
def test_only_http_and_https_redirects_are_accepted(tmp_path, value):
    project = redirect_project(tmp_path, f"from: /x.html\nto: '{value}'\nexternal: true\n")
    result = project.configure(check=False)
    assert result.returncode == 1
    assert "docs/redirects.yaml:2: error: field `to`:" in result.stderr
    assert "http:// or https:// only" in result.stderr


def test_every_redirect_value_is_written_quoted(tmp_path):
    project = redirect_project(tmp_path, "from: /old/\nto: /new.html?a=1&b=2#part\n---\n"
                               "from: /forum.html\nto: https://forum.example.com/docs/\nexternal: true\n")
    project.configure()
    project.ninja("build/redirects/nginx.conf")
    nginx = read(project.path("build", "redirects", "nginx.conf")).splitlines()[1:]
    assert nginx == ['location = "/old/" { return 301 "/new.html?a=1&b=2#part"; }',
                     'location = "/forum.html" { return 301 "https://forum.example.com/docs/"; }']
    assert 'url=/new.html?a=1&amp;b=2#part"' in read(project.path("build", "redirects", "pages", "old",
                                                                    "index.html"))


# --- rsync: a destination is never an option


def site_project(tmp_path, docbuild_yaml):
    project = Project(tmp_path / "work")
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write(docbuild_yaml)
    return project


def test_an_rsync_destination_cannot_be_an_option(tmp_path):
    project = site_project(tmp_path, 'formats: [html]\npublish: {m: {rsync: "--log-file=LOG:x"}}\n')
    result = project.configure(check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "proj/docbuild.yaml:2: error: destination 'm': '--log-file=LOG:x' starts with -" in result.stderr
    assert "Traceback" not in result.stderr
    assert not os.path.exists(project.path("build.ninja"))
    assert not [p for p in everything_under(project.work) if "LOG" in p]


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (.ci/run installs it)")
def test_rsync_gets_the_paths_after_a_double_dash(tmp_path):
    project = site_project(tmp_path, "formats: [html]\npublish:\n  m: {rsync: ../-mirror/}\n")
    project.configure()
    project.ninja("publish")
    command = [line for line in project.log("publish-m").splitlines() if line.startswith("$ rsync")]
    assert command and " -- " in command[0]
    assert command[0].split(" -- ")[1].split() == [project.path("build", "public", "latest") + "/",
                                                    project.path("-mirror") + "/"]
    assert os.path.isfile(project.path("-mirror", "index.html"))
