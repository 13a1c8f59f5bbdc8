"""The search engine below the public :class:`kzsearch.Index`, one module a stage.

``vocabulary`` (term -> id) -> ``segment`` (immutable postings as flat
arrays) + ``docstore`` (stored strings) -> ``scoring`` (BM25 variants) ->
``searcher`` (query execution over a snapshot of segments; ``pruning``
skips the blocks of postings, from ``blocks``, that cannot reach the top k,
and ``selection`` picks the top k) -> ``merging``
(which segments to merge) -> ``storage`` (the save/load protocol), with
``layout`` (a segment's arrays on disk and their structure checks),
``commit`` (the commit file) and ``files`` (reading and writing an untrusted
folder); ``locks`` holds the fork-safe lock every module uses.

Lower layers never import higher ones: nothing here imports
:mod:`kzsearch.index`, the CLI or the analysis chain; ``storage`` returns the
parts of a saved index and :meth:`kzsearch.Index.load` assembles them.
"""
