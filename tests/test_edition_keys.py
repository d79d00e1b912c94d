"""One key in documents of different editions: one document per edition, as in giza."""


from conftest import Project

FILES = {
    "conf.py": 'project = "Demo"\n',
    "docbuild.yaml": "editions:\n  shell: {}\n  python: {}\n  cpp: {}\n",
    "index.rst": "Demo\n====\n\n.. include:: /includes/extracts/query-title.rst\n",
    # The shape of real giza-era files (docs-primer's extracts-query-title.yaml).
    "includes/extracts-query-title.yaml": "ref: query-title\ncontent: Find data with the shell.\n"
                                          "edition: shell\n---\nref: query-title\n"
                                          "content: Find data with PyMongo.\nedition: python\n",
}


def generated(p, edition):
    with open(p.path("build", "gen", edition, "includes", "extracts", "query-title.rst"),
              encoding="utf-8") as f:
        return f.read()


def test_each_edition_generates_its_own_document_of_a_shared_ref(tmp_path):
    p = Project(tmp_path, FILES)
    p.configure()
    p.ninja("generate")
    assert generated(p, "shell").strip() == "Find data with the shell."
    assert generated(p, "python").strip() == "Find data with PyMongo."
    assert generated(p, "cpp") == "\n"  # no document of that edition: an empty file


def test_one_key_twice_in_one_edition_is_still_a_duplicate(tmp_path):
    files = dict(FILES)
    files["includes/extracts-query-title.yaml"] += "---\nref: query-title\ncontent: Again.\nedition: [cpp, shell]\n"
    result = Project(tmp_path, files).configure(check=False)
    assert result.returncode == 1
    assert "proj/includes/extracts-query-title.yaml:9: error: field `ref`: duplicate ref 'query-title' " \
           "(first at line 1)" in result.stderr, result.stderr
