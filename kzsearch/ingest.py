"""From checked documents (:mod:`kzsearch.documents`) to new segments: analyse, invert.

Documents are read in batches of ``BATCH_DOCS`` and checked before
anything is analysed; each batch's field texts go to analysis as one flat
list (document after document, field after field), so that one
:class:`~kzsearch.parallel.AnalysisPool` serves every index. Analysed
batches are buffered up to ``SEGMENT_TOKENS`` words (:func:`~kzsearch.parallel.words`: a word's
sub-word view terms share its position and ride with it, so that views do not
halve the documents a segment holds and add a tier of merges) and inverted into one
segment on a background thread, one segment at a time, while analysis goes
on. Memory stays bounded: every ``GROUP_TOKENS`` buffered tokens are
inverted into a compact part at once and a flush stacks the parts
(:func:`flush`, :func:`~kzsearch.engine.stacking.stack_segments`); a
batch's texts come back from the worker processes compressed as a save
stores them (format 3's blocks) and go straight to a file of the spill
folder (:class:`~kzsearch.engine.spill.TextSpool`; analysed in this process,
they become UTF-8 blocks); its stored JSON becomes a UTF-8 block as soon
as it is analysed (its Python strings are dropped); at most two segments'
worth of tokens are held; and a finished large segment is spilled to disk
and memory-mapped back (:mod:`kzsearch.engine.spill`; a failed ``add``
unlinks what it spilled and spooled).

>>> item = Analyzed(None, np.array([0, 1, 0], dtype=np.int32), np.array([2, 1]), None)
>>> seg = invert_group([item], n_fields=1)
>>> seg.docs.tolist(), seg.tfs.tolist(), item.term_ids is None
([0, 1, 0], [1, 1, 1], True)
"""
from __future__ import annotations

import itertools
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Deque, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .documents import Batch, Document, _running_number, batches, stored_document  # noqa: F401
from .engine.columns import build_columns
from .engine.docstore import TextBlock
from .engine.segment import FIELD_SHIFT, MAX_POSITION, Segment, build_segment, narrow_counts
from .engine.stacking import stack_segments
from .engine import spill
from .engine.spill import TextSpool, release_memory
from .engine.text_zipping import compress_texts
from .engine.zipped_texts import ZippedTexts
from .parallel import AnalysisPool, AnalyzedBatch, default_workers, words
from .progress import Progress

#: documents analysed together (one task for a worker process)
BATCH_DOCS = 1000
#: tokens buffered before they are inverted into a segment
SEGMENT_TOKENS = 8_000_000
#: tokens inverted at a time by a flush (see :func:`flush`)
GROUP_TOKENS = 1 << 19
#: below this many documents an add stays in this process
PARALLEL_MIN_DOCS = 20_000
#: an input of at most this many documents (one batch) is inverted on the calling thread: starting
#: the inverting thread cost a one-document update about 2 of its 3 ms (more on a busy machine,
#: where the new thread waits for a core), and there is no analysis left to overlap with
INLINE_DOCS = 64


@dataclass
class Analyzed:
    """A batch after analysis: global term ids, tokens per unit, encoded positions.

    Its hit texts and stored JSON are packed (:func:`packed`) and the batch's
    strings dropped, so that a buffered or finished segment holds UTF-8
    bytes, not a Python object per document.
    """

    batch: Batch
    term_ids: np.ndarray
    unit_lengths: np.ndarray
    positions: Optional[np.ndarray]
    texts: Optional[TextBlock] = None
    stored: Optional[TextBlock] = None


def packed(strings: Sequence[str]) -> TextBlock:
    """``strings`` as one UTF-8 block (a Python str of Kazakh text takes twice its UTF-8 size).

    >>> block = packed(["мектеп", "AMANAT"])
    >>> block.strings is None, block[0]
    (True, 'мектеп')
    """
    return TextBlock(*TextBlock.from_strings(strings).to_arrays())


def _pack(item: Analyzed, zipped: Optional[Dict[str, np.ndarray]] = None) -> Analyzed:
    """Pack the batch's texts (``zipped``: as a worker compressed them) and stored JSON; drop
    its strings (see :class:`Analyzed`)."""
    batch = item.batch
    item.texts = ZippedTexts.from_parts(zipped) if zipped is not None else packed(batch.texts)
    if batch.stored is not None:
        item.stored = packed(batch.stored)
    batch.texts, batch.units, batch.stored = [], [], None
    return item


def ingest(index: Any, texts: Iterable[Document], ids: Optional[Iterable[str]], replace: bool,
           workers: Optional[int], progress: bool, schema: Dict[str, str]
           ) -> Tuple[List[Segment], List[str]]:
    """Validate, analyse and invert the input into new (not yet visible) segments of ``index``."""
    check_existing = bool(index._snapshot.segments) and not replace  # a fresh index needs no lookup
    fields = list(index.fields)
    n_fields = len(fields)
    seen: set = set()
    new_ids: List[str] = []
    segments: List[Segment] = []
    # ids handed out by default_ids are distinct running numbers: only the explicit ones are kept
    # (a million default ids would hold ~100 MB), and checked against the numbers handed out at the end
    first_default = index._next_id
    stream = batches(texts, ids, index._default_ids(), fields, index.text_field, schema, BATCH_DOCS)
    # look ahead: only an input of PARALLEL_MIN_DOCS or more pays for worker processes
    head = list(itertools.islice(stream, max(1, PARALLEL_MIN_DOCS // BATCH_DOCS)))
    if not head:
        return [], []
    large = sum(len(batch.ids) for batch in head) >= PARALLEL_MIN_DOCS
    inline = len(head) == 1 < max(1, PARALLEL_MIN_DOCS // BATCH_DOCS) and len(head[0].ids) <= INLINE_DOCS
    n_workers = workers or (default_workers() if large else 1)
    bar = Progress("indexing", enabled=progress)
    pending: Deque[Batch] = deque()  # batches sent to analysis

    def checked() -> Iterator[List[str]]:
        for batch in itertools.chain(head, stream):
            for doc_id in batch.explicit:
                if doc_id in seen:
                    raise ValueError(f"ids: {doc_id!r} appears twice")
                seen.add(doc_id)
            if check_existing:
                present = index._live_ids_among(batch.ids)
                for doc_id in batch.ids if present else ():
                    if doc_id in present:
                        raise ValueError(f"ids: {doc_id!r} is already in the index "
                                         "(use replace=True or update())")
            if replace:
                new_ids.extend(batch.ids)
            pending.append(batch)
            yield batch.units
        for doc_id in seen:
            if _running_number(doc_id) in range(first_default, index._next_id):
                raise ValueError(f"ids: {doc_id!r} appears twice")

    inverting: List[Future] = []  # the segment being inverted (see _run)
    spools: List[TextSpool] = []  # texts spooled to disk (see _run)
    try:
        _run(index, checked(), pending, n_fields, schema, n_workers, bar, inverting, segments, spools, inline)
    except BaseException:  # spilled segments of a failed add leave no files behind
        done = [f.result() for f in inverting if f.done() and f.exception() is None]
        index._discard_spilled(segments + done)
        for spool in spools:
            spool.discard()
        raise
    bar.close()
    return segments, new_ids


def _sealed_flush(index: Any, buffer: List[Analyzed], n_fields: int, schema: Dict[str, str],
                  name: str, parts: Optional[List[Any]] = None, spool: Optional[TextSpool] = None
                  ) -> Segment:
    """:func:`flush`, then the segment spilled to disk if it is large (``Index._sealed``; with
    ``spool``, its texts' file is taken over, or read back into memory for a small segment)."""
    seg = flush(buffer, n_fields, schema, name, parts, spool)
    release_memory()  # the inversion's temporaries, freed, go back to the system
    if spool is None:
        seg = index._sealed(seg)
    elif seg.n_docs >= spill.MIN_DOCS:
        seg = spool.folder.spill(seg, ready=spool.entry())
        spool.taken = True
    else:
        texts = seg.texts.parts()
        seg = replace(seg, texts=ZippedTexts.from_parts({**texts, "texts.z": np.array(texts["texts.z"])}))
        spool.discard()
    release_memory()
    return seg


def _run(index: Any, units: Iterator[List[str]], pending: Deque[Batch], n_fields: int, schema: Dict[str, str],
         n_workers: int, bar: Progress, inverting: List[Future], segments: List[Segment],
         spools: List[TextSpool], inline: bool = False) -> None:
    """Analyse ``units`` on the pool, buffer and invert (see :func:`ingest`), appending to ``segments``.

    Segments are inverted on a thread (NumPy's sorts let go of the GIL) while
    analysis goes on: every ``GROUP_TOKENS`` buffered tokens into a compact
    part (:func:`invert_group`), so that the buffer holds about 5 bytes a
    token instead of 8, and each segment's parts are stacked by :func:`flush`,
    one segment at a time (``inverting`` holds the one in progress), so at
    most two segments' worth of tokens are held. Texts that come back compressed from worker
    processes go straight to a :class:`~kzsearch.engine.spill.TextSpool` file
    (one per segment, listed in ``spools``) when spilling is on. With ``inline`` (a small
    input, :data:`INLINE_DOCS`) the same steps run on the calling thread instead.
    """
    buffer: List[Analyzed] = []
    parts: List[Any] = []  # futures of the buffer's inverted groups (see invert_group)
    buffered_tokens = raw_from = raw_tokens = 0
    spool: Optional[TextSpool] = None

    def invert(inverter: Any, buffered: List[Analyzed], inverted: List[Any],
               texts: Optional[TextSpool]) -> None:
        if inverting:
            segments.append(inverting.pop().result())
        inverting.append(inverter.submit(_sealed_flush, index, buffered, n_fields, dict(schema),
                                         index._new_segment_name(), inverted, texts))

    with (_Inline() if inline else ThreadPoolExecutor(1, thread_name_prefix="kzsearch-invert")) as inverter:
        with AnalysisPool(index.analyzer, n_workers, positions=index.positions, vocabulary=index._vocab,
                          hit_texts=(list(index.fields).index(index.text_field), n_fields)) as pool:
            for analyzed in pool.map(units):
                batch = pending.popleft()
                item = _pack(_encode(batch, analyzed, analyzed.global_ids(index._vocab), n_fields),
                             analyzed.zipped)
                if spool is None and not buffer and analyzed.zipped is not None:
                    folder = index._spill_folder()
                    if folder is not None:
                        spool = folder.spool()
                        spools.append(spool)
                if spool is not None:
                    texts = item.texts if isinstance(item.texts, ZippedTexts) else \
                        ZippedTexts.from_parts(compress_texts(item.texts))  # type: ignore[arg-type]
                    spool.append(texts)
                    item.texts = texts = None
                del analyzed
                buffer.append(item)
                buffered_tokens += words(len(item.term_ids), item.positions)
                raw_tokens += len(item.term_ids)
                bar.advance(len(batch.ids))
                if buffered_tokens >= SEGMENT_TOKENS:
                    invert(inverter, buffer, parts, spool)
                    buffer, parts, buffered_tokens, raw_from, raw_tokens, spool = [], [], 0, 0, 0, None
                elif raw_tokens >= GROUP_TOKENS:  # on the thread too, before the flush that stacks it
                    parts.append(inverter.submit(invert_group, buffer[raw_from:], n_fields, True))
                    raw_from, raw_tokens = len(buffer), 0
        if buffer:
            invert(inverter, buffer, parts, spool)
        if inverting:
            segments.append(inverting.pop().result())


class _Inline:
    """``ThreadPoolExecutor.submit`` run at once on the calling thread (its outcome in a done Future)."""

    def submit(self, fn: Any, *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # (as the pool's thread does: raised again by result())
            future.set_exception(exc)
        return future

    def __enter__(self) -> "_Inline":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


def _encode(batch: Batch, analyzed: AnalyzedBatch, term_ids: np.ndarray, n_fields: int) -> Analyzed:
    """Field-encode the batch's positions; drop tokens past ``MAX_POSITION`` in their field."""
    lengths = analyzed.lengths
    positions = analyzed.positions
    if positions is None:
        return Analyzed(batch, term_ids, lengths, None)
    positions = positions.astype(np.int32, copy=False)
    if len(positions) and int(positions.max()) >= MAX_POSITION:
        keep = positions < MAX_POSITION
        unit_of_token = np.repeat(np.arange(len(lengths)), lengths)
        lengths = np.bincount(unit_of_token[keep], minlength=len(lengths)).astype(np.int32)
        term_ids, positions = term_ids[keep], positions[keep]
    if n_fields > 1:
        unit_field = np.tile(np.arange(n_fields, dtype=np.int32), len(lengths) // n_fields)
        positions = positions | (np.repeat(unit_field, lengths) << FIELD_SHIFT)
    return Analyzed(batch, term_ids, lengths, positions)


def flush(buffer: List[Analyzed], n_fields: int, schema: Dict[str, str], name: str,
          parts: Optional[List[Any]] = None, spool: Optional[TextSpool] = None) -> Segment:
    """Invert buffered analysed batches into one segment named ``name``.

    ``parts``: the first batches' tokens, already inverted (:func:`invert_group`,
    or its futures; their batches' token arrays are None). The rest are inverted a group of
    ``GROUP_TOKENS`` at a time, each group's arrays let go of as soon as it
    is inverted; more than one part is stacked by placement
    (:func:`~kzsearch.engine.stacking.stack_segments`): the same segment
    as one inversion of all the tokens, without the sort temporaries of every
    token at once (about 300 MB for 8M tokens). ``spool``: where the batches'
    texts went (their ``texts`` are None).
    """
    batches_ = [a.batch for a in buffer]
    ids = TextBlock.from_strings([d for b in batches_ for d in b.ids])
    texts = spool.finish() if spool is not None else _concat_texts([a.texts for a in buffer])  # type: ignore[misc]
    stored = columns = None
    if any(a.stored is not None for a in buffer):
        stored = TextBlock.concat([a.stored if a.stored is not None else packed([""] * len(a.batch.ids))
                                   for a in buffer])
        rows = [m for b in batches_ for m in (b.meta if b.meta is not None else [None] * len(b.ids))]
        used = {key for row in rows if row for key in row}
        columns = build_columns({k: v for k, v in schema.items() if k in used}, rows)
        del rows
    del batches_
    raw = [a for a in buffer if a.term_ids is not None]
    buffer.clear()  # the batches' strings and metadata go now, before the inversion's temporaries come
    parts = [p.result() if isinstance(p, Future) else p for p in parts or ()]
    stacked = bool(parts)
    while raw:
        group, tokens = [], 0
        while raw and (not group or tokens + len(raw[0].term_ids) <= GROUP_TOKENS):
            group.append(raw.pop(0))
            tokens += len(group[-1].term_ids)
        stacked = stacked or bool(raw)
        parts.append(invert_group(group, n_fields, compact=stacked))
        del group
    if not stacked:
        return replace(parts[0], ids=ids, texts=texts, name=name, stored=stored, columns=columns or {})
    # a segment that will be spilled with its texts' spool writes its postings there too
    sink = spool.array if spool is not None and len(ids) >= spill.MIN_DOCS else None
    return stack_segments(parts, name, ids, texts, stored, columns, sink)


def invert_group(group: List[Analyzed], n_fields: int, compact: bool = False) -> Segment:
    """The tokens of ``group`` inverted into one segment (without ids or texts); their arrays in
    ``group`` are let go of. ``compact``: a part for :func:`stack_segments`, in narrow dtypes
    (documents and positions in uint16 when they fit, tfs narrowed, no position offsets)."""
    term_ids = np.concatenate([a.term_ids for a in group])
    unit_lengths = np.concatenate([a.unit_lengths for a in group]).reshape(-1, n_fields)
    positions = None
    if group[0].positions is not None:
        positions = np.concatenate([a.positions for a in group])  # type: ignore[misc]
    for item in group:
        item.term_ids = item.positions = None  # type: ignore[assignment]
    field_len = unit_lengths.T.astype(np.int32) if n_fields > 1 else None
    part = build_segment(term_ids, unit_lengths.sum(axis=1, dtype=np.int32), positions=positions,
                         field_len=field_len)
    del term_ids, positions
    if not compact:
        return part
    docs = part.docs.astype(np.uint16) if part.n_docs <= 1 << 16 else part.docs
    positions = part.positions
    if positions is not None and n_fields == 1 and (not len(positions) or int(positions.max()) < 1 << 16):
        positions = positions.astype(np.uint16)
    return replace(part, docs=docs, tfs=narrow_counts(part.tfs), positions=positions, pos_offsets=None)


def _concat_texts(blocks: List[TextBlock]) -> TextBlock:
    """The blocks' texts one after the other (compressed ones stay compressed)."""
    if blocks and all(isinstance(b, ZippedTexts) for b in blocks):
        return ZippedTexts.concat(blocks)  # type: ignore[arg-type]
    return TextBlock.concat(blocks)
