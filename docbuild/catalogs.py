"""Translation catalogs, with Babel (which Sphinx itself depends on).

  python -m docbuild.catalogs compile --out DIR --lang L [SRC.po INDEX REL]...
      the build step: each .po of language L becomes DIR/INDEX/L/REL (a copy)
      and the .mo beside it.  Sphinx is pointed at DIR/INDEX instead of the
      project's locale dirs, so it never writes .mo files into the source
      tree, and the .po copy lets it note each .mo as a dependency of the
      documents it translates.  Files are written only when their bytes
      change, so an edit of one language's .po rebuilds only that language
      (and in it only the documents of the changed catalog).

  python -m docbuild catalogs update [--build-dir DIR] [--no-build]
      the command a translation team runs: build the gettext target(s), then
      merge the message templates (.pot) into every language's .po files in
      the project's first locale dir, creating missing ones.  This is the one
      command that writes into the source tree: that is its purpose.
"""

import argparse
import io
import os
import sys

from docbuild.errors import entry_point
from docbuild.paths import read_plan, write_if_changed


def _read_po(path, locale):
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def compile_catalogs(out, lang, triples):
    from babel.messages.mofile import write_mo

    for src, index, rel in triples:
        target = os.path.join(out, index, lang, rel)
        with open(src, "rb") as f:
            data = f.read()
        write_if_changed(target, data)
        try:
            catalog = _read_po(src, lang)
        except Exception as exc:  # babel raises several kinds for a broken file
            print(f"{src}: error: cannot read the catalog: {exc}\n"
                  "  hint: fix the .po file (msgfmt --check-format FILE shows where)", file=sys.stderr)
            return 1
        buf = io.BytesIO()
        write_mo(buf, catalog)
        write_if_changed(target[:-3] + ".mo", buf.getvalue())
    return 0


def merge_templates(pot_files):
    """One template catalog of every message in `pot_files` (several editions)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    merged = Catalog()
    for path in pot_files:
        with open(path, "rb") as f:
            for message in read_po(f):
                if not message.id:
                    continue
                if message.id in merged:
                    known = merged[message.id]
                    known.locations = sorted(set(known.locations) | set(message.locations))
                else:
                    merged[message.id] = message
    return merged


def update(plan):
    """Merge the .pot files of the gettext outputs into each language's .po files."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    domains = {}
    for folder in plan["gettext_dirs"]:
        for root, _, names in os.walk(folder):
            for name in names:
                if name.endswith(".pot"):
                    rel = os.path.relpath(os.path.join(root, name), folder)
                    domains.setdefault(rel[:-4], []).append(os.path.join(root, name))
    if not domains:
        print("docbuild: error: the gettext build made no .pot files", file=sys.stderr)
        return 1
    changed = 0
    for lang in plan["languages"]:
        for domain, pots in sorted(domains.items()):
            template = merge_templates(pots)
            path = os.path.join(plan["locale_dir"], lang, "LC_MESSAGES", domain + ".po")
            if os.path.exists(path):
                catalog = _read_po(path, lang)
            else:
                catalog = Catalog(locale=lang, domain=os.path.basename(domain),
                                  project=plan.get("project"), version=plan.get("version"))
            catalog.update(template, no_fuzzy_matching=True)
            buf = io.BytesIO()
            write_po(buf, catalog, width=76, omit_header=False, ignore_obsolete=True)
            if write_if_changed(path, buf.getvalue()):
                changed += 1
                print(f"updated {os.path.relpath(path)}")
    print(f"docbuild: {changed} catalog(s) updated for {', '.join(plan['languages'])}; "
          "translate them, then `ninja` rebuilds each language whose catalogs changed")
    return 0


def catalogs_main(argv, prog="python -m docbuild catalogs"):
    """`catalogs update`: the one subcommand a user runs (`compile` is a step's)."""
    if argv[:1] != ["update"]:
        print(f"usage: {prog} update [--build-dir DIR] [--no-build]\n\n"
              "Build the gettext target, then merge the messages into each language's .po files.",
              file=sys.stderr if argv[:1] not in (["-h"], ["--help"]) else sys.stdout)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    return update_main(argv[1:], prog=f"{prog} update")


@entry_point
def update_main(argv, prog="python -m docbuild catalogs update"):
    p = argparse.ArgumentParser(prog=prog,
                                description="Extract the messages (ninja gettext) and merge them "
                                            "into each configured language's .po files.")
    p.add_argument("--build-dir", default="build", help="the build dir configure used (default: build)")
    p.add_argument("--no-build", action="store_true", help="do not run `ninja gettext` first")
    args = p.parse_args(argv)
    plan = read_plan(args.build_dir, "catalogs.json")
    if not plan["languages"]:
        print("docbuild: error: no `languages:` in docbuild.yaml, so there are no catalogs to update",
              file=sys.stderr)
        return 1
    if not args.no_build:
        from docbuild.ninja_tool import call

        code = call(plan["gettext_targets"])
        if code:
            print("docbuild: error: the gettext build failed; see its log above", file=sys.stderr)
            return code
    return update(plan)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "compile":
        print("usage: python -m docbuild.catalogs compile --out DIR --lang L [SRC INDEX REL]...",
              file=sys.stderr)
        return 2
    p = argparse.ArgumentParser(prog="python -m docbuild.catalogs compile")
    p.add_argument("--out", required=True)
    p.add_argument("--lang", required=True)
    p.add_argument("files", nargs="*")
    args = p.parse_args(argv[1:])
    triples = [tuple(args.files[i:i + 3]) for i in range(0, len(args.files), 3)]
    return compile_catalogs(args.out, args.lang, triples)


if __name__ == "__main__":
    sys.exit(main())
