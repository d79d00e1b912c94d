"""The in-process baseline of benchmarks/content.py: every structured YAML
file of a source tree generated in one Python process, as a hand-written
loop around docbuild's generator would.

    python benchmarks/inproc_generate.py SRCDIR ROOT OUT GLOBALS.json
"""

import json
import os
import sys

from docbuild import content, generate
from docbuild.paths import write_if_changed


def main(argv):
    srcdir, root, out, globals_file = argv[:4]
    with open(globals_file, encoding="utf-8") as f:
        values = json.load(f)
    project = content.Project(srcdir, root, values)
    env = generate.environment()
    files = outputs = 0
    for path in content.discover(project.srcdir):
        folder = os.path.join(out, os.path.relpath(os.path.dirname(path), project.srcdir))
        for rel, text in generate.generate(path, project, env).items():
            write_if_changed(os.path.join(folder, rel), text)
            outputs += 1
        files += 1
    print(f"in-process: {files} files, {outputs} outputs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
