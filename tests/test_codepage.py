"""Stored texts in the one-byte Kazakh code page (engine/codepage.py): round trips of any text,
blocks mixed with UTF-8 ones and with folders written before it, forged codec tables."""
import codecs
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from kzsearch import Index, IndexFormatError
from kzsearch.engine import codepage, spill, text_zipping as zt
from kzsearch.engine.docstore import TextBlock
from kzsearch.engine.text_dictionaries import train_dictionary
from kzsearch.engine.text_zipping import compress_texts
from kzsearch.engine.zipped_texts import ZippedTexts, check_zipped

from conftest import split_words
from forging import forge_array, segment, set_at
from test_zipped_dictionaries import read_all_ways

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
from make_format3_index import fixture_texts  # noqa: E402

KAZAKH = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяАӘБҒҚҢӨҰҮҺІ «»–—№… .,!?\n\t0123456789AMANATé"
OTHER = ["漢", "😀", "𝔘", "\u0000", "\ufffe", "\uffff", "\u0098", "\x98", "ÿ", "\ud800", "\udfff", "\u2116", "€"]


def random_texts(rng, n, other_share):
    """Mostly Kazakh, with characters beyond the code page (astral, NUL, U+FFFE, lone surrogates)
    in about ``other_share`` of the texts."""
    out = []
    for _ in range(n):
        size = rng.choice([0, 1, rng.randint(2, 200), rng.randint(200, 5000)])
        chars = [rng.choice(KAZAKH) for _ in range(size)]
        if chars and rng.random() < other_share:
            chars[rng.randrange(len(chars))] = rng.choice(OTHER)
        out.append("".join(chars))
    return out


def test_the_table_is_kz1048_and_every_byte_but_0x98_round_trips():
    python_table = codecs.decode(bytes(range(256)), "kz1048", "replace")
    assert [c for c, p in zip(codepage.DECODING_TABLE, python_table) if c != p] == ["\ufffe"]
    every = "".join(c for c in codepage.DECODING_TABLE if c != "\ufffe")
    assert codepage.decode(codepage.encode(every)) == every
    assert codepage.to_utf8(codepage.encode(every)) == every.encode("utf-8")
    assert len(codepage.encode(every)) == 255 and 0x98 not in codepage.encode(every)
    with pytest.raises(UnicodeDecodeError):
        codepage.decode(b"a\x98")
    for char in ["漢", "😀", "𝔘", "\ufffe", "\uffff", "\u0098", "ÿ", "\ud800", "\udfff"]:
        assert codepage.encode("ab" + char) is None, repr(char)
    assert codepage.encode("a\u0000€№") == b"a\x00\x88\xb9"


@pytest.mark.parametrize("seed", range(8))
def test_encode_texts_matches_each_text_encoded_alone(seed):
    rng = random.Random(seed)
    texts = [t for t in random_texts(rng, rng.randint(0, 60), 0.3)
             if not any(ord(c) > 0xFFFF for c in t)]
    kz, chars, utf8 = codepage.encode_texts(texts)
    assert chars.tolist() == np.cumsum([0] + [len(t) for t in texts]).tolist()
    assert utf8.tolist() == np.cumsum([0] + [len(t.encode("utf-8", "surrogatepass")) for t in texts]).tolist()
    bad = set(codepage.bad_bytes(kz, chars).tolist())
    for i, text in enumerate(texts):
        assert (i in bad) == (codepage.encode(text) is None)
        if i not in bad:
            assert kz[chars[i]:chars[i + 1]].tobytes() == codepage.encode(text)
    assert codepage.encode_texts(["аб", "𝔘"]) is None  # beyond U+FFFF: the caller goes block by block


@pytest.mark.parametrize("seed", range(8))
def test_random_texts_round_trip_in_code_page_and_utf8_blocks(seed):
    rng = random.Random(seed)
    texts = random_texts(rng, rng.randint(0, 150), rng.choice([0.0, 0.05, 0.5]))
    sample = "".join(random_texts(rng, 40, 0.0)).encode("utf-8", "surrogatepass")
    for zdict in (None, b"", train_dictionary(sample)):
        for strings in (True, False):
            block = TextBlock.from_strings(texts)
            if not strings:
                block = TextBlock(*block.to_arrays())
            parts = compress_texts(block, block_bytes=rng.choice([16, 300, 2048, 8192]), zdict=zdict)
            assert check_zipped(parts, len(texts)) is None
            codecs_ = parts.get("texts.zcodec", np.zeros(len(parts["texts.zblocks"]) - 1, np.uint8))
            assert len(codecs_) == len(parts["texts.zblocks"]) - 1
            zipped = ZippedTexts.from_parts(parts)
            for b, codec in enumerate(codecs_.tolist()):  # a block is in the code page iff it can be
                first, last = parts["texts.zdocs"][b:b + 2].tolist()
                assert codec == (codepage.encode("".join(texts[first:last])) is not None)
            read_all_ways(zipped, texts)


def test_a_code_page_block_read_text_by_text_from_its_start_and_its_end():
    texts = ["ә" * 700, "қ" * 5, "abc", "–" * 400, "ү"]  # 3-byte characters: the first guess falls short
    parts = compress_texts(TextBlock.from_strings(texts), block_bytes=1 << 20)
    assert parts["texts.zcodec"].tolist() == [codepage.KZ]
    for order in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [3, 0, 4]):
        zipped = ZippedTexts.from_parts(parts)
        assert [zipped[i] for i in order] == [texts[i] for i in order]


@pytest.mark.parametrize("seed", range(4))
def test_concat_keeps_each_blocks_codec(seed):
    rng = random.Random(seed)
    pieces, texts = [], []
    for _ in range(rng.randint(1, 6)):
        part_texts = random_texts(rng, rng.randint(0, 30), 0.2)
        zt.CODEPAGE = rng.random() < 0.7  # restored below
        try:
            parts = compress_texts(TextBlock.from_strings(part_texts), block_bytes=rng.choice([64, 2048]))
        finally:
            zt.CODEPAGE = True
        pieces.append(ZippedTexts.from_parts(parts))
        texts += part_texts
    joined = ZippedTexts.concat(pieces)
    assert check_zipped(joined.parts(), len(texts)) is None
    want = np.concatenate([p.zcodec if p.zcodec is not None else np.zeros(len(p.zblocks) - 1, np.uint8)
                           for p in pieces])
    assert (joined.zcodec.tolist() if joined.zcodec is not None else [0] * len(want)) == want.tolist()
    read_all_ways(joined, texts)


def test_utf8_only_saves_write_no_codec_part(tmp_path, monkeypatch):
    monkeypatch.setattr(zt, "CODEPAGE", False)
    index = Index(analyzer=split_words)
    index.add(fixture_texts())
    index.save(tmp_path / "ix")
    assert not list((tmp_path / "ix").glob("*.texts.zcodec.npy"))
    assert [Index.load(tmp_path / "ix", analyzer=split_words).get(str(i))["text"] for i in range(400)] == \
        fixture_texts()


def test_main_format3_folder_merges_with_code_page_segments(tmp_path, monkeypatch):
    shutil.copytree(DATA / "format3-index", tmp_path / "old")
    index = Index.load(tmp_path / "old", analyzer=split_words)
    assert index.segments[0].texts.zcodec is None
    texts = fixture_texts()
    rng = random.Random(5)
    more = [" ".join(rng.choice(["облыс", "мектеп", "әкім", "жол", "«су»"]) for _ in range(rng.randint(1, 300)))
            + " 漢" * (i % 3 == 0) for i in range(300)]
    index.add(more, ids=[f"e{i}" for i in range(len(more))])
    index.save(tmp_path / "mid")
    index = Index.load(tmp_path / "mid", analyzer=split_words)
    assert index.segments[0].texts.zcodec is None and index.segments[-1].texts.zcodec is not None
    index.optimize()
    merged = index.segments[0].texts
    assert len(index.segments) == 1 and set(merged.zcodec.tolist()) == {codepage.UTF8, codepage.KZ}
    index.save(tmp_path / "new")
    again = Index.load(tmp_path / "new", analyzer=split_words)
    assert [again.get(f"e{i}")["text"] for i in range(len(more))] == more
    assert [again.get(f"d{i}")["text"] for i in range(len(texts))] == texts
    assert [h.text for h in again.search("облыс", k=700)] == [h.text for h in index.search("облыс", k=700)]


def kz_texts():
    rng = random.Random(9)
    words = ["облыс", "мектеп", "әкім", "жол", "«су»", "бюджеті", "Қазақстан", "—"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 200))) for _ in range(400)]


@pytest.fixture
def kz_folder(tmp_path):
    index = Index(analyzer=split_words)
    index.add(kz_texts(), ids=[f"d{i}" for i in range(400)])
    index.save(tmp_path / "ix")
    assert (tmp_path / "ix" / f"{segment(tmp_path / 'ix')['name']}.texts.zcodec.npy").exists()
    return tmp_path / "ix"


def _name(path, part):
    return f"{segment(path)['name']}.{part}.npy"


def _edit_codecs(change):
    def forge(path):
        name = _name(path, "texts.zcodec")
        forge_array(path, name, change(np.load(path / name).copy()))
    return forge


CODEC_FORGERIES = {
    "a codec table one short": _edit_codecs(lambda a: a[:-1]),
    "a codec table one long": _edit_codecs(lambda a: np.concatenate((a, a[:1]))),
    "an unknown codec": _edit_codecs(set_at(-1, 2)),
    "a wide codec table": _edit_codecs(lambda a: a.astype(np.int32)),
}


@pytest.mark.parametrize("name", sorted(CODEC_FORGERIES))
def test_forged_codec_tables_are_an_index_format_error(kz_folder, name):
    CODEC_FORGERIES[name](kz_folder)
    with pytest.raises(IndexFormatError):
        Index.load(kz_folder, analyzer=split_words)


@pytest.mark.parametrize("flip", [0, -1])
def test_a_block_read_in_the_wrong_codec_gives_texts_or_an_index_format_error(kz_folder, flip):
    """Forged codecs of the right size: a block decodes to another length, or to other text."""
    _edit_codecs(lambda a: np.where(np.arange(len(a)) == (flip % len(a)), 1 - a, a).astype(np.uint8))(kz_folder)
    try:
        index = Index.load(kz_folder, analyzer=split_words)
        for i in range(400):
            assert isinstance(index.get(f"d{i}")["text"], str)
    except IndexFormatError:
        pass


def test_the_code_page_folder_itself_loads(kz_folder):
    index = Index.load(kz_folder, analyzer=split_words)
    assert [index.get(f"d{i}")["text"] for i in range(400)] == kz_texts()
