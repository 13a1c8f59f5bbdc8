"""A LangChain retriever over a kzsearch index, for RAG pipelines (extra ``kzsearch[langchain]``).

:class:`KzsearchRetriever` is a ``langchain_core`` ``BaseRetriever``: it
answers ``invoke``, ``batch`` and their async forms, and composes into any
chain. Each hit becomes a ``Document`` whose ``page_content`` is the stored
text and whose ``metadata`` holds the other stored fields, the ``id`` and the
BM25 ``score``. Build it from an :class:`~kzsearch.Index`, from a folder saved
with ``Index.save``, or from a list of texts.

>>> retriever = KzsearchRetriever.from_texts(
...     ["Облыс бюджеті нақтыланды", "Мектеп оқушылары"], ids=["a", "b"], k=1)
>>> doc = retriever.invoke("бюджеті")[0]
>>> doc.page_content, doc.metadata["id"]
('Облыс бюджеті нақтыланды', 'a')

Only ``langchain-core`` is needed (not ``langchain``).
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field, PrivateAttr

from ..index import Index
from ..server.engine import SearchEngine


class KzsearchRetriever(BaseRetriever):
    """The ``k`` best documents of a kzsearch index for a query (``filter``: issue 11's metadata filters)."""

    index: Any = Field(description="the kzsearch.Index searched")
    k: int = Field(default=4, ge=0, description="documents returned per query")
    filter: Optional[Dict[str, Any]] = Field(default=None, description="metadata filter for every query")
    _engine: SearchEngine = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        if not isinstance(self.index, Index):
            raise TypeError(f"index must be a kzsearch.Index, not {type(self.index).__name__}")
        self._engine = SearchEngine(self.index)

    @classmethod
    def from_index(cls, index: Index, **kwargs: Any) -> "KzsearchRetriever":
        return cls(index=index, **kwargs)

    @classmethod
    def from_path(cls, path: Any, **kwargs: Any) -> "KzsearchRetriever":
        """Over the index saved in the folder ``path``."""
        return cls(index=Index.load(path), **kwargs)

    @classmethod
    def from_texts(cls, texts: Iterable[str], metadatas: Optional[Sequence[Mapping[str, Any]]] = None,
                   ids: Optional[Sequence[str]] = None, index_kwargs: Optional[Mapping[str, Any]] = None,
                   **kwargs: Any) -> "KzsearchRetriever":
        """Over a new index of ``texts`` (ids: running numbers unless given; ``metadatas``
        become stored fields, which need an index with fields)."""
        if isinstance(texts, str):
            raise TypeError("texts must be a list of str, not a single str")
        texts = list(texts)
        ids = [str(i) for i in range(len(texts))] if ids is None else list(ids)
        metadatas = [{} for _ in texts] if metadatas is None else list(metadatas)
        if len(ids) != len(texts) or len(metadatas) != len(texts):
            raise ValueError(f"ids and metadatas must have one entry per text ({len(texts)})")
        index = Index(**dict(index_kwargs or {}))
        SearchEngine(index).put([{**meta, "id": doc_id, "text": text}
                                 for doc_id, text, meta in zip(ids, texts, metadatas)])
        return cls(index=index, **kwargs)

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> List[Document]:
        result = self._engine.search(query, k=self.k, filter=self.filter, snippets=False)
        text_field = getattr(self.index, "text_field", "text")
        documents = []
        for hit in result.hits:
            metadata = {key: value for key, value in hit.fields.items() if key != text_field}
            metadata.update(id=hit.id, score=hit.score)
            documents.append(Document(page_content=hit.text, metadata=metadata, id=hit.id))
        return documents
