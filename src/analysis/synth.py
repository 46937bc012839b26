"""Synthetic support data with realistic shape: the demo data, benchmark inputs and test inputs.

Five made-up brands with different habits (fast or slow, apologetic or canned, pushing to DM or
not, business-hours staffing, some complaints never answered). Latencies are log-normal (long
tail), arrivals follow a daily and weekly cycle, and a few rows carry the defects real exports
have (HTML entities, mojibake, a bad timestamp, a repeated row, a parent outside the file), so
the data-quality report has something true to say. Deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TWCS_TIME_FORMAT = "%a %b %d %H:%M:%S +0000 %Y"


@dataclass(frozen=True)
class BrandProfile:
    """How one made-up brand answers."""

    name: str
    industry: str
    median_reply_minutes: float
    reply_spread: float  # sigma of the log-normal latency
    response_rate: float
    business_hours_only: bool  # replies wait for 08:00-20:00 UTC on weekdays
    apology_rate: float
    thanks_rate: float
    canned_rate: float  # share of replies that are one of a few fixed lines
    dm_push_rate: float
    resolution_rate: float
    name_use_rate: float
    signs_replies: bool
    agents: tuple[str, ...]
    volume_weight: float


BRANDS: tuple[BrandProfile, ...] = (
    BrandProfile(
        "NimbusMobile",
        "telecoms",
        25,
        1.1,
        0.92,
        False,
        0.7,
        0.3,
        0.15,
        0.6,
        0.35,
        0.2,
        True,
        ("JK", "AB", "RM", "TS", "LW"),
        1.3,
    ),
    BrandProfile(
        "ParcelPalHelp",
        "retail",
        95,
        1.4,
        0.85,
        True,
        0.5,
        0.25,
        0.55,
        0.8,
        0.2,
        0.05,
        True,
        ("CS", "DO", "MA", "GP"),
        1.2,
    ),
    BrandProfile(
        "StreamlyCares",
        "streaming",
        12,
        0.9,
        0.95,
        False,
        0.3,
        0.6,
        0.1,
        0.3,
        0.55,
        0.5,
        True,
        ("KL", "RB", "SJ"),
        1.0,
    ),
    BrandProfile(
        "SkyhopAir",
        "airlines",
        240,
        1.6,
        0.7,
        True,
        0.45,
        0.2,
        0.3,
        0.5,
        0.4,
        0.3,
        False,
        ("Becky", "Tom", "Priya"),
        0.9,
    ),
    BrandProfile(
        "ByteworksSupport",
        "software",
        60,
        1.2,
        0.8,
        True,
        0.1,
        0.15,
        0.7,
        0.4,
        0.25,
        0.02,
        False,
        (),
        0.8,
    ),
)

_ISSUES = {
    "telecoms": [
        ("my bill", "you charged me twice for {month}", "double charge on your {month} bill"),
        ("my broadband", "broadband has been down since {day}", "broadband outage since {day}"),
        ("my signal", "no signal at home for {n} days", "loss of signal at your address"),
        ("my upgrade", "upgrade order {order} still not shipped", "upgrade order {order}"),
        ("roaming", "roaming charges of ${amount} on my bill", "roaming charge of ${amount}"),
    ],
    "retail": [
        (
            "my parcel",
            "order {order} was due {day} and never came",
            "late parcel for order {order}",
        ),
        ("my refund", "still waiting on my ${amount} refund", "refund of ${amount}"),
        ("the item", "item arrived broken, order {order}", "damaged item in order {order}"),
        ("my account", "you closed my account with no warning", "account closure"),
        ("delivery", "driver marked it delivered but nothing here", "missing delivery"),
    ],
    "streaming": [
        ("the app", "app keeps crashing on my {device}", "app crashing on your {device}"),
        ("playback", "buffering every 10 seconds on {device}", "buffering on {device}"),
        (
            "my payment",
            "charged ${amount} after I cancelled",
            "charge of ${amount} after cancelling",
        ),
        ("my playlists", "all my playlists vanished", "missing playlists"),
        ("offline downloads", "downloads disappear every {day}", "offline downloads disappearing"),
    ],
    "airlines": [
        (
            "my flight",
            "flight SH{n}{n} delayed {n} hours and no updates",
            "delay on flight SH{n}{n}",
        ),
        ("my bag", "bag lost on the way from {city}", "lost bag from {city}"),
        (
            "my refund",
            "refund for cancelled booking {ref} still missing",
            "refund for booking {ref}",
        ),
        ("check-in", "online check-in fails with error {n}0{n}", "check-in error {n}0{n}"),
        ("my seat", "paid for a seat and got moved", "paid seat change"),
    ],
    "software": [
        ("the update", "latest update broke {device}", "update problem on {device}"),
        ("my license", "license key {ref} says invalid", "license key {ref}"),
        ("sync", "files not syncing since {day}", "sync stopped since {day}"),
        ("my laptop", "laptop won't boot after update", "boot failure after the update"),
        ("the login", "can't log in, error {n}0{n}", "login error {n}0{n}"),
    ],
}
_OPENERS = [
    "",
    "Seriously @{brand}",
    "@{brand}",
    "Hey @{brand}",
    "Come on @{brand},",
    "@{brand} why",
]
_CLOSERS = ["", " Fix it.", " Unacceptable.", " Any help?", " Third time asking.", " 😡", " thanks"]
_NAMES = ["Dana", "Mark", "Priya", "Lee", "Sofia", "Tom", "Aisha", "Ken", "Grace", "Omar", "Ines"]
_DEVICES = ["iPhone", "Android phone", "smart TV", "laptop", "tablet", "Xbox"]
_CITIES = ["Lisbon", "Denver", "Leeds", "Oslo", "Austin", "Dublin"]
_MONTHS = ["August", "September", "October"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend"]
_CANNED = [
    "We'd like to help. Please send us a DM with more details.",
    "Please DM us so we can look into this.",
    "Sorry for the trouble. Please reach out to us here: https://t.co/hlp{n}",
    "We're here to help! Please contact our support team at https://t.co/cnt{n}",
]
_TIMETABLES = [
    "within 24 hours",
    "by Friday",
    "in 3-5 working days",
    "by tomorrow evening",
    "within 48 hours",
]


def _fill(template: str, rng: np.random.Generator) -> str:
    return template.format(
        month=rng.choice(_MONTHS),
        day=rng.choice(_DAYS),
        n=int(rng.integers(1, 9)),
        order=f"{int(rng.integers(100, 999))}-{int(rng.integers(1000000, 9999999))}",
        amount=int(rng.integers(9, 300)),
        device=rng.choice(_DEVICES),
        city=rng.choice(_CITIES),
        ref=f"{''.join(rng.choice(list('ABCDEFGHJKLMNPQRSTUVWXYZ'), 6))}",
    )


def _complaint(brand: BrandProfile, rng: np.random.Generator) -> tuple[str, str]:
    _topic, complaint, acknowledgement = _ISSUES[brand.industry][rng.integers(5)]
    filled = _fill(complaint + "|" + acknowledgement, rng)
    complaint, acknowledgement = filled.split("|")
    opener = rng.choice(_OPENERS).format(brand=brand.name)
    text = f"{opener} {complaint}.{rng.choice(_CLOSERS)}".strip()
    if not text.startswith("@"):
        text = f"@{brand.name} {text}"
    return text, acknowledgement


def _reply(
    brand: BrandProfile, handle: str, acknowledgement: str, rng: np.random.Generator
) -> tuple[str, str | None]:
    """A reply in the brand's habits; returns (text, agent initials or name)."""
    agent = rng.choice(brand.agents) if brand.agents else None
    if rng.random() < brand.canned_rate:
        body = _CANNED[rng.integers(len(_CANNED))].format(n=int(rng.integers(1, 4)))
    else:
        parts = []
        name = rng.choice(_NAMES) if rng.random() < brand.name_use_rate else None
        if rng.random() < brand.apology_rate:
            parts.append(
                rng.choice(
                    ["Sorry about the", "We're sorry to hear about the", "Apologies for the"]
                )
                + f" {acknowledgement}"
                + (f", {name}." if name else ".")
            )
        elif name:
            parts.append(f"Hi {name}, let's sort out the {acknowledgement}.")
        else:
            parts.append(f"Let's take a look at the {acknowledgement}.")
        if rng.random() < brand.thanks_rate:
            parts.append(
                rng.choice(
                    [
                        "Thanks for your patience.",
                        "Thanks for letting us know.",
                        "We appreciate you flagging this.",
                    ]
                )
            )
        if rng.random() < brand.resolution_rate:
            parts.append(
                rng.choice(
                    [
                        f"We've fixed it on our side and you'll see the change {rng.choice(_TIMETABLES)}.",
                        f"I've escalated it to our specialist team, who will update you {rng.choice(_TIMETABLES)}.",
                        f"Restarting the app after clearing the cache fixes this: https://t.co/fx{int(rng.integers(9))}",
                        f"A refund is on its way and should arrive {rng.choice(_TIMETABLES)}.",
                    ]
                )
            )
        if rng.random() < brand.dm_push_rate:
            parts.append(
                rng.choice(
                    [
                        "Can you DM us your account details?",
                        "Please send us a DM so we can check.",
                        "Give us a call on 0800 123 456 and we'll help.",
                    ]
                )
            )
        body = " ".join(parts)
    text = f"@{handle} {body}"
    if brand.signs_replies and agent:
        text += f" ^{agent}"
    elif agent:
        text += f" -{agent}"
    return text, agent


def _arrival_times(
    count: int, start: pd.Timestamp, days: int, rng: np.random.Generator
) -> np.ndarray:
    """Complaint times with a daily cycle (busy evenings UTC) and quieter weekends."""
    hour_weight = 0.3 + np.exp(-0.5 * ((np.arange(24) - 17) / 4.0) ** 2)
    day_index = np.arange(days)
    weekday = (start.day_of_week + day_index) % 7
    day_weight = np.where(weekday >= 5, 0.65, 1.0)
    cell_weight = (day_weight[:, None] * hour_weight[None, :]).ravel()
    cells = rng.choice(cell_weight.size, size=count, p=cell_weight / cell_weight.sum())
    seconds = cells * 3600 + rng.integers(0, 3600, size=count)
    return np.sort(start.value + seconds.astype(np.int64) * 1_000_000_000)


def _hold_for_business_hours(times: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Move replies outside 08:00-20:00 UTC weekdays to the next opening, plus a short queue."""
    out = times.to_series()
    closed = (out.dt.day_of_week >= 5) | (out.dt.hour < 8) | (out.dt.hour >= 20)
    next_day = (out.dt.normalize() + pd.Timedelta(hours=8)).where(
        out.dt.hour < 8, out.dt.normalize() + pd.Timedelta(days=1, hours=8)
    )
    skip_weekend = next_day.dt.day_of_week.map({5: 2, 6: 1}).fillna(0)
    opening = next_day + pd.to_timedelta(skip_weekend, unit="D")
    return pd.DatetimeIndex(
        out.where(~closed, opening + pd.to_timedelta(np.arange(len(out)) % 90, unit="min"))
    )


def generate_social(
    complaints: int = 1200,
    seed: int = 7,
    start: str = "2017-10-02",
    days: int = 35,
    with_defects: bool = True,
) -> pd.DataFrame:
    """A twcs-format table of complaint threads with five brands' replies (raw, as in twcs.csv)."""
    rng = np.random.default_rng(seed)
    start_at = pd.Timestamp(start, tz="UTC")
    weights = np.array([b.volume_weight for b in BRANDS])
    brand_of = rng.choice(len(BRANDS), size=complaints, p=weights / weights.sum())
    arrivals = pd.DatetimeIndex(_arrival_times(complaints, start_at, days, rng), tz="UTC")
    rows: list[dict] = []
    next_id = 100_000

    def new_id() -> int:
        nonlocal next_id
        next_id += int(rng.integers(1, 7))
        return next_id

    for position in range(complaints):
        brand = BRANDS[brand_of[position]]
        customer = str(int(rng.integers(100_000, 999_999)))
        text, acknowledgement = _complaint(brand, rng)
        complaint_id = new_id()
        rows.append(
            {
                "tweet_id": complaint_id,
                "author_id": customer,
                "inbound": True,
                "created_at": arrivals[position],
                "text": text,
                "parent": None,
            }
        )
        if rng.random() > brand.response_rate:
            continue  # never answered: stays censored at the end of the data
        delay = rng.lognormal(np.log(brand.median_reply_minutes * 60), brand.reply_spread)
        reply_at = arrivals[position] + pd.Timedelta(seconds=float(delay))
        if brand.business_hours_only:
            reply_at = _hold_for_business_hours(pd.DatetimeIndex([reply_at]))[0]
        reply_text, _agent = _reply(brand, customer, acknowledgement, rng)
        reply_id = new_id()
        rows.append(
            {
                "tweet_id": reply_id,
                "author_id": brand.name,
                "inbound": False,
                "created_at": reply_at,
                "text": reply_text,
                "parent": complaint_id,
            }
        )
        if rng.random() < 0.3:  # the customer comes back, and usually gets a second reply
            follow_at = reply_at + pd.Timedelta(minutes=float(rng.lognormal(np.log(40), 1.0)))
            follow_id = new_id()
            rows.append(
                {
                    "tweet_id": follow_id,
                    "author_id": customer,
                    "inbound": True,
                    "created_at": follow_at,
                    "text": f"@{brand.name} "
                    + rng.choice(
                        [
                            "Still not fixed.",
                            "Done, sent you a DM.",
                            "Thanks, that worked!",
                            "That's not an answer.",
                        ]
                    ),
                    "parent": reply_id,
                }
            )
            if rng.random() < brand.response_rate:
                again_at = follow_at + pd.Timedelta(
                    seconds=float(
                        rng.lognormal(np.log(brand.median_reply_minutes * 60), brand.reply_spread)
                    )
                )
                again_text, _ = _reply(brand, customer, acknowledgement, rng)
                rows.append(
                    {
                        "tweet_id": new_id(),
                        "author_id": brand.name,
                        "inbound": False,
                        "created_at": again_at,
                        "text": again_text,
                        "parent": follow_id,
                    }
                )
    frame = pd.DataFrame(rows)
    frame = _to_twcs(frame)
    if with_defects:
        frame = _add_defects(frame, rng)
    return frame


def _to_twcs(frame: pd.DataFrame) -> pd.DataFrame:
    """The raw twcs.csv columns and quirks: float-written parent ids, comma lists of replies."""
    children = (
        frame.dropna(subset=["parent"])
        .groupby("parent")["tweet_id"]
        .agg(lambda ids: ",".join(str(i) for i in ids))
    )
    return pd.DataFrame(
        {
            "tweet_id": frame["tweet_id"].astype(str),
            "author_id": frame["author_id"],
            "inbound": frame["inbound"].map({True: "True", False: "False"}),
            "created_at": pd.DatetimeIndex(frame["created_at"]).strftime(TWCS_TIME_FORMAT),
            "text": frame["text"],
            "response_tweet_id": frame["tweet_id"].map(children).fillna(""),
            # twcs.csv writes this column as a float because of its gaps ("123.0").
            "in_response_to_tweet_id": frame["parent"].map(
                lambda p: "" if pd.isna(p) else f"{int(p)}.0"
            ),
        }
    )


def _add_defects(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A handful of the defects real exports carry, each of which the loader must handle."""
    frame = frame.copy()
    customer_rows = frame.index[frame["inbound"] == "True"]
    picks = rng.choice(customer_rows, size=6, replace=False)
    frame.loc[picks[0], "text"] = frame.loc[picks[0], "text"] + " &amp; no reply &gt; 2 days"
    frame.loc[picks[1], "text"] = frame.loc[picks[1], "text"] + " canâ€™t believe it"
    frame.loc[picks[2], "created_at"] = "yesterday at 5"  # unreadable time: rejected
    frame.loc[picks[3], "in_response_to_tweet_id"] = "99.0"  # parent outside the file
    duplicate = frame.loc[[picks[4]]]  # an exact repeated row: rejected as a duplicate
    frame = pd.concat([frame, duplicate], ignore_index=True)
    frame.loc[picks[5], "inbound"] = "maybe"  # unreadable flag: rejected
    return frame


def generate_tickets(tickets: int = 400, seed: int = 11, start: str = "2023-05-01") -> pd.DataFrame:
    """A ticket export in the Kaggle customer-support-ticket layout, plus a creation time, with
    its known defects: resolutions before the first response, missing times, placeholders."""
    rng = np.random.default_rng(seed)
    start_at = pd.Timestamp(start)
    created = start_at + pd.to_timedelta(rng.integers(0, 60 * 24 * 3600, tickets), unit="s")
    channel = rng.choice(
        ["Email", "Chat", "Social media", "Phone"], size=tickets, p=[0.35, 0.25, 0.2, 0.2]
    )
    median_minutes = (
        pd.Series(channel).map({"Email": 300, "Chat": 4, "Social media": 60, "Phone": 2}).to_numpy()
    )
    first = created + pd.to_timedelta(rng.lognormal(np.log(median_minutes * 60), 1.0), unit="s")
    resolved = first + pd.to_timedelta(rng.lognormal(np.log(8 * 3600), 1.2, tickets), unit="s")
    status = rng.choice(
        ["Closed", "Open", "Pending Customer Response"], size=tickets, p=[0.6, 0.2, 0.2]
    )
    products = [
        "GoPro Hero",
        "Dell XPS",
        "Fitbit Charge",
        "Sony Xperia",
        "Philips Hue Lights",
        "Xbox",
    ]
    product = rng.choice(products, size=tickets)
    ticket_type = rng.choice(
        [
            "Technical issue",
            "Billing inquiry",
            "Refund request",
            "Product inquiry",
            "Cancellation request",
        ],
        size=tickets,
    )
    subjects = {
        "Technical issue": "Software bug",
        "Billing inquiry": "Payment issue",
        "Refund request": "Refund request",
        "Product inquiry": "Product setup",
        "Cancellation request": "Cancellation",
    }
    names = rng.choice(_NAMES, size=tickets)
    frame = pd.DataFrame(
        {
            "Ticket ID": np.arange(1, tickets + 1),
            "Customer Name": names,
            "Customer Email": [f"{n.lower()}{i}@example.com" for i, n in enumerate(names)],
            "Customer Age": rng.integers(18, 75, tickets),
            "Customer Gender": rng.choice(["Female", "Male", "Other"], size=tickets),
            "Product Purchased": product,
            "Date of Purchase": (
                created - pd.to_timedelta(rng.integers(5, 400, tickets), unit="D")
            ).strftime("%Y-%m-%d"),
            "Ticket Type": ticket_type,
            "Ticket Subject": pd.Series(ticket_type).map(subjects),
            "Ticket Description": [
                f"I'm having an issue with the {{product_purchased}}. {t.lower()} since last week, please help."
                for t in ticket_type
            ],
            "Ticket Status": status,
            "Resolution": np.where(
                status == "Closed", "Replaced the unit and confirmed it works.", ""
            ),
            "Ticket Priority": rng.choice(["Low", "Medium", "High", "Critical"], size=tickets),
            "Ticket Channel": channel,
            "First Response Time": np.where(
                status == "Open", "", first.strftime("%Y-%m-%d %H:%M:%S")
            ),
            "Time to Resolution": np.where(
                status == "Closed", resolved.strftime("%Y-%m-%d %H:%M:%S"), ""
            ),
            "Customer Satisfaction Rating": np.where(
                status == "Closed", rng.integers(1, 6, tickets).astype(str), ""
            ),
            "Ticket Created": created.strftime("%Y-%m-%d %H:%M:%S"),
            "Assigned Agent": rng.choice(
                ["agent.kim", "agent.ravi", "agent.lucy", "agent.osei"], size=tickets
            ),
        }
    )
    # The export's known defect: some resolutions are stamped before the first response.
    closed = np.flatnonzero(status == "Closed")
    swapped = rng.choice(closed, size=max(1, len(closed) // 25), replace=False)
    frame.loc[swapped, "Time to Resolution"] = (first[swapped] - pd.Timedelta(hours=3)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    return frame


def write_demo_data(out_dir: Path, seed: int = 7) -> dict[str, Path]:
    """Write the demo social-complaint file and the demo ticket export."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {"social": out_dir / "social_complaints.csv", "tickets": out_dir / "tickets.csv"}
    generate_social(seed=seed).to_csv(written["social"], index=False)
    generate_tickets(seed=seed + 4).to_csv(written["tickets"], index=False)
    return written
