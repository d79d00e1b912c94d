"""giza tables: `table-<name>.yaml` -> the cells of one list-table.

A table file has three documents, in this order: `section: layout`
(`header`: a list of cells; `rows`: a list of one-key maps `- N: [cells]`,
the key ignored, the list order kept), `section: meta` and `section:
content`, both of free keys.  giza evaluated each cell as Python with
`meta` and `content` in scope; docbuild never evaluates anything from YAML:
a cell must be a dotted lookup (`meta.header1`, `content.sql1`,
`content.group.key`), and anything else is a file:line error.
"""

import re

from docbuild.errors import UserError, UserErrors

SECTIONS = ("layout", "meta", "content")
LAYOUT_FIELDS = ("section", "header", "rows")
LOOKUP = re.compile(r"(meta|content)((?:\.[A-Za-z_]\w*)+)")


def documents(docs):
    """[(first Doc, {"header": bool, "rows": [[cell text]]})] for a table file's docs.

    Every error of the file is reported, each at its line.
    """
    errors = []
    sections = check_sections(docs, errors)
    if errors:
        raise _raise(errors)
    layout, meta, content = sections
    scope = {"meta": meta.data, "content": content.data}
    header = layout.data.get("header")
    rows = layout.data.get("rows")
    lines = layout.lines
    table = []
    if header:
        table.append(cells(layout, header, lines.child("header"), "header", scope, errors))
    for index, row in enumerate(rows or []):
        row_lines = lines.child("rows").child(index)
        if not (isinstance(row, dict) and len(row) == 1 and isinstance(next(iter(row.values())), list)):
            errors.append(UserError("each row must be a one-key mapping of a list of cells, "
                                    "such as `- 1: [content.a, content.b]`",
                                    where=(layout.path, row_lines.line)))
            continue
        key, values = next(iter(row.items()))
        table.append(cells(layout, values, row_lines.child(str(key)), f"row {index + 1}", scope, errors))
    widths = {len(r) for r in table}
    if len(widths) > 1 and not errors:
        first = len(table[0])
        for index, row in enumerate(table):
            if len(row) != first:
                where = lines.of("rows") if index or not header else lines.of("header")
                errors.append(UserError(f"{len(row)} cells where the first row has {first}: "
                                        "every row needs the same number of cells",
                                        where=(layout.path, where)))
                break
    if errors:
        raise _raise(errors)
    return [(layout, {"header": bool(header), "rows": table})]


def check_sections(docs, errors):
    """The layout, meta and content documents, checked for their order and fields."""
    path = docs[0].path if docs else None
    for index, doc in enumerate(docs):
        if index >= len(SECTIONS):
            errors.append(doc.error("a table has three documents (layout, meta, content); "
                                    "this is a fourth"))
            continue
        wanted = SECTIONS[index]
        if not isinstance(doc.data, dict) or doc.data.get("section") != wanted:
            errors.append(doc.error(f"document {index + 1} of a table must be `section: {wanted}`",
                                    "section", hint="the order is layout, meta, content"))
    if len(docs) < len(SECTIONS) and not errors:
        errors.append(UserError(f"a table has three documents (layout, meta, content); "
                                f"this file has {len(docs)}", where=path))
    if errors:
        return None
    layout = docs[0]
    for field in layout.data:
        if field not in LAYOUT_FIELDS:
            errors.append(layout.error(f"unknown field `{field}` in a table's layout",
                                       field, hint="known fields: header, rows, section"))
    for field, kind in (("header", list), ("rows", list)):
        value = layout.data.get(field)
        if value is not None and not isinstance(value, kind):
            errors.append(layout.error("must be a list", field))
    if "rows" not in layout.data:
        errors.append(layout.error("a table's layout needs `rows:`"))
    return docs[:3]


def cells(doc, exprs, lines, what, scope, errors):
    """The text of each cell of a row: each a dotted lookup into meta or content."""
    out = []
    for index, expr in enumerate(exprs):
        where = (doc.path, lines.of(index))
        value, problem = lookup(expr, scope)
        if problem:
            errors.append(UserError(f"{what}, cell {index + 1}: {problem}", where=where,
                                    hint="a cell names a value: meta.<key> or content.<key>"))
            continue
        out.append(value)
    return out


def lookup(expr, scope):
    """(text, None) for `meta.key` or `content.a.b`; (None, problem) otherwise."""
    match = LOOKUP.fullmatch(expr.strip()) if isinstance(expr, str) else None
    if not match:
        return None, (f"{expr!r} is not a lookup such as `content.key` (giza evaluated cells "
                      "as Python; docbuild only looks values up)")
    value = scope[match.group(1)]
    walked = match.group(1)
    for key in match.group(2)[1:].split("."):
        if not isinstance(value, dict) or key not in value:
            return None, f"`{expr.strip()}`: {walked} has no key `{key}`"
        value, walked = value[key], f"{walked}.{key}"
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, (str, int, float)):
        return str(value), None
    return None, f"`{expr.strip()}` is {'empty' if value is None else 'not text'}"


def list_item(text, bullet, indent=3):
    """A list-table cell as rstcloth wrote it: every line indented under the
    bullet (a cell's trailing newline gives a blank line), but no whitespace
    at the end of a line (giza indented blank lines too)."""
    pad = " " * indent
    lines = text.split("\n")
    return "\n".join([(pad + bullet + lines[0]).rstrip()]
                      + [(pad + " " * len(bullet) + line).rstrip() for line in lines[1:]])


def _raise(errors):
    return errors[0] if len(errors) == 1 else UserErrors(errors)
