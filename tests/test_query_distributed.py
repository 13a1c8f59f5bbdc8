"""The query language through the sharded index equals one big Index (collection-wide statistics)."""
import pytest

pytest.importorskip("distributed")

from kzsearch.distributed import ShardedIndex  # noqa: E402

from test_distributed import CORPUS, METHODS, assert_same_hits, client, single_index, words  # noqa: E402,F401

SYNTAX = ['"облыс бюджет"', '"бюджет мектеп"~2', "облыс -бюджет", "+мектеп су", "мектеп AND NOT облыс",
          "бюдж* жол", "(су OR жер) AND облыс"]


@pytest.mark.parametrize("method", METHODS)
def test_syntax_queries_on_shards_score_as_one_index(client, method):  # noqa: F811
    single = single_index(CORPUS, analyzer=words, method=method)
    with ShardedIndex.build(client, CORPUS, n_shards=3, analyzer=words, method=method) as sharded:
        for query in SYNTAX:
            assert_same_hits(sharded.search(query, 1000), single.search(query, 1000))
