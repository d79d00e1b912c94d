"""Stale output is never served: removed pages disappear, navigation is refreshed."""

import os
import time


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def replace_in(path, old, new):
    text = read(path)
    assert old in text, (path, old)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


def test_removed_page_disappears_from_every_format(project):
    project.configure()
    project.ninja("html", "dirhtml", "text", "json", "gettext")
    assert os.path.isfile(project.path("build", "html", "guide", "usage.html"))
    assert os.path.isfile(project.path("build", "gettext", "guide.pot"))  # guide/'s only page
    time.sleep(0.01)
    os.unlink(os.path.join(project.src, "guide", "usage.rst"))
    index = os.path.join(project.src, "index.rst")
    replace_in(index, "   guide/usage\n", "")
    project.ninja("html", "dirhtml", "text", "json", "gettext")
    for path in [("gettext", "guide.pot"), ("html", "guide", "usage.html"), ("html", "_sources", "guide", "usage.rst.txt"),
                 ("dirhtml", "guide", "usage", "index.html"), ("text", "guide", "usage.txt"),
                 ("json", "guide", "usage.fjson")]:
        assert not os.path.exists(project.path("build", *path)), path
    assert os.path.isfile(project.path("build", "html", "intro.html"))
    assert os.path.isfile(project.path("build", "gettext", "intro.pot"))


def test_retitled_page_refreshes_the_navigation_of_every_page(project):
    project.configure()
    project.ninja("html")
    assert "Usage" in read(project.path("build", "html", "intro.html"))
    time.sleep(0.01)
    usage = os.path.join(project.src, "guide", "usage.rst")
    with open(usage, "w", encoding="utf-8") as f:
        f.write("Everyday use\n============\n\nUse it.\n")
    project.ninja("html")
    # intro.html was not edited, but its sidebar and next/previous links show the title.
    assert "Everyday use" in read(project.path("build", "html", "intro.html"))
    assert "no work to do" in project.ninja("html").stdout


def test_added_page_appears_in_the_navigation_of_other_pages(project):
    project.configure()
    project.ninja("html")
    time.sleep(0.01)
    index = os.path.join(project.src, "index.rst")
    replace_in(index, "   guide/usage\n", "   guide/usage\n   added\n")
    with open(os.path.join(project.src, "added.rst"), "w", encoding="utf-8") as f:
        f.write("Brand new page\n==============\n\nNew.\n")
    project.ninja("html")
    assert "Brand new page" in read(project.path("build", "html", "intro.html"))
    assert "Brand new page" in read(project.path("build", "html", "guide", "usage.html"))


def test_an_image_nothing_uses_any_more_leaves_the_output(project):
    project.configure()
    project.ninja("html")
    assert os.path.isfile(project.path("build", "html", "_images", "pic.png"))
    time.sleep(0.01)
    intro = os.path.join(project.src, "intro.rst")
    replace_in(intro, ".. image:: pic.png", "No picture any more.")
    project.ninja("html")
    assert not os.path.exists(project.path("build", "html", "_images", "pic.png"))
    assert os.path.isfile(project.path("build", "html", "_static", "basic.css"))
