"""Editions, versions and languages: one source tree, several sites (issue 8).

Real ninja and Sphinx on small projects: each edition x language x format is
its own target with its own doctrees and output dir.
"""

import os
import shutil
import sys

import pytest

from conftest import IN_CI, Project, reread, run, steps_run
from test_errors import assert_clean_error

EDITIONS = {
    "conf.py": 'project = "Variants"\nversion = "2.1"\ntemplates_path = ["_templates"]\nsmartquotes = False\n',
    # A version switcher: the versions list and the edition reach the templates.
    "_templates/layout.html": '{% extends "!layout.html" %}{% block footer %}{{ super() }}'
                              '<p id="switch">{{ docbuild_versions|join(",") }} in '
                              '{{ docbuild_edition }}</p>{% endblock %}\n',
    "docbuild.yaml": """\
        formats: [html, text]
        editions:
          cloud:
            tags: [cloud]
            exclude: [onprem.rst]
            replacements: {product: Example Cloud}
          onprem:
            replacements: {product: Example Server}
        versions: ["2.1", "2.0"]
        """,
    "index.rst": """\
        Welcome
        =======

        .. toctree::

           common

        .. only:: onprem

           .. toctree::

              onprem

        .. only:: cloud

           Cloud-only paragraph.

        .. only:: onprem

           Server-only paragraph.

        .. include:: /includes/steps/install.rst
        """,
    "common.rst": "Common\n======\n\nHello world.\n",
    "onprem.rst": "Server page\n===========\n\nInstall the server.\n",
    "includes/steps-install.yaml": """\
        ref: signup
        title: Sign up for {{product}}
        edition: cloud
        content: Create an account.
        ---
        ref: download
        title: Download {{product}}
        edition: [onprem]
        content: Get the tarball.
        ---
        ref: use
        title: Use {{product}}
        content: Everyone does this.
        """,
}


def read(p, *parts):
    with open(p.path(*parts), encoding="utf-8") as f:
        return f.read()


def test_editions_exclude_files_follow_tags_and_filter_yaml(tmp_path):
    p = Project(tmp_path / "work", EDITIONS)
    p.configure()
    first = p.ninja("text")  # every edition's text
    assert {"sphinx text-cloud", "sphinx text-onprem"} <= set(steps_run(first))
    # The excluded file is absent from one edition and present in the other.
    assert not os.path.exists(p.path("build", "text-cloud", "onprem.txt"))
    assert "Install the server." in read(p, "build", "text-onprem", "onprem.txt")
    cloud, onprem = read(p, "build", "text-cloud", "index.txt"), read(p, "build", "text-onprem", "index.txt")
    # only:: follows the edition's tags.
    assert "Cloud-only paragraph." in cloud and "Server-only paragraph." not in cloud
    assert "Server-only paragraph." in onprem and "Cloud-only paragraph." not in onprem
    # YAML documents with edition: appear only there; edition replacements fill in.
    assert "Sign up for Example Cloud" in cloud and "Download" not in cloud
    assert "Download Example Server" in onprem and "Sign up" not in onprem
    assert "Use Example Cloud" in cloud and "Use Example Server" in onprem
    # The toctree entry inside `only:: onprem` does not warn in the edition that excludes it.
    assert "excluded document" not in p.log("read-cloud")
    assert "no work to do" in p.ninja("text").stdout

    # One variant alone: its own target, nothing of the other edition.
    ran = steps_run(p.ninja("html-cloud"))
    assert ran == ["sphinx html-cloud"], ran
    assert os.path.exists(p.path("build", "html-cloud", "index.html"))
    assert not os.path.exists(p.path("build", "html-onprem"))
    assert '<p id="switch">2.1,2.0 in cloud</p>' in read(p, "build", "html-cloud", "index.html")

    # An edit of a YAML document of one edition rebuilds... both editions'
    # generated file is regenerated, but only the including page is re-read.
    p.edit("includes/steps-install.yaml", "---\nref: more\ntitle: More\nedition: onprem\n"
                                          "content: Server extra.\n")
    ran = steps_run(p.ninja("text"))
    assert "sphinx text-onprem" in ran
    assert "Server extra." in read(p, "build", "text-onprem", "index.txt")
    assert "Server extra." not in read(p, "build", "text-cloud", "index.txt")
    assert reread(p.log("read-onprem"))[1] == 1


def test_staging_layout_takes_variants(tmp_path):
    files = dict(EDITIONS)
    files["docbuild.yaml"] = EDITIONS["docbuild.yaml"].replace("formats: [html, text]",
                                                               "formats: [html]")
    p = Project(tmp_path / "work", files)
    p.configure()
    p.ninja("stage")
    public = p.path("build", "public", "2.1")
    assert os.path.exists(os.path.join(public, "cloud", "index.html"))
    assert os.path.exists(os.path.join(public, "onprem", "onprem.html"))
    assert not os.path.exists(os.path.join(public, "cloud", "onprem.html"))
    assert os.path.exists(os.path.join(public, "cloud", "Variants-2.1-cloud.tar.gz"))
    assert "no work to do" in p.ninja("stage").stdout


@pytest.mark.skipif(shutil.which("makeinfo") is None and not IN_CI,
                    reason="makeinfo is not installed (apt-get install texinfo; CI installs it)")
def test_a_tool_format_runs_on_its_own_variants_output(tmp_path):
    p = Project(tmp_path / "work", EDITIONS)
    p.configure()
    # makeinfo on the texinfo output of the variant, not of another.
    ran = [s for s in steps_run(p.ninja("info-onprem")) if not s.startswith("generate ")]
    assert ran == ["sphinx read-onprem", "sphinx texinfo-onprem", "info-onprem"], ran
    assert [f for f in os.listdir(p.path("build", "texinfo-onprem")) if f.endswith(".info")]


PO = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Hello world."
msgstr "{}"
"""

LANGUAGES = {
    "conf.py": 'project = "Translated"\nversion = "1.0"\nsmartquotes = False\n',
    "docbuild.yaml": "formats: [html, text]\nlanguages: [de, ja]\n",
    "index.rst": "Welcome\n=======\n\n.. toctree::\n\n   common\n",
    "common.rst": "Common\n======\n\nHello world.\n\nSecond paragraph.\n",
    "locales/de/LC_MESSAGES/common.po": PO.format("Hallo Welt."),
    "locales/ja/LC_MESSAGES/.keep": "",
}


def test_languages_use_their_catalogs_and_rebuild_alone(tmp_path):
    p = Project(tmp_path / "work", LANGUAGES)
    p.configure()
    before = sorted(os.listdir(os.path.join(p.src, "locales", "de", "LC_MESSAGES")))
    p.ninja("text")
    assert "Hallo Welt." in read(p, "build", "text-de", "common.txt")
    assert "Hello world." in read(p, "build", "text-en", "common.txt")
    assert "Hello world." in read(p, "build", "text-ja", "common.txt")  # no catalog yet
    # Sphinx compiled nothing into the source tree: the .mo is in the build dir.
    assert sorted(os.listdir(os.path.join(p.src, "locales", "de", "LC_MESSAGES"))) == before
    assert os.path.exists(p.path("build", "locales", "0", "de", "LC_MESSAGES", "common.mo"))
    assert "no work to do" in p.ninja("text").stdout

    # Editing one language's catalog rebuilds that language only.
    with open(os.path.join(p.src, "locales", "de", "LC_MESSAGES", "common.po"), "w",
              encoding="utf-8") as f:
        f.write(PO.format("Guten Tag, Welt."))
    ran = steps_run(p.ninja("text"))
    assert "catalogs de" in ran and "sphinx text-de" in ran, ran
    assert not any(step.endswith(("-en", "-ja")) for step in ran), ran
    assert "Guten Tag, Welt." in read(p, "build", "text-de", "common.txt")
    assert reread(p.log("read-de"))[:2] == (0, 1)  # only the document of that catalog

    # The update command extracts messages and creates/merges the .po files.
    out = run([sys.executable, "-m", "docbuild", "catalogs", "update"], cwd=p.work)
    assert out.returncode == 0, out.stdout + out.stderr
    ja = read(p, "proj", "locales", "ja", "LC_MESSAGES", "common.po")
    assert 'msgid "Second paragraph."' in ja
    de = read(p, "proj", "locales", "de", "LC_MESSAGES", "common.po")
    assert 'msgstr "Guten Tag, Welt."' in de and 'msgid "Second paragraph."' in de
    # The new catalogs are picked up (configure reruns); the source language is not rebuilt.
    ran = steps_run(p.ninja("text"))
    assert "catalogs ja" in ran and not any(step.endswith("-en") for step in ran), ran
    assert "no work to do" in p.ninja("text").stdout


def config_error(tmp_path, files, *needles):
    p = Project(tmp_path / "work", files)
    result = p.configure(check=False)
    assert_clean_error(result, *needles)
    assert not os.path.exists(p.path("build.ninja"))


def test_unknown_edition_in_a_target(tmp_path):
    files = dict(EDITIONS)
    files["docbuild.yaml"] = EDITIONS["docbuild.yaml"] + "default: [html-clod]\n"
    config_error(tmp_path, files, "docbuild.yaml:10: error: unknown target 'html-clod'", "cloud")


def test_unknown_edition_in_a_yaml_document(tmp_path):
    files = dict(EDITIONS)
    files["includes/steps-install.yaml"] = EDITIONS["includes/steps-install.yaml"].replace(
        "edition: [onprem]", "edition: [onprem, desktop]")
    config_error(tmp_path, files, "steps-install.yaml:8: error: field `edition`: unknown edition "
                                  "'desktop'", "declares cloud, onprem")


def test_excluded_file_that_does_not_exist(tmp_path):
    files = dict(EDITIONS)
    files["docbuild.yaml"] = EDITIONS["docbuild.yaml"].replace("onprem.rst", "on-prem.rst")
    config_error(tmp_path, files, "docbuild.yaml:5: error: edition 'cloud' excludes 'on-prem.rst'")


def test_exclude_pattern_uses_sphinx_matching_so_no_page_leaks(tmp_path):
    # Sphinx's `*` does not cross `/`: `guide/*.rst` leaves out nothing of
    # guide/deep/, so accepting it would publish the page in the cloud edition.
    files = dict(EDITIONS)
    files["guide/deep/secret.rst"] = "Secret\n======\n\nOnly on premises.\n"
    files["index.rst"] = EDITIONS["index.rst"].replace(
        "              onprem\n", "              onprem\n              guide/deep/secret\n")
    files["docbuild.yaml"] = EDITIONS["docbuild.yaml"].replace("[onprem.rst]", '[onprem.rst, "guide/*.rst"]')
    config_error(tmp_path / "star", files, "docbuild.yaml:5: error: edition 'cloud' excludes 'guide/*.rst', "
                 "which matches no file", "does not match guide/deep/secret.rst", "guide/**.rst")

    # With `**`, the page is absent from the cloud edition's html and present in the other.
    files["docbuild.yaml"] = EDITIONS["docbuild.yaml"].replace("[onprem.rst]", '[onprem.rst, "guide/**.rst"]')
    p = Project(tmp_path / "double" / "work", files)
    p.configure()
    p.ninja("html")
    assert not os.path.exists(p.path("build", "html-cloud", "guide", "deep", "secret.html"))
    assert "secret" not in read(p, "build", "html-cloud", "index.html")
    assert "Only on premises." in read(p, "build", "html-onprem", "guide", "deep", "secret.html")


def test_missing_locale_dir(tmp_path):
    files = {k: v for k, v in LANGUAGES.items() if not k.startswith("locales/ja")}
    config_error(tmp_path, files, "docbuild.yaml:2: error: language 'ja' has no locale dir",
                 "mkdir -p")


def test_source_language_listed_as_a_translation(tmp_path):
    files = dict(LANGUAGES)
    files["docbuild.yaml"] = LANGUAGES["docbuild.yaml"].replace("[de, ja]", "[en, de]")
    config_error(tmp_path, files, "docbuild.yaml:2: error: 'en' is the source language")


def test_ci_mode_edition_excluded_toctree_entry_does_not_fail(tmp_path):
    p = Project(tmp_path / "work", EDITIONS)
    p.configure("--ci")
    p.ninja("text-cloud")  # fails if the dropped warning still counted for --fail-on-warning
    assert "excluded document" not in p.log("read-cloud")


def test_unknown_language_in_a_target(tmp_path):
    files = dict(LANGUAGES)
    files["docbuild.yaml"] = LANGUAGES["docbuild.yaml"] + "default: [html-fr]\n"
    config_error(tmp_path, files, "docbuild.yaml:3: error: unknown target 'html-fr'", "de, ja")
