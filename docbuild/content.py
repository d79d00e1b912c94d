"""Structured content: YAML sources -> checked, inherited, substituted documents.

configure uses it to learn each source file's outputs and the files it
inherits from; the generator step (generate.py) uses it to render them.
Every error names the YAML file, the document's line and the field.
Reading and checking one file is content_check.py's; {{name}} replacements
are replacements.py's; this module resolves inheritance and plans outputs.
"""

import os

from docbuild import attach, py2order, yamlfile
from docbuild.content_check import LEVEL_OF, add_errors, check_names, check_toc_entry, combined, read_file
from docbuild.errors import UserError
from docbuild.kinds import KINDS, SPEC, TOC_KINDS, is_abstract, key_of, kind_of
from docbuild.paths import component
from docbuild.replacements import substitute_all, unknown_placeholders

# The key of the globals that lists the declared editions (no {{placeholder}} can name it).
EDITIONS_KEY = "docbuild:editions"
# The key of the globals that says what an unknown {{name}} is: "warn" or
# "error" (CI mode).  configure puts it in the generate steps' globals only:
# its own plan lacks the editions' replacements.
UNKNOWN_KEY = "docbuild:unknown"


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
        self.errors = {}  # path -> its UserError (the same object each time), or None
        self.read = set()  # every file loaded (for depfiles)
        self.parents = {}  # Doc -> the Doc it inherits from (plan asks twice)

    def read_docs(self, path, kind=None):
        """([Doc], UserError or None) of a file, read once (a file that cannot be read raises)."""
        if path not in self.files:
            self.read.add(path)
            try:
                docs, errors = read_file(path, kind)
            except UserError as exc:
                docs, errors = exc, [exc]
            self.files[path] = docs
            self.errors[path] = combined(errors) if errors else None
        if isinstance(self.files[path], UserError):
            raise self.files[path]
        return self.files[path], self.errors[path]

    def load(self, path, kind=None):
        """[Doc] of a file with no bad document (an inherited-from file), or its errors."""
        docs, error = self.read_docs(path, kind)
        if error:
            raise error
        return docs

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
            return own_fields(doc)
        base = self.resolve(self.parent(doc), (*chain, doc))
        merged = {**base, **{k: v for k, v in own_fields(doc).items() if k not in ("inherit", "source")}}
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
        """[(Doc, fields)] of a file: inherited, checked, substituted; abstract ones left out.

        Every bad document of the file is reported (UserErrors), not only the first.
        """
        if (kind or (kind_of(os.path.basename(path)) or ("",))[0]) == "table":
            from docbuild import tables  # no inheritance, no replacements: giza had none

            return tables.documents(self.load(path, kind))
        docs, error = self.read_docs(path, kind)
        errors = []
        if error:
            add_errors(errors, error)
        out = []
        seen = {}
        # A toc kind's file with an entry that uses source: is a spec (kinds.SPEC).
        spec = any("source" in d.data or "inherit" in d.data for d in docs)
        for doc in docs:
            if not doc.ok:
                continue  # reported above; its fields cannot be trusted
            try:
                self._document(doc, seen, out, spec)
            except UserError as exc:
                add_errors(errors, exc)
        if errors:
            raise combined(sorted(errors, key=_line))
        if docs and KINDS[docs[0].kind].per_doc:
            out = _one_per_key(docs[0].kind, out)
        return out

    def _document(self, doc, seen, out, spec):
        fields = self.resolve(doc)
        kind = KINDS[doc.kind]
        for field in kind.required:
            # giza takes a step's `ref: ""` as an ordinary name.
            if fields.get(field) is None or (fields[field] == "" and doc.kind != "steps"):
                raise doc.error(f"a document of kind {doc.kind} needs `{field}:`"
                                + (" (directly or inherited)" if "inherit" in doc.data
                                   or "source" in doc.data else ""))
        if doc.kind in TOC_KINDS:
            check_toc_entry(doc, fields, spec)
            fields[SPEC] = spec
        key = key_of(doc.kind, fields)
        if kind.key and any(key):
            # One key in documents of different editions is one document per
            # edition (giza filtered editions before it looked for duplicates).
            editions = set(edition_names(doc, fields))
            for line, other in seen.get(key, ()):
                if not editions or not other or editions & other:
                    raise doc.error(f"duplicate {'/'.join(kind.key)} {' '.join(key)!r} "
                                    f"(first at line {line})", kind.key[-1])
            seen.setdefault(key, []).append((doc.lines.line, editions))
        if is_abstract(doc.kind, fields):
            return
        if not self.in_edition(doc, fields):
            # Its file still exists (outputs do not depend on the edition);
            # a toc entry still makes its file a spec or not.
            if kind.per_doc or doc.kind in TOC_KINDS:
                out.append((doc, {**fields, EXCLUDED: True}))
            return
        if doc.kind == "redirects" and fields.get("outputs") and \
                self.globals.get("version") not in map(str, fields["outputs"]):
            return  # a redirect for other versions
        fields = substitute_all(doc, fields, self.globals)
        if self.unknown:
            unknown_placeholders(doc, fields, self.unknown == "error")
        out.append((doc, fields))


def _one_per_key(kind, out):
    """Documents of one key in different editions name one file: it is the
    document of the edition being generated, else (another edition's, or
    planning every edition) the first."""
    chosen = {}
    for doc, fields in out:
        key = key_of(kind, fields)
        if key not in chosen or (chosen[key][1].get(EXCLUDED) and not fields.get(EXCLUDED)):
            chosen[key] = (doc, fields)
    return list(chosen.values())


def _line(error):
    """Sort key: a file's errors in line order (errors of other files, inherited, first)."""
    where = error.where if isinstance(error.where, tuple) else (error.where, 0)
    return (str(where[0]), where[1] or 0)


EXCLUDED = "docbuild:excluded"
# Raised when the checks of outputs() change: a plan cached by an older,
# laxer docbuild is then made again (and checked), not trusted.
CHECKS = 3  # 3: options default to `object` (giza), steps accept giza's fields


def edition_names(doc, fields):
    value = fields.get("edition")
    names = [value] if isinstance(value, str) else value or []
    if not all(isinstance(n, str) for n in names):
        raise doc.error("must be an edition name or a list of them", "edition")
    return names


def own_fields(doc):
    """A document's own fields, before inheritance, as giza 0.5 read them.

    For steps, giza's setters ran in the order giza saw the keys (Python
    2's dict order, which py2order replays): a title sets level 3 unless a
    `level` came before it, a `{text, character}` title sets the
    character's level (or resets it to 3 when it has none, or when a
    `level` came first), and `level` sets it.  The level a step ends with
    is its own, over an inherited one.  `heading` is `title`.  An
    inheriting step without its own `stepnum` is numbered by its place
    (giza printed `None` there).
    """
    if doc.kind != "steps":
        return dict(doc.data)
    data = doc.data
    inherits = "inherit" in data or "source" in data
    level = None
    for key in py2order.yaml_order(list(data), ["ref"] if inherits and "ref" not in data else []):
        value = data.get(key)
        if key in ("title", "heading") and value is not None:
            if isinstance(value, dict):
                level = LEVEL_OF[value["character"]] if level is None and \
                    value.get("character") in LEVEL_OF else 3
            elif level is None:
                level = 3
        elif key == "level" and value is not None:
            level = LEVEL_OF[value] if isinstance(value, str) else int(value)
    own = {("title" if key == "heading" else key): value for key, value in data.items()}
    if level is not None:
        own["level"] = level
    if inherits and own.get("stepnum") is None:
        own["stepnum"] = None
    return own


def outputs(kind, name, docs, source=None):
    """The generated files of a source file, relative to its folder's generated twin.

    Every value that becomes part of a file name passes paths.component
    here, after inheritance and replacement, where configure plans the
    outputs and where the generator writes them: none can leave its folder.
    """
    if name:  # from the source's own file name (redirects have none)
        component(name, where=source, what="the name part of the file name")
    errors = []
    for doc, fields in docs:
        try:
            check_names(kind, doc, fields)
        except UserError as exc:
            errors.append(exc)
    if errors:
        raise combined(errors)
    paths = KINDS[kind].outputs(name, [fields for _, fields in docs])
    for (doc, _), path in zip(docs, paths) if KINDS[kind].per_doc else ():
        try:
            component(os.path.basename(path), where=doc.where(), what="the output file name")
        except UserError as exc:
            errors.append(exc)
    if errors:
        raise combined(errors)
    return paths


def discover(srcdir):
    """Every structured source file under the source dir's includes/ folder."""
    found = []
    for root, dirs, files in os.walk(os.path.join(srcdir, "includes")):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # giza's includes/metadata.yaml configures the includes overview: not content.
        found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".yaml")
                  and f != "metadata.yaml"]
    return found


def plan(srcdir, root, globals_, cache=None, errors=None):
    """{source file: [output paths relative to the source dir]}, and the next cache.

    The cache maps a source file to its outputs and the stat of every file
    it read (itself and what it inherits from): while none changed, the
    outputs are known without loading any YAML.

    With a list as `errors`, every error of every file is appended to it
    (a rejected file is left out of the result and of the cache) instead of
    raised: configure reports them all in one run.
    """
    cache = cache or {}
    collect = errors is not None
    errors = [] if errors is None else errors
    project = Project(srcdir, root, globals_)
    result, next_cache = {}, {}
    for path in discover(project.srcdir):
        entry = cache.get(path)
        if entry and entry.get("checks") == CHECKS and entry["globals"] == globals_ and \
                "attach" in entry and all(_stat(p) == st for p, st in entry["read"].items()):
            outs = entry["outputs"]
        else:
            before = set(project.read)
            try:
                docs = project.documents(path)  # first: it reports a file of unknown kind
                kind, name = kind_of(os.path.basename(path))
                outs = outputs(kind, name, docs, path)
            except UserError as exc:
                if not collect:
                    raise
                add_errors(errors, exc)
                continue
            folder = os.path.relpath(os.path.dirname(path), project.srcdir)
            outs = [os.path.normpath(os.path.join(folder, o)) for o in outs]
            read = (project.read - before) | {path} | inherited(project, path)
            # Pages an extract is appended or prepended to (docbuild.attach).
            found = attach.entries(project, path, folder) if kind == "extracts" else []
            entry = {"outputs": outs, "globals": globals_, "checks": CHECKS, "attach": found,
                     "read": {p: _stat(p) for p in sorted(read)}}
        result[path] = outs
        next_cache[path] = entry
    owners = {}
    for path, outs in result.items():
        for out in outs:
            if out in owners:
                errors.append(UserError(f"generates {out}, which {os.path.relpath(owners[out])} "
                                        "generates too", where=path,
                                        hint="rename one of the files (or the `ref`/`name` that "
                                             "names the output)"))
                break
            owners[out] = path
    if errors and not collect:
        raise combined(errors)
    return result, next_cache


class _AnyField(dict):
    """A document whose every field is a placeholder: a kind's outputs made
    from it show the folder its per-document files go to."""

    def __missing__(self, key):
        return "\0"

    def get(self, key, default=None):
        return "\0"


def expected_outputs(srcdir, path):
    """(outputs, folders): what a source file that has errors would probably
    generate, relative to the source dir.

    The outputs are what its name gives, and for a kind with a file per
    document, what each readable document's own fields give (inheritance is
    not followed).  When such a file cannot be read at all, the folder its
    documents' files go to stands for them.  configure uses this to tell a
    missing include that waits for a file with errors from a mistake.
    """
    found = kind_of(os.path.basename(path))
    if not found:
        return [], []
    kind, name = found
    spec = KINDS[kind]
    folder = os.path.relpath(os.path.dirname(path), srcdir)
    rows, folders = [{}], []
    if spec.per_doc:
        try:
            rows = [data for data, _ in yamlfile.load_documents(path) if isinstance(data, dict)]
        except UserError:
            rows = []
            folders = [os.path.dirname(o) for o in spec.outputs(name, [_AnyField()])]
    outs = []
    for row in rows:
        try:
            outs += spec.outputs(name, [row])
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a field the guess needs is missing or not text
    return ([os.path.normpath(os.path.join(folder, o)) for o in outs],
            [os.path.normpath(os.path.join(folder, f)) for f in folders])


def inherited(project, path):
    """Files `path` inherits from, directly or not (already loaded)."""
    found, todo = set(), [path]
    while todo:
        docs = project.files.get(todo.pop())
        for doc in docs if isinstance(docs, list) else []:
            for field in ("inherit", "source") if doc.kind != "table" else ():
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
