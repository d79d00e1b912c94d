"""The structured content kinds: one row each (docs/content.rst describes each kind).

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
ANY = ("str", "num", "bool", "list", "map")  # giza stores it and never prints it
TITLE = ("str", "map")  # a string, or {text, character}
FRAGMENTS = {"pre": TEXT, "content": TEXT, "post": TEXT, "description": TEXT}
# A step's action, as giza 0.5 reads it: `title` is `heading`; `level` and
# a heading's `character` are accepted and ignored (actions are always one
# level below their step); `optional` (any value) adds "Optional: ".
ACTION_FIELDS = {"heading": TITLE, "title": TITLE, "pre": TEXT, "code": (*TEXT, "list"),
                 "language": "str", "content": TEXT, "post": TEXT, "level": ("num", "str"),
                 "optional": ANY, "replacement": "map"}

# A toc entry (giza's meaning): `file` is the document linked (`/path`, no
# suffix); `ref` names the entry for `source:`, by default its `file`; an
# entry of a spec file may have only a `ref` (a `text_only` paragraph).
# `title` is accepted and ignored, as giza did.
TOC_FIELDS = {"file": "str", "ref": "str", "name": TEXT, "description": TEXT, "level": "int",
              "text_only": "bool", "title": TITLE}
TOC_KINDS = ("toc", "ref-toc", "ref-spec")
# A field of every document of a toc kind's file, set by content.documents:
# whether any entry of the file uses `source:`.  giza writes no toctree for
# such a "spec" file (its entries' pages are in the toctree of their source).
SPEC = "docbuild:spec"


def toc_outputs(name, docs, listing):
    """A toc kind's outputs: the hidden toctree (not for a spec file), then `listing`."""
    toctree = [] if any(d.get(SPEC) for d in docs) else [f"toc/{name}.rst"]
    return toctree + [f"toc/{listing}{name}.rst"]


KINDS = {k.name: k for k in [
    # giza 0.5's steps (docs/content.rst, content-steps): `heading` is `title`,
    # `level` a number or a heading character, `optional` any value (its
    # presence counts), `final` stored only; `ref` may be "".
    Kind("steps", ("ref",),
         {"title": TITLE, "heading": TITLE, "stepnum": "num", "ref": "str",
          "level": ("num", "str"), "optional": ANY, "final": ANY,
          "action": ("map", "list"), **FRAGMENTS},
         ("ref",), False, lambda name, docs: [f"steps/{name}.rst"], ("steps.rst",)),
    Kind("toc", ("ref",), TOC_FIELDS, (), False,
         lambda name, docs: toc_outputs(name, docs, "dfn-list-"), ("toc.rst", "toc-dfn-list.rst")),
    Kind("ref-toc", ("ref",), TOC_FIELDS, (), False,
         lambda name, docs: toc_outputs(name, docs, "table-"), ("toc.rst", "ref-toc-table.rst")),
    Kind("ref-spec", ("ref",), TOC_FIELDS, (), False,
         lambda name, docs: toc_outputs(name, docs, "table-spec-"), ("toc.rst", "ref-toc-table.rst")),
    Kind("apiargs", ("name",),
         {"arg_name": "str", "name": "str", "type": ("str", "list"), "optional": "bool",
          "position": "int", "interface": "str", "operation": "str", "ref": "str", "title": TITLE,
          **FRAGMENTS, "description": (*TEXT, "list")},  # a list: its lines
         ("arg_name", "name"), False, lambda name, docs: [f"apiargs/{name}.rst"], ("apiargs.rst",)),
    # giza 0.5's options (docs/content.rst, content-options): `optional` is accepted
    # and never shown, `ref` and `final` are stored only; the directive
    # defaults to `object`, as in giza.
    Kind("options", ("program", "name"),
         {"program": "str", "name": "str", "directive": "str", "args": TEXT,
          "aliases": ("str", "list"), "type": TEXT, "default": TEXT, "optional": "bool",
          "ref": "str", "final": ANY, **FRAGMENTS},
         ("program", "name"), True,
         lambda name, docs: [f"option/{option_directive(d)}-{d['program']}-{d['name']}.rst"
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
         lambda name, docs: [".htaccess", "nginx.conf", "redirects.json",
                             *(redirect_page(d["from"]) for d in docs)],
         ("redirects.htaccess", "redirects.nginx", "redirect.html")),
    Kind("glossary", ("term",), {"term": "str", "definition": TEXT}, ("term", "definition"),
         False, lambda name, docs: [f"glossary/{name}.rst"], ("glossary.rst",)),
    # giza's tables: three documents (layout, meta, content) of free keys,
    # checked by docbuild.tables, not by these fields.  Both files are the
    # same list-table, as giza wrote them.
    Kind("table", (), {}, (), False, lambda name, docs: [f"table/{name}.rst", f"table/{name}-list.rst"],
         ("table.rst", "table.rst")),
]}

REDIRECT_CODES = (301, 302, 303, 307, 308)

# The fields whose values are part of a generated file's name (besides the
# source's own name): content.outputs passes each through paths.component.
NAMED_BY = {"options": ("directive", "program", "name"), "extracts": ("ref",), "release": ("ref",)}


def option_directive(doc):
    """An option document's directive: giza's default is `object`."""
    directive = doc.get("directive")
    return "object" if directive in (None, "") else str(directive)


def option_label(fields):
    """How an option is named: `--name` for the `option` directive, unless the
    name starts with `<` (as giza) or `-` (docbuild: `-x` stays `-x`)."""
    name = str(fields.get("name", ""))
    prefix = "--" if option_directive(fields) == "option" and not name.startswith(("-", "<")) else ""
    return f"{prefix}{name}"


def redirect_page(source):
    """The HTML page that stands at a redirect's old address (docbuild.redirects decides)."""
    from docbuild import redirects

    return redirects.page(source)


# giza rendered every document of these, `_` or not (an apiargs field `_id`, every example case).
RENDER_ALL = (*TOC_KINDS, "apiargs", "steps", "examples")

# File name prefixes, longest first: `ref-toc-x.yaml` is ref-toc, not toc.
# `toc-spec-x.yaml` is a toc named `spec-x` whose entries are all references.
PREFIXES = sorted((k for k in KINDS if k != "redirects"), key=len, reverse=True)

# apiargs' arg_name values and the column heading each gets (any other: Argument).
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
    if kind in TOC_KINDS and "ref" not in doc:  # a toc entry's ref defaults to its file
        return (str(doc.get("file", "")),)
    return tuple(str(doc.get(f, "")) for f in KINDS[kind].key)


# An example case's fields (`operation:` holds one or a list) and the options.
EXAMPLE_OPERATION = {"pre": TEXT, "post": TEXT, "final": TEXT, "code": ("str", "list"),
                     "language": "str", "content": TEXT, "literalinclude": "str"}
EXAMPLE_OPTIONS = {"show_title": "bool", "show_collection": "bool", "base_file": "bool"}


def is_abstract(kind, doc):
    """A document whose identifying value starts with `_` only feeds others.

    Not in the kinds where giza rendered every document (steps; an apiargs
    field named `_id` is a real field); an option is abstract by its
    `program` alone (`_shared`), as in giza."""
    if kind == "options":
        return str(doc.get("program", "")).startswith("_")
    return kind not in RENDER_ALL and any(value.startswith("_") for value in key_of(kind, doc))
