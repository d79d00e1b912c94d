"""Extracts' `append` and `prepend`: pages that include a generated extract.

giza edited its build copy of the pages; docbuild never writes into the
source tree, so the include is added inside Sphinx instead (sphinx_ext's
source-read handler), at the very place giza put it:
  * prepend: "\\n.. include:: /includes/extracts/<ref>.rst\\n" before the
    page's first byte (above its title);
  * append: "\\n" + "\\n.. include:: /includes/extracts/<ref>.rst\\n" after
    its last byte.

configure collects the pages from every extracts file (content.plan keeps
them in its cache), checks that each names a document of the project, and
writes the map {docname: {"prepend": [...], "append": [...]}} that the Sphinx
steps read.  The generator of a group of extracts files writes the group's
list (TRIGGER), only when it changed: build.ninja depends on it, so an edited
`append:` list runs configure again, which rewrites the map.
"""

import json
import os

from docbuild.errors import UserError
from docbuild.kinds import is_abstract
from docbuild.paths import component_problem

MODES = ("prepend", "append")
TRIGGER = ".attach"  # suffix of a group's list, beside its names file


def entries(project, path, folder):
    """[[mode, page, include, file, line]] of one extracts file, in document order.

    Inheritance counts (an inherited `append` applies, as under giza);
    `folder` is the file's folder relative to the source dir.
    """
    out = []
    for doc in project.load(path):
        fields = project.resolve(doc)
        if is_abstract("extracts", fields):
            continue
        include = "/" + "/".join(p for p in (*folder.split(os.sep), "extracts", f"{fields['ref']}.rst")
                                 if p not in ("", "."))
        for mode in MODES:
            value = fields.get(mode)
            pages = value if isinstance(value, list) else [] if value is None else [value]
            items = doc.lines.child(mode) if isinstance(doc.data.get(mode), list) else None
            for index, page in enumerate(pages):
                # The item's own line when this document wrote the list.
                line = items.of(index) if items is not None else doc.where(mode)[1]
                out.append([mode, page, include, doc.path, line])
    return out


def trigger_text(found):
    """What a group's list holds: it changes exactly when the map may."""
    return json.dumps(sorted({(m, str(p), i) for m, p, i, *_ in found}), indent=0) + "\n"


def page_map(found, docs, suffixes):
    """({docname: {mode: [include, ...]}}, [UserError]) for every extracts file's entries.

    `docs` are the project's documents (paths relative to the source dir);
    a page is one of them, written with or without a leading `/` (giza's
    spelling) and with its suffix or without it.
    """
    by_path = {d: d for d in docs}
    by_name = {}
    for d in docs:
        for suffix in suffixes:
            if d.endswith(suffix):
                by_name.setdefault(d[:-len(suffix)], d)
    result, errors = {}, []
    for mode, page, include, path, line in found:
        problem = None if isinstance(page, str) else "it is not a string"
        rel = page.lstrip("/") if isinstance(page, str) else ""
        if not problem:
            for part in rel.split("/"):
                problem = component_problem(part)
                if problem:
                    break
        if problem:
            errors.append(UserError(f"field `{mode}`: {page!r} cannot name a page: {problem}",
                                    where=(path, line),
                                    hint="give the page's path in the source dir, e.g. /tutorial/install.txt"))
            continue
        doc = by_path.get(rel) or by_name.get(rel)
        if doc is None:
            errors.append(UserError(f"field `{mode}`: no page {page!r} in the project", where=(path, line),
                                    hint="name a document of the source dir (its path, with or "
                                         "without its suffix); giza dropped such pages silently"))
            continue
        docname = next(doc[:-len(s)] for s in suffixes if doc.endswith(s))
        includes = result.setdefault(docname, {}).setdefault(mode, [])
        if include not in includes:
            includes.append(include)
    return result, errors


def attached(text, entry):
    """A page's text with its extracts included, where giza put them."""
    text = "".join(f"\n.. include:: {include}\n" for include in entry.get("prepend", ())) + text
    for include in entry.get("append", ()):
        text = text + "\n" + f"\n.. include:: {include}\n"
    return text


def write_map(path, found_map):
    """Write the map (or remove it when no page has an extract): whether it exists now."""
    from docbuild.paths import write_if_changed

    if found_map:
        write_if_changed(path, json.dumps(found_map, indent=0, sort_keys=True) + "\n")
        return True
    if os.path.exists(path):
        os.unlink(path)
    return False


def check(errors):
    if errors:
        from docbuild.errors import UserErrors

        raise errors[0] if len(errors) == 1 else UserErrors(errors)

