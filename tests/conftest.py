"""Shared fixtures: hand-written inputs, and the real twcs sample when CI names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import paths

FIXTURES = Path(__file__).parent / "fixtures"

HELPDESK_MAPPING = {
    "message_id": "Comment ID",
    "conversation_id": "Ticket",
    "author_id": "Author",
    "role": "Author Type",
    "channel": "Via",
    "created_at": "Created",
    "text": "Body",
}


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def real_sample() -> Path:
    """The real twcs sample (../shared/data/twcs_conversations_real.csv), named by the environment."""
    path = paths.real_sample_path()
    if path is None:
        pytest.skip(
            f"{paths.REAL_SAMPLE_ENV} is unset: point it at twcs_conversations_real.csv "
            "(.ci/run does) to run the tests on real tweets"
        )
    if not path.exists():
        pytest.fail(f"{paths.REAL_SAMPLE_ENV}={path} does not exist")
    return path


@pytest.fixture(scope="session")
def demo_tables():
    """The pipeline's tables for the committed demo data (built once per test session)."""
    from analysis import pipeline

    return pipeline.run(None)
