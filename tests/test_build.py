"""Incremental behaviour of configure + ninja on a real Sphinx project."""

import os
import re
import time

from conftest import NINJA, Project, reread, run, steps_run


def wait_tick():
    # Make sure an edit gets a newer mtime than the outputs of the last build.
    time.sleep(0.01)


def test_html_builds_and_second_ninja_does_nothing(project):
    project.configure()
    first = project.ninja("html")
    assert steps_run(first) == ["sphinx html"]
    assert os.path.isfile(project.path("build", "html", "intro.html"))
    assert os.path.isfile(project.path("build", "html", "guide", "usage.html"))
    second = project.ninja()
    assert "no work to do" in second.stdout


def test_logs_have_one_line_per_item_where_ci_forces_colour(project):
    # CI=true or FORCE_COLOR make Sphinx redraw one progress line with escape
    # sequences; a log file must stay plain, one written document per line.
    project.configure()
    project.ninja("html", "text", env={"CI": "true", "FORCE_COLOR": "1"})
    for step in ("html", "text"):
        with open(project.path("build", "logs", f"{step}.log"), "rb") as f:
            raw = f.read()
        assert b"\x1b" not in raw and b"\r" not in raw, raw
        log = project.log(step)
        assert "writing output... [100%] intro" in log.splitlines(), log


def test_depfile_lists_what_sphinx_read(project):
    project.configure()
    project.ninja("html")
    deps = run([NINJA, "-t", "deps", "build/stamps/html.stamp"], cwd=project.work).stdout
    for name in ["proj/conf.py", "proj/index.rst", "proj/intro.rst", "proj/guide/usage.rst",
                 "proj/snippets/note.inc", "proj/pic.png", "shared/example.py"]:
        assert f"    {name}\n" in deps, deps
    assert "unread.txt" not in deps
    assert "site-packages" not in deps


def test_editing_one_page_rebuilds_built_formats_and_rereads_one_document(project):
    project.configure()
    project.ninja("html", "text")
    wait_tick()
    project.edit("intro.rst")
    result = project.ninja("html", "text")
    # html reads for itself; text writes from the shared read (read once).
    assert sorted(steps_run(result)) == ["sphinx html", "sphinx read", "sphinx text"]
    assert reread(project.log("html")) == (0, 1, 0)
    assert reread(project.log("read")) == (0, 1, 0)
    assert reread(project.log("text")) == (0, 0, 0)
    assert "no work to do" in project.ninja("html", "text").stdout
    # Formats never asked for were not built behind our back.
    assert not os.path.exists(project.path("build", "epub"))


def test_editing_an_included_file_rebuilds(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    project.edit("note.inc", folder=os.path.join(project.src, "snippets"))
    assert steps_run(project.ninja("html")) == ["sphinx html"]
    assert reread(project.log("html")) == (0, 1, 0)


def test_editing_a_literalinclude_outside_the_source_dir_rebuilds(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    project.edit("example.py", "print('again')\n", folder=project.path("shared"))
    assert steps_run(project.ninja("html")) == ["sphinx html"]
    with open(project.path("build", "html", "index.html"), encoding="utf-8") as f:
        assert "again" in f.read()


def test_touching_a_file_no_build_reads_runs_nothing(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    os.utime(os.path.join(project.src, "unread.txt"))
    assert "no work to do" in project.ninja("html").stdout


def test_editing_conf_py_reruns_sphinx(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    project.edit("conf.py", 'html_title = "Changed title"\n')
    result = project.ninja("html")
    assert "sphinx html" in steps_run(result)
    with open(project.path("build", "html", "index.html"), encoding="utf-8") as f:
        assert "Changed title" in f.read()
    assert "no work to do" in project.ninja("html").stdout


def test_adding_a_page_reconfigures_and_the_page_appears(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    project.edit("index.rst", "\n.. toctree::\n\n   added\n")
    with open(os.path.join(project.src, "added.rst"), "w", encoding="utf-8") as f:
        f.write("Added\n=====\n\nNew page.\n")
    result = project.ninja("html")
    assert steps_run(result)[0].startswith("configure")
    assert "sphinx html" in steps_run(result)
    assert os.path.isfile(project.path("build", "html", "added.html"))
    assert "no work to do" in project.ninja("html").stdout


def test_removing_a_page_reconfigures(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    os.unlink(os.path.join(project.src, "guide", "usage.rst"))
    result = project.ninja("html")
    assert steps_run(result)[0].startswith("configure")
    assert "sphinx html" in steps_run(result)
    assert reread(project.log("html"))[2] == 1
    with open(project.path("build", ".docbuild", "sources.list"), encoding="utf-8") as f:
        assert "usage.rst" not in f.read()
    assert "no work to do" in project.ninja("html").stdout


def test_adding_a_file_that_is_not_a_document_does_not_rebuild(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    with open(os.path.join(project.src, "notes.txt"), "w", encoding="utf-8") as f:
        f.write("scratch\n")
    result = project.ninja("html")
    assert steps_run(result) == ["configure (sources or settings changed)"]


def test_configure_by_hand_afterwards_causes_no_rebuild(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    project.edit("index.rst", "\n.. toctree::\n\n   added\n")
    with open(os.path.join(project.src, "added.rst"), "w", encoding="utf-8") as f:
        f.write("Added\n=====\n")
    project.ninja("html")  # regenerates once
    result = project.configure()
    assert "unchanged" in result.stdout
    assert "no work to do" in project.ninja("html").stdout


def test_changed_sphinx_options_rerun_only_sphinx(project):
    project.configure()
    project.ninja("html")
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write('sphinx_options: ["-D", "html_title=From options"]\n')
    result = project.ninja("html")
    assert steps_run(result) == ["configure (sources or settings changed)", "sphinx html"]
    with open(project.path("build", "html", "index.html"), encoding="utf-8") as f:
        assert "From options" in f.read()


def test_default_targets_and_all_from_docbuild_yaml(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("formats: [text, xml]\ndefault: [text]\n")
    project.configure()
    assert steps_run(project.ninja()) == ["sphinx read", "sphinx text"]
    assert sorted(steps_run(project.ninja("all"))) == ["sphinx xml"]
    help_text = project.ninja("help").stdout
    assert "linkcheck" in help_text and "[default, in all]" in help_text


def test_build_dir_option_and_regeneration_keep_it(project):
    project.configure("--build-dir", "out dir")
    project.ninja("html")
    assert os.path.isfile(project.path("out dir", "html", "index.html"))
    wait_tick()
    with open(os.path.join(project.src, "extra.rst"), "w", encoding="utf-8") as f:
        f.write(":orphan:\n\nExtra\n=====\n")
    project.ninja("html")
    assert os.path.isfile(project.path("out dir", "html", "extra.html"))
    assert not os.path.exists(project.path("build"))


def test_deps_command_shows_both_directions(project):
    project.configure()
    inc = os.path.join(project.src, "snippets", "note.inc")
    result = run(["python", "-m", "docbuild", "deps", inc], cwd=project.work)
    assert result.returncode == 0, result.stderr
    assert "included by:" in result.stdout
    assert "intro.rst:6" in result.stdout
    intro = run(["python", "-m", "docbuild", "deps", os.path.join(project.src, "intro.rst")],
                cwd=project.work)
    assert "note.inc" in intro.stdout and "pic.png" in intro.stdout
    assert "index.rst" in intro.stdout  # the toctree that lists it


def test_source_tree_is_never_written(project):
    before = snapshot(project.src)
    project.configure()
    project.ninja("html", "text", "man")
    assert snapshot(project.src) == before


def snapshot(folder):
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            st = os.stat(os.path.join(root, name))
            out[os.path.relpath(os.path.join(root, name), folder)] = (st.st_mtime_ns, st.st_size)
    return out


def test_deleting_docbuild_yaml_or_a_folder_regenerates(project):
    with open(os.path.join(project.src, "docbuild.yaml"), "w", encoding="utf-8") as f:
        f.write("default: [text]\n")
    project.configure()
    assert steps_run(project.ninja()) == ["sphinx read", "sphinx text"]
    os.unlink(os.path.join(project.src, "docbuild.yaml"))
    result = project.ninja()  # back to the defaults: html
    assert steps_run(result) == ["configure (sources or settings changed)", "sphinx html"]
    wait_tick()
    project.edit("index.rst", "\n.. a comment instead of the guide\n")
    for name in os.listdir(os.path.join(project.src, "guide")):
        os.unlink(os.path.join(project.src, "guide", name))
    os.rmdir(os.path.join(project.src, "guide"))
    assert steps_run(project.ninja())[0].startswith("configure")
    assert "no work to do" in project.ninja().stdout


def test_configure_by_hand_after_an_added_file_needs_no_second_configure(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    with open(os.path.join(project.src, "first.txt"), "w", encoding="utf-8") as f:
        f.write("not a document\n")
    project.ninja("html")  # ninja itself regenerates once, so the log has an entry
    wait_tick()
    with open(os.path.join(project.src, "scratch.txt"), "w", encoding="utf-8") as f:
        f.write("not a document\n")
    project.configure()
    assert "no work to do" in project.ninja("html").stdout


def test_static_and_templates_inside_the_source_dir(project):
    # Folders that are both source folders and asset folders (Sphinx's own
    # docs have _static and _templates) are listed once.
    os.makedirs(os.path.join(project.src, "_static"))
    os.makedirs(os.path.join(project.src, "_templates"))
    with open(os.path.join(project.src, "_static", "custom.css"), "w") as f:
        f.write("body { color: black; }\n")
    project.edit("conf.py", 'html_static_path = ["_static"]\ntemplates_path = ["_templates"]\n')
    project.configure()
    project.ninja("html")
    assert os.path.isfile(project.path("build", "html", "_static", "custom.css"))
    wait_tick()
    with open(os.path.join(project.src, "_static", "custom.css"), "a") as f:
        f.write("p { color: red; }\n")
    assert steps_run(project.ninja("html")) == ["sphinx html"]
    with open(project.path("build", "html", "_static", "custom.css")) as f:
        assert "red" in f.read()


def test_configure_by_hand_after_ninja_regenerated_and_a_folder_changed(project):
    project.configure()
    project.ninja("html")
    wait_tick()
    with open(os.path.join(project.src, "first.txt"), "w", encoding="utf-8") as f:
        f.write("not a document\n")
    project.ninja("html")  # ninja regenerates by itself: the log has an entry
    wait_tick()
    with open(os.path.join(project.src, "second.txt"), "w", encoding="utf-8") as f:
        f.write("not a document either\n")
    project.configure()  # by hand, before ninja noticed the change
    assert "no work to do" in project.ninja("html").stdout


def test_formats_writing_from_the_shared_read_rewrite_pages_whose_include_changed(project):
    project.configure()
    project.ninja("text", "man")
    wait_tick()
    project.edit("note.inc", "Changed include text.\n", folder=os.path.join(project.src, "snippets"))
    result = project.ninja("text", "man")
    assert sorted(steps_run(result)) == ["sphinx man", "sphinx read", "sphinx text"]
    with open(project.path("build", "text", "intro.txt"), encoding="utf-8") as f:
        assert "Changed include text." in f.read()
    assert "no work to do" in project.ninja("text", "man").stdout


DATAEXT = """\
    import os

    from docutils import nodes
    from docutils.parsers.rst import Directive


    class SharedData(Directive):
        # Reads a file without env.note_dependency: only the audit hook sees it.
        def run(self):
            with open(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data.txt")) as f:
                return [nodes.paragraph(text=f.read().strip())]


    def setup(app):
        app.add_directive("shared-data", SharedData)
        return {"parallel_read_safe": True, "parallel_write_safe": True}
    """


def test_depfile_has_files_opened_only_in_sphinx_parallel_workers(tmp_path):
    # More than 5 documents and -j 2: Sphinx reads them in forked workers.
    pages = [f"page{i}" for i in range(8)]
    files = {
        "conf.py": 'import os, sys\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))\n'
                   'project = "Demo"\nextensions = ["dataext"]\n',
        "docbuild.yaml": "sphinx_jobs: 2\n",
        "_ext/dataext.py": DATAEXT,
        "index.rst": "Demo\n====\n\n.. toctree::\n\n" + "".join(f"   {p}\n" for p in pages),
        **{f"{p}.rst": f"Page {p}\n==========\n\nText.\n" for p in pages},
    }
    files["page5.rst"] += "\n.. shared-data::\n"
    project = Project(tmp_path / "work", files=files, shared={"data.txt": "first data\n"})
    project.configure()
    assert steps_run(project.ninja("html")) == ["sphinx html"]
    # Parallel reading logs one line per chunk of documents: "page3 .. page6".
    assert re.search(r"^reading sources\.\.\. \[.*\] \S+ \.\. \S+$", project.log("html"), re.M)
    with open(project.path("build", "html", "page5.html"), encoding="utf-8") as f:
        assert "first data" in f.read()
    deps = run([NINJA, "-t", "deps", "build/stamps/html.stamp"], cwd=project.work).stdout
    assert "    shared/data.txt\n" in deps, deps
    assert not os.path.exists(project.path("build", "stamps", "html.d.workers"))
    wait_tick()
    project.edit("data.txt", "more data\n", folder=project.path("shared"))
    assert steps_run(project.ninja("html")) == ["sphinx html"]
    assert "no work to do" in project.ninja("html").stdout
