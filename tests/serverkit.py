"""Shared by the server tests: a small Kazakh collection and a real server on a loopback port."""
import contextlib
import re

from kzsearch import Index
from kzsearch.corpus import seed_documents
from kzsearch.server import ServerSettings, SearchEngine, create_app
from kzsearch.server.run import serving_in_thread

TOKEN = "test-token-123"


def sentence_documents():
    """The bundled articles cut into sentences: [(id, text, region)], ~100 short documents."""
    docs = []
    for name, text in seed_documents():
        region = "Түркістан" if name.startswith("turkistan") else "Батыс Қазақстан"
        for i, sentence in enumerate(s.strip() for s in re.split(r"(?<=[.!?])\s+", text)):
            if len(sentence) > 20:
                docs.append((f"{name}-{i}", sentence, region))
    return docs


def sentence_index():
    index = Index(background_merges=False)
    docs = sentence_documents()
    if SearchEngine(index).can.documents:  # stored fields (issue 11): keep the region as metadata
        index.add([{"id": d, "text": t, "region": r} for d, t, r in docs])
    else:
        index.add([(d, t) for d, t, _ in docs])
    return index


@contextlib.contextmanager
def running(index=None, path=None, **settings):
    """(base URL, engine) of a real uvicorn server on 127.0.0.1, stopped on exit."""
    engine = SearchEngine(index if index is not None else sentence_index(), path=path)
    app = create_app(engine, ServerSettings(**settings))
    with serving_in_thread(app, "127.0.0.1") as url:
        yield url, engine
