"""kzsearch inside other frameworks: ``langchain`` (a retriever for RAG pipelines, extra ``kzsearch[langchain]``)."""
