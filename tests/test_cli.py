"""The command line, run as a user runs it: through a subprocess, checking exit codes."""
import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "kzsearch", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_search_bundled_seeds():
    code, out, err = run("search", "облыс бюджеті")
    assert code == 0, err
    assert out.startswith("1. west-kazakhstan-budget-revised-2025")
    assert "[бюджеті]" in out


def test_search_json():
    code, out, _ = run("search", "AMANAT партиясы", "-k", "2", "--json")
    assert code == 0
    hits = json.loads(out)["hits"]
    assert len(hits) == 2 and {"id", "score", "snippet", "text"} <= set(hits[0])


def test_index_then_search_jsonl(tmp_path):
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "a", "text": "Облыс бюджеті"}\n{"id": 2, "text": "Мектеп оқушылары"}\n',
                      encoding="utf-8")
    code, _, err = run("index", str(source), "--out", str(tmp_path / "ix"))
    assert code == 0, err
    assert "indexed 2 documents" in err
    code, out, _ = run("search", "--index", str(tmp_path / "ix"), "мектеп", "--json")
    assert code == 0 and json.loads(out)["hits"][0]["id"] == "2"


def test_index_txt_file_and_folder(tmp_path):
    (tmp_path / "lines.txt").write_text("бірінші құжат\n\nекінші құжат\n", encoding="utf-8")
    assert run("index", str(tmp_path / "lines.txt"), "--out", str(tmp_path / "a"))[0] == 0
    code, out, _ = run("search", "--index", str(tmp_path / "a"), "екінші", "--json")
    assert json.loads(out)["hits"][0]["id"] == "3"
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "one.txt").write_text("Қазақстан облысы", encoding="utf-8")
    (folder / "two.txt").write_text("Мектеп", encoding="utf-8")
    assert run("index", str(folder), "--out", str(tmp_path / "b"))[0] == 0
    code, out, _ = run("search", "--index", str(tmp_path / "b"), "мектеп", "--json")
    assert json.loads(out)["hits"][0]["id"] == "two"


def test_malformed_jsonl_names_the_line_and_skip_bad(tmp_path):
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "a", "text": "бір"}\n{"id": "b", "text": \n{"id": "c", "text": "үш"}\n',
                      encoding="utf-8")
    code, out, err = run("index", str(source), "--out", str(tmp_path / "ix"))
    assert code == 1 and ":2:" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "ix").exists()
    code, _, err = run("index", str(source), "--out", str(tmp_path / "ix"), "--skip-bad")
    assert code == 0 and "indexed 2 documents" in err and "skipped 1" in err


@pytest.mark.parametrize("args, code", [
    ((), 2),
    (("search",), 2),
    (("frobnicate",), 2),
    (("search", "x", "-k", "many"), 2),
    (("search", "x", "-k", "-3"), 2),
    (("search", "--index", "/no/such/index", "x"), 1),
    (("index", "/no/such/file.jsonl", "--out", "/tmp/never"), 1),
])
def test_failures_are_one_line_with_exit_code(args, code):
    rc, out, err = run(*args)
    assert rc == code
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_damaged_index_is_one_line(tmp_path):
    source = tmp_path / "d.txt"
    source.write_text("бір\nекі\n", encoding="utf-8")
    run("index", str(source), "--out", str(tmp_path / "ix"))
    (tmp_path / "ix" / "kzsearch-index.json").write_text("{not json")
    rc, _, err = run("search", "--index", str(tmp_path / "ix"), "бір")
    assert rc == 1 and "damaged" in err and len(err.strip().splitlines()) == 1


def test_stem_and_analyze():
    code, out, _ = run("stem", "облыс", "бюджеті")
    assert code == 0 and len(out.strip().splitlines()) == 2
    code, out, _ = run("analyze", "Облыс бюджеті")
    assert code == 0 and out.strip()


def test_console_script_entry_point_is_declared():
    from importlib.metadata import entry_points

    scripts = entry_points(group="console_scripts") if sys.version_info >= (3, 10) else \
        entry_points()["console_scripts"]
    assert any(ep.name == "kzsearch" and ep.value == "kzsearch.cli:main" for ep in scripts)


def test_fields_filters_offset_and_titles(tmp_path):
    source = tmp_path / "news.jsonl"
    rows = [{"id": "n1", "title": "Облыс бюджеті", "text": "Облыс бюджеті нақтыланды", "region": "Түркістан",
             "date": "2025-03-01", "views": 120},
            {"id": 2, "title": "Мектеп бюджеті", "text": "Мектеп бюджеті бөлінді", "region": "Алматы",
             "date": "2024-05-01", "views": 5},
            {"id": "n3", "text": "Бюджет туралы", "region": "Түркістан", "date": "2025-06-01", "views": 50}]
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    code, _, err = run("index", str(source), "--fields", "title:2,text", "--out", str(tmp_path / "ix"))
    assert code == 0, err
    ix = str(tmp_path / "ix")
    code, out, err = run("search", "--index", ix, "бюджет", "--filter", "region=Түркістан",
                         "--filter", "date>=2025-01-01", "--json")
    assert code == 0, err
    hits = json.loads(out)["hits"]
    assert {h["id"] for h in hits} == {"n1", "n3"}
    assert hits[0]["fields"]["region"] == "Түркістан" and "views" in hits[0]["fields"]
    code, out, _ = run("search", "--index", ix, "бюджет", "--filter", "views>10", "--filter", "views<100",
                       "--json")
    assert [h["id"] for h in json.loads(out)["hits"]] == ["n3"]
    code, out, _ = run("search", "--index", ix, "бюджет")
    assert "Облыс бюджеті" in out.splitlines()[0] or "Мектеп бюджеті" in out.splitlines()[0]
    _, all_hits, _ = run("search", "--index", ix, "бюджет", "--json")
    code, out, _ = run("search", "--index", ix, "бюджет", "--offset", "1", "-k", "1", "--json")
    page = json.loads(out)["hits"]
    assert [h["id"] for h in page] == [json.loads(all_hits)["hits"][1]["id"]] and page[0]["rank"] == 2
    code, _, err = run("search", "--index", ix, "бюджет", "--filter", "nope=1")
    assert code == 1 and "nope" in err and "Traceback" not in err
    code, _, err = run("search", "--index", ix, "бюджет", "--filter", "region")
    assert code == 2 and "--filter" in err
    code, _, err = run("index", str(source), "--fields", "title:x", "--out", str(tmp_path / "bad"))
    assert code == 2 and "title" in err
