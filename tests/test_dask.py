"""Distributed batches on Dask: same results, same order, the model sent once per worker."""

import sys
from pathlib import Path

import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from tas_classify import classify_frame  # noqa: E402
from tas_classify.dask import classify_dataframe  # noqa: E402
from tas_classify.ledger.result_columns import RESULT_COLUMNS  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from ledger_lines import ledger_lines  # noqa: E402


@pytest.mark.slow
# from_pandas puts the test's 100,000 lines themselves into the graph; real data is read by workers
@pytest.mark.filterwarnings("ignore:Sending large graph:UserWarning")
def test_local_cluster_matches_single_process_on_100k_lines():
    lines = ledger_lines(100_000, seed=7)
    lines[5] = ""  # a blank cell comes out too
    frame = pd.DataFrame({"序号": range(len(lines)), "合同名称": lines})
    expected = classify_frame(frame, "合同名称")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        ddf = dd.from_pandas(frame, npartitions=20)
        out = classify_dataframe(ddf, "合同名称")
        model_keys = [k for k in client.has_what().values() for k in k if "TasClassifier" in k]
        assert len(model_keys) == 2, "the model was scattered to both workers before the work"
        result = out.compute()
        incoming = client.run(
            lambda dask_worker: [str(t["keys"]) for t in dask_worker.transfer_incoming_log]
        )
    assert list(result.columns) == ["序号", "合同名称", *RESULT_COLUMNS]
    # Dask may hold the text column in its own string dtype; the values, order and index match
    pd.testing.assert_frame_equal(result, expected, check_dtype=False)
    for name in RESULT_COLUMNS:
        assert result[name].tolist() == expected[name].tolist(), name
    assert not any("TasClassifier" in log for logs in incoming.values() for log in logs), (
        "no worker fetched the model again while processing its partitions"
    )


def test_missing_column_is_named():
    frame = dd.from_pandas(pd.DataFrame({"a": ["x"]}), npartitions=1)
    with pytest.raises(KeyError, match="'a'"):
        classify_dataframe(frame, "合同名称")
