"""Write ``analyzer_reference.json.xz``: texts and what the analyzer made of them.

The file pins the analyzer's output (terms and positions, under several
settings) so that a faster analyzer can be checked against the behaviour it
replaced (``tests/test_analysis_reference.py``). It was written by the
analyzer of main at commit ca0fbae (before issue 15's analyzer speed-up)::

    PYTHONPATH=<checkout of that commit> python tests/data/make_analyzer_reference.py

The texts, stored in the file with the outputs: the five seed articles, every
10th KazNERD sentence, every 4th UD Kazakh-KTB sentence, 60 KazQAD passages
with their titles, 60 questions of each typed variant (as written, folded,
two Latin alphabets, typos), all from the vendored data, and a few made-up
lines for what those lack (Russian, URLs, odd characters).
"""
from __future__ import annotations

import json
import lzma
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import datasets  # noqa: E402

from kzsearch.analysis import RECOMMENDED_VIEWS, Analyzer  # noqa: E402

#: name -> Analyzer settings (JSON form); the default analyzer reads every
#: text, the others every STRIDE-th (to keep the file small)
CONFIGS = {
    "default": {},
    "recommended_views": {"views": [v.to_dict() for v in RECOMMENDED_VIEWS]},
    "ngrams_and_prefix": {"views": [{"kind": "ngrams", "size": 4, "weight": 0.25},
                                    {"kind": "prefix", "size": 5, "weight": 1.0}]},
    "stem_prefix_6": {"stem_prefix": 6},
    "no_stopwords": {"stopwords": False},
    "kazakh_only": {"russian": False, "latin": False},
    "no_stemming": {"stemming": False, "compounds": False},
}

MADE_UP = [
    "Министерства образования и науки. Бұл жаңа заң. Закон вступает в силу 1 января.",
    "И медсестра, медбике. Бала после этого ойнап кетті.",
    "Qazaqstan Respublikasynyń Prezidenti jańa zańǵa qol qoıdy; Qazaqstannyñ eñ úlken qalasy",
    "https://www.gov.kz/memleket/entities?lang=kk мен info@gov.kz, www.akorda.kz/kk сайты",
    "АҚШ-та, ЕЭА-ларды, 55-ші, 2018-ге, 1-іншіден, 2020-сыншы, 5,8 млрд, 18.11.2025, 2025–2027",
    "ХІХ ғасыр, XV ғ., II Николай; т.б., ж. 1941 ж.; қ.мұхаметжанов; ikomek109; covid-19, o'zi",
    "«АМАNАТ» көздерi, «Eр Төстік», жүйе\u00adлерi\u200b; ҡала, ӊ, ґ; Ⅻ ² ١٢٣ --- 5--6 ' İstanbul",
    "іс-шаралар үй-коммуналдық оңтүстік-батысында Қасым-Жомарт Нұр-Сұлтан әл-Фараби ата-аналар",
    "белгілеңіз, көрсетіңіз, келдіңіз, балаңыз, теңіз; оқиды, жаяды, құю, оқитын, қабылданды",
    "а" * 100 + " " + "бала" * 20 + "лардың",
]

STRIDE = {name: 1 if name == "default" else 2 if name == "recommended_views" else 4 for name in CONFIGS}


def texts() -> list:
    seeds = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    kaznerd = datasets.kaznerd_sentences()[::30]
    ud = []
    for name in ("kk_ktb-dev", "kk_ktb-train"):
        with lzma.open(ROOT / "benchmarks" / "data" / f"ud_{name}.conllu.xz", "rt", encoding="utf-8") as f:
            ud += [line[len("# text = "):].rstrip("\n") for line in f if line.startswith("# text = ")]
    passages = datasets.kazqad_titled_passages()[:30]
    questions = [q["text"] for v in ("", "folded", "latin2021", "latin2018", "typos")
                 for q in datasets.kazqad_queries(v)[:60]]
    return (seeds + kaznerd + ud[::12] + [p["title"] for p in passages] + [p["text"] for p in passages]
            + questions + MADE_UP)


def main(out: str = str(Path(__file__).resolve().parent / "analyzer_reference.json.xz")) -> None:
    lines = texts()
    import kzsearch
    print("analyzer of", kzsearch.__file__)
    outputs = {}
    for name, config in CONFIGS.items():
        analyzer = Analyzer(**config)
        outputs[name] = [[analyzer(t), analyzer.analyze_positions(t)[1]] for t in lines[::STRIDE[name]]]
    data = {"configs": CONFIGS, "stride": STRIDE, "texts": lines, "outputs": outputs}
    with lzma.open(out, "wt", encoding="utf-8", preset=9) as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(lines)} texts, {len(CONFIGS)} configurations -> {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
