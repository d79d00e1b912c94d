"""The html search index of an incremental build is a clean build's.

Sphinx rebuilds searchindex.js from the previous one, which it reads back
(IndexBuilder.load), drops the documents it is about to write (prune), and
feeds those again.  Three things go wrong on the way:
  * the index entries (`.. index::`, autodoc's) are not read back: they live
    in the environment, which was saved before writing, so every page not
    written this time loses them (werkzeug: 576 index keys clean, 24 after a
    one-page edit);
  * prune leaves the words of pages written again or removed as empty lists;
  * the entries' order is the order pages were fed, not the clean build's.

So each writer keeps the whole index as Sphinx holds it in memory
(docbuild-search.pickle in its doctree folder, beside the digest of the
searchindex.js written with it) and starts from that instead.  Without a
matching one (the first build, a build killed between the two files), every
page is written again, which is the only way to know the whole index.
"""

import hashlib
import os
import pickle

from docbuild.paths import write_if_changed

STATE = "docbuild-search.pickle"
FIELDS = ("_titles", "_filenames", "_all_titles", "_mapping", "_title_mapping", "_index_entries")


def _indexed(builder):
    return getattr(builder, "search", False) and hasattr(builder, "load_indexer")


def _digest(builder):
    try:
        with open(os.path.join(builder.outdir, builder.searchindex_filename), "rb") as f:
            return hashlib.sha1(f.read()).hexdigest()
    except OSError:
        return None


def saved(app):
    """The index kept with the searchindex.js on disk, or None."""
    try:
        with open(os.path.join(app.doctreedir, STATE), "rb") as f:
            data = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    if not isinstance(data, dict) or data.get("index") != _digest(app.builder) or data["index"] is None:
        return None
    return data


class SearchIndex:
    """A writer's kept index: read once (at env-updated), used when Sphinx
    loads its indexer, written again after Sphinx dumps searchindex.js."""

    def __init__(self):
        self.data = None

    def outdated(self, app, env):
        """env-updated: every document, when no kept index matches the page's."""
        if not _indexed(app.builder):
            return []
        self.data = saved(app)
        return [] if self.data is not None else sorted(env.found_docs)

    def builder_inited(self, app):
        builder = app.builder
        if not _indexed(builder):
            return
        load, dump = builder.load_indexer, builder.dump_search_index

        def load_indexer(docnames):
            indexer = builder.indexer
            if self.data is None:
                load(docnames)  # Sphinx's: every page is written, nothing to keep
                return
            for field in FIELDS:
                if field == "_index_entries":  # the same dict as the environment's
                    indexer._index_entries.clear()
                    indexer._index_entries.update(self.data[field])
                else:
                    setattr(indexer, field, self.data[field])
            keep = set(builder.env.all_docs) - set(docnames)
            indexer.prune(keep)
            for mapping in (indexer._mapping, indexer._title_mapping):
                for word in [w for w, docs in mapping.items() if not docs]:
                    del mapping[word]
            for doc in [d for d in indexer._index_entries if d not in keep]:
                del indexer._index_entries[doc]

        def dump_search_index():
            indexer = builder.indexer
            if indexer is not None:
                # A clean build feeds the pages in name order.
                entries = sorted(indexer._index_entries.items())
                indexer._index_entries.clear()
                indexer._index_entries.update(entries)
            dump()
            if indexer is not None:
                data = {field: getattr(indexer, field) for field in FIELDS}
                data["index"] = _digest(builder)
                write_if_changed(os.path.join(app.doctreedir, STATE),
                                 pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))

        builder.load_indexer = load_indexer
        builder.dump_search_index = dump_search_index


def setup(app):
    index = SearchIndex()
    app.connect("builder-inited", index.builder_inited)
    app.connect("env-updated", index.outdated)
