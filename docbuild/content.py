"""Structured content: YAML sources -> checked, inherited, substituted documents.

configure uses it to learn each source file's outputs and the files it
inherits from; the generator step (generate.py) uses it to render them.
Every error names the YAML file, the document's line and the field.
"""

import os
import re
import sys

from docbuild import yamlfile
from docbuild.errors import UserError, UserErrors
from docbuild.kinds import KINDS, NAMED_BY, TYPES, ACTION_FIELDS, COMMON, is_abstract, key_of, kind_of
from docbuild.paths import component

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}")
# A replacement may use others, this many deep; deeper is taken for a loop.
MAX_DEPTH = 50
# Characters replacements may add to one field (a guard against doubling
# replacements that nest: a: "{{b}}{{b}}", b: "{{c}}{{c}}", ...).
MAX_GROWTH = 10_000_000
NOT_SUBSTITUTED = {"inherit", "source", "replacement", "ref", "file", "program", "name", "edition"}
# A directive or role name as docutils reads it (`option`, `std:option`).
DIRECTIVE = re.compile(r"^[A-Za-z0-9]+(?:[-_+:.][A-Za-z0-9]+)*$")
# The key of the globals that lists the declared editions (no {{placeholder}} can name it).
EDITIONS_KEY = "docbuild:editions"
# The key of the globals that says what an unknown {{name}} is: "warn" or
# "error" (CI mode).  configure puts it in the generate steps' globals only:
# its own plan lacks the editions' replacements.
UNKNOWN_KEY = "docbuild:unknown"


class Doc:
    """One YAML document of a source file, as written."""

    def __init__(self, path, kind, data, lines):
        self.path, self.kind, self.data, self.lines = path, kind, data, lines

    def where(self, field=None):
        return (self.path, self.lines.of(field) if field else self.lines.line)

    def error(self, message, field=None, hint=None):
        label = f"field `{field}`: " if field else ""
        return UserError(label + message, where=self.where(field), hint=hint)


def _type_ok(value, spec):
    names = spec if isinstance(spec, tuple) else (spec,)
    return any(isinstance(value, TYPES[n]) and not (n != "bool" and isinstance(value, bool))
               for n in names) or (isinstance(value, bool) and "bool" in names)


def _type_name(spec):
    names = spec if isinstance(spec, tuple) else (spec,)
    words = {"str": "a string", "int": "a whole number", "bool": "true or false",
             "list": "a list", "map": "a mapping", "num": "a number"}
    return " or ".join(words[n] for n in names)


def check_fields(doc, data, fields, lines, prefix=""):
    for field, value in data.items():
        spec = fields.get(field)
        if spec is None:
            where = (doc.path, lines.of(field))
            import difflib  # only when there is an error to explain

            close = difflib.get_close_matches(str(field), list(fields), n=1)
            hint = f"did you mean `{prefix}{close[0]}`?" if close else \
                "known fields: " + ", ".join(sorted(fields))
            raise UserError(f"unknown field `{prefix}{field}` in a document of kind {doc.kind}",
                            where=where, hint=hint)
        if value is not None and not _type_ok(value, spec):
            raise UserError(f"field `{prefix}{field}` must be {_type_name(spec)}, "
                            f"not {type(value).__name__}", where=(doc.path, lines.of(field)))


def check_doc(doc):
    kind = KINDS[doc.kind]
    check_fields(doc, doc.data, {**COMMON, **kind.fields}, doc.lines)
    for field in ("inherit", "source"):
        ref = doc.data.get(field)
        if ref is not None and "file" not in ref:
            raise doc.error("needs `file:` (the YAML file to inherit from)", field)
    if "inherit" in doc.data and "source" in doc.data:
        raise doc.error("use either `inherit:` or `source:`, not both", "source")
    for name, value in (doc.data.get("replacement") or {}).items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise doc.error(f"replacement `{name}` must be a string", "replacement")
    if doc.kind == "redirects":
        check_redirect(doc)
    if doc.kind == "steps":
        actions = doc.data.get("action")
        items = actions if isinstance(actions, list) else [actions] if actions else []
        action_lines = doc.lines.child("action")
        for i, action in enumerate(items):
            sub = action_lines.child(i) if isinstance(actions, list) else action_lines
            if not isinstance(action, dict):
                raise UserError("each `action` must be a mapping", where=(doc.path, sub.line))
            check_fields(doc, action, ACTION_FIELDS, sub, prefix="action.")


def check_redirect(doc):
    """Redirect rules end up in web server configuration: docbuild.redirects has the
    grammar of `from` and `to`.  Every bad field of the document is reported."""
    from docbuild import redirects
    from docbuild.kinds import REDIRECT_CODES

    errors = []
    for field, check in (("from", redirects.source), ("to", redirects.target)):
        value = doc.data.get(field)
        if not isinstance(value, str):
            continue
        try:
            check(value, bool(doc.data.get("external"))) if field == "to" else check(value)
        except redirects.BadRedirect as exc:
            errors.append(doc.error(exc.message, field, hint=exc.hint))
    code = doc.data.get("code")
    if code is not None and code not in REDIRECT_CODES:
        errors.append(doc.error(f"{code} is not a redirect status", "code",
                                hint="use one of " + ", ".join(map(str, REDIRECT_CODES))))
    if errors:
        raise errors[0] if len(errors) == 1 else UserErrors(errors)


def load_file(path, kind=None):
    """[Doc] for every non-empty document of a source file, checked."""
    found = (kind, "") if kind else kind_of(os.path.basename(path))
    if not found:
        prefix = os.path.basename(path).split("-", 1)[0]
        import difflib

        close = difflib.get_close_matches(prefix, [k for k in KINDS if k != "redirects"], n=1)
        raise UserError(f"unknown kind {prefix!r} of structured source", where=path,
                        hint=(f"did you mean {close[0]!r}? " if close else "")
                        + "name it <kind>-<name>.yaml with a kind from: "
                        + ", ".join(k for k in KINDS if k != "redirects"))
    kind = found[0]
    docs, errors = [], []
    for data, lines in yamlfile.load_documents(path):
        doc = Doc(path, kind, data, lines)
        if not isinstance(data, dict):
            raise UserError(f"a document of kind {kind} must be a mapping of fields", where=doc.where())
        try:
            check_doc(doc)
        except UserError as exc:  # every bad document of the file, not only the first
            errors += getattr(exc, "errors", [exc])
        docs.append(doc)
    if errors:
        raise errors[0] if len(errors) == 1 else UserErrors(errors)
    return docs


class Project:
    """Every source file loaded so far, and the rules for finding more."""

    def __init__(self, srcdir, root, globals_=None):
        self.srcdir = os.path.abspath(srcdir)
        self.root = os.path.abspath(root)
        self.includes = os.path.join(self.srcdir, "includes")
        self.globals = dict(globals_ or {})
        # The editions docbuild.yaml declares (None: no check), and the one
        # being generated (None: every document, as configure plans outputs).
        self.editions = self.globals.pop(EDITIONS_KEY, None)
        self.unknown = self.globals.pop(UNKNOWN_KEY, None)
        self.edition = self.globals.get("edition") or None
        self.files = {}  # path -> [Doc]
        self.read = set()  # every file loaded (for depfiles)
        self.parents = {}  # Doc -> the Doc it inherits from (plan asks twice)

    def load(self, path, kind=None):
        if path not in self.files:
            self.files[path] = load_file(path, kind)
            self.read.add(path)
        return self.files[path]

    def find(self, doc, field, name):
        """The file an `inherit: {file: name}` means: includes/, source dir, project root."""
        if not isinstance(name, str) or not name:
            raise doc.error("`file:` must be a YAML file name", field)
        for base in (self.includes, self.srcdir, self.root):
            path = os.path.normpath(os.path.join(base, name.lstrip("/")))
            if not (path == self.root or path.startswith(self.root + os.sep)):
                raise doc.error(f"`file: {name}` points outside the project ({self.root})", field,
                                hint="inherit only from YAML files inside the project")
            if os.path.isfile(path):
                return path
        raise doc.error(f"`file: {name}` does not exist", field,
                        hint=f"looked in {self.includes}, {self.srcdir} and {self.root}")

    def parent(self, doc):
        if doc not in self.parents:
            self.parents[doc] = self._parent(doc)
        return self.parents[doc]

    def _parent(self, doc):
        field = "inherit" if "inherit" in doc.data else "source"
        ref = doc.data[field]
        path = self.find(doc, field, ref["file"])
        target_kind = kind_of(os.path.basename(path))
        if not target_kind:
            raise doc.error(f"`file: {ref['file']}` is not a structured source "
                            "(<kind>-<name>.yaml)", field)
        target_kind = target_kind[0]
        key_fields = KINDS[target_kind].key
        if len(key_fields) == 1:
            wanted = (str(ref.get("ref", ref.get(key_fields[0], ""))),)
        else:
            wanted = tuple(str(ref.get(f, "")) for f in key_fields)
        if not any(wanted):
            names = ["ref", key_fields[0]] if len(key_fields) == 1 and key_fields[0] != "ref" \
                else list(key_fields)
            raise doc.error("must name the document to inherit: "
                            + " or ".join(f"`{f}:`" for f in names), field)
        for candidate in self.load(path):
            if key_of(target_kind, self.resolve_key(candidate)) == wanted:
                return candidate
        raise doc.error(f"no document {' '.join(wanted)!r} in {os.path.relpath(path)}", field,
                        hint="check the `ref:` (for toc kinds: the target's `file:`)")

    def resolve_key(self, doc):
        """The identifying fields of a document, inherited ones included."""
        if all(f in doc.data for f in KINDS[doc.kind].key) or not (
                "inherit" in doc.data or "source" in doc.data):
            return doc.data
        return self.resolve(doc)

    def resolve(self, doc, chain=()):
        """The document's fields after inheritance (replacements merged)."""
        if doc in chain:
            names = " -> ".join(f"{os.path.relpath(d.path)}:{d.lines.line}" for d in (*chain, doc))
            raise UserError(f"inheritance cycle: {names}", where=doc.where(),
                            hint="break the cycle: one of these must not inherit")
        if "inherit" not in doc.data and "source" not in doc.data:
            return dict(doc.data)
        base = self.resolve(self.parent(doc), (*chain, doc))
        merged = {**base, **{k: v for k, v in doc.data.items() if k not in ("inherit", "source")}}
        merged.pop("inherit", None)
        merged.pop("source", None)
        merged["replacement"] = {**(base.get("replacement") or {}),
                                 **(doc.data.get("replacement") or {})}
        return merged

    def in_edition(self, doc, fields):
        """Whether a document belongs in the edition being generated; checks its names."""
        names = edition_names(doc, fields)
        if self.editions is not None:
            for name in names:
                if name not in self.editions:
                    hint = ("docbuild.yaml declares " + ", ".join(self.editions)) if self.editions \
                        else "docbuild.yaml declares no `editions:`; add them or remove `edition:`"
                    raise doc.error(f"unknown edition {name!r}", "edition", hint=hint)
        return not names or self.edition is None or self.edition in names

    def documents(self, path, kind=None):
        """[(Doc, fields)] of a file: inherited, checked, substituted; abstract ones left out."""
        out = []
        seen = {}
        for doc in self.load(path, kind):
            fields = self.resolve(doc)
            kind = KINDS[doc.kind]
            for field in kind.required:
                if fields.get(field) in (None, ""):
                    raise doc.error(f"a document of kind {doc.kind} needs `{field}:`"
                                    + (" (directly or inherited)" if "inherit" in doc.data
                                       or "source" in doc.data else ""))
            key = key_of(doc.kind, fields)
            if kind.key and any(key):
                if key in seen:
                    raise doc.error(f"duplicate {'/'.join(kind.key)} {' '.join(key)!r} "
                                    f"(first at line {seen[key]})", kind.key[-1])
                seen[key] = doc.lines.line
            if is_abstract(doc.kind, fields):
                continue
            if not self.in_edition(doc, fields):
                if kind.per_doc:  # its file still exists (outputs do not depend on the edition)
                    out.append((doc, {**fields, EXCLUDED: True}))
                continue
            if doc.kind == "redirects" and fields.get("outputs") and \
                    self.globals.get("version") not in map(str, fields["outputs"]):
                continue  # a redirect for other versions
            fields = substitute_all(doc, fields, self.globals)
            if self.unknown:
                unknown_placeholders(doc, fields, self.unknown == "error")
            out.append((doc, fields))
        return out


EXCLUDED = "docbuild:excluded"
# Raised when the checks of outputs() change: a plan cached by an older,
# laxer docbuild is then made again (and checked), not trusted.
CHECKS = 2


def edition_names(doc, fields):
    value = fields.get("edition")
    names = [value] if isinstance(value, str) else value or []
    if not all(isinstance(n, str) for n in names):
        raise doc.error("must be an edition name or a list of them", "edition")
    return names


def substitute_all(doc, fields, globals_):
    """Replace {{name}} in every text field (document, then global, then build values)."""
    values = dict(globals_)
    if doc.kind == "options":
        values["program"] = str(fields.get("program", ""))
        # `<` would start an explicit target in a role: escape it.
        label = option_label(fields).replace("<", "\\<")
        directive = fields.get("directive") or "option"
        values["role"] = (f":option:`{fields.get('program', '')} {label}`" if directive == "option"
                          else f":{directive}:`{label}`")
    values.update({str(k): str(v) for k, v in (fields.get("replacement") or {}).items()})
    done = {}  # each replacement's text with its own {{names}} filled in
    return {k: (v if k in NOT_SUBSTITUTED else _substitute(doc, k, v, values, done))
            for k, v in fields.items()}


def unknown_placeholders(doc, fields, error):
    """Warn (print `file:line: WARNING:`), or with `error` raise, for each
    {{name}} left after replacement: no value has that name (a typo, or a
    replacement not declared for this edition)."""
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, dict)):
            for v in (value.values() if isinstance(value, dict) else value):
                yield from strings(v)

    for field, value in fields.items():
        if field in NOT_SUBSTITUTED:
            continue
        names = sorted({m.group(1) for text in strings(value) for m in PLACEHOLDER.finditer(text)})
        if not names:
            continue
        shown = ", ".join("{{%s}}" % n for n in names)
        if error:
            raise doc.error(f"unknown replacement {shown}", field,
                            hint="define it in the document's `replacement:`, in `replacements` of "
                                 "docbuild.yaml, or in the edition's `replacements`")
        path, line = doc.where(field)
        print(f"{os.path.relpath(path)}:{line}: WARNING: field `{field}`: unknown replacement {shown}, "
              "left as written", file=sys.stderr, flush=True)


def _substitute(doc, field, value, values, done):
    if isinstance(value, str):
        return _fill(doc, field, value, values, done, ())
    if isinstance(value, list):
        return [_substitute(doc, field, v, values, done) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(doc, field, v, values, done) for k, v in value.items()}
    return value


def _fill(doc, field, text, values, done, using):
    """`text` with each known {{name}} replaced by its value, itself filled in first.

    `using` is the chain of replacements being filled in: a name already in
    it is a loop.  The work is bounded by the nesting (MAX_DEPTH) and the
    size added (MAX_GROWTH), never by the size of the text itself.
    """
    parts, end, added = [], 0, 0
    for match in PLACEHOLDER.finditer(text):
        name = match.group(1)
        if name not in values:
            continue  # not a replacement: left as written
        if name in using:
            raise doc.error("replacement loop: " + " -> ".join(
                "{{%s}}" % n for n in (*using, name)), field,
                hint="a replacement must not (indirectly) contain itself")
        if len(using) >= MAX_DEPTH:
            raise doc.error(f"replacements nest more than {MAX_DEPTH} deep: {{{{{using[0]}}}}} -> "
                            f"... -> {{{{{name}}}}}", field, hint="use fewer levels of replacements")
        if name not in done:
            done[name] = _fill(doc, field, values[name], values, done, (*using, name))
        added += len(done[name])
        if added > MAX_GROWTH:
            raise doc.error(f"replacements make this field grow by more than {MAX_GROWTH:,} "
                            "characters", field,
                            hint="a replacement that uses others several times grows "
                                 "exponentially: use fewer levels")
        parts += [text[end:match.start()], done[name]]
        end = match.end()
    return "".join(parts) + text[end:] if parts else text


def option_label(fields):
    """How an option is written: `--name`, unless it already looks like `-x` or `<arg>`."""
    name = str(fields.get("name", ""))
    prefix = "" if name.startswith(("-", "<")) or (fields.get("directive") or "option") != "option" \
        else "--"
    return f"{prefix}{name}"


def outputs(kind, name, docs, source=None):
    """The generated files of a source file, relative to its folder's generated twin.

    Every value that becomes part of a file name passes paths.component
    here, after inheritance and replacement, where configure plans the
    outputs and where the generator writes them: none can leave its folder.
    """
    if name:  # from the source's own file name (redirects have none)
        component(name, where=source, what="the name part of the file name")
    for doc, fields in docs:
        for field in NAMED_BY.get(kind, ()):
            value = fields.get(field)
            if value is not None:
                component(str(value), where=doc.where(field), what=f"field `{field}`:")
        directive = fields.get("directive")
        if kind == "options" and directive is not None and not DIRECTIVE.match(str(directive)):
            raise doc.error(f"{directive!r} is not a directive name", "directive",
                            hint="letters and digits, single - _ + : or . between them "
                                 "(for example: option, setting, std:option)")
    paths = KINDS[kind].outputs(name, [fields for _, fields in docs])
    for (doc, _), path in zip(docs, paths) if KINDS[kind].per_doc else ():
        component(os.path.basename(path), where=doc.where(), what="the output file name")
    return paths


def discover(srcdir):
    """Every structured source file under the source dir's includes/ folder."""
    found = []
    for root, dirs, files in os.walk(os.path.join(srcdir, "includes")):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".yaml")]
    return found


def plan(srcdir, root, globals_, cache=None):
    """{source file: [output paths relative to the source dir]}, and the next cache.

    The cache maps a source file to its outputs and the stat of every file
    it read (itself and what it inherits from): while none changed, the
    outputs are known without loading any YAML.
    """
    cache = cache or {}
    project = Project(srcdir, root, globals_)
    result, next_cache = {}, {}
    for path in discover(project.srcdir):
        entry = cache.get(path)
        if entry and entry.get("checks") == CHECKS and entry["globals"] == globals_ and all(
                _stat(p) == st for p, st in entry["read"].items()):
            outs = entry["outputs"]
        else:
            before = set(project.read)
            docs = project.documents(path)  # first: it reports a file of unknown kind
            kind, name = kind_of(os.path.basename(path))
            outs = outputs(kind, name, docs, path)
            folder = os.path.relpath(os.path.dirname(path), project.srcdir)
            outs = [os.path.normpath(os.path.join(folder, o)) for o in outs]
            read = (project.read - before) | {path} | inherited(project, path)
            entry = {"outputs": outs, "globals": globals_, "checks": CHECKS,
                     "read": {p: _stat(p) for p in sorted(read)}}
        result[path] = outs
        next_cache[path] = entry
    owners = {}
    for path, outs in result.items():
        for out in outs:
            if out in owners:
                raise UserError(f"generates {out}, which {os.path.relpath(owners[out])} "
                                "generates too", where=path,
                                hint="rename one of the files (or the `ref`/`name` that names the output)")
            owners[out] = path
    return result, next_cache


def inherited(project, path):
    """Files `path` inherits from, directly or not (already loaded)."""
    found, todo = set(), [path]
    while todo:
        for doc in project.files.get(todo.pop(), []):
            for field in ("inherit", "source"):
                if field in doc.data:
                    parent = project.parent(doc).path
                    if parent not in found:
                        found.add(parent)
                        todo.append(parent)
    return found


def _stat(path):
    try:
        st = os.stat(path)
        return [st.st_mtime_ns, st.st_size]
    except OSError:
        return None
