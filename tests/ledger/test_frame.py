from datetime import datetime

import pandas as pd
import pytest

from tas_classify import classify_batch, classify_frame
from tas_classify.ledger.result_columns import RESULT_COLUMNS


@pytest.fixture()
def frame():
    return pd.DataFrame(
        {
            "合同名称": ["服务器销售", None, float("nan"), 12345, datetime(2025, 3, 1),
                         "为某银行提供核心系统定制开发"],
            "金额": [100.0, 200.0, 300.0, 400.0, 500.0, 600.0],
        },
        index=[10, 7, 3, 99, 1, 5],
    )  # fmt: skip


def test_appends_batch_columns_and_keeps_rows_index_and_input(frame):
    before = frame.copy()
    out = classify_frame(frame, "合同名称")
    assert list(out.columns) == ["合同名称", "金额", *RESULT_COLUMNS]
    assert list(out.index) == [10, 7, 3, 99, 1, 5]
    pd.testing.assert_frame_equal(out[["合同名称", "金额"]], before)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    assert out["tas_code"].iloc[0] == "NONE" and out["tas_code"].iloc[5] == "ITO-01"
    assert list(out["tas_needs_review"].iloc[1:5]) == [True, True, True, True]


def test_same_results_as_classify_batch(frame):
    out = classify_frame(frame, "合同名称", track="outsourcing")
    texts = ["服务器销售", "", "", "12345", "2025-03-01", "为某银行提供核心系统定制开发"]
    expected = classify_batch(texts, track="outsourcing")
    assert list(out["tas_code"]) == [r.code for r in expected]
    assert list(out["tas_confidence"]) == [round(r.confidence, 4) for r in expected]


def test_missing_or_clashing_columns(frame):
    with pytest.raises(KeyError, match="'合同名称', '金额'"):
        classify_frame(frame, "项目名称")
    with pytest.raises(ValueError, match="tas_code"):
        classify_frame(frame.assign(tas_code="x"), "合同名称")


def test_empty_frame():
    out = classify_frame(pd.DataFrame({"text": pd.Series([], dtype=object)}), "text")
    assert list(out.columns) == ["text", *RESULT_COLUMNS] and len(out) == 0


def test_model_given_as_a_folder_path(tmp_path, small_model):
    small_model.save(tmp_path / "m")
    df = pd.DataFrame({"合同名称": ["IDC机柜托管费"]})
    for model in (str(tmp_path / "m"), tmp_path / "m"):
        out = classify_frame(df, "合同名称", model=model)
        assert out["tas_code"].tolist() == [small_model.classify(["IDC机柜托管费"])[0].code]


def test_duplicate_text_columns_are_a_column_error():
    from tas_classify.errors import ColumnError

    df = pd.DataFrame([["软件开发", "云服务"]], columns=["合同名称", "合同名称"])
    with pytest.raises(ColumnError, match="2 columns named '合同名称'"):
        classify_frame(df, "合同名称")


def test_bytes_cell_is_read_as_utf8_and_flagged():
    df = pd.DataFrame({"合同名称": ["IDC机柜托管费".encode(), "IDC机柜托管费"]})
    out = classify_frame(df, "合同名称")
    assert out["tas_code"].tolist() == ["ITO-06", "ITO-06"]
    assert out["tas_needs_review"].tolist() == [True, False]
    assert "bytes, not text" in out["tas_evidence"][0]
