"""giza images: `images/metadata.yaml` -> each image's include and its PNGs.

configure calls plan(): it reads the list (one YAML document per image:
`name`, `alt`, `output`/`outputs`), checks it, and writes one small spec per
image (build/.docbuild/images/<name>.json, only when it changes), so that
editing one image's entry reruns that image's edge and no other.  Then ninja
runs, once per image (restat):

    python -m docbuild.images SPEC

which writes images/<name>.rst (the include giza wrote, from
templates/image.rst) and each output's PNG (EPS for `offset`), converted
from images/<name>.svg by rsvg-convert at the output's dpi and width,
into every generated twin of the source dir; each file only when its bytes
change.  Nothing is written into the source tree.

The converter: giza ran Inkscape (a 100 MB install of about a hundred
packages); rsvg-convert (Debian's librsvg2-bin, 5 MB, its library usually
installed already) gives the same pixel size from the same options.
"""

import html
import json
import os
import shutil
import subprocess
import sys

from docbuild import yamlfile
from docbuild.errors import UserError, UserErrors, report
from docbuild.paths import component, data_dir, write_if_changed

CONVERTER = "rsvg-convert"
INSTALL = "apt-get install librsvg2-bin"
FIELDS = {"name": str, "alt": str, "output": (list, dict), "outputs": (list, dict)}
OUTPUT_FIELDS = ("type", "tag", "dpi", "width", "scale", "target")
TYPES = ("print", "web", "target", "offset")
TEMPLATE = os.path.join(data_dir(), "templates", "image.rst")


def metadata_file(srcdir):
    path = os.path.join(srcdir, "images", "metadata.yaml")
    return path if os.path.isfile(path) else None


def read(path):
    """([(image, line)], [UserError]) from a metadata.yaml: every error of the file."""
    images, errors = [], []
    for data, lines in yamlfile.load_documents(path):
        try:
            images.append((check(path, data, lines), lines.line))
        except UserError as exc:
            errors += getattr(exc, "errors", [exc])
    names = {}
    for image, line in images:
        if image["name"] in names:
            errors.append(UserError(f"image {image['name']!r} is listed twice (first at line "
                                    f"{names[image['name']]})", where=(path, line)))
        names.setdefault(image["name"], line)
    return images, errors


def check(path, data, lines):
    """One image's document, checked: {name, alt, outputs: [{type, tag, dpi, width, ...}]}."""
    where = lambda key=None: (path, lines.of(key) if key else lines.line)  # noqa: E731
    if not isinstance(data, dict):
        raise UserError("an image is a mapping (name, alt, output)", where=where())
    errors = []
    for key, value in data.items():
        if key not in FIELDS:
            hint = ("giza filtered images by edition, then rejected the field"
                    if key == "edition" else "known fields: alt, name, output (or outputs)")
            errors.append(UserError(f"unknown field `{key}` of an image", where=where(key), hint=hint))
        elif not isinstance(value, FIELDS[key]):
            errors.append(UserError(f"field `{key}` must be {'a string' if FIELDS[key] is str else 'a list'}",
                                    where=where(key)))
    for key in ("name", "alt"):
        if key not in data:
            errors.append(UserError(f"an image needs `{key}:`", where=where()))
    if errors:
        raise errors[0] if len(errors) == 1 else UserErrors(errors)
    component(data["name"], where=where("name"), what="the image name")
    key = "outputs" if "outputs" in data else "output"
    given = data.get(key) or []
    given = given if isinstance(given, list) else [given]
    out_lines = lines.child(key)
    outputs = [check_output(path, item, out_lines.child(i) if isinstance(data.get(key), list)
                            else out_lines) for i, item in enumerate(given)]
    return {"name": data["name"], "alt": data["alt"], "outputs": outputs}


def check_output(path, item, lines):
    where = lambda key=None: (path, lines.of(key) if key else lines.line)  # noqa: E731
    if not isinstance(item, dict):
        raise UserError("each output is a mapping (type, tag, dpi, width, scale, target)", where=where())
    for key, value in item.items():
        if key not in OUTPUT_FIELDS:
            raise UserError(f"unknown field `{key}` of an image output", where=where(key),
                            hint="known fields: " + ", ".join(OUTPUT_FIELDS))
    out = {"type": item.get("type", "web"), "dpi": item.get("dpi", 96)}
    if out["type"] not in TYPES:
        raise UserError(f"type {out['type']!r} is not one of {', '.join(TYPES)}", where=where("type"))
    for key in ("dpi", "width", "scale"):
        value = item.get(key, out.get(key))
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or value <= 0):
            raise UserError(f"field `{key}` must be a positive number", where=where(key))
    if "width" not in item:
        raise UserError("an image output needs `width:` (in pixels)", where=where(),
                        hint="giza had no default either: it ran Inkscape with `-w None`")
    if item.get("scale") is not None and item["scale"] > 100:
        raise UserError("field `scale` is a percentage: 0 to 100", where=where("scale"))
    for key in ("tag", "target"):
        if key in item and not isinstance(item[key], str):
            raise UserError(f"field `{key}` must be a string", where=where(key))
    if "tag" in item:
        component(f"x-{item['tag']}", where=where("tag"), what="the tag")
    return {**out, **{k: item[k] for k in ("tag", "width", "scale", "target") if k in item}}


def suffix(output):
    """`-<tag>.png` (or `.eps` for offset outputs), as giza named the files."""
    ext = "eps" if output["type"] == "offset" else "png"
    return (f"-{output['tag']}" if "tag" in output else "") + "." + ext


def plan(srcdir, gen_dirs, meta_dir, url, branch):
    """(edges, generated): one edge per image, and {path in srcdir: path in the first gen dir}.

    Only the first gen dir's files are in `generated`: Sphinx runs of other
    editions read their own copies, written by the same edge.
    """
    path = metadata_file(srcdir)
    found, errors = read(path) if path else ([], [])
    remove_stale(os.path.join(meta_dir, "images"), {image["name"] for image, _ in found}, gen_dirs)
    edges, generated = [], {}
    for image, line in found:
        name = image["name"]
        svg = os.path.join(srcdir, "images", name + ".svg")
        if not os.path.isfile(svg):
            errors.append(UserError(f"image {name!r}: {svg} does not exist", where=(path, line),
                                    hint="add the SVG, or remove the image from the list"))
            continue
        files = [{"type": o["type"], "dpi": o["dpi"], "width": o["width"],
                  "paths": [os.path.join(g, "images", name + suffix(o)) for g in gen_dirs]}
                 for o in image["outputs"]]
        rst = [os.path.join(g, "images", name + ".rst") for g in gen_dirs]
        spec = os.path.join(meta_dir, "images", name + ".json")
        write_if_changed(spec, json.dumps({"image": image, "svg": svg, "rst": rst, "files": files,
                                           "url": url, "branch": branch}, indent=1, sort_keys=True))
        outputs = rst + [p for f in files for p in f["paths"]]
        edges.append({"name": name, "svg": svg, "spec": spec, "outputs": list(dict.fromkeys(outputs))})
        first = gen_dirs[0]
        for out in [rst[0]] + [f["paths"][0] for f in files]:
            generated[os.path.join(srcdir, os.path.relpath(out, first))] = out
    if errors:
        raise errors[0] if len(errors) == 1 else UserErrors(errors)
    return edges, generated


def remove_stale(spec_dir, names, gen_dirs):
    """Delete what images no longer listed made (their spec names it), in the gen dirs only."""
    try:
        specs = sorted(os.listdir(spec_dir))
    except FileNotFoundError:
        return
    for entry in specs:
        if not entry.endswith(".json") or entry[:-5] in names:
            continue
        spec_path = os.path.join(spec_dir, entry)
        try:
            with open(spec_path, encoding="utf-8") as f:
                spec = json.load(f)
            made = spec["rst"] + [p for item in spec["files"] for p in item["paths"]]
        except (OSError, ValueError, KeyError, TypeError):
            made = []
        for out in made:
            if any(os.path.abspath(out).startswith(os.path.abspath(g) + os.sep) for g in gen_dirs):
                try:
                    os.unlink(out)
                except OSError:
                    pass
        os.unlink(spec_path)


def render(spec):
    """The include giza wrote for one image."""
    import docutils.core
    import jinja2
    from docutils.writers.html4css1 import Writer  # docutils' "html", as giza used

    image = spec["image"]
    # giza's raw HTML shows the alt text rendered by docutils under the image.
    alt_html = docutils.core.publish_parts(image["alt"], writer=Writer())["body"].strip()
    with open(TEMPLATE, encoding="utf-8") as f:
        template = jinja2.Template(f.read(), trim_blocks=True, lstrip_blocks=True,
                                   keep_trailing_newline=True)
    text = template.render(name=image["name"], alt=image["alt"], outputs=image["outputs"],
                           suffix=suffix, url=html.escape(spec["url"].rstrip("/")),
                           branch=html.escape(spec["branch"]),
                           alt_attribute=html.escape(image["alt"]), alt_html=alt_html)
    return text.rstrip("\n") + "\n"  # giza ended it with blank lines: no use


def convert(svg, output, dpi, width, kind):
    """The converted bytes of `svg`; `output` is a scratch file beside the result."""
    command = [CONVERTER, "--dpi-x", f"{dpi:g}", "--dpi-y", f"{dpi:g}", "--width", f"{width:g}",
               "--keep-aspect-ratio", "--format", kind, "--output", output, svg]
    print("$", " ".join(command), flush=True)
    code = subprocess.call(command, stdin=subprocess.DEVNULL)
    if code:
        raise SystemExit(f"docbuild: {CONVERTER} failed with status {code} on {svg}")
    with open(output, "rb") as f:
        data = f.read()
    os.unlink(output)
    return data


def main(argv=None):
    (spec_path,) = sys.argv[1:] if argv is None else argv
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    if shutil.which(CONVERTER) is None:
        print(f"docbuild: images need {CONVERTER}, which is not installed.\n"
              f"  On Debian or Ubuntu: {INSTALL}", flush=True)
        return 1
    try:
        text = render(spec)
    except Exception as exc:  # a template or docutils problem: name the image
        report(UserError(f"cannot write the include of image {spec['image']['name']!r}: {exc}"))
        return 1
    for path in spec["rst"]:
        write_if_changed(path, text)
    for item in spec["files"]:
        first = item["paths"][0]
        os.makedirs(os.path.dirname(first), exist_ok=True)
        kind = "eps" if first.endswith(".eps") else "png"
        data = convert(spec["svg"], f"{first}.new{os.getpid()}", item["dpi"], item["width"], kind)
        for path in item["paths"]:
            write_if_changed(path, data)  # restat: an unchanged image triggers nothing
    return 0


if __name__ == "__main__":
    sys.exit(main())
