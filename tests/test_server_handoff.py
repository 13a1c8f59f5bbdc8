"""The write hand-off inside a worker of ``serve --workers N`` (replication.Replica), without processes.

A fake coordinator on the other end of a connection: writes waiting on the
connection are applied before the next search starts (they jump the queue of
requests on the event loop), and once a write's answer is back the searches
queued behind it wait until that write's request has resumed.
"""
import asyncio
import socket
from functools import partial
from multiprocessing.connection import Connection

import pytest

pytest.importorskip("fastapi", reason="the server tests need the server extra (fastapi, uvicorn)")

from kzsearch import Index  # noqa: E402
from kzsearch.server.engine import SearchEngine  # noqa: E402
from kzsearch.server.replication import Replica, ReplicatedWorkers  # noqa: E402


def pair():
    a, b = socket.socketpair()
    return Connection(a.detach()), Connection(b.detach())


def engine():
    index = Index(background_merges=False)
    index.add([{"id": "a", "text": "Облыс бюджеті"}])
    return SearchEngine(index)


def worker_zero():
    """Worker 0 of 2 over a one-document index, and the coordinator's end of its pipe."""
    worker_end, coordinator = pair()
    eng = engine()
    replica = Replica(worker_end, eng, on_drain=lambda: None)
    return coordinator, eng, replica, ReplicatedWorkers(0, replica, 2)


def test_a_waiting_write_is_applied_before_the_next_search():
    coordinator, eng, replica, workers = worker_zero()

    async def main():
        replica.attach()
        # the coordinator orders a write (from another worker) while this loop is busy
        coordinator.send(("apply", 1, "put", ([{"id": "b", "text": "Жаңа көпір"}],)))
        found = await workers.read(lambda: [h.id for h in eng.search("көпір").hits])
        replica._close()
        return found

    assert asyncio.run(main()) == ["b"]  # the search saw it: pumped before the search ran
    assert coordinator.recv() == ("ack", 1, ("ok", 1))


def test_searches_queued_behind_an_answered_write_let_it_go_first():
    coordinator, eng, replica, workers = worker_zero()
    order = []

    async def write():
        await workers.write(partial(eng.put, [{"id": "c", "text": "Мектеп"}]))
        order.append("write answered")

    async def search(n):
        await workers.read(lambda: order.append(f"search {n}"))

    async def main():
        replica.attach()
        task = asyncio.ensure_future(write())
        await asyncio.sleep(0)  # the write has asked the coordinator
        kind, number, name, args = coordinator.recv()
        assert (kind, name) == ("op", "put")
        coordinator.send(("apply", 1, name, args))
        coordinator.send(("done", number, ("ok", 1)))
        # three searches already queued: the first takes the answer off the connection, and
        # none runs before the write's request has resumed
        await asyncio.gather(search(1), search(2), search(3))
        await task
        assert replica.urgent == set()
        replica._close()

    asyncio.run(main())
    assert order[0] == "write answered" and sorted(order[1:]) == ["search 1", "search 2", "search 3"]
    assert "c" in eng.index


@pytest.mark.parametrize("expected_matches", [True, False])
def test_the_asking_worker_applies_last_and_answers_when_its_outcome_agrees(expected_matches):
    from kzsearch.server.replication import signature

    coordinator, eng, replica, workers = worker_zero()
    order = []

    async def write():
        try:
            order.append(("answered", await workers.write(partial(eng.put, [{"id": "c", "text": "Мектеп"}]))))
        except RuntimeError as e:
            order.append(("failed", str(e)))

    async def main():
        replica.attach()
        task = asyncio.ensure_future(write())
        await asyncio.sleep(0)
        kind, number, name, args = coordinator.recv()
        # the other workers had ("ok", 1); this one applies it last and answers at once when it agrees
        expected = signature(("ok", 1) if expected_matches else ("ok", 2))
        coordinator.send(("apply", 7, name, args, number, expected))
        await asyncio.gather(*(workers.read(lambda: order.append("search")) for _ in range(2)))
        assert coordinator.recv() == ("ack", 7, ("ok", 1))
        if not expected_matches:  # no answer yet: the coordinator's verdict decides
            assert not task.done()
            coordinator.send(("done", number, ("error", RuntimeError("the service's workers disagree"))))
            await workers.read(lambda: None)
        await task
        replica._close()

    asyncio.run(main())
    if expected_matches:
        assert order[0] == ("answered", 1) and order[1:] == ["search", "search"]
    else:
        assert order == ["search", "search", ("failed", "the service's workers disagree")]
    assert "c" in eng.index
