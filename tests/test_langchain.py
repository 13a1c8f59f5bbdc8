"""The LangChain retriever, used through langchain-core's own Runnable interface (invoke, batch, chains)."""
import asyncio

import pytest

pytest.importorskip("langchain_core", reason="the retriever tests need langchain-core (test extra)")

from langchain_core.documents import Document  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402
from langchain_core.runnables import RunnableLambda  # noqa: E402

from kzsearch import Index  # noqa: E402
from kzsearch.integrations.langchain import KzsearchRetriever  # noqa: E402
from serverkit import sentence_documents, sentence_index  # noqa: E402

QUERIES = ["облыс бюджеті", "AMANAT партиясы", "мәслихат сессиясы", "жоқсөзқұрама"]


@pytest.fixture(scope="module")
def index():
    return sentence_index()


def expected(index, query, k):
    return [(h.id, h.score, h.text) for h in index.search(query, k)]


def got(documents):
    return [(d.metadata["id"], d.metadata["score"], d.page_content) for d in documents]


def test_is_a_langchain_retriever(index):
    retriever = KzsearchRetriever.from_index(index, k=3)
    assert isinstance(retriever, BaseRetriever)
    documents = retriever.invoke("облыс бюджеті")
    assert all(isinstance(d, Document) for d in documents) and len(documents) == 3
    assert [d.id for d in documents] == [d.metadata["id"] for d in documents]


@pytest.mark.parametrize("k", [0, 1, 5, 200])
def test_invoke_returns_the_index_ranking(index, k):
    retriever = KzsearchRetriever(index=index, k=k)
    for query in QUERIES:
        assert got(retriever.invoke(query)) == expected(index, query, k)


def test_batch_and_async_match_invoke(index):
    retriever = KzsearchRetriever(index=index, k=5)
    batched = retriever.batch(QUERIES)
    assert [got(docs) for docs in batched] == [expected(index, q, 5) for q in QUERIES]
    assert got(asyncio.run(retriever.ainvoke(QUERIES[0]))) == expected(index, QUERIES[0], 5)
    assert [got(d) for d in asyncio.run(retriever.abatch(QUERIES))] == [got(d) for d in batched]


def test_composes_into_a_chain(index):
    chain = KzsearchRetriever(index=index, k=2) | RunnableLambda(lambda docs: [d.metadata["id"] for d in docs])
    assert chain.invoke("облыс бюджеті") == [h.id for h in index.search("облыс бюджеті", 2)]


def test_from_texts_and_from_path(tmp_path):
    docs = sentence_documents()
    retriever = KzsearchRetriever.from_texts([t for _, t, _ in docs], ids=[d for d, _, _ in docs], k=4)
    reference = Index()
    reference.add([(d, t) for d, t, _ in docs])
    assert got(retriever.invoke("облыс бюджеті")) == expected(reference, "облыс бюджеті", 4)
    retriever.index.save(tmp_path / "ix")
    loaded = KzsearchRetriever.from_path(tmp_path / "ix", k=4)
    assert got(loaded.invoke("облыс бюджеті")) == got(retriever.invoke("облыс бюджеті"))
    numbered = KzsearchRetriever.from_texts(["Мектеп оқушылары", "Облыс бюджеті"])
    assert numbered.invoke("бюджеті")[0].metadata["id"] == "1"


def test_metadata_are_stored_fields():
    texts, metadatas = ["Облыс бюджеті", "Мектеп бюджеті"], [{"region": "Алматы"}, {"region": "Түркістан"}]
    probe = KzsearchRetriever(index=Index())._engine
    if not probe.can.documents:
        with pytest.raises(ValueError, match="stored fields"):
            KzsearchRetriever.from_texts(texts, metadatas=metadatas)
        pytest.skip("Index has no stored fields yet (issue 11): metadatas are refused with a clear error")
    retriever = KzsearchRetriever.from_texts(texts, metadatas=metadatas, k=5)
    by_id = {d.metadata["id"]: d.metadata for d in retriever.invoke("бюджеті")}
    assert by_id["0"]["region"] == "Алматы" and by_id["1"]["region"] == "Түркістан"
    filtered = KzsearchRetriever(index=retriever.index, k=5, filter={"region": "Түркістан"})
    assert [d.metadata["id"] for d in filtered.invoke("бюджеті")] == ["1"]


def test_bad_arguments():
    with pytest.raises((TypeError, ValueError), match="kzsearch.Index"):
        KzsearchRetriever(index="not an index")
    with pytest.raises(ValueError):
        KzsearchRetriever(index=Index(), k=-1)
    with pytest.raises(TypeError, match="single str"):
        KzsearchRetriever.from_texts("one text")
    with pytest.raises(ValueError, match="one entry per text"):
        KzsearchRetriever.from_texts(["a", "b"], ids=["x"])
