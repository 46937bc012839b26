"""rubric_rules.features read in chunks and in Arrow: the same features whatever the chunk sizes,
for null, empty, non-ASCII and repeated texts, and for Arrow columns of several chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis import rubric_rules

REPLIES = pd.Series(
    [
        "Sorry your order is late.\nThanks!",
        None,
        "",
        "Thanks for waiting!\nWe'll DM you about the délai on your order.",
        "Sorry your order is late.\nThanks!",  # a template sent twice
        "naïve café: straße\nthanks to the update",
        "  \n\n",
        "Which iOS version are you on? ^kb",
    ],
    index=[10, 3, 5, 7, 1, 2, 99, 4],
)
COMPLAINTS = pd.Series(
    [
        "my order arrived late",
        "x",
        None,
        "  ",
        "order late again, délai",
        "café straße naïve",
        "\u00a0",
        "the ios update broke my phone",
    ],
    index=REPLIES.index,
)


def _small_chunks(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(rubric_rules, "CUE_CHUNK_SENTENCES", size)
    monkeypatch.setattr(rubric_rules, "STEM_CHUNK_DOCUMENTS", size)
    monkeypatch.setattr(rubric_rules, "OVERLAP_CHUNK_ROWS", size)
    monkeypatch.setattr(rubric_rules, "TEXT_CHUNK_REPLIES", size)


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_features_do_not_depend_on_the_chunk_sizes(monkeypatch: pytest.MonkeyPatch, size: int):
    whole = rubric_rules.rule_features(REPLIES, COMPLAINTS)
    _small_chunks(monkeypatch, size)
    pd.testing.assert_frame_equal(rubric_rules.rule_features(REPLIES, COMPLAINTS), whole)


def test_features_of_hand_worked_replies():
    features = rubric_rules.rule_features(REPLIES, COMPLAINTS)
    assert list(features.columns) == list(rubric_rules.FEATURE_NAMES)
    assert features.index.equals(REPLIES.index)
    assert (features.dtypes == np.dtype("int64")).all()
    first = features.loc[10]
    # "order" and "late" are shared; "sorry" is a generic support word
    assert first["complaint_overlap"] == 2
    assert first["sorry_cues"] == 1 and first["sentence_count"] == 2
    assert first["appreciation_closing_cues"] == 1
    pd.testing.assert_series_equal(features.loc[1], first, check_names=False)
    # a missing, empty or blank complaint is no context; a missing reply is one empty sentence
    assert features["has_context"].loc[[3, 5, 7, 99]].tolist() == [1, 0, 0, 0]
    assert features.loc[3, "sentence_count"] == 1 and features.loc[3, "complaint_overlap"] == 0
    assert features.loc[2, "complaint_overlap"] == 3  # naïve, café, straße


def test_features_of_no_replies():
    features = rubric_rules.rule_features(REPLIES.iloc[:0], COMPLAINTS.iloc[:0])
    assert features.shape == (0, len(rubric_rules.FEATURE_NAMES))
    assert (features.dtypes == np.dtype("int64")).all()


def _in_chunks(values: pd.Series, split: int) -> pd.Series:
    """The same texts as an Arrow-backed column of two chunks."""
    texts = values.astype(object).where(values.notna(), None).tolist()
    chunked = pa.chunked_array([texts[:split], texts[split:]], type=pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(chunked), index=values.index)


def test_features_of_arrow_columns_of_several_chunks():
    prepared = rubric_rules.prepare(REPLIES)
    contexts = rubric_rules.prepare_contexts(COMPLAINTS, prepared.index)
    expected = rubric_rules.features(prepared, contexts)
    chunked = prepared.assign(sentences=_in_chunks(prepared["sentences"], 3))
    pd.testing.assert_frame_equal(rubric_rules.features(chunked, _in_chunks(contexts, 5)), expected)


def test_stem_matrix_marks_each_content_stem_once(monkeypatch: pytest.MonkeyPatch):
    documents = pa.chunked_array(
        [["orders order late", "help late"], [], ["", "late orders"]], pa.large_string()
    )
    for size in (50_000, 1):
        monkeypatch.setattr(rubric_rules, "STEM_CHUNK_DOCUMENTS", size)
        matrix = rubric_rules._stem_matrix(documents)
        # stems numbered as first met (order, late); "help" is generic
        np.testing.assert_array_equal(matrix.toarray(), [[1, 1], [0, 1], [0, 0], [1, 1]])
        assert matrix.has_canonical_format
