"""Shared fixtures: hand-written inputs, and the real samples when CI names them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from analysis import paths

# No per-example deadline: a property test timed on a loaded 2-core machine fails now and then for
# nothing; speed is the benchmark's to check. Tests that set their own settings keep the rest.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")

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


def _shared_file(path: Path | None, variable: str, what: str) -> Path:
    """A shared real-data file named by an environment variable; skip, saying why, when unset."""
    if path is None:
        pytest.skip(f"{variable} is unset: point it at {what} (.ci/run does)")
    if not path.exists():
        pytest.fail(f"{variable}={path} does not exist")
    return path


@pytest.fixture(scope="session")
def real_sample() -> Path:
    """The real twcs sample (../shared/data/twcs_conversations_real.csv), named by the environment."""
    return _shared_file(
        paths.real_sample_path(),
        paths.REAL_SAMPLE_ENV,
        "twcs_conversations_real.csv to run the tests on real tweets",
    )


@pytest.fixture(scope="session")
def cdp_sample() -> Path:
    """The real 25-brand conversation export (../shared/data/twitter_cdp_conversations_real.csv,
    messages-csv), named by the environment."""
    return _shared_file(
        paths.cdp_sample_path(),
        paths.CDP_SAMPLE_ENV,
        "twitter_cdp_conversations_real.csv to run the tests on the real multi-brand export",
    )


# The cdp export's columns as messages-csv fields (the others are named canonically).
CDP_MAPPING = {"author_id": "author", "brand": "company"}


@pytest.fixture(scope="session")
def demo_tables():
    """The pipeline's tables for the committed demo data (built once per test session)."""
    from analysis import pipeline

    return pipeline.run(None)
