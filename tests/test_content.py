"""Structured YAML content through ninja: generation, incremental rebuilds, bad input."""

import os
import time

import pytest

from conftest import Project, reread, run, steps_run

EXTRACTS = "".join(
    f"{'---' if i else ''}\nref: e{i}\ncontent: Extract number {i} for {{{{product}}}}.\n"
    for i in range(50)) + "...\n"

FILES = {
    "conf.py": 'project = "Content"\nversion = "3.1"\nsmartquotes = False\n',
    # One file per generator process, so that the tests can tell which ran.
    "docbuild.yaml": "content_group_size: 1\nreplacements:\n  product: ExampleDB\n",
    "index.rst": """\
        Content
        =======

        .. toctree::

           page-a
           page-b
           options

        Install
        -------

        .. include:: /includes/steps/install.rst
        """,
    "page-a.rst": "Page A\n======\n\n.. include:: /includes/extracts/e0.rst\n",
    "page-b.rst": "Page B\n======\n\n.. include:: includes/extracts/e1.rst\n",
    "options.rst": """\
        Options
        =======

        .. program:: tool

        .. include:: /includes/option/option-tool-verbose.rst
        """,
    "includes/steps-install.yaml": """\
        title: Get it.
        ref: get
        action:
          language: sh
          code: curl -O https://example.com/{{product}}-{{version}}.tar.gz
        ---
        title: Unpack it.
        ref: unpack
        content: Run ``tar xf``.
        ...
        """,
    "includes/extracts-common.yaml": EXTRACTS,
    "includes/options-shared.yaml": """\
        program: _shared
        name: verbose
        directive: option
        description: Print more. {{extra}}
        replacement:
          extra: Repeat it for even more.
        """,
    "includes/options-tool.yaml": """\
        program: tool
        name: verbose
        inherit: {file: options-shared.yaml, program: _shared, name: verbose}
        replacement:
          extra: "See {{role}}."
        """,
}


@pytest.fixture
def content(tmp_path):
    project = Project(tmp_path / "work", files=FILES)
    project.configure()
    return project


def gen(project, *parts):
    return project.path("build", "gen", *parts)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def tick():
    time.sleep(0.01)


def test_generated_content_builds_and_lives_in_the_build_dir(content):
    content.ninja("html", "text")
    text = read(content.path("build", "text", "index.txt"))
    assert "Step 1: Get it." in text and "ExampleDB-3.1.tar.gz" in text
    assert "Extract number 1 for ExampleDB." in read(content.path("build", "text", "page-b.txt"))
    options = read(content.path("build", "text", "options.txt"))
    assert "Print more. See \"--verbose\"." in options
    assert not os.path.exists(os.path.join(content.src, "includes", "steps"))
    assert sorted(os.listdir(gen(content, "includes", "extracts")))[:2] == ["e0.rst", "e1.rst"]
    assert "no work to do" in content.ninja("html", "text").stdout


def test_touching_a_yaml_file_runs_its_generator_but_not_sphinx(content):
    content.ninja("html")
    tick()
    os.utime(os.path.join(content.src, "includes", "extracts-common.yaml"))
    assert steps_run(content.ninja("html")) == ["generate proj/includes/extracts-common.yaml"]
    assert "no work to do" in content.ninja("html").stdout


def test_one_changed_document_rewrites_one_output_and_one_page(content):
    content.ninja("html")
    folder = gen(content, "includes", "extracts")
    before = {n: os.stat(os.path.join(folder, n)).st_mtime_ns for n in os.listdir(folder)}
    tick()
    path = os.path.join(content.src, "includes", "extracts-common.yaml")
    write_text(path, read(path).replace("Extract number 1 for", "Extract number one for"))
    result = content.ninja("html")
    assert "sphinx html" in steps_run(result)
    after = {n: os.stat(os.path.join(folder, n)).st_mtime_ns for n in os.listdir(folder)}
    assert [n for n in after if after[n] != before[n]] == ["e1.rst"]
    assert reread(content.log("html")) == (0, 1, 0)
    assert "number one" in read(content.path("build", "html", "page-b.html"))


def test_adding_a_ref_adds_its_output_and_removing_it_deletes_it(content):
    content.ninja("html")
    path = os.path.join(content.src, "includes", "extracts-common.yaml")
    original = read(path)
    tick()
    write_text(path, original.replace("...\n", "---\nref: added\ncontent: New one.\n...\n"))
    content.ninja("html")
    assert os.path.isfile(gen(content, "includes", "extracts", "added.rst"))
    assert "build/gen/includes/extracts/added.rst" in read(content.path("build.ninja"))
    assert "no work to do" in content.ninja("html").stdout
    tick()
    write_text(path, original)
    content.ninja("html")
    assert not os.path.exists(gen(content, "includes", "extracts", "added.rst"))
    assert "extracts/added.rst" not in read(content.path("build.ninja"))
    assert "no work to do" in content.ninja("html").stdout


def test_editing_a_parent_regenerates_its_children(content):
    content.ninja("text")
    tick()
    path = os.path.join(content.src, "includes", "options-shared.yaml")
    write_text(path, read(path).replace("Print more.", "Print a lot more."))
    ran = steps_run(content.ninja("text"))
    assert "generate proj/includes/options-tool.yaml" in ran
    assert "generate proj/includes/steps-install.yaml" not in ran
    assert "Print a lot more." in read(content.path("build", "text", "options.txt"))


def test_global_replacement_change_regenerates_only_what_uses_it(content):
    content.ninja("text")
    tick()
    write_text(os.path.join(content.src, "docbuild.yaml"), "content_group_size: 1\nreplacements:\n  product: OtherDB\n")
    result = content.ninja("text")
    assert "sphinx text" in steps_run(result)
    assert "OtherDB-3.1.tar.gz" in read(content.path("build", "text", "index.txt"))
    assert reread(content.log("read"))[1] == 3  # index, page-a and page-b use {{product}}
    assert "OtherDB" in read(content.path("build", "text", "page-b.txt"))


def test_grouped_generation_edits_regenerate_one_group(content):
    write_text(os.path.join(content.src, "docbuild.yaml"),
               "content_group_size: 2\nreplacements:\n  product: ExampleDB\n")
    content.ninja("html")
    build_ninja = read(content.path("build.ninja"))
    assert build_ninja.count("\nbuild build/.docbuild/gen/group-") == 2
    tick()
    path = os.path.join(content.src, "includes", "steps-install.yaml")
    write_text(path, read(path).replace("Get it.", "Fetch it."))
    result = content.ninja("html")
    assert steps_run(result) == ["generate proj/includes/options-tool.yaml (+1 more)", "sphinx html"]
    assert "Fetch it." in read(content.path("build", "html", "index.html"))
    assert "no work to do" in content.ninja("html").stdout


def test_removing_a_source_file_removes_its_outputs(content):
    content.ninja("html")
    os.unlink(os.path.join(content.src, "includes", "steps-install.yaml"))
    write_text(os.path.join(content.src, "index.rst"), "Content\n=======\n\n.. toctree::\n\n   page-a\n   page-b\n   options\n")
    content.ninja("html")
    assert not os.path.exists(gen(content, "includes", "steps", "install.rst"))
    assert "no work to do" in content.ninja("html").stdout


def test_project_templates_override_builtin_ones(content):
    os.makedirs(os.path.join(content.src, "_content_templates"))
    write_text(os.path.join(content.src, "_content_templates", "extracts.rst"),
               "**Custom** {{ doc.ref }}: {{ doc.content }}\n")
    write_text(os.path.join(content.src, "docbuild.yaml"),
               "content_group_size: 1\ntemplates: _content_templates\nreplacements:\n  product: ExampleDB\n")
    content.ninja("text")
    assert "**Custom** e1: Extract number 1 for ExampleDB." in read(content.path("build", "text", "page-b.txt"))
    tick()
    write_text(os.path.join(content.src, "_content_templates", "extracts.rst"), "Changed {{ doc.ref }}\n")
    assert "generate proj/includes/extracts-common.yaml" in steps_run(content.ninja("text"))
    assert "Changed e1" in read(content.path("build", "text", "page-b.txt"))


def test_generator_can_be_run_by_hand(content, tmp_path):
    out = tmp_path / "by-hand"
    result = run(["python", "-m", "docbuild.generate", "--srcdir", content.src, "--gen", str(out),
                  os.path.join(content.src, "includes", "steps-install.yaml")], cwd=content.work)
    assert result.returncode == 0, result.stderr
    assert "Step 2: Unpack it." in read(out / "includes" / "steps" / "install.rst")


def test_redirects_file_generates_rules_and_pages(content):
    write_text(os.path.join(content.src, "redirects.yaml"),
               "from: /old.html\nto: /page-a.html\n---\nfrom: /legacy/\nto: /index.html\ncode: 302\n")
    write_text(os.path.join(content.src, "docbuild.yaml"),
               "content_group_size: 1\nreplacements:\n  product: ExampleDB\nredirects: redirects.yaml\n")
    content.ninja("html")
    rules = read(content.path("build", "redirects", ".htaccess"))
    assert 'Redirect 301 "/old.html" "/page-a.html"' in rules and 'Redirect 302 "/legacy/" "/index.html"' in rules
    assert 'return 302 "/index.html";' in read(content.path("build", "redirects", "nginx.conf"))
    assert 'url=/page-a.html' in read(content.path("build", "redirects", "pages", "old.html"))
    assert os.path.isfile(content.path("build", "redirects", "pages", "legacy", "index.html"))


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# --- bad input: file, line, field; non-zero exit; no traceback; nothing half-written

BAD = {
    "syntax": ("extracts-bad.yaml", "ref: a\ncontent: [unclosed\n", ["extracts-bad.yaml:", "YAML syntax error"]),
    "unknown kind": ("step-typo.yaml", "ref: a\n", ["unknown kind 'step'", "did you mean 'steps'"]),
    "unknown field": ("extracts-bad.yaml", "ref: a\ncontnet: x\n",
                      ["extracts-bad.yaml:2:", "unknown field `contnet`", "did you mean `content`"]),
    "wrong type": ("steps-bad.yaml", "ref: a\ntitle: T\nstepnum: first\n",
                   ["steps-bad.yaml:3:", "`stepnum` must be a number"]),
    "missing field": ("steps-bad.yaml", "title: T\ncontent: no ref\n",
                      ["steps-bad.yaml:1:", "needs `ref:`"]),
    "duplicate ref": ("extracts-bad.yaml", "ref: a\ncontent: x\n---\nref: a\ncontent: y\n",
                      ["extracts-bad.yaml:4:", "duplicate ref 'a' (first at line 1)"]),
    "missing inherit file": ("extracts-bad.yaml", "ref: a\ninherit: {file: extracts-nope.yaml, ref: x}\n",
                             ["extracts-bad.yaml:2:", "extracts-nope.yaml` does not exist"]),
    "missing inherit ref": ("extracts-bad.yaml", "ref: a\ninherit: {file: extracts-common.yaml, ref: zz}\n",
                            ["extracts-bad.yaml:2:", "no document 'zz'"]),
    "cycle": ("extracts-bad.yaml",
              "ref: a\ninherit: {file: extracts-bad.yaml, ref: b}\n---\n"
              "ref: b\ninherit: {file: extracts-bad.yaml, ref: a}\n",
              ["inheritance cycle", "extracts-bad.yaml:1 -> ", "extracts-bad.yaml:4"]),
    "replacement loop": ("extracts-bad.yaml", "ref: a\ncontent: '{{x}}'\nreplacement:\n  x: '{{y}}'\n  y: '{{x}}'\n",
                         ["extracts-bad.yaml:2:", "replacement loop"]),
    "python tag": ("extracts-bad.yaml", "ref: !!python/object/apply:os.system ['touch pwned']\n",
                   ["extracts-bad.yaml:1:", "not allowed"]),
    "outside project": ("extracts-bad.yaml", "ref: a\ninherit: {file: ../../../../etc/passwd, ref: x}\n",
                        ["extracts-bad.yaml:2:", "points outside the project"]),
    "path in ref": ("extracts-bad.yaml", "ref: ../../escape\ncontent: x\n",
                    ["extracts-bad.yaml:1:", "field `ref`", "cannot be a file name"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_content_is_a_clear_error(content, case):
    content.ninja("html")
    gen_before = snapshot(content.path("build", "gen"))
    name, text, needles = BAD[case]
    tick()
    write_text(os.path.join(content.src, "includes", name), text)
    result = content.ninja("html", check=False)
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in out, out
    for needle in needles:
        assert needle in out, out
    assert snapshot(content.path("build", "gen")) == gen_before
    assert not os.path.exists(content.path("pwned"))
    # Fixing the file (here: removing it) makes the next build pass.
    os.unlink(os.path.join(content.src, "includes", name))
    content.ninja("html")


def test_bad_content_in_an_existing_file_keeps_its_outputs(content):
    content.ninja("html")
    path = os.path.join(content.src, "includes", "steps-install.yaml")
    before = read(gen(content, "includes", "steps", "install.rst"))
    tick()
    write_text(path, read(path).replace("ref: unpack", "ref: unpack\nstepnum: two"))
    result = content.ninja("html", check=False)
    assert result.returncode != 0 and "steps-install.yaml:9:" in result.stdout + result.stderr
    assert read(gen(content, "includes", "steps", "install.rst")) == before
    again = content.ninja("html", check=False)  # still failing: failure is sticky
    assert again.returncode != 0


def snapshot(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = read(path)
    return out


def test_a_group_rerun_skips_unchanged_files_but_not_changed_ones(content):
    write_text(os.path.join(content.src, "docbuild.yaml"),
               "content_group_size: 4\nreplacements:\n  product: ExampleDB\n")
    content.ninja("text")
    folder = gen(content, "includes")
    before = snapshot(folder)
    tick()
    path = os.path.join(content.src, "includes", "options-shared.yaml")
    write_text(path, read(path).replace("Print more.", "Print plenty."))
    result = content.ninja("text")
    assert steps_run(result)[0].startswith("generate ") and "(+3 more)" in steps_run(result)[0]
    after = snapshot(folder)
    assert [k for k in after if after[k] != before[k]] == ["option/option-tool-verbose.rst"]
    assert "Print plenty." in read(content.path("build", "text", "options.txt"))
