from collections import Counter

import pytest

from tas_classify import taxonomy
from tas_classify._resources import data_path
from tas_classify.ledger.labeled import CorpusError, read_labeled
from tas_classify.text import normalise


def test_corpus_v1_size(corpus):
    counts = Counter(corpus.labels)
    assert set(counts) == set(taxonomy.codes())
    assert all(n >= 80 for code, n in counts.items() if code != "NONE")
    assert counts["NONE"] >= 300 and len(corpus.texts) >= 1900
    assert len(set(corpus.texts)) == len(corpus.texts)


def test_eval_set_is_separate_and_consistent(corpus):
    ev = read_labeled([data_path("eval")])
    assert len(ev.texts) >= 400
    assert all(label in acc for label, acc in zip(ev.labels, ev.accept))
    normalised = {normalise(t).text for t in corpus.texts}
    leaked = [t for t in ev.texts if normalise(t).text in normalised]
    assert not leaked, f"eval lines must never be trained on: {leaked}"


def test_errors_name_file_and_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "text,label\n软件开发,ITO-01\n服务器销售,GOODS\n租金,RENT\n采购,GOODS\n", encoding="utf-8"
    )
    message = r"unknown label\(s\): 'GOODS' \(bad\.csv:3, bad\.csv:5\); 'RENT' \(bad\.csv:4\)"
    with pytest.raises(CorpusError, match=message):
        read_labeled([bad])
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("name,code\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="cannot tell which column holds the text"):
        read_labeled([nocol])
    nolabel = tmp_path / "nolabel.csv"
    nolabel.write_text("text,code\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"needs a 'label' \(or 'tas_code'\) column"):
        read_labeled([nolabel])
    with pytest.raises(CorpusError, match="no such file"):
        read_labeled([tmp_path / "missing.csv"])


def test_accept_column_and_bom(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("\ufefftext,label,accept\n机房运维,ITO-05,ITO-05|TRD-01\n", encoding="utf-8")
    data = read_labeled([tmp_path])
    assert data.accept == (frozenset({"ITO-05", "TRD-01"}),)
    assert len(data.digest()) == 64


def test_corpus_v2_registers(corpus):
    """Corpus v2: every line names its register, the real-ledger registers are all there, and
    each register that stands for a kind of real document covers every code."""
    registers = corpus.register_of()
    counts = Counter(registers)
    assert "unspecified" not in counts
    v2 = {"tender", "invoice", "definition", "industry", "business_scope", "english",
          "traditional", "contract"}  # fmt: skip
    assert v2 <= set(counts)
    assert sum(source.startswith("v2_") for source in corpus.sources) >= 2500
    for register in ("tender", "invoice", "definition", "english", "traditional"):
        codes = {lab for lab, g in zip(corpus.labels, registers) if g == register}
        assert codes == set(taxonomy.codes()), (register, set(taxonomy.codes()) - codes)


def test_register_and_kind_columns(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("text,label,register\n软件开发,ITO-01,contract\n租金,NONE,\n", encoding="utf-8")
    data = read_labeled([f])
    assert data.register_of() == ("contract", "unspecified")
    j = tmp_path / "r.jsonl"
    j.write_text(
        '{"text": "机房运维", "gold": "ITO-05", "accept": ["ITO-05", "TRD-01"], "kind": "x"}\n',
        encoding="utf-8",
    )
    data = read_labeled([j])
    assert data.labels == ("ITO-05",) and data.accept == (frozenset({"ITO-05", "TRD-01"}),)
    assert data.register_of() == ("x",)
    assert (read_labeled([f]) + data).register_of() == ("contract", "unspecified", "x")
