"""The bundled sample corpus: five Kazakh regional news articles (2018-2025).

Installed as the package ``kzsearch.seeds`` so that the files travel with
every install; read them with :func:`kzsearch.corpus.seed_documents`.
"""
