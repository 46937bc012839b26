"""The run folder's evidence for each lesson: outcomes and tone per exchange, lesson_effects.csv.

The statistics themselves (planted effects recovered, no effect covered, confounding adjusted)
are tested in test_effects.py; here the run: what analyze writes, on the demo data, on the real
samples and on a ticket export, and page 06 rendered on the real tweets.
"""

from __future__ import annotations

import nbformat
import pandas as pd
import pytest

from analysis import analyze, effects, outcomes, paths, report, settings, store, summary, tone
from analysis.io import twcs

PROMISED = ["lesson", "outcome", "odds_ratio", "low", "high", "n"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> store.Run:
    return analyze.run(None, settings.Settings(), out_dir=tmp_path_factory.mktemp("demo"))


def _check_effects_file(run: store.Run) -> pd.DataFrame:
    table = pd.read_csv(run.folder / "lesson_effects.csv")
    assert list(table.columns[: len(PROMISED)]) == PROMISED
    pairs = set(zip(table["lesson"], table["outcome"], strict=True))
    assert {
        (lesson, outcome) for lesson in effects.LESSONS for outcome in effects.OUTCOMES
    } <= pairs
    estimated = table["odds_ratio"].notna()
    # An estimate has its interval around it; no estimate has an empty interval and a reason.
    ok = table[estimated]
    assert ((ok["low"] <= ok["odds_ratio"]) & (ok["odds_ratio"] <= ok["high"])).all()
    missing = table[~estimated]
    assert missing[["low", "high"]].isna().all().all()
    assert missing["reason"].fillna("").astype(str).str.len().gt(0).all()
    return table


def test_analyze_writes_lesson_effects_and_labels_every_exchange(demo_run):
    table = _check_effects_file(demo_run)
    assert table["odds_ratio"].notna().sum() >= 12, "the demo data has enough follow-ups"
    exchanges = demo_run.exchanges
    answered = exchanges["answered"].astype(bool)
    for column in (*outcomes.OUTCOMES, *tone.TONE_LABELS, "complaint_sentiment"):
        assert column in exchanges, column
    # Silence is no evidence: no outcome read where the customer never wrote again.
    silent = answered & ~exchanges["customer_replied"].fillna(False).astype(bool)
    assert exchanges.loc[silent, "customer_thanked"].isna().all()
    assert exchanges.loc[~answered, list(tone.TONE_LABELS)].isna().all().all()


def test_the_outcome_scorecard_counts_follow_ups_as_the_exchanges_say(demo_run):
    exchanges = demo_run.exchanges
    answered = exchanges[exchanges["answered"].astype(bool)]
    table = demo_run.scorecard("outcomes_by_brand").set_index("brand")
    replied = answered.groupby("brand")["customer_replied"].agg(
        lambda values: values.astype(float).mean()
    )
    assert table["followed_up_share"].to_dict() == pytest.approx(replied.to_dict())
    followed = answered[answered["customer_replied"].fillna(False).astype(bool)]
    thanked = followed.groupby("brand")["customer_thanked"].agg(lambda v: v.astype(float).mean())
    assert table["customer_thanked_share"].to_dict() == pytest.approx(thanked.to_dict())


def test_page_05_says_one_line_per_brand_on_tone_and_which_evidence_is_strongest(demo_run):
    lines = summary.tone_lines(demo_run.scorecard("tone_by_brand"))
    brands = set(demo_run.scorecard("tone_by_brand")["brand"])
    assert len(lines) == len(brands)
    assert all("dismissive or hostile" in line for line in lines)
    sentence = summary.evidence_sentence(demo_run.scorecard("lesson_effects"))
    assert "weakest" in sentence and "odds ratio" in sentence


def test_a_ticket_export_relates_the_lessons_to_its_ratings(tmp_path):
    run = analyze.run(paths.SAMPLE_TICKETS, settings.Settings(), out_dir=tmp_path)
    table = pd.read_csv(run.folder / "lesson_effects.csv")
    assert effects.SATISFIED_OUTCOME in set(table["outcome"])
    # The demo tickets have no reply text: no lesson is read, so no estimate, and it says why.
    rated = table[table["outcome"] == effects.SATISFIED_OUTCOME]
    assert rated["odds_ratio"].isna().all() and rated["reason"].notna().all()
    # One row per ticket records no conversation: whether the customer wrote again is unknown.
    assert run.exchanges["customer_replied"].isna().all()
    assert run.scorecard("outcomes_by_brand")["followed_up_share"].isna().all()


def test_the_real_tweets_and_the_real_helpdesk_export_write_lesson_effects(
    real_sample, cdp_sample, tmp_path
):
    twcs = analyze.run(real_sample, settings.Settings(), out_dir=tmp_path / "twcs")
    _check_effects_file(twcs)
    cdp = analyze.run(
        cdp_sample,
        settings.from_values(
            data_format="messages-csv", data_mapping={"author_id": "author", "brand": "company"}
        ),
        out_dir=tmp_path / "cdp",
    )
    table = _check_effects_file(cdp)
    assert table["odds_ratio"].notna().any(), "25 brands' follow-ups carry some estimate"


@pytest.mark.notebooks
def test_page_06_renders_on_the_real_tweets(real_sample, tmp_path):
    page = paths.NOTEBOOKS_DIR / "06_outcomes.ipynb"
    report.build_report(tmp_path, data_path=real_sample, notebooks=[page], progress=False)
    executed = nbformat.read(tmp_path / "06_outcomes.ipynb", as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 1
    html = (tmp_path / "06_outcomes.html").read_text(encoding="utf-8")
    assert "no estimate" in html or "odds ratio" in html


# --- End to end: a planted effect in a twcs file, read back through every labeller -------------

PLANTED_ODDS_RATIO = 3.0
_PRODUCTS = ("router", "parcel", "invoice", "app", "card", "flight", "order", "screen")
_OPENINGS = ("Hi there.", "Hello.", "Hey.", "Good morning.")
_SORRY = ("Sorry about that!", "We're so sorry for the trouble.", "Apologies for this.")
_FIXES = (
    "Please restart it and it should work again.",
    "Could you tell us which model you have?",
    "Let us know if there is anything else.",
    "We are looking into it.",
)
_THANKED = ("Thanks, that worked!", "Sorted now, cheers.", "Thank you, all good now.")
_UNHAPPY = ("Still not fixed.", "This is useless, third time asking.", "Still broken, awful.")


def planted_twcs(path, seed: int, conversations: int = 4800, brands: int = 12) -> None:
    """A twcs.csv whose customers thank the brand more often after a reply that says sorry
    (odds ratio PLANTED_ODDS_RATIO among follow-ups), everything else drawn independently."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2017-10-02 08:00", tz="UTC")
    brand_log_odds = rng.normal(0, 0.4, brands)
    for i in range(conversations):
        brand = f"PlantBrand{i % brands:02d}"
        customer = f"cust{i}"
        product = _PRODUCTS[rng.integers(len(_PRODUCTS))]
        at = start + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 28)))
        sorry = rng.random() < 0.5
        reply = " ".join(
            [
                f"@{customer}",
                _OPENINGS[rng.integers(len(_OPENINGS))],
                _SORRY[rng.integers(len(_SORRY))] if sorry else "",
                _FIXES[rng.integers(len(_FIXES))],
            ]
        ).replace("  ", " ")
        waited = pd.Timedelta(minutes=float(rng.lognormal(np.log(45), 1.2)))
        base = f"{i * 3 + 1}"
        rows.append([base, customer, True, at, f"@{brand} my {product} is broken", "", ""])
        rows.append([f"{i * 3 + 2}", brand, False, at + waited, reply, "", base])
        if rng.random() < 0.7:
            log_odds = -0.4 + brand_log_odds[i % brands] + np.log(PLANTED_ODDS_RATIO) * sorry
            thanked = rng.random() < 1 / (1 + np.exp(-log_odds))
            words = _THANKED if thanked else _UNHAPPY
            rows.append(
                [
                    f"{i * 3 + 3}",
                    customer,
                    True,
                    at + waited + pd.Timedelta(minutes=int(rng.integers(5, 300))),
                    f"@{brand} {words[rng.integers(len(words))]}",
                    "",
                    f"{i * 3 + 2}",
                ]
            )
    frame = pd.DataFrame(rows, columns=twcs.COLUMNS)
    frame["created_at"] = frame["created_at"].map(
        lambda t: t.strftime("%a %b %d %H:%M:%S +0000 %Y")
    )
    frame.to_csv(path, index=False)


def test_a_planted_sorry_effect_is_recovered_from_the_text_end_to_end(tmp_path):
    """Text in, odds ratio out: the reply's sorry and the follow-up's thanks are read by the
    labellers, not given. 4,800 conversations, about 3,400 follow-ups: the interval's half-width
    on the log scale is about 0.15, so excluding 1 (log 0) when the truth is log 3 = 1.1 cannot
    happen by chance, and a labeller that misread sorry or thanks would pull it towards 1."""
    data = tmp_path / "planted.csv"
    planted_twcs(data, seed=11)
    run = analyze.run(data, settings.Settings(), out_dir=tmp_path / "run")
    table = pd.read_csv(run.folder / "lesson_effects.csv").set_index(["lesson", "outcome"])
    sorry = table.loc[("says_sorry", "customer_thanked")]
    assert sorry["low"] <= PLANTED_ODDS_RATIO <= sorry["high"], sorry.to_dict()
    assert sorry["low"] > 1
    # The lessons that were not planted show no effect on thanks.
    for lesson in ("shows_appreciation", "acknowledges_specifics"):
        row = table.loc[(lesson, "customer_thanked")]
        if pd.notna(row["odds_ratio"]):
            assert row["low"] <= 1.5 and row["high"] >= 0.67, (lesson, row.to_dict())
