# -*- coding: utf-8 -*-
"""Run giza 0.5's own image include writer (giza.content.images.views) on a
metadata.yaml: python2.7 giza_images.py ORACLE_DIR SOURCE_DIR OUT_DIR.

run_giza.py does not cover images (giza shells out to Inkscape for the PNGs);
the include files need only giza's config classes and its view.
URL and branch: https://docs.example.org and master.
"""
import os
import sys

import yaml

sys.path.insert(0, sys.argv[1])
from libgiza.config import ConfigurationBase  # noqa: E402


class NS(object):
    def __init__(self, **kw):
        self.__dict__.update(kw)


class Conf(ConfigurationBase):
    pass


def main():
    source, out = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    import giza.config.images as images
    import giza.content.images.views as views
    conf = Conf()
    object.__setattr__(conf, 'paths', NS(projectroot=out, images='source/images',
                                         branch_images='images'))
    object.__setattr__(conf, 'project', NS(edition=None, name='manual', url='https://docs.example.org'))
    object.__setattr__(conf, 'git', NS(branches=NS(current='master')))
    if not os.path.isdir(os.path.join(out, 'images')):
        os.makedirs(os.path.join(out, 'images'))
    data = images.ImageData()
    data.conf = conf
    with open(os.path.join(source, 'images', 'metadata.yaml')) as f:
        for doc in yaml.safe_load_all(f):
            data.append(doc)
    for image in data:
        views.generate_image_pages(image, conf)


main()
