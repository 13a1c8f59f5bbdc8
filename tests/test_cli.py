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
    # lines get Index.add's running numbers (blank lines skipped): the second document is "1"
    assert json.loads(out)["hits"][0]["id"] == "1"
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


# ---------------------------------------------------------------- never destroy what it did not make
def ids_in(path):
    from kzsearch import Index

    return sorted(Index.load(path).ids())


def test_index_refuses_an_existing_index_unless_told(tmp_path):
    first = tmp_path / "first.jsonl"
    first.write_text('{"id": "a", "text": "Облыс бюджеті"}\n{"id": "b", "text": "Мектеп"}\n', encoding="utf-8")
    second = tmp_path / "second.jsonl"
    second.write_text('{"id": "b", "text": "Жаңа мектеп"}\n{"text": "Жол салынды"}\n', encoding="utf-8")
    out = str(tmp_path / "ix")
    assert run("index", str(first), "--out", out)[0] == 0
    code, _, err = run("index", str(second), "--out", out)
    assert code == 2 and "--append" in err and "--overwrite" in err and len(err.strip().splitlines()) == 1
    assert ids_in(out) == ["a", "b"]
    # --append adds, and a document with the id of one there replaces it
    code, _, err = run("index", str(second), "--out", out, "--append")
    assert code == 0, err
    assert ids_in(out) == ["0", "a", "b"]
    code, res, _ = run("search", "--index", out, "жаңа", "--json")
    assert json.loads(res)["hits"][0]["id"] == "b"
    assert run("index", str(first), "--out", out, "--append", "--overwrite")[0] == 2
    assert run("index", str(first), "--out", out, "--overwrite")[0] == 0
    assert ids_in(out) == ["a", "b"]


def test_delete_by_ids_and_from_a_file(tmp_path):
    source = tmp_path / "d.txt"
    source.write_text("бір\nекі\nүш\nтөрт\n", encoding="utf-8")
    out = str(tmp_path / "ix")
    assert run("index", str(source), "--out", out)[0] == 0
    code, _, err = run("delete", "--index", out, "0", "1")
    assert code == 0 and "deleted 2" in err
    assert ids_in(out) == ["2", "3"]
    code, _, err = run("delete", "--index", out, "3", "nope")
    assert code == 1 and "nope" in err and ids_in(out) == ["2", "3"]  # nothing deleted
    (tmp_path / "ids.txt").write_text("3\n\nnope\n", encoding="utf-8")
    assert run("delete", "--index", out, "--ids-file", str(tmp_path / "ids.txt"), "--missing-ok")[0] == 0
    assert ids_in(out) == ["2"]
    assert run("delete", "--index", out)[0] == 2
    assert run("delete", "--index", str(tmp_path / "none"), "1")[0] == 1


def test_bad_utf8_is_a_bad_line_and_a_bom_is_accepted(tmp_path):
    source = tmp_path / "d.jsonl"
    source.write_bytes(b'\xef\xbb\xbf{"text": "\xd0\xb1\xd1\x96\xd1\x80"}\n{"text": "bad \xff"}\n{"text": "ok"}\n')
    code, _, err = run("index", str(source), "--out", str(tmp_path / "ix"))
    assert code == 1 and ":2:" in err and "UTF-8" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "ix").exists()
    code, _, err = run("index", str(source), "--out", str(tmp_path / "ix"), "--skip-bad")
    assert code == 0 and "indexed 2 documents" in err and "skipped 1" in err
    from kzsearch import Index

    ix = Index.load(tmp_path / "ix")
    assert ix.get("0")["text"] == "бір" and ix.get("1")["text"] == "ok"


def test_cli_and_index_add_give_the_same_ids(tmp_path):
    from kzsearch import Index
    from kzsearch.corpus import DocumentReader

    lines = ["бірінші", "", "екінші", "  ", "үшінші"]
    (tmp_path / "d.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("index", str(tmp_path / "d.txt"), "--out", str(tmp_path / "ix"))[0] == 0
    direct = Index()
    direct.add([line for line in lines if line.strip()])
    assert [(i, Index.load(tmp_path / "ix").get(i)) for i in ids_in(tmp_path / "ix")] == \
        [(i, direct.get(i)) for i in sorted(direct.ids())]
    assert list(DocumentReader(str(tmp_path / "d.txt"))) == ["бірінші", "екінші", "үшінші"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_or_interrupted_first_index_leaves_nothing(tmp_path, monkeypatch, capsys, failure):
    from kzsearch.cli import main
    from kzsearch.engine.files import Folder

    (tmp_path / "d.txt").write_text("бір\nекі\n", encoding="utf-8")
    out = tmp_path / "new" / "ix"
    real, calls = Folder.write_array, []

    def failing(self, name, array):
        calls.append(name)
        if len(calls) == 3:
            raise failure
        return real(self, name, array)

    monkeypatch.setattr(Folder, "write_array", failing)
    code = main(["index", str(tmp_path / "d.txt"), "--out", str(out)])
    assert code == (130 if isinstance(failure, KeyboardInterrupt) else 1)
    assert not out.exists() and not out.parent.exists()
    monkeypatch.undo()
    assert main(["index", str(tmp_path / "d.txt"), "--out", str(out)]) == 0
    assert ids_in(out) == ["0", "1"]
