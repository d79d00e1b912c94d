"""One configure run lists every error it can find, each as `file:line: error:`."""

import os

from conftest import Project

CONF = {"conf.py": 'project = "Demo"\n', "docbuild.yaml": "redirects: redirects.yaml\n"}

BROKEN = {
    **CONF,
    "index.rst": """\
        Demo
        ====

        .. include:: /includes/steps/install.rst

        .. include:: /includes/nowhere.rst

        .. include:: /includes/extracts/fine.rst

        .. include:: /includes/option/option-tool-port.rst
        """,
    # Several bad documents in one file, of different kinds of error.
    "includes/steps-install.yaml": """\
        ref: one
        title: One
        stepnum: first
        ---
        ref: two
        titel: Two
        ---
        title: Three
        ---
        ref: four
        title: Four
        action:
          cod: x
        """,
    "includes/extracts-notes.yaml": """\
        ref: fine
        content: Fine.
        ---
        ref: bad
        contnet: Typo.
        """,
    "includes/options-tool.yaml": """\
        program: tool
        name: port
        description: [unclosed
        """,
    "redirects.yaml": """\
        from: old.html
        to: /new.html
        """,
}

EXPECTED = [
    "docbuild: proj/includes/extracts-notes.yaml:5: error: unknown field `contnet` in a document of kind extracts",
    "docbuild: proj/includes/options-tool.yaml:4: error: YAML syntax error: did not find expected ',' or ']'",
    "docbuild: proj/includes/steps-install.yaml:3: error: field `stepnum` must be a number, not str",
    "docbuild: proj/includes/steps-install.yaml:6: error: unknown field `titel` in a document of kind steps",
    "docbuild: proj/includes/steps-install.yaml:8: error: a document of kind steps needs `ref:`",
    "docbuild: proj/includes/steps-install.yaml:13: error: unknown field `action.cod` in a document of kind steps",
    "docbuild: proj/redirects.yaml:1: error: field `from`: 'old.html' must be a path starting with /",
    "docbuild: proj/index.rst:4: error: the included file /includes/steps/install.rst is not generated: "
    "proj/includes/steps-install.yaml has errors",
    "docbuild: proj/index.rst:6: error: the included file /includes/nowhere.rst does not exist "
    "(looked for {work}/proj/includes/nowhere.rst)",
    "docbuild: proj/index.rst:8: error: the included file /includes/extracts/fine.rst is not generated: "
    "proj/includes/extracts-notes.yaml has errors",
    "docbuild: proj/index.rst:10: error: the included file /includes/option/option-tool-port.rst does not exist; "
    "proj/includes/options-tool.yaml may generate it, but cannot be read",
]


def errors(result):
    return [line for line in result.stderr.splitlines() if line.startswith("docbuild: ")]


def test_one_configure_run_lists_every_error_of_every_file_in_a_stable_order(tmp_path):
    p = Project(tmp_path, BROKEN)
    first = p.configure("--ci", check=False)  # a missing include is an error in CI mode
    assert first.returncode == 1
    assert errors(first) == [e.format(work=p.work) for e in EXPECTED], first.stderr
    assert not os.path.exists(p.path("build.ninja"))
    again = p.configure("--ci", check=False)  # the content cache holds no rejected file
    assert errors(again) == errors(first)


def test_an_include_waiting_for_a_file_with_errors_is_reported_once_for_that_file(tmp_path):
    files = {
        **CONF, "docbuild.yaml": "",
        "index.rst": "Demo\n====\n\n.. toctree::\n\n   a\n   b\n",
        "a.rst": "A\n=\n\n.. include:: /includes/option/option-tool-port.rst\n\n"
                 ".. include:: /includes/option/option-tool-host.rst\n",
        "b.rst": "B\n=\n\n.. include:: /includes/option/option-tool-verbose.rst\n",
        "includes/options-tool.yaml": """\
            program: tool
            name: port
            optinal: true
            directive: option
            ---
            program: tool
            name: host
            directive: option
            ---
            program: tool
            name: verbose
            directive: option
            """,
    }
    p = Project(tmp_path, files)
    result = p.configure(check=False)
    assert result.returncode == 1
    assert errors(result) == [
        "docbuild: proj/includes/options-tool.yaml:3: error: unknown field `optinal` in a document of kind options",
        "docbuild: proj/a.rst:4: error: the included file /includes/option/option-tool-port.rst is not "
        "generated: proj/includes/options-tool.yaml has errors; 2 more includes of its outputs wait for it",
    ], result.stderr
    assert not os.path.exists(p.path("build.ninja"))


def test_a_file_that_inherits_from_a_file_with_errors_does_not_repeat_them(tmp_path):
    files = {
        **CONF, "docbuild.yaml": "",
        "index.rst": "Demo\n====\n",
        "includes/extracts-base.yaml": "ref: _base\ncontnet: x\n---\nref: other\ncontent: y\n",
        "includes/extracts-child.yaml": "ref: child\ninherit: {file: extracts-base.yaml, ref: other}\n",
        "includes/extracts-later.yaml": "ref: later\ninherit: {file: extracts-base.yaml, ref: other}\n"
                                        "title: [1]\n",
    }
    result = Project(tmp_path, files).configure(check=False)
    assert errors(result) == [
        "docbuild: proj/includes/extracts-base.yaml:2: error: unknown field `contnet` in a document of kind extracts",
        "docbuild: proj/includes/extracts-later.yaml:3: error: field `title` must be "
        "a string or a mapping, not list",
    ], result.stderr


def test_docbuild_yaml_reports_every_bad_key_in_line_order(tmp_path):
    files = {**CONF, "index.rst": "Demo\n====\n",
             "docbuild.yaml": "formts: [html]\nci: maybe\nsphinx_jobs: 0\nversion: [1]\n"}
    p = Project(tmp_path, files)
    result = p.configure(check=False)
    assert result.returncode == 1
    assert errors(result) == [
        "docbuild: proj/docbuild.yaml:1: error: unknown key 'formts'",
        "docbuild: proj/docbuild.yaml:2: error: `ci` must be true, false or {nitpicky: true}",
        "docbuild: proj/docbuild.yaml:3: error: `sphinx_jobs` must be a whole number from 1 to 1024, or auto",
        "docbuild: proj/docbuild.yaml:4: error: `version` must be a string",
    ], result.stderr
    assert not os.path.exists(p.path("build.ninja"))
