"""The Dask engine's reading and threading gives what the pandas pipeline has after threading."""

from __future__ import annotations

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from analysis import paths, pipeline
from analysis.dask_engine.read import load_threaded

from .conftest import CDP_MAPPING, FIXTURES, HELPDESK_MAPPING

# Blocks this small cut the fixtures into several, so replies and duplicates cross blocks.
SMALL_BLOCK_BYTES = 2048
# Generous: the machine running the suite may be loaded many times over.
TIMEOUT = "600s"


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, Client(cluster, timeout=TIMEOUT) as client:
        yield client


def pandas_threaded(path, data_format="auto", mapping=None) -> dict:
    """What pipeline.run has at threading (pipeline.load_threaded)."""
    threaded = pipeline.load_threaded(paths.resolve_data_path(path), data_format, mapping)
    return {
        "messages": threaded.messages,
        "rejected": threaded.rejected,
        "rows_read": threaded.rows_read,
        "notes": threaded.notes,
        "format": threaded.format,
    }


def assert_same_load(path, data_format="auto", mapping=None, blocksize=SMALL_BLOCK_BYTES):
    """load_threaded on the cluster equals the pandas pipeline's load, table by table."""
    expected = pandas_threaded(path, data_format, mapping)
    loaded = load_threaded(path, data_format, mapping, blocksize=blocksize)
    messages = loaded.messages.compute().sort_values("message_id", ignore_index=True)
    wanted = expected["messages"].sort_values("message_id", ignore_index=True)
    assert list(messages.columns) == list(wanted.columns)
    pd.testing.assert_frame_equal(messages, wanted)
    pd.testing.assert_frame_equal(loaded.rejected, expected["rejected"])
    assert loaded.rows_read == expected["rows_read"]
    assert loaded.notes == expected["notes"]
    assert loaded.format == expected["format"]
    assert loaded.observed_until == wanted["created_at"].max()
    # Each conversation in one partition: no conversation id is in two.
    per_partition = loaded.messages.map_partitions(
        lambda part: part["conversation_id"].drop_duplicates()
    ).compute()
    assert per_partition.is_unique
    return loaded


def test_demo_data_loads_as_the_pandas_pipeline_loads_it(client):
    loaded = assert_same_load(None, blocksize=64 * 1024)
    assert loaded.messages.npartitions > 1


def test_hostile_twcs_cut_into_blocks_loads_as_the_whole_file(client):
    """Duplicates, a role conflict, a cycle, a missing parent, unusable rows and replies whose
    parent (or whose only link, a response list) is in another block, read in 2 KB blocks."""
    loaded = assert_same_load(FIXTURES / "twcs_blocks_hostile.csv")
    rejected = loaded.rejected
    assert rejected["reason"].str.startswith("exact duplicate of row").sum() == 1
    assert rejected["reason"].str.startswith("message id already used by row").sum() == 1
    assert rejected["reason"].str.startswith("role conflict").sum() == 1
    assert loaded.notes == [
        "2 customer tweet(s) without an author kept as '(unknown)'",  # one in each of two blocks
        "1 message(s) marked as a brand's by authors who write as customers elsewhere: "
        "rejected as role conflicts",
    ]
    messages = loaded.messages.compute().set_index("message_id")
    assert messages.loc["3", "parent_id"] == "2"  # linked by 2's response list, blocks away
    assert messages.loc["3", "conversation_id"] == "1"
    assert messages["cycle_broken"].sum() == 1
    assert messages.loc["203", "conversation_id"] == "999"


def test_small_twcs_fixture_loads_as_the_pandas_pipeline_loads_it(client):
    assert_same_load(FIXTURES / "twcs_small.csv", blocksize=256)


def test_messages_csv_loads_as_the_pandas_pipeline_loads_it(client):
    assert_same_load(FIXTURES / "helpdesk_messages.csv", mapping=HELPDESK_MAPPING)


def test_a_file_with_an_unclosed_quote_is_read_whole(client, tmp_path):
    """Its quotes do not pair up: cutting it could split a record, so it is read in one task."""
    text = (FIXTURES / "twcs_blocks_hostile.csv").read_text()
    broken = tmp_path / "twcs_unclosed.csv"
    broken.write_text(text.replace("@AcmeHelp loop one", '"@AcmeHelp loop one', 1))
    loaded = assert_same_load(broken)
    assert loaded.rejected["reason"].str.startswith("unclosed quote").any()


def test_real_twcs_sample_loads_as_the_pandas_pipeline_loads_it(client, real_sample):
    assert_same_load(real_sample, blocksize=16 * 1024)


def test_real_cdp_sample_loads_as_the_pandas_pipeline_loads_it(client, cdp_sample):
    assert_same_load(cdp_sample, "messages-csv", CDP_MAPPING, blocksize=128 * 1024)
