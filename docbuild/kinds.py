"""The structured content kinds: one row each (see shared content-formats.md).

A row says how a YAML source file of that kind is named, which fields its
documents may have (and of which type), which fields identify a document
for `inherit:`, and what files it generates.  Rendering is done by the
Jinja2 template `templates/<kind>.rst` (a project may override it).
"""

from collections import namedtuple

# Field types: a name from TYPES, or a tuple of names (any of them).
TYPES = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "list": (list,),
    "map": (dict,),
    "num": (int, float),
}

Kind = namedtuple("Kind", "name key fields required per_doc outputs templates")

# `edition`: the editions (docbuild.yaml) a document appears in; default all.
COMMON = {"inherit": "map", "source": "map", "replacement": "map", "edition": ("str", "list")}

TEXT = ("str", "num", "bool")  # a scalar that is printed as text
TITLE = ("str", "map")  # a string, or {text, character}
FRAGMENTS = {"pre": TEXT, "content": TEXT, "post": TEXT, "description": TEXT}
ACTION_FIELDS = {"heading": TITLE, "pre": TEXT, "code": TEXT, "language": "str",
                 "content": TEXT, "post": TEXT}

TOC_FIELDS = {"file": "str", "name": TEXT, "description": TEXT, "level": "int", "text_only": "bool"}

KINDS = {k.name: k for k in [
    Kind("steps", ("ref",),
         {"title": TITLE, "stepnum": "int", "ref": "str", "level": "int", "optional": "bool",
          "action": ("map", "list"), **FRAGMENTS},
         ("ref", "title"), False, lambda name, docs: [f"steps/{name}.rst"], ("steps.rst",)),
    Kind("toc", ("file",), TOC_FIELDS, ("file",), False,
         lambda name, docs: [f"toc/{name}.rst", f"toc/dfn-list-{name}.rst"],
         ("toc.rst", "toc-dfn-list.rst")),
    Kind("ref-toc", ("file",), TOC_FIELDS, ("file", "name"), False,
         lambda name, docs: [f"toc/{name}.rst", f"toc/table-{name}.rst"],
         ("toc.rst", "ref-toc-table.rst")),
    Kind("ref-spec", ("file",), TOC_FIELDS, ("name",), False,
         lambda name, docs: [f"toc/table-spec-{name}.rst"], ("ref-toc-table.rst",)),
    Kind("apiargs", ("name",),
         {"arg_name": "str", "name": "str", "type": ("str", "list"), "description": TEXT,
          "optional": "bool", "position": "int", "interface": "str", "operation": "str",
          "ref": "str", **FRAGMENTS},
         ("arg_name", "name"), False, lambda name, docs: [f"apiargs/{name}.rst"], ("apiargs.rst",)),
    Kind("options", ("program", "name"),
         {"program": "str", "name": "str", "directive": "str", "args": TEXT,
          "aliases": ("str", "list"), "type": TEXT, "default": TEXT, **FRAGMENTS},
         ("program", "name"), True,
         lambda name, docs: [f"option/{d.get('directive') or 'option'}-{d['program']}-{d['name']}.rst"
                             for d in docs], ("options.rst",)),
    # giza's extracts: heading level 2 by default; `only` and `style` wrap the
    # snippet; `append`/`prepend` name pages that include it (sphinx_ext).
    # `code`/`language` are docbuild's own (giza rejected them).
    Kind("extracts", ("ref",),
         {"ref": "str", "title": TITLE, "heading": TITLE, "level": ("int", "str"), "optional": "bool",
          "code": TEXT, "language": "str", "only": "str", "style": "str",
          "append": ("str", "list"), "prepend": ("str", "list"), "final": TEXT, **FRAGMENTS},
         ("ref",), True, lambda name, docs: [f"extracts/{d['ref']}.rst" for d in docs],
         ("extracts.rst",)),
    Kind("release", ("ref",),
         {"ref": "str", "title": TITLE, "heading": TITLE, "level": ("int", "str"), "optional": "bool",
          "code": ("str", "num", "list"), "language": "str", **FRAGMENTS},
         ("ref",), True, lambda name, docs: [f"release/{d['ref']}.rst" for d in docs],
         ("release.rst",)),
    # giza's examples: one document names the collection (and its documents),
    # the others are the cases; one file per source (none for a base file).
    Kind("examples", ("ref",),
         {"collection": "str", "documents": "list", "options": "map", "ref": "str",
          "title": TITLE, "results": ("str", "list"), "operation": ("map", "list"), "final": TEXT,
          **FRAGMENTS},
         (), False, lambda name, docs: [f"examples/{name}.rst"] if any(
             "collection" in d and not (d.get("options") or {}).get("base_file") for d in docs) else [],
         ("examples.rst",)),
    Kind("redirects", ("from",),
         {"from": "str", "to": "str", "code": "int", "outputs": "list", "external": "bool"},
         ("from", "to"), False,
         lambda name, docs: [".htaccess", "nginx.conf", *(redirect_page(d["from"]) for d in docs)],
         ("redirects.htaccess", "redirects.nginx", "redirect.html")),
    Kind("glossary", ("term",), {"term": "str", "definition": TEXT}, ("term", "definition"),
         False, lambda name, docs: [f"glossary/{name}.rst"], ("glossary.rst",)),
]}

REDIRECT_CODES = (301, 302, 303, 307, 308)

# The fields whose values are part of a generated file's name (besides the
# source's own name): content.outputs passes each through paths.component.
NAMED_BY = {"options": ("directive", "program", "name"), "extracts": ("ref",), "release": ("ref",)}


def redirect_page(source):
    """The HTML page that stands at a redirect's old address (docbuild.redirects decides)."""
    from docbuild import redirects

    return redirects.page(source)


# File name prefixes, longest first: `ref-toc-x.yaml` is ref-toc, not toc.
# `toc-spec-x.yaml` is a toc named `spec-x` whose entries are all references.
PREFIXES = sorted((k for k in KINDS if k != "redirects"), key=len, reverse=True)

# apiargs' arg_name values and the column heading each gets.
ARG_NAMES = {"param": "Parameter", "field": "Field", "arg": "Argument", "option": "Option",
             "flag": "Flag"}


def kind_of(filename):
    """(kind, name) for a YAML source file name, or None when it is not one."""
    base = filename.rsplit("/", 1)[-1]
    if not base.endswith(".yaml"):
        return None
    stem = base[:-5]
    for prefix in PREFIXES:
        if stem.startswith(prefix + "-") and len(stem) > len(prefix) + 1:
            return prefix, stem[len(prefix) + 1:]
    return None


def key_of(kind, doc):
    """The values that identify `doc` for inheritance."""
    return tuple(str(doc.get(f, "")) for f in KINDS[kind].key)


# An example case's fields (`operation:` holds one or a list) and the options.
EXAMPLE_OPERATION = {"pre": TEXT, "post": TEXT, "final": TEXT, "code": ("str", "list"),
                     "language": "str", "content": TEXT, "literalinclude": "str"}
EXAMPLE_OPTIONS = {"show_title": "bool", "show_collection": "bool", "base_file": "bool"}


def is_abstract(kind, doc):
    """A document whose identifying value starts with `_` only feeds others
    (giza rendered every example case, `_` or not)."""
    return kind != "examples" and any(value.startswith("_") for value in key_of(kind, doc))
