# -*- coding: utf-8 -*-
"""Run giza 0.5's own includes overview writer (giza.content.includes) on a
source folder: python2.7 giza_overview.py ORACLE_DIR SOURCE_DIR OUT_DIR.

run_giza.py does not cover the overview; it needs only giza's content
registry (for the YAML prefixes), grep, and includes/metadata.yaml.
Writes OUT_DIR/overview.rst.
"""
import os
import shutil
import sys

import yaml

sys.path.insert(0, sys.argv[1])
from libgiza.config import ConfigurationBase  # noqa: E402


class NS(object):
    def __init__(self, **kw):
        self.__dict__.update(kw)


class Data(dict):
    def __getattr__(self, key):
        return self[key]


class Conf(ConfigurationBase):
    pass


def main():
    source, out = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    root = os.path.join(out, 'proj')
    if os.path.exists(root):
        shutil.rmtree(root)
    shutil.copytree(source, os.path.join(root, 'source'))
    os.chdir(root)
    conf = Conf()
    object.__setattr__(conf, 'paths', NS(projectroot=root, source='source',
                                         includes='source/includes',
                                         branch_includes='build/master/source/includes'))
    from giza.config.content import ContentRegistry
    with open(os.path.join('source', 'includes', 'metadata.yaml')) as f:
        settings = yaml.safe_load(f)
    object.__setattr__(conf, 'system', NS(content=ContentRegistry(),
                                          files=NS(data=Data(includes=settings))))
    object.__setattr__(conf, 'project', NS(edition=None, name='manual', url='http://example.org'))
    object.__setattr__(conf, 'runstate', NS(fast=False))
    from giza.content.steps.tasks import register_steps
    from giza.content.options.tasks import register_options
    from giza.content.extract.tasks import register_extracts
    from giza.content.release.tasks import register_releases
    from giza.content.tocs.tasks import register_toc
    from giza.content.apiargs.tasks import register_apiargs
    from giza.content.examples.tasks import register_examples
    for register in (register_options, register_steps, register_releases, register_examples,
                     register_extracts, register_toc, register_apiargs):
        register(conf)
    from giza.content.includes import write_include_index
    write_include_index(os.path.join(out, 'overview.rst'), conf)


main()
