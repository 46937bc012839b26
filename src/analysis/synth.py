"""Synthetic support data with realistic shape: the demo data, benchmark inputs and test inputs.

Made-up brands with different habits, each working from its own home time zone:

- **Time.** Customers write on a daily and weekly cycle in the brand's local time (quiet nights,
  busy days and evenings, quieter weekends). A brand answers only in its staffed hours (`staffed_days`,
  `staffed_start`-`staffed_end` in `timezone`, the schedule `BrandProfile.schedule` returns);
  a reply that would fall outside them waits for the next opening plus a backlog queue, so
  overnight and weekend waits exist and business-hours figures differ from calendar ones under
  the default schedule and under the brand's own (measured on the demo: three of five brands
  have a non-zero business-hours median under Mon-Fri 09:00-17:00 UTC, every brand under its
  own hours; Sydney's and Los Angeles' days barely meet UTC's). Latencies are log-normal.
- **Wording.** A reply is composed from phrase banks the way agents write: an optional greeting
  (by name or not, by time of day), an apology or thanks, the issue restated in the complaint's
  own words, then a plain answer, a troubleshooting question, a named hand-off, a fix with a link
  or a timetable, sometimes banter, a move to DM or phone, a sign-off and the agent's signature.
  Template-heavy brands answer most complaints with a few fixed macros (what the template measure
  finds); the others mix occasional macros with free text, so most of their masked replies are
  distinct (measured: 85% of the demo's masked replies are distinct; ByteworksSupport's 45%).
  Customers come back ("still broken", "that worked") and get answers to that.
- **Defects** real exports carry, each of which the loader must handle (`_add_defects`): HTML
  entities, mojibake, an unreadable time, an unreadable inbound flag, an exact repeated row, a
  parent outside the file, a reply stamped before its parent.

`generate_social` writes the five-brand demo (`BRANDS`); `MANY_BRANDS` is a 30-brand roster of very
different sizes (a few large, a long tail, some with fewer than 20 customer messages), written
with a few conversations a second brand joins. `generate_twcs(N)` is the benchmark's file
(`analysis demo-data --messages N`): N tweets from the 30-brand roster with the same time
machinery, every text composed in vectorised form from clause banks and the complaint's own
nouns, so about 93% of its masked replies are distinct (as in twcs.csv) while each brand sends
its macros verbatim in 5-13% of its replies (docs/benchmarks.md). Deterministic for a given seed; every phrase bank
is written for this project (no real tweet is copied).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.business_hours import BusinessHours, parse_clock, parse_weekdays

TWCS_TIME_FORMAT = "%a %b %d %H:%M:%S +0000 %Y"
_NS_PER_SECOND = 1_000_000_000


@dataclass(frozen=True)
class BrandProfile:
    """How one made-up brand answers: when, how fast, and in which words."""

    name: str
    industry: str
    timezone: str  # the brand's home time zone (IANA)
    staffed_days: str  # like "Mon-Fri": days the social team works
    staffed_start: str  # local opening, "HH:MM"
    staffed_end: str  # local closing, "HH:MM" ("24:00" for midnight)
    median_reply_minutes: float  # while staffed
    reply_spread: float  # sigma of the log-normal latency
    response_rate: float
    volume_weight: float
    agents: tuple[str, ...] = ()
    signature_style: str = "^"  # "^AB", "-Becky", "/KL", "*MS", "closing" (Best wishes, Name) or ""
    canned_rate: float = 0.1  # share of replies that are one of the brand's fixed macros
    apology_rate: float = 0.5
    thanks_rate: float = 0.3
    name_use_rate: float = 0.2
    greeting_rate: float = 0.5
    banter_rate: float = 0.05
    question_rate: float = 0.35  # troubleshooting questions instead of an answer
    handoff_rate: float = 0.1  # a named colleague or team takes over
    resolution_rate: float = 0.35  # a fix, a refund or a timetable
    link_rate: float = 0.3  # a link to a fix or help page
    dm_push_rate: float = 0.4  # asks to move to DM, phone or a form
    closer_rate: float = 0.4  # "Hope this helps!"

    def schedule(self) -> BusinessHours:
        """The brand's staffed hours as a business-hours calendar (for measuring it on its own terms)."""
        return BusinessHours(
            days=self.staffed_days,
            start=self.staffed_start,
            end=self.staffed_end,
            timezone=self.timezone,
        )


# The five demo brands: one per home time zone, fast and slow, apologetic and canned.
BRANDS: tuple[BrandProfile, ...] = (
    BrandProfile(
        "NimbusMobile",
        "telecoms",
        "Europe/London",
        "Mon-Sat",
        "08:00",
        "20:00",
        median_reply_minutes=25,
        reply_spread=1.1,
        response_rate=0.92,
        volume_weight=1.3,
        agents=("JK", "AB", "RM", "TS", "LW"),
        signature_style="^",
        canned_rate=0.08,
        apology_rate=0.7,
        thanks_rate=0.3,
        name_use_rate=0.25,
        banter_rate=0.08,
        dm_push_rate=0.55,
    ),
    BrandProfile(
        "ParcelPalHelp",
        "retail",
        "America/New_York",
        "Mon-Sat",
        "08:00",
        "20:00",
        median_reply_minutes=95,
        reply_spread=1.3,
        response_rate=0.85,
        volume_weight=1.2,
        agents=("CS", "DO", "MA", "GP"),
        signature_style="^",
        canned_rate=0.2,
        apology_rate=0.5,
        thanks_rate=0.25,
        name_use_rate=0.1,
        greeting_rate=0.35,
        question_rate=0.45,
        dm_push_rate=0.75,
        resolution_rate=0.2,
    ),
    BrandProfile(
        "StreamlyCares",
        "streaming",
        "America/Los_Angeles",
        "Mon-Sun",
        "06:00",
        "23:00",
        median_reply_minutes=12,
        reply_spread=0.9,
        response_rate=0.95,
        volume_weight=1.0,
        agents=("KL", "RB", "SJ"),
        signature_style="/",
        canned_rate=0.05,
        apology_rate=0.3,
        thanks_rate=0.6,
        name_use_rate=0.5,
        greeting_rate=0.75,
        banter_rate=0.2,
        question_rate=0.45,
        resolution_rate=0.5,
        link_rate=0.45,
        dm_push_rate=0.25,
    ),
    BrandProfile(
        "SkyhopAir",
        "airlines",
        "Australia/Sydney",
        "Mon-Sun",
        "06:00",
        "22:00",
        median_reply_minutes=150,
        reply_spread=1.5,
        response_rate=0.7,
        volume_weight=0.9,
        agents=("Becky", "Tom", "Priya"),
        signature_style="-",
        canned_rate=0.1,
        apology_rate=0.45,
        thanks_rate=0.2,
        name_use_rate=0.35,
        handoff_rate=0.25,
        resolution_rate=0.4,
        dm_push_rate=0.45,
    ),
    BrandProfile(
        "ByteworksSupport",
        "software",
        "Asia/Kolkata",
        "Mon-Fri",
        "09:30",
        "18:30",
        median_reply_minutes=120,
        reply_spread=1.2,
        response_rate=0.8,
        volume_weight=0.8,
        agents=(),
        signature_style="",
        canned_rate=0.7,
        apology_rate=0.1,
        thanks_rate=0.15,
        name_use_rate=0.02,
        greeting_rate=0.3,
        banter_rate=0.0,
        dm_push_rate=0.4,
        resolution_rate=0.25,
        closer_rate=0.2,
    ),
)

# Ways of answering, mixed into the long tail of the 30-brand roster.
_STYLES: dict[str, dict] = {
    "warm": dict(apology_rate=0.6, thanks_rate=0.45, name_use_rate=0.45, greeting_rate=0.7),
    "canned": dict(canned_rate=0.65, apology_rate=0.2, name_use_rate=0.02, greeting_rate=0.3),
    "brisk": dict(apology_rate=0.2, thanks_rate=0.1, greeting_rate=0.2, closer_rate=0.15),
    "playful": dict(banter_rate=0.3, greeting_rate=0.8, name_use_rate=0.4, thanks_rate=0.4),
    "formal": dict(apology_rate=0.7, greeting_rate=0.6, dm_push_rate=0.6, closer_rate=0.6),
    "fixer": dict(resolution_rate=0.6, link_rate=0.55, question_rate=0.25, handoff_rate=0.2),
}


# The long tail of the 30-brand roster, one brand a line: name | industry | home time zone |
# staffed hours | median reply minutes | response rate | volume weight | style | signature | agents.
_LONG_TAIL = """
VoltaEnergyUK  | telecoms  | Europe/London       | Mon-Fri 08:00-18:00 |  80 | 0.80 | 6    | formal  | -       | Hannah Idris Jess
CrumbDelivers  | food      | Europe/Dublin       | Mon-Sun 10:00-24:00 |   9 | 0.90 | 5.5  | playful | ^       | AO CT NF
PixelForgeHelp | gaming    | America/Chicago     | Mon-Sun 07:00-23:00 |  30 | 0.75 | 5    | fixer   | *       | MS SR TB DW
LedgerlyBank   | banking   | America/New_York    | Mon-Fri 08:00-20:00 |  70 | 0.85 | 4    | formal  | -       | Carla Dev
TrailwaysBus   | airlines  | America/Denver      | Mon-Sun 06:00-22:00 | 120 | 0.60 | 3.5  | brisk   |         |
Kettlebook     | retail    | Europe/London       | Mon-Sat 09:00-17:30 | 180 | 0.75 | 3    | canned  |         |
OrbitTVSupport | streaming | America/New_York    | Mon-Sun 08:00-24:00 |  20 | 0.90 | 3    | warm    | /       | JP ZZ EX
MintwayPay     | banking   | Europe/Berlin       | Mon-Fri 08:00-19:00 |  45 | 0.80 | 2.5  | fixer   | ^       | LK RS
HarbourRail    | airlines  | Europe/London       | Mon-Sun 06:00-23:00 |  15 | 0.85 | 2.5  | playful | ^       | GH PB KM
NovaCloudHelp  | software  | America/Los_Angeles | Mon-Fri 06:00-18:00 |  50 | 0.80 | 2.2  | fixer   | closing | Lena Marco
BasketBuddy    | food      | Asia/Kolkata        | Mon-Sun 08:00-23:00 |  25 | 0.70 | 2    | warm    | -       | Anjali Rohan
GigaNetCare    | telecoms  | Asia/Kolkata        | Mon-Sun 09:00-21:00 |  90 | 0.65 | 2    | canned  |         |
QuestlineGames | gaming    | Europe/Stockholm    | Mon-Fri 09:00-17:00 | 240 | 0.55 | 1.8  | brisk   | *       | EL MK
SparrowShop    | retail    | Australia/Sydney    | Mon-Fri 09:00-17:00 | 100 | 0.80 | 1.5  | warm    | -       | Kate Liam
FjordFlyer     | airlines  | Europe/Oslo         | Mon-Sun 07:00-21:00 |  60 | 0.80 | 1.3  | formal  | ^       | IH TK
TallyTaxHelp   | banking   | America/Toronto     | Mon-Fri 09:00-17:00 | 300 | 0.70 | 1.1  | formal  | -       | Marie
LoopStreamHQ   | streaming | Europe/London       | Mon-Sun 09:00-21:00 |  35 | 0.85 | 1.0  | playful | /       | SB AH
CirrusPhones   | telecoms  | America/Chicago     | Mon-Sat 08:00-20:00 |  55 | 0.75 | 0.9  | brisk   | ^       | DW JR
ByteBazaar     | retail    | Asia/Singapore      | Mon-Sun 09:00-21:00 |  40 | 0.80 | 0.8  | fixer   | ^       | WL YT
PlotTwistBooks | retail    | America/New_York    | Mon-Fri 09:00-17:00 | 200 | 0.60 | 0.6  | warm    | -       | Nora
GrillGo        | food      | America/Los_Angeles | Mon-Sun 10:00-22:00 |  30 | 0.70 | 0.5  | playful |         |
SafeNestInsure | banking   | Europe/London       | Mon-Fri 09:00-17:00 | 150 | 0.75 | 0.4  | formal  | -       | Ruth
ArcadeAtlas    | gaming    | Asia/Tokyo          | Mon-Fri 10:00-19:00 |  90 | 0.65 | 0.3  | brisk   | *       | YS
TinyTillPOS    | software  | Europe/Amsterdam    | Mon-Fri 09:00-17:00 | 120 | 0.70 | 0.12 | fixer   | ^       | BV
MeadowMilk     | food      | Pacific/Auckland    | Mon-Fri 08:00-16:00 | 240 | 0.60 | 0.1  | warm    | -       | Aroha
"""


def _roster(table: str) -> tuple[BrandProfile, ...]:
    """Brand profiles from the one-line-a-brand table above."""
    brands = []
    for line in table.strip().splitlines():
        name, industry, zone, hours, minutes, rate, weight, style, sign, agents = (
            cell.strip() for cell in line.split("|")
        )
        days, window = hours.split(" ")
        start, end = window.split("-")
        brands.append(
            BrandProfile(
                name,
                industry,
                zone,
                days,
                start,
                end,
                median_reply_minutes=float(minutes),
                reply_spread=1.2,
                response_rate=float(rate),
                volume_weight=float(weight),
                agents=tuple(agents.split()),
                signature_style=sign,
                **_STYLES[style],
            )
        )
    return tuple(brands)


# The 30-brand roster: the five demo brands (larger here), then a long tail of very different
# sizes; the last few have too few messages for the headlines to rank them.
MANY_BRANDS: tuple[BrandProfile, ...] = (
    *(
        replace(brand, volume_weight=weight)
        for brand, weight in zip(BRANDS, (14, 9, 11, 5, 4), strict=True)
    ),
    *_roster(_LONG_TAIL),
)
MANY_BRANDS_COMPLAINTS = 4500
MANY_BRANDS_SHARED_CONVERSATIONS = 8  # conversations a second brand joins


# --- Phrase banks (written for this project; no real tweet is copied) ---------------------------
# Each issue: how customers put it, how a reply names it ("ack"), the questions an agent asks
# about it, plain answers, what a help link fixes, and the team it is handed to. {slots} are
# filled once per conversation, so a reply can pick up the complaint's own words.
_ISSUE_TABLE = """
telecoms | billing | read your bill line by line
  C you charged me twice for {month}
  C why is my {month} bill ${amount} more than last month
  C my bill went up by ${amount} and nobody told me
  A double charge on your {month} bill
  A {month} bill
  A extra ${amount} on your bill
  Q Is the second payment showing as pending or taken?
  Q Did you change your plan or add anything in {month}?
  R The extra ${amount} is a one-off pro-rata charge from the plan change, so only the {month} bill is affected.
  R Both payments were authorised, but only one has been taken; the other drops off in a few days.
telecoms | network | reset your router
  C broadband has been down since {day}
  C internet keeps dropping every evening since {day}
  C no connection at all, router light is flashing red
  A broadband outage since {day}
  A connection dropping out
  A router trouble
  Q Which lights are showing on the router right now?
  Q Does it drop on wired devices too, or only on wifi?
  R There's an engineer working on a fault at your exchange; it should be back up {timetable}.
  R Your line tests fine from here, so it looks like the router itself is playing up.
telecoms | network | check coverage at your postcode
  C no signal at home for {n} days
  C calls keep cutting out in {city}
  C zero bars anywhere near my flat
  A loss of signal at your address
  A calls dropping in {city}
  A signal problem
  Q Is it every call, or only indoors?
  Q Have you tried turning off wifi calling and back on?
  R A mast near you is down for upgrade work, which explains the drop in signal.
  R We've got planned work in {city} this week, so signal there is patchy.
telecoms | orders | track an upgrade
  C upgrade order {order} still not shipped
  C ordered a new phone on {day}, order {order}, still nothing
  C where is my upgrade?? order {order}
  A upgrade order {order}
  A new phone order
  A delayed upgrade
  Q Did you get a dispatch email for order {order}?
  Q Was the order placed online or in store?
  R That model is on backorder; order {order} is next in the queue and ships {timetable}.
  R Order {order} left our warehouse yesterday, so the courier should have it with you {timetable}.
retail | delivery | track your parcel
  C order {order} was due {day} and never came
  C still waiting for order {order}, it said {day}
  C tracking hasn't moved in {n} days, order {order}
  A late parcel for order {order}
  A delay with order {order}
  A missing delivery
  Q Has the tracking for order {order} changed since {day}?
  Q Could a neighbour or a safe place have taken it?
  R Order {order} is held at the local depot after a missed scan; it goes out again {timetable}.
  R The courier had a backlog in your area, and order {order} is on the van for {day}.
retail | returns | check a refund
  C still waiting on my ${amount} refund
  C returned it {n} weeks ago and no refund yet
  C where is my money? ${amount} refund promised
  A refund of ${amount}
  A missing refund
  A return you sent back
  Q Did you get an email confirming we received the return?
  Q Which payment method did you use for the order?
  R The ${amount} refund was processed on {day}; banks can take a few days to show it.
  R We've received your return, and the refund is released {timetable}.
retail | returns | report a damaged item
  C item arrived broken, order {order}
  C box was crushed and the {item} inside is cracked
  C sent me the wrong {item} in order {order}
  A damaged item in order {order}
  A broken {item}
  A wrong item
  Q Could you send a photo of the {item} and the box?
  Q Is the wrong item still sealed?
  R We'll send a replacement {item} straight away; there's no need to return the broken one.
  R A courier will collect the wrong {item} and drop off the right one on the same trip.
retail | delivery | report a missing parcel
  C driver marked it delivered but nothing here
  C says delivered at {n}pm, I was home all day, no parcel
  C parcel 'delivered' to the wrong house again
  A missing delivery
  A parcel marked delivered
  A delivery to the wrong address
  Q Is there a photo on the tracking page showing where it was left?
  Q Could you check with the neighbours on either side?
  R The driver's GPS shows a drop two streets away, so we're raising it with the courier now.
  R We've opened a lost-parcel claim; if it doesn't turn up {timetable} we'll refund you.
streaming | technical | clear the app cache
  C app keeps crashing on my {device}
  C the app closes itself every time I open it on {device}
  C crashes mid-episode, every single time, {device}
  A app crashing on your {device}
  A crashes on {device}
  A app closing on you
  Q Which version of the app is on your {device}?
  Q Does it crash on a particular show, or on everything?
  R The latest update has a bug on some {device} models; a fix is rolling out {timetable}.
  R It looks like an old cache on the {device}; a reinstall clears it.
streaming | technical | fix buffering
  C buffering every 10 seconds on {device}
  C picture quality is terrible tonight, keeps buffering
  C constant loading wheel on {device} since {day}
  A buffering on {device}
  A picture quality
  A loading problems
  Q What speed does a speed test show on the same network?
  Q Is it the same on other apps on the {device}?
  R We had a busy-evening issue with one of our servers; it's been fixed, so a restart of the app should do it.
  R Streaming in HD needs about 5 Mbps, so a slow connection on the {device} would cause this.
streaming | billing | cancel a plan
  C charged ${amount} after I cancelled
  C cancelled in {month} and you still took ${amount}
  C why am I still paying for a plan I cancelled?
  A charge of ${amount} after cancelling
  A payment after your cancellation
  A {month} charge
  Q Did you cancel in the app or on the website?
  Q Is the email on the charge the same as your account email?
  R The cancellation took effect at the end of the billing period, which is why {month} was charged; we've refunded it.
  R That charge is for a second account on a different email, which is still active.
streaming | accounts | restore your playlists
  C all my playlists vanished
  C my saved list is empty after the update
  C lost every download on my {device}, again
  A missing playlists
  A empty saved list
  A lost downloads on your {device}
  Q Are you signed in with the same account you usually use?
  Q Did you switch devices or log in anywhere new recently?
  R Your playlists are still on your account; a sync hiccup hid them and they're back now.
  R Downloads expire after 30 days offline, which is why they went from the {device}.
airlines | airport | claim for a delay
  C flight {flight} delayed {n} hours and no updates
  C sitting at the gate in {city} for {n} hours, flight {flight}
  C no one at the desk can tell us anything about {flight}
  A delay on flight {flight}
  A wait in {city}
  A lack of updates
  Q Are you still at the gate in {city}?
  Q Did you get the delay message by text or email?
  R Flight {flight} is waiting on a crew change from {city} and is now due to leave in about an hour.
  R Air traffic control held every departure from {city} this afternoon, which delayed {flight}.
airlines | baggage | track a delayed bag
  C bag lost on the way from {city}
  C my suitcase never came off the belt, flew in from {city}
  C day {n} without my luggage
  A lost bag from {city}
  A missing suitcase
  A delayed luggage
  Q Do you have the file reference the baggage desk gave you?
  Q Can you describe the bag: colour, size, any tags?
  R Your bag has been traced to {city} and is on the next flight; a courier brings it to your address.
  R It was left behind in {city} and arrives on the evening flight.
airlines | refunds | request a refund
  C refund for cancelled booking {ref} still missing
  C you cancelled my flight and kept my money, booking {ref}
  C {n} weeks waiting for a refund, ref {ref}
  A refund for booking {ref}
  A cancelled booking
  A money for the cancelled flight
  Q Did you pay by card or with travel credit for booking {ref}?
  Q Did you accept the rebooking offer, or ask for the refund?
  R The refund for booking {ref} went out on {day}; card refunds take up to 10 working days to show.
  R Booking {ref} was turned into travel credit, but we can switch it to a cash refund.
airlines | airport | check in online
  C online check-in fails with error {code}
  C can't check in, the app just says error {code}
  C check-in page keeps timing out for my flight to {city}
  A check-in error {code}
  A check-in trouble
  A app error
  Q Is the name on the booking exactly as on your passport?
  Q Are you checking in more than 24 hours before the flight?
  R Error {code} means the passport details need checking at the desk; online check-in opens again after that.
  R Check-in for flights to {city} opens 24 hours before departure, so it's just not open yet.
software | engineering | roll back an update
  C latest update broke {device}
  C since the update my {device} freezes every hour
  C update {code} wrecked everything on my {device}
  A update problem on {device}
  A freezing after the update
  A update {code}
  Q Which version number shows under Settings, About?
  Q Does it freeze with every app, or one in particular?
  R Update {code} had a driver bug on some machines; the patch is out now.
  R You can roll back to the previous version while we fix it, and nothing is lost.
software | licensing | activate a license
  C license key {ref} says invalid
  C paid for a license and the key {ref} doesn't work
  C keeps telling me my subscription expired, it didn't
  A license key {ref}
  A key that won't activate
  A subscription status
  Q Which email did you buy the license with?
  Q Is the app asking for the key on a new machine?
  R Key {ref} was issued for the previous version; we've moved it to the new one.
  R Your subscription renews on {day}, and the expired notice was a display bug.
software | engineering | fix a stuck sync
  C files not syncing since {day}
  C sync stuck at 99% for {n} days
  C my files are gone from the laptop after sync
  A sync stopped since {day}
  A stuck sync
  A missing files
  Q Is there a red icon on the sync tray, and what does it say?
  Q How much free space is left on the laptop?
  R Sync pauses when the disk is nearly full; freeing a few GB starts it again.
  R Your files are safe in the version history for 30 days, so we can bring them back.
software | accounts | reset your password
  C can't log in, error {code}
  C locked out of my account again
  C password reset email never arrives
  A login error {code}
  A locked account
  A reset email
  Q Is the reset email maybe in your spam folder?
  Q Do you use two-step sign-in on the account?
  R Error {code} means too many attempts; the lock lifts after 30 minutes.
  R The reset emails were delayed this morning, so a new request should arrive now.
banking | fraud | unblock your card
  C card declined at the till for no reason
  C my card keeps getting declined online
  C card blocked while I'm abroad in {city}
  A declined card
  A card block in {city}
  A declined payment
  Q Did you get a text asking you to confirm the payment?
  Q Is the card in date and showing in the app?
  R Our fraud check paused the card after a payment in {city}; it's unblocked now.
  R The card was declined because the daily limit was reached; it resets at midnight.
banking | payments | track a payment
  C transfer of ${amount} still not arrived
  C sent ${amount} on {day}, it's left my account but not arrived
  C payment pending for {n} days
  A transfer of ${amount}
  A pending payment
  A missing transfer
  Q Was it a transfer to another bank, or between your own accounts?
  Q Did you get a reference for the payment?
  R Transfers over ${amount} get an extra check; yours has cleared and lands {timetable}.
  R The payment was sent on {day}, and the other bank hasn't applied it yet.
banking | digital | get the app working again
  C app won't let me log in since the update
  C banking app stuck on the loading screen
  C can't see my balance, app just spins
  A app login
  A loading screen
  A balance not showing
  Q Which phone and app version are you on?
  Q Does online banking on the website work for you?
  R We had a short outage this morning, and the app is working again now.
  R The new version needs the app updated from the store to log in.
banking | accounts | understand account fees
  C charged a ${amount} fee I never agreed to
  C what is this ${amount} charge on my statement
  C overdraft fee when I had money in the account
  A ${amount} fee
  A charge on your statement
  A overdraft fee
  Q Which date does the fee show on your statement?
  Q Was a payment going out on the same day?
  R The ${amount} was a monthly account fee, and we've waived it this time.
  R A payment went out before your salary landed, which caused the fee; we've refunded it.
gaming | online services | fix connection errors
  C can't connect to online, error {code}
  C servers down again? error {code} all evening
  C kicked out of every match tonight
  A error {code}
  A connection problems
  A disconnects
  Q Which platform are you playing on?
  Q Is your console on wifi or a cable?
  R We had a server issue this evening, and it's fixed now, so a restart of the game should do it.
  R Error {code} is usually a blocked port on the router.
gaming | payments | restore purchases
  C bought {amount} coins and they never showed up
  C paid for the season pass, it's not in my account
  C purchase went through but no items
  A missing coins
  A season pass
  A missing purchase
  Q Could you check your purchase history on the store for that payment?
  Q Is it the same account you bought it on?
  R The purchase is on your account; it shows after you restore purchases in the settings menu.
  R Store purchases took a while to arrive today, and yours has landed now.
gaming | safety | appeal a ban
  C my account got banned for nothing
  C suspended for {n} days and I didn't do anything
  C hacked and now banned, great
  A account ban
  A suspension
  A hacked account
  Q Did you get an email with the reason for the ban?
  Q Have you changed your password since?
  R The ban came from a login from another country; we've lifted it and secured the account.
  R Suspensions can be appealed, and an appeal is reviewed by a person.
gaming | technical | recover a save
  C game crashes on the loading screen since the patch
  C save file corrupted after the update
  C lost {n} hours of progress
  A crash after the patch
  A corrupted save
  A lost progress
  Q Is it the console or the PC version?
  Q Do you have cloud saves switched on?
  R The patch tonight fixes the crash on the loading screen.
  R Your cloud save from {day} is still there, so you'll only lose the last session.
food | orders | get help with an order
  C order {order} turned up {n}0 minutes late and cold
  C food arrived cold again
  C still waiting for my dinner, order {order}
  A late order {order}
  A cold food
  A wait for your order
  Q Did the driver give a reason for the delay?
  Q Is order {order} showing as delivered in the app?
  R The restaurant was running behind tonight; we've refunded the delivery fee.
  R Order {order} was passed to a second driver, which added the wait.
food | orders | report missing items
  C half my order is missing
  C no drinks and no sides in order {order}
  C got someone else's order
  A missing items
  A missing drinks and sides
  A wrong order
  Q Which items were missing from order {order}?
  Q Was the bag sealed when it arrived?
  R We've refunded the missing items to your card; it takes a few days to show.
  R A credit for the full order is on your account for next time.
food | billing | check a charge
  C charged twice for one order
  C promo code {ref} didn't work but said it would
  C you took ${amount} for an order that got cancelled
  A double charge
  A promo code {ref}
  A charge of ${amount}
  Q Is the second charge pending or taken?
  Q Was the promo code used on a first order?
  R The second charge is only a hold and drops off in a few days.
  R Code {ref} is for first orders only, and we've added a credit instead.
food | rider support | give feedback on a delivery
  C driver was really rude
  C driver left the food on the street
  C driver ate my chips I swear
  A driver
  A delivery
  A how the driver behaved
  Q Roughly what time did the driver arrive?
  Q Would you like us to follow up with you by email?
  R We've shared it with the delivery team, who will speak to the driver.
  R We've refunded the order and flagged the delivery.
"""


def _issues(table: str) -> dict[str, list[dict]]:
    """The issue table: 'industry | team | fix' opens an issue, then a line per phrase tagged
    C (complaint), A (ack), Q (question) or R (plain answer)."""
    issues: dict[str, list[dict]] = {}
    keys = {"C": "complaint", "A": "ack", "Q": "ask", "R": "answer"}
    for line in table.strip("\n").splitlines():
        if not line.startswith(" "):
            industry, team, fix = (cell.strip() for cell in line.split("|"))
            issue: dict = {"team": team, "fix": fix, **{key: [] for key in keys.values()}}
            issues.setdefault(industry, []).append(issue)
        else:
            tag, text = line.strip().split(" ", 1)
            issue[keys[tag]].append(text)
    return issues


_ISSUES = _issues(_ISSUE_TABLE)
_DEVICES = [
    "iPhone",
    "Android phone",
    "smart TV",
    "laptop",
    "tablet",
    "Xbox",
    "Fire stick",
    "PS4",
    "Chromebook",
    "Roku",
]
_ITEMS = ["kettle", "lamp", "blender", "jacket", "phone case", "speaker", "mirror", "desk chair"]
_CITIES = [
    "Lisbon",
    "Denver",
    "Leeds",
    "Oslo",
    "Austin",
    "Dublin",
    "Perth",
    "Boston",
    "Glasgow",
    "Madrid",
    "Phoenix",
]
_MONTHS = ["August", "September", "October"]
_DAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "the weekend",
    "last week",
]
_TIMETABLES = [
    "within 24 hours",
    "by Friday",
    "in 3-5 working days",
    "by tomorrow evening",
    "within 48 hours",
    "later today",
    "by the end of the week",
    "first thing tomorrow",
    "within the hour",
]
_CUSTOMER_NAMES = [
    "Dana",
    "Mark",
    "Lee",
    "Sofia",
    "Aisha",
    "Ken",
    "Grace",
    "Omar",
    "Ines",
    "Jamal",
    "Chloe",
    "Mateo",
    "Hana",
    "Ravi",
    "Ellie",
    "Noah",
    "Zara",
    "Luca",
    "Maya",
    "Sean",
    "Leila",
    "Hugo",
    "Amara",
    "Felix",
    "Nina",
    "Tariq",
    "Erin",
    "Diego",
    "Yuki",
    "Ben",
    "Ruby",
    "Kofi",
    "Alice",
    "Sam",
]
_COLLEAGUES = ["Marta", "Josh", "Aditi", "Callum", "Bea", "Femi", "Rosa", "Theo"]

# The customer's side.
_OPENERS = [
    "",
    "",
    "",
    "Seriously",
    "Hey",
    "Come on",
    "Hi",
    "Wow.",
    "Ok so",
    "Not again.",
    "Help!",
    "Question:",
]
_EXTRAS = [
    "",
    "",
    "",
    " Already restarted it twice.",
    " Been on hold for {n} hours.",
    " Asked {n} times already.",
    " Your website is no help either.",
    " Nobody answers the phone.",
    " Paying customer for {n} years btw.",
    " Any idea what's going on?",
    " I need this sorted today.",
    " Your chat bot just loops.",
]
_CLOSERS = [
    "",
    "",
    " Fix it.",
    " Unacceptable.",
    " Any help?",
    " Third time asking.",
    " 😡",
    " thanks",
    " pls",
    " 🙄",
    "!!",
    " Ridiculous.",
]
_FOLLOW_UPS = {
    "still_broken": [
        "Still not fixed.",
        "Tried that, no change.",
        "Nope, still the same.",
        "Did all of that, still broken",
        "It's worse now tbh",
    ],
    "sent_dm": [
        "Done, sent you a DM.",
        "DM sent.",
        "Just messaged you.",
        "Sent the details over DM",
    ],
    "worked": [
        "Thanks, that worked!",
        "Sorted, cheers!",
        "That did it, thank you",
        "Working again 🙌",
        "Brilliant, all good now",
    ],
    "unhappy": [
        "That's not an answer.",
        "So what now?",
        "That doesn't help me at all",
        "You said that last week.",
    ],
    "detail": [
        "It's the {device}, latest version.",
        "Since {day}, every single time.",
        "Order {order}, if that helps",
        "Yes, tried restarting already.",
    ],
}

# The agent's side: the moves a reply is composed of.
_GREETINGS = [
    "Hi there!",
    "Hi there,",
    "Hey there!",
    "Hello!",
    "Hey!",
    "Hi!",
    "Hello there.",
    "Thanks for reaching out.",
    "{daypart}!",
    "Thanks for getting in touch.",
]
_NAMED_GREETINGS = [
    "Hi {name},",
    "Hey {name}!",
    "Hello {name}.",
    "Hi {name}!",
    "Thanks for reaching out, {name}.",
    "{daypart} {name}!",
    "Hiya {name},",
    "Thanks for the tweet, {name}.",
]
_APOLOGIES = [
    "Sorry to hear about the {ack}.",
    "We're sorry about the {ack}.",
    "Apologies for the {ack}; that's not what we want for you.",
    "I'm really sorry you're dealing with the {ack}.",
    "Sorry for the hassle with the {ack}.",
    "Oh no, sorry about the {ack}!",
    "That sounds frustrating, and I'm sorry.",
    "We're sorry for the wait on this one.",
    "Sorry, that's not the experience we want you to have.",
    "My apologies for the {ack}.",
    "I can see why you're fed up with the {ack}, sorry.",
    "Sorry this has taken so long to sort.",
]
_NAMED_APOLOGIES = [
    "Sorry about the {ack}, {name}.",
    "Really sorry about the {ack}, {name}!",
    "{name}, I'm sorry about the {ack}.",
]
_THANKS = [
    "Thanks for letting us know.",
    "Thanks for flagging the {ack}.",
    "Appreciate you telling us about this.",
    "Thanks for your patience.",
    "Thanks for bearing with us.",
    "Thanks for the details.",
    "We appreciate you raising it.",
]
_BANTER = [
    "Fair point!",
    "We'd be grumpy too.",
    "Not how you planned to spend {weekday}, we know.",
    "Okay, that's a new one on us!",
    "Point taken 😅",
    "We hear you loud and clear.",
    "Nobody likes a {ack}, least of all us.",
    "Well, that's not ideal!",
    "Plot twist nobody asked for 🙈",
]
_PLAIN_ACKS = [
    "Let's take a look at the {ack}.",
    "Let's get the {ack} sorted.",
    "We can help with the {ack}.",
    "Happy to look into the {ack} for you.",
    "Leave the {ack} with us.",
]
_GENERIC_QUESTIONS = [
    "When did this start?",
    "Could you send a screenshot of what you're seeing?",
    "Has anything changed on your side recently?",
    "Is this happening every time, or now and then?",
    "Which {device} are you using?",
]
_LINK_LINES = [
    "This guide shows how to {fix}: {link}",
    "Here's how to {fix}: {link}",
    "Try the steps here and let us know how you get on: {link}",
    "Our help page on how to {fix} should sort it: {link}",
    "You can {fix} here: {link}",
    "These steps to {fix} usually do the trick {link}",
]
_RESOLUTIONS = [
    "We've fixed it on our side, and you'll see the change {timetable}.",
    "A refund of ${amount} is on its way and should land {timetable}.",
    "I've escalated this to our {team} team, who'll update you {timetable}.",
    "That's sorted now, and a confirmation email is on its way.",
    "I've put a note on your account and corrected it; it updates {timetable}.",
    "I've raised it as a priority, so expect an update {timetable}.",
]
_HANDOFFS = [
    "I've passed this to {colleague} in our {team} team, and they'll be in touch {timetable}.",
    "{colleague} from the {team} team is picking this up and will email you {timetable}.",
    "I've asked {colleague}, one of our {team} specialists, to take a look.",
    "Our {team} team are the right people for this, so I've sent it over to them.",
    "I'll hand this over to our {team} team; {colleague} will reply here {timetable}.",
]
_CHANNELS = [
    "Can you DM us the email on your account?",
    "Pop us a DM with your {detail} and we'll check.",
    "Send us a DM and we'll take a closer look.",
    "Please call us on {phone} and we'll help.",
    "Could you fill in this form so we can follow up? {link}",
    "Please DM us so we can look into this.",
    "Follow and DM us, and we'll pick it up from there.",
    "If you DM us your {detail}, we'll check what's happened.",
]
_CLOSINGS = [
    "Hope this helps!",
    "Let us know how it goes.",
    "We're here if you need us.",
    "Speak soon.",
    "Thanks!",
    "Cheers!",
    "Any questions, just shout.",
    "Have a good {weekday}!",
    "Hope that helps.",
    "Take care.",
]
_DETAILS = [
    "order number",
    "account email",
    "booking reference",
    "full name and postcode",
    "username",
    "case number",
]
# Second and later replies answer what the customer came back with.
_FOLLOW_UP_OPENERS = {
    "still_broken": [
        "Sorry it's still playing up.",
        "Thanks for trying that.",
        "Hmm, that's odd.",
        "Sorry that didn't fix it.",
        "Thanks for giving that a go; sorry it's still not right.",
        "That's not what we expected, sorry the {ack} is still there.",
    ],
    "sent_dm": [
        "Got it, thanks! We'll reply in DM.",
        "Thanks, we've got your DM and are looking now.",
        "We've got it and will pick it up over there.",
        "Thanks! Replying to you in DM now.",
    ],
    "worked": [
        "Great news!",
        "Glad that did the trick!",
        "Brilliant, happy to hear it.",
        "That's what we like to hear!",
        "Good to hear it's working again.",
        "Yay! Thanks for letting us know it's sorted.",
        "Nice one, glad the {ack} is behind you.",
        "Happy days! Thanks for the update.",
    ],
    "unhappy": [
        "I understand, and I'm sorry.",
        "You're right to expect better.",
        "Sorry, I know that's not what you hoped to hear.",
    ],
    "detail": [
        "Thanks, that helps.",
        "Thanks for the extra detail.",
        "Got it, thanks.",
        "That helps narrow it down, thanks.",
        "Thanks, that's useful to know about the {ack}.",
    ],
}
_SIGN_OFF_EXTRAS = [
    "Enjoy the rest of your {weekday}.",
    "Have a good one!",
    "All the best!",
    "Give us a shout if it happens again.",
    "Enjoy your {device}!",
    "We'll keep an eye on it from our side too.",
    "Thanks for your patience while we got there.",
    "Have a lovely {weekday}.",
]
# Fixed macros, four per brand: template-heavy brands send these verbatim.
_MACROS = [
    "We'd like to help. Please send us a DM with more details.",
    "Please DM us so we can look into this.",
    "Sorry for the trouble. Please reach out to us here: {link}",
    "We're here to help! Please contact our support team at {link}",
    "Thanks for reaching out. Please submit a request here and our team will get back to you: {link}",
    "We're aware of an issue affecting some customers and are working on a fix. Updates here: {link}",
    "For help with this, please visit {link} and pick the chat option.",
    "Drop our team a line via {link} with your {detail}, and we'll take it from there.",
    "Our support team can help with that over the phone on {phone}.",
    "We can't discuss account details on here, but our team can help via {link}",
    "Thanks for getting in touch. We've replied to you by DM.",
    "We're sorry for the inconvenience. Please follow the steps at {link}",
]
_LINK_CHARS = np.array(list("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
_DAYPARTS = (
    "Good evening",
    "Morning",
    "Good morning",
    "Good afternoon",
    "Evening",
)  # night, 5-9, 9-12, 12-17, 17-24
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MAX_TWEET_CHARS = 250  # 280 less room for the @handles and the signature

# Customers write on a daily cycle in the brand's local time: quiet nights, busy evenings.
_LOCAL_HOUR_WEIGHT = np.array(
    [0.4, 0.25, 0.18, 0.12, 0.1, 0.12, 0.3, 0.6, 0.9, 1.1, 1.2, 1.2]
    + [1.2, 1.2, 1.15, 1.15, 1.15, 1.1, 1.05, 1.05, 1.0, 0.95, 0.8, 0.6]
)
_WEEKEND_WEIGHT = 0.55
_BACKLOG_MINUTES = 60  # a night's queue takes the first hour or two of the shift to clear
# How often the customer comes back after the brand's 1st, 2nd and 3rd reply, and with what.
_FOLLOW_UP_SHARES = (0.35, 0.25, 0.15)
_FOLLOW_UP_KINDS = np.array(["still_broken", "sent_dm", "worked", "unhappy", "detail"])
_FOLLOW_UP_P = np.array([0.3, 0.2, 0.25, 0.1, 0.15])
_CONTINUES = frozenset({"still_broken", "unhappy", "detail"})
_DAY_NS = 86_400 * _NS_PER_SECOND


def _local_to_utc(local_ns: np.ndarray, zone: str) -> np.ndarray:
    """UTC nanoseconds of naive local wall-clock times (gaps shifted forward, folds standard)."""
    local = pd.to_datetime(local_ns, unit="ns")
    ambiguous = np.zeros(len(local_ns), dtype=bool)
    zoned = local.tz_localize(zone, ambiguous=ambiguous, nonexistent="shift_forward")
    return zoned.tz_convert("UTC").asi8


def _utc_to_local(utc_ns: np.ndarray, zone: str) -> np.ndarray:
    """Naive local wall-clock nanoseconds of UTC instants."""
    return pd.to_datetime(utc_ns, unit="ns", utc=True).tz_convert(zone).tz_localize(None).asi8


def _arrival_times(
    brand_of: np.ndarray,
    brands: Sequence[BrandProfile],
    start: pd.Timestamp,
    days: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Complaint times (UTC ns) with a daily and weekly cycle in each brand's local time."""
    weekday = (start.day_of_week + np.arange(days)) % 7
    day_weight = np.where(weekday >= 5, _WEEKEND_WEIGHT, 1.0)
    cell_weight = (day_weight[:, None] * _LOCAL_HOUR_WEIGHT[None, :]).ravel()
    cells = rng.choice(cell_weight.size, size=len(brand_of), p=cell_weight / cell_weight.sum())
    seconds = cells * 3600 + rng.integers(0, 3600, size=len(brand_of))
    local = (
        start.value + seconds.astype(np.int64) * _NS_PER_SECOND
    )  # the same wall clock everywhere
    out = np.empty_like(local)
    for index in np.unique(brand_of):
        rows = brand_of == index
        out[rows] = _local_to_utc(local[rows], brands[index].timezone)
    return out


def _next_staffed(
    times_ns: np.ndarray, brand: BrandProfile, rng: np.random.Generator
) -> np.ndarray:
    """Each time, or when it falls outside the brand's staffed hours, the next opening plus a
    backlog queue (UTC ns)."""
    local = _utc_to_local(times_ns, brand.timezone)
    open_days = np.zeros(7, dtype=bool)
    open_days[list(parse_weekdays(brand.staffed_days))] = True
    opens = parse_clock(brand.staffed_start).value
    closes = parse_clock(brand.staffed_end).value
    midnight = local - local % _DAY_NS
    chosen = np.full(len(local), -1, dtype=np.int64)
    closing = np.zeros(len(local), dtype=np.int64)
    for step in range(8):  # a week ahead always finds an open day
        day = midnight + step * _DAY_NS
        weekday = (day // _DAY_NS + 3) % 7  # 1970-01-01 was a Thursday
        fits = (chosen < 0) & open_days[weekday] & (local < day + closes)
        chosen[fits] = np.maximum(local[fits], day[fits] + opens)
        closing[fits] = day[fits] + closes
    held = chosen > local
    backlog = rng.lognormal(np.log(_BACKLOG_MINUTES * 60), 0.8, size=int(held.sum()))
    out = times_ns.copy()
    if held.any():
        # The queue is cleared within the shift: nothing waits past closing time.
        waiting = np.minimum(
            chosen[held] + (backlog * _NS_PER_SECOND).astype(np.int64),
            closing[held] - 60 * _NS_PER_SECOND,
        )
        out[held] = _local_to_utc(waiting, brand.timezone)
    return out


def _reply_times(
    parent_ns: np.ndarray,
    brand_idx: np.ndarray,
    brands: Sequence[BrandProfile],
    rng: np.random.Generator,
) -> np.ndarray:
    """When each brand answers: a log-normal delay, held to its staffed hours (UTC ns)."""
    median = np.array([b.median_reply_minutes * 60 for b in brands])[brand_idx]
    spread = np.array([b.reply_spread for b in brands])[brand_idx]
    delay = rng.lognormal(np.log(median), spread)
    times = parent_ns + (delay * _NS_PER_SECOND).astype(np.int64)
    out = times.copy()
    for index in np.unique(brand_idx):
        rows = np.flatnonzero(brand_idx == index)
        out[rows] = _next_staffed(times[rows], brands[index], rng)
    return out


# Which industry a customer tags alongside a brand: the bank behind a refund, the network behind
# a stream.
_PARTNER_INDUSTRY = {
    "streaming": "telecoms",
    "telecoms": "streaming",
    "gaming": "telecoms",
    "software": "telecoms",
    "retail": "banking",
    "food": "banking",
    "airlines": "banking",
    "banking": "retail",
}


def _partner(brands: Sequence[BrandProfile], index: int, rng: np.random.Generator) -> int:
    """A second brand for a conversation: one of a related industry, else any other brand."""
    wanted = _PARTNER_INDUSTRY[brands[index].industry]
    candidates = [i for i, b in enumerate(brands) if b.industry == wanted and i != index]
    candidates = candidates or [i for i in range(len(brands)) if i != index]
    return candidates[int(rng.integers(len(candidates)))]


def _threads(
    brand_of: np.ndarray,
    arrivals: np.ndarray,
    brands: Sequence[BrandProfile],
    shared_conversations: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Every message's place: conversation, parent, role, brand, time and what it answers."""
    count = len(brand_of)
    rate = np.array([b.response_rate for b in brands])
    levels = [
        pd.DataFrame(
            {
                "conversation": np.arange(count),
                "parent": -1,
                "customer": True,
                "brand_idx": brand_of,
                "time_ns": arrivals,
                "kind": "complaint",
            }
        )
    ]
    answered = np.flatnonzero(rng.random(count) < rate[brand_of])
    replies = pd.DataFrame(
        {
            "conversation": answered,
            "parent": answered,  # keys are positions in the concatenated table; complaints first
            "customer": False,
            "brand_idx": brand_of[answered],
            "time_ns": _reply_times(arrivals[answered], brand_of[answered], brands, rng),
            "kind": "first",
        }
    )
    joined = replies.iloc[:0]
    if shared_conversations:
        # A conversation another brand joins: the customer tags both, both answer the complaint.
        picks = np.sort(rng.choice(count, size=shared_conversations, replace=False))
        other = np.array([_partner(brands, brand_of[pick], rng) for pick in picks], dtype=int)
        joined = pd.DataFrame(
            {
                "conversation": picks,
                "parent": picks,
                "customer": False,
                "brand_idx": other,
                "time_ns": _reply_times(arrivals[picks], other, brands, rng),
                "kind": "joined",
            }
        )
    levels += [replies, joined]
    table = pd.concat(levels, ignore_index=True)
    last = table.index[table["kind"] == "first"].to_numpy()
    for share in _FOLLOW_UP_SHARES:
        back = last[rng.random(len(last)) < share]
        if not len(back):
            break
        kinds = rng.choice(_FOLLOW_UP_KINDS, size=len(back), p=_FOLLOW_UP_P)
        follow_wait = rng.lognormal(np.log(40 * 60), 1.0, size=len(back))
        follow = pd.DataFrame(
            {
                "conversation": table.loc[back, "conversation"].to_numpy(),
                "parent": back,
                "customer": True,
                "brand_idx": table.loc[back, "brand_idx"].to_numpy(),
                "time_ns": table.loc[back, "time_ns"].to_numpy()
                + (follow_wait * _NS_PER_SECOND).astype(np.int64),
                "kind": kinds,
            }
        )
        follow.index = np.arange(len(table), len(table) + len(follow))
        table = pd.concat([table, follow])
        again = follow.index[rng.random(len(follow)) < rate[follow["brand_idx"]]]
        answer = pd.DataFrame(
            {
                "conversation": follow.loc[again, "conversation"].to_numpy(),
                "parent": again.to_numpy(),
                "customer": False,
                "brand_idx": follow.loc[again, "brand_idx"].to_numpy(),
                "time_ns": _reply_times(
                    follow.loc[again, "time_ns"].to_numpy(),
                    follow.loc[again, "brand_idx"].to_numpy(),
                    brands,
                    rng,
                ),
                "kind": "re:" + follow.loc[again, "kind"].to_numpy().astype(object),
            }
        )
        answer.index = np.arange(len(table), len(table) + len(answer))
        table = pd.concat([table, answer])
        last = answer.index[answer["kind"].str[3:].isin(_CONTINUES)].to_numpy()
    return table


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _link(rng: np.random.Generator) -> str:
    return "https://t.co/" + "".join(rng.choice(_LINK_CHARS, 10))


def _daypart(hour: int) -> str:
    """The greeting for a local hour: 'Morning' before 9, 'Good afternoon' from 12, ..."""
    return _DAYPARTS[int(np.searchsorted([5, 9, 12, 17], hour, side="right"))]


def _conversation(brand: BrandProfile, rng: np.random.Generator) -> tuple[dict, dict[str, object]]:
    """The issue a conversation is about and the words it is told in (filled once, so the
    complaint, the follow-ups and the replies share them)."""
    issue = _ISSUES[brand.industry][int(rng.integers(len(_ISSUES[brand.industry])))]
    values: dict[str, object] = {
        "month": _pick(rng, _MONTHS),
        "day": _pick(rng, _DAYS),
        "n": int(rng.integers(2, 9)),
        "order": f"{int(rng.integers(100, 999))}-{int(rng.integers(1000000, 9999999))}",
        "amount": int(rng.integers(9, 300)),
        "device": _pick(rng, _DEVICES),
        "city": _pick(rng, _CITIES),
        "item": _pick(rng, _ITEMS),
        "ref": "".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ"), 6)),
        "flight": f"{brand.name[:2].upper()}{int(rng.integers(10, 999))}",
        "code": str(int(rng.integers(100, 999))),
        "name": _pick(rng, _CUSTOMER_NAMES),
        "colleague": _pick(rng, _COLLEAGUES),
        "detail": _pick(rng, _DETAILS),
        "team": issue["team"],
        "fix": issue["fix"],
    }
    values["ack"] = _pick(rng, issue["ack"]).format(**values)
    return issue, values


def _complaint_text(
    handles: str, issue: dict, values: dict[str, object], rng: np.random.Generator
) -> str:
    """A customer's first tweet: the brand tagged, the issue in one of its phrasings."""
    body = _pick(rng, issue["complaint"]).format(**values)
    opener = _pick(rng, _OPENERS)
    if not opener and rng.random() < 0.3:
        body = body[0].upper() + body[1:]
    end = "" if body[-1] in "?!." else "."
    tail = _pick(rng, _EXTRAS).format(**values) + _pick(rng, _CLOSERS)
    if rng.random() < 0.15:  # tagged at the end, as people often do
        return f"{body}{end}{tail} {handles}".strip()
    return f"{opener} {handles} {body}{end}{tail}".strip()


def _fit(parts: list[tuple[str, bool]]) -> str:
    """The parts as one tweet: optional parts (greeting, banter, closing) go first when too long;
    after a greeting ending in a comma ("Hi Dana,") the sentence goes on in lower case."""
    while len(" ".join(p for p, _ in parts)) > _MAX_TWEET_CHARS and len(parts) > 1:
        optional = [i for i, (_, needed) in enumerate(parts) if not needed]
        parts.pop(optional[-1] if optional else len(parts) - 1)
    words = [p for p, _ in parts]
    for i in range(1, len(words)):
        if words[i - 1].endswith(",") and not words[i].startswith(("I ", "I'")):
            words[i] = words[i][0].lower() + words[i][1:]
    return " ".join(words)


def _composed(brand: BrandProfile, issue: dict, v: dict, rng: np.random.Generator) -> str:
    """A free-text first reply: the moves the brand's habits pick, in the order agents write them.
    Parts are (text, needed); greetings, banter and closings are the first to go."""
    parts: list[tuple[str, bool]] = []
    named = rng.random() < brand.name_use_rate
    if named or rng.random() < brand.greeting_rate:
        if named and rng.random() < 0.7:
            parts.append((_pick(rng, _NAMED_GREETINGS).format(**v), True))
            named = False
        else:
            parts.append((_pick(rng, _GREETINGS).format(**v), False))
    if rng.random() < brand.apology_rate:
        bank = _NAMED_APOLOGIES if named else _APOLOGIES
        parts.append((_pick(rng, bank).format(**v), True))
    elif rng.random() < brand.thanks_rate:
        parts.append((_pick(rng, _THANKS).format(**v), True))
    if rng.random() < brand.banter_rate:
        parts.append((_pick(rng, _BANTER).format(**v), False))
    if rng.random() < brand.question_rate:
        parts.append((_pick(rng, issue["ask"]).format(**v), True))
        if rng.random() < 0.3:
            parts.append((_pick(rng, _GENERIC_QUESTIONS).format(**v), True))
    else:
        roll = rng.random()
        if roll < brand.handoff_rate:
            parts.append((_pick(rng, _HANDOFFS).format(**v), True))
        elif roll < brand.handoff_rate + brand.resolution_rate:
            parts.append((_pick(rng, _RESOLUTIONS).format(**v), True))
        else:
            parts.append((_pick(rng, issue["answer"]).format(**v), True))
    if rng.random() < brand.link_rate:
        parts.append((_pick(rng, _LINK_LINES).format(**v), True))
    if rng.random() < brand.dm_push_rate:
        parts.append((_pick(rng, _CHANNELS).format(**v), True))
    if rng.random() < brand.thanks_rate / 2:
        parts.append((_pick(rng, _THANKS).format(**v), False))
    if rng.random() < brand.closer_rate:
        parts.append((_pick(rng, _CLOSINGS).format(**v), False))
    return _fit(parts)


def _macro(brand: BrandProfile, v: dict, rng: np.random.Generator) -> str:
    """One of the brand's four fixed macros; brands that rarely use them add a greeting."""
    first = int(np.random.default_rng(sum(map(ord, brand.name))).integers(len(_MACROS)))
    own = [_MACROS[(first + step * 3) % len(_MACROS)] for step in range(4)]
    body = _pick(rng, own).format(**v)
    if brand.canned_rate < 0.5 and rng.random() < brand.greeting_rate:
        body = f"{_pick(rng, _GREETINGS).format(**v)} {body}"
    return body


def _follow_up_answer(
    brand: BrandProfile, kind: str, issue: dict, v: dict, rng: np.random.Generator
) -> str:
    """A later reply, answering what the customer came back with."""
    parts = [(_pick(rng, _FOLLOW_UP_OPENERS[kind]).format(**v), True)]
    if rng.random() < brand.name_use_rate:
        parts[0] = (parts[0][0].rstrip(".!") + f", {v['name']}!", True)
    if kind == "worked":
        if rng.random() < 0.6:
            parts.append((_pick(rng, _SIGN_OFF_EXTRAS).format(**v), True))
    elif kind == "still_broken":
        bank = _pick(rng, [issue["ask"], _HANDOFFS, _CHANNELS, _LINK_LINES])
        parts.append((_pick(rng, bank).format(**v), True))
    elif kind == "unhappy":
        parts.append((_pick(rng, _pick(rng, [_HANDOFFS, _RESOLUTIONS])).format(**v), True))
    elif kind == "detail":
        bank = _pick(rng, [issue["answer"], _RESOLUTIONS, _LINK_LINES])
        parts.append((_pick(rng, bank).format(**v), True))
    if kind != "sent_dm" and rng.random() < brand.thanks_rate:
        parts.append((_pick(rng, _THANKS).format(**v), False))
    if rng.random() < brand.closer_rate:
        parts.append((_pick(rng, _CLOSINGS).format(**v), False))
    return _fit(parts)


_JOINED = [
    "Thanks for tagging us in.",
    "Jumping in here!",
    "We've seen this and are checking from our side.",
    "Thanks for looping us in.",
    "We can help with our part of this.",
]


def _signature(brand: BrandProfile, agent: str | None) -> str:
    if not agent or not brand.signature_style:
        return ""
    if brand.signature_style == "closing":
        return f" Best wishes, {agent}"
    return f" {brand.signature_style}{agent}"


def _timeline(
    complaints: int,
    brands: Sequence[BrandProfile],
    start: str,
    days: int,
    shared_conversations: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Every message's place and time (`_threads`), with tweet ids that grow with time, parent
    ids, and the local hour and weekday of the brand each message belongs to."""
    weights = np.array([b.volume_weight for b in brands])
    brand_of = rng.choice(len(brands), size=complaints, p=weights / weights.sum())
    arrivals = _arrival_times(brand_of, brands, pd.Timestamp(start), days, rng)
    order = np.argsort(arrivals, kind="stable")
    table = _threads(brand_of[order], arrivals[order], brands, shared_conversations, rng)

    # Tweet ids grow with time, as Twitter's do, with gaps.
    by_time = np.argsort(table["time_ns"].to_numpy(), kind="stable")
    ids = np.empty(len(table), dtype=np.int64)
    ids[by_time] = 100_000 + np.cumsum(rng.integers(1, 7, size=len(table)))
    table["tweet_id"] = ids
    position = pd.Series(ids, index=table.index)
    table["parent_id"] = table["parent"].map(position)  # -1 (no parent) maps to NaN

    local_hour = np.zeros(len(table), dtype=np.int64)
    weekday = np.zeros(len(table), dtype=np.int64)
    for index in np.unique(table["brand_idx"]):
        rows = (table["brand_idx"] == index).to_numpy()
        local = _utc_to_local(table["time_ns"].to_numpy()[rows], brands[index].timezone)
        local_hour[rows] = (local % _DAY_NS) // (3600 * _NS_PER_SECOND)
        weekday[rows] = (local // _DAY_NS + 3) % 7
    table["local_hour"] = local_hour
    table["weekday"] = weekday
    return table


def _messages(table: pd.DataFrame, authors: Sequence[str], texts: Sequence[str]) -> pd.DataFrame:
    """The timeline's messages with their authors and texts, before the twcs quirks."""
    return pd.DataFrame(
        {
            "tweet_id": table["tweet_id"].to_numpy(),
            "author_id": authors,
            "inbound": table["customer"].to_numpy(dtype=bool),
            "created_at": pd.to_datetime(table["time_ns"].to_numpy(), unit="ns", utc=True),
            "text": texts,
            "parent": table["parent_id"].to_numpy(),
            "conversation": table["conversation"].to_numpy(),
        }
    )


def generate_social(
    complaints: int = 1200,
    seed: int = 7,
    start: str = "2017-10-02",
    days: int = 35,
    with_defects: bool = True,
    brands: Sequence[BrandProfile] = BRANDS,
    shared_conversations: int = 0,
) -> pd.DataFrame:
    """A twcs-format table of complaint threads and the brands' replies (raw, as in twcs.csv);
    `shared_conversations` complaints tag a second brand, which answers too."""
    rng = np.random.default_rng(seed)
    brands = tuple(brands)
    table = _timeline(complaints, brands, start, days, shared_conversations, rng)
    local_hour = table["local_hour"].to_numpy()
    weekday = table["weekday"].to_numpy()

    conversations = table.loc[table["kind"] == "complaint", ["conversation", "brand_idx"]]
    context = {}
    for conversation, brand_index in conversations.itertuples(index=False):
        issue, values = _conversation(brands[brand_index], rng)
        customer = str(int(rng.integers(100_000, 999_999)))
        context[conversation] = (issue, values, customer)
    main_brand = dict(conversations.itertuples(index=False))
    joined_by = dict(
        table.loc[table["kind"] == "joined", ["conversation", "brand_idx"]].itertuples(index=False)
    )
    phones = {
        i: f"0800 {100 + 37 * i % 900:03d} {456 + 11 * i % 500:03d}" for i in range(len(brands))
    }

    authors, texts = [], []
    for row, kind, conversation, brand_index in zip(
        range(len(table)),
        table["kind"],
        table["conversation"],
        table["brand_idx"],
        strict=True,
    ):
        brand = brands[brand_index]
        issue, values, customer = context[conversation]
        other = joined_by.get(conversation)
        if kind == "complaint":
            tagged = f"@{brand.name}" + (f" @{brands[other].name}" if other is not None else "")
            authors.append(customer)
            texts.append(_complaint_text(tagged, issue, values, rng))
            continue
        if not kind.startswith(("first", "joined", "re:")):  # the customer comes back
            authors.append(customer)
            texts.append(f"@{brand.name} " + _pick(rng, _FOLLOW_UPS[kind]).format(**values))
            continue
        v = {
            **values,
            "daypart": _daypart(int(local_hour[row])),
            "weekday": _WEEKDAY_NAMES[int(weekday[row])],
            "link": _link(rng),
            "phone": phones[brand_index],
            "timetable": _pick(rng, _TIMETABLES),
        }
        if kind == "joined":
            body = _fit(
                [
                    (_pick(rng, _JOINED), True),
                    (_pick(rng, _pick(rng, [_GENERIC_QUESTIONS, _CHANNELS])).format(**v), True),
                ]
            )
        elif kind.startswith("re:"):
            body = _follow_up_answer(brand, kind[3:], issue, v, rng)
        elif rng.random() < brand.canned_rate:
            body = _macro(brand, v, rng)
        else:
            body = _composed(brand, issue, v, rng)
        agent = _pick(rng, brand.agents) if brand.agents else None
        prefix = f"@{customer}"
        if other is not None and kind in ("first", "joined"):
            partner = other if kind == "first" else main_brand[conversation]
            prefix += f" @{brands[partner].name}"
        authors.append(brand.name)
        texts.append(f"{prefix} {body}{_signature(brand, agent)}")

    frame = _messages(table, authors, texts).sort_values(
        ["conversation", "created_at"], kind="stable"
    )
    frame = _to_twcs(frame.reset_index(drop=True))
    if with_defects:
        frame = _add_defects(frame, rng)
    return frame


_TWO_DIGITS = np.array([f"{i:02d}" for i in range(60)], dtype=object)


def _twcs_times(times: pd.DatetimeIndex) -> np.ndarray:
    """UTC times written as twcs.csv writes them ('Tue Oct 31 22:10:47 +0000 2017'): each day
    formatted once, the clock from integer arithmetic (strftime per row costs seconds a million)."""
    seconds = times.tz_localize(None).to_numpy("datetime64[s]").astype(np.int64)
    day, clock = np.divmod(seconds, 86_400)
    days, day_index = np.unique(day, return_inverse=True)
    starts = pd.to_datetime(days * 86_400, unit="s")
    prefix = np.asarray(starts.strftime("%a %b %d "), dtype=object)[day_index]
    year = np.asarray(starts.strftime(" +0000 %Y"), dtype=object)[day_index]
    hour, rest = np.divmod(clock, 3600)
    minute, second = np.divmod(rest, 60)
    return prefix + _TWO_DIGITS[hour] + ":" + _TWO_DIGITS[minute] + ":" + _TWO_DIGITS[second] + year


def _to_twcs(frame: pd.DataFrame) -> pd.DataFrame:
    """The raw twcs.csv columns and quirks: float-written parent ids, comma lists of replies."""
    answered = frame.dropna(subset=["parent"])
    child_ids = answered["tweet_id"].astype(str).set_axis(answered["parent"].astype(np.int64))
    # Most tweets have one reply; only the few with several need a (slow) per-group join.
    several = child_ids.index.duplicated(keep=False)
    children = pd.concat(
        [child_ids[~several], child_ids[several].groupby(level=0, sort=False).agg(",".join)]
    )
    parent = frame["parent"]
    return pd.DataFrame(
        {
            "tweet_id": frame["tweet_id"].astype(str),
            "author_id": frame["author_id"],
            "inbound": frame["inbound"].map({True: "True", False: "False"}),
            "created_at": _twcs_times(pd.DatetimeIndex(frame["created_at"])),
            "text": frame["text"],
            "response_tweet_id": frame["tweet_id"].map(children).fillna(""),
            # twcs.csv writes this column as a float because of its gaps ("123.0").
            "in_response_to_tweet_id": (parent.astype("Int64").astype(str) + ".0").where(
                parent.notna(), ""
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
    # A reply stamped two minutes before its complaint (a clock out of step): kept, its latency
    # left out. Its parent is none of the rows above, so the parent's own time is readable.
    picked_ids = set(frame.loc[picks, "tweet_id"])
    parent_of = frame["in_response_to_tweet_id"].str.removesuffix(".0")
    replies = frame.index[(frame["inbound"] == "False") & parent_of.isin(frame["tweet_id"])]
    replies = replies[~parent_of[replies].isin(picked_ids)]
    early = rng.choice(replies)
    parent_time = frame.loc[frame["tweet_id"] == parent_of[early], "created_at"].iloc[0]
    frame.loc[early, "created_at"] = (
        pd.to_datetime(parent_time, format=TWCS_TIME_FORMAT) - pd.Timedelta(minutes=2)
    ).strftime(TWCS_TIME_FORMAT)
    duplicate = frame.loc[[picks[4]]]  # an exact repeated row: rejected as a duplicate
    frame = pd.concat([frame, duplicate], ignore_index=True)
    frame.loc[picks[5], "inbound"] = "maybe"  # unreadable flag: rejected
    return frame


# The ticket export's customer names (its own list, so the ticket demo stays as it was).
_TICKET_NAMES = [
    "Dana",
    "Mark",
    "Priya",
    "Lee",
    "Sofia",
    "Tom",
    "Aisha",
    "Ken",
    "Grace",
    "Omar",
    "Ines",
]


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
    names = rng.choice(_TICKET_NAMES, size=tickets)
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
    """Write the five-brand demo, the 30-brand demo (for the many-brand layout) and the ticket export."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {
        "social": out_dir / "social_complaints.csv",
        "social_30_brands": out_dir / "social_complaints_30_brands.csv",
        "tickets": out_dir / "tickets.csv",
    }
    generate_social(seed=seed).to_csv(written["social"], index=False)
    generate_social(
        complaints=MANY_BRANDS_COMPLAINTS,
        seed=seed + 1,
        brands=MANY_BRANDS,
        shared_conversations=MANY_BRANDS_SHARED_CONVERSATIONS,
    ).to_csv(written["social_30_brands"], index=False)
    generate_tickets(seed=seed + 4).to_csv(written["tickets"], index=False)
    return written


# --- The benchmark file: a twcs.csv of millions of tweets, worded as variedly as real replies ---
# The demo's brands, arrivals and reply times, but every text composed in vectorised form (one
# numpy pass per template, never a Python call per tweet) from many clause choices and the nouns
# of the complaint it answers, so that, as in twcs.csv, almost every reply is distinct once
# handles, numbers, links and sign-offs are masked, while each brand still sends its macros.
_PRODUCTS = {
    "telecoms": [
        "Unlimited Max plan",
        "SIM-only deal",
        "Fibre 500 broadband",
        "home phone line",
        "Pixel phone",
        "Galaxy phone",
        "new iPhone",
        "mobile broadband dongle",
        "5G home hub",
        "roaming add-on",
        "family plan",
        "pay-as-you-go top-up",
        "TV and broadband bundle",
        "spare SIM",
        "wifi booster",
    ],
    "retail": [
        "air fryer",
        "winter coat",
        "office chair",
        "bedside lamp",
        "garden hose",
        "standing desk",
        "coffee machine",
        "running shoes",
        "duvet set",
        "toaster",
        "bookcase",
        "gift card",
        "rug",
        "vacuum cleaner",
        "school bag",
    ],
    "streaming": [
        "Premium plan",
        "family plan",
        "student plan",
        "live sports pass",
        "kids profile",
        "4K add-on",
        "annual subscription",
        "movie rental",
        "downloads",
        "watchlist",
        "offline playlist",
        "free trial",
        "podcast feed",
        "music library",
        "gift subscription",
    ],
    "airlines": [
        "return flight",
        "connecting flight",
        "checked bag",
        "seat upgrade",
        "lounge pass",
        "e-ticket",
        "group booking",
        "travel voucher",
        "window seat",
        "carry-on bag",
        "flight credit",
        "priority boarding",
        "pushchair",
        "hotel package",
        "rail and fly ticket",
    ],
    "software": [
        "desktop app",
        "team workspace",
        "Pro license",
        "browser extension",
        "mobile app",
        "backup job",
        "shared calendar",
        "admin console",
        "API key",
        "project board",
        "cloud folder",
        "single sign-on",
        "invoice export",
        "dark mode",
        "offline mode",
    ],
    "banking": [
        "debit card",
        "credit card",
        "savings account",
        "joint account",
        "standing order",
        "direct debit",
        "mortgage payment",
        "overdraft",
        "contactless card",
        "international transfer",
        "mobile banking app",
        "business account",
        "card reader",
        "cheque deposit",
        "spending limit",
    ],
    "gaming": [
        "season pass",
        "controller",
        "online match",
        "battle pass",
        "expansion pack",
        "cloud save",
        "in-game currency",
        "ranked mode",
        "headset",
        "gift code",
        "game key",
        "friend list",
        "clan page",
        "store credit",
        "beta invite",
    ],
    "food": [
        "pizza order",
        "grocery delivery",
        "meal kit",
        "breakfast order",
        "weekly box",
        "curry order",
        "burger meal",
        "coffee order",
        "family bundle",
        "dessert",
        "vegan box",
        "lunch order",
        "salad bowl",
        "birthday cake",
        "fruit box",
    ],
}
_ERRORS = [
    "Something went wrong",
    "Unable to connect",
    "Payment declined",
    "Session expired",
    "Service unavailable",
    "Invalid code",
    "Not authorised",
    "Try again later",
    "Page not found",
    "Account locked",
    "Not available in your region",
    "Server timeout",
    "Card not supported",
    "Sync failed",
    "Update required",
    "Download failed",
    "Connection lost",
    "Address not recognised",
    "Order could not be placed",
    "Login failed",
    "Device limit reached",
    "Verification pending",
    "No network",
    "Item out of stock",
]
_WHENS = [  # how long it has been going on: "playing up {when}"
    "since this morning",
    "since last night",
    "since yesterday afternoon",
    "since the weekend",
    "since earlier today",
    "since Monday",
    "all week",
    "for a few days now",
    "since the update",
    "since I moved house",
    "every evening this week",
    "on and off all day",
    "since Tuesday",
    "since payday",
    "since the holidays",
    "since the outage",
    "for two days straight",
    "ever since the last bill",
]
_PLACES = [
    *_CITIES,
    "Cardiff",
    "Seattle",
    "Brighton",
    "Toronto",
    "Auckland",
    "Porto",
    "Nashville",
    "Belfast",
    "Adelaide",
    "Bristol",
    "Chicago",
    "Vienna",
    "Calgary",
    "Cork",
    "Sheffield",
    "Miami",
    "Lyon",
    "Bergen",
    "Hobart",
    "Aberdeen",
]
_BENCH_COLLEAGUES = [
    *_COLLEAGUES,
    "Nadia",
    "Oscar",
    "Ivy",
    "Kwame",
    "Lottie",
    "Arjun",
    "Maeve",
    "Jonah",
    "Selin",
    "Reuben",
    "Tess",
    "Malik",
    "Freya",
    "Dario",
    "Anika",
    "Cormac",
    "Leah",
    "Tobias",
]
_COMPLAINT_SPECIFICS = [
    "",
    "",
    "",
    " This is about the {product}.",
    " Keeps saying '{error}'.",
    " In {place} if that matters.",
    " Been like this {when}.",
    " Error says '{error}' {when}.",
    " This is the {product} I paid for.",
    " Same on my {device}.",
    " Tried on my {device} too.",
    " The {product} has been useless {when}.",
    " Happening in {place} {when}.",
]
# What a reply says about the customer's own case: the nouns it picks from the complaint.
_RESTATEMENTS = [
    "I can see the {product} is showing '{error}' on your {device}.",
    "So the {product} has been playing up {when}, is that right?",
    "Thanks for the detail about the {product} in {place}.",
    "I've had a look at your {product} and can see what you mean.",
    "Sounds like your {device} keeps saying '{error}' {when}.",
    "I've checked your {product} and can see it's been failing {when}.",
    "The '{error}' message usually points to our side, not your {device}.",
    "The {product} letting you down {when} isn't good enough.",
    "I've found the {product} on your account in {place}.",
    "Looks like the {product} has been hitting snags {when}.",
    "Let me check what's happening with the {product} in {place}.",
    "Seeing '{error}' on the {device} isn't what we want for you.",
    "You shouldn't be getting '{error}' on the {product}.",
    "I've pulled up the {product} from {month}.",
    "The {product} should work fine on a {device}, so let's find out why it doesn't.",
    "Waiting on the {product} since {day} must be frustrating.",
    "Thanks for mentioning it happens on the {device} too.",
    "Our {place} team have seen issues with the {product} {when}.",
    "We've had a few reports from {place} {when}, so you're not alone.",
    "That '{error}' error on the {product} is one we know about.",
    "The {product} and your {device} should get along, so this is odd.",
    "I've looked at how the {product} has been behaving {when}.",
    "Since you're in {place}, the {product} goes through our local team.",
    "Good shout mentioning '{error}'; that helps us find it.",
]
_WORKED_LINES = [
    "Enjoy the {product}!",
    "Glad your {device} is behaving again.",
    "Good to know the {product} is back to normal in {place}.",
    "Glad '{error}' is gone for good.",
    "Happy to hear the {product} is sorted at last.",
    "Enjoy the rest of your {weekday} with a working {product}.",
    "If the {product} acts up again, you know where we are.",
    "Nice to end the week on a good note, {device} and all.",
    "Your {device} and the {product} are friends again!",
    "Thanks for sticking with us on the {product}.",
]
_DM_LINES = [
    "We'll pick up the {ack} there.",
    "We'll look at the {product} over DM.",
    "Check your DMs for an update on the {product}.",
    "We'll get the {product} sorted over there.",
    "Keep an eye on your inbox; our {team} team are on it.",
    "We'll check the {product} against your account and reply in DM.",
    "Our {team} team will look at why the {product} has been failing {when}.",
]
_FOLLOW_UP_MOVES = {
    "still_broken": ["ask", "handoff", "channel", "link"],
    "unhappy": ["handoff", "resolution"],
    "detail": ["answer", "resolution", "link"],
}


def _flat(banks: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Several template banks as one list, with each bank's first position and size."""
    sizes = np.array([len(bank) for bank in banks])
    return [t for bank in banks for t in bank], np.cumsum(sizes) - sizes, sizes


_ISSUE_LIST = [issue for industry in _PRODUCTS for issue in _ISSUES[industry]]
_ISSUE_INDUSTRY = np.array(
    [position for position, industry in enumerate(_PRODUCTS) for _ in _ISSUES[industry]]
)
_ISSUE_TEXTS = {
    key: _flat([issue[key] for issue in _ISSUE_LIST])
    for key in ("complaint", "ack", "ask", "answer")
}
_PRODUCT_BANK = _flat(list(_PRODUCTS.values()))


class _Words:
    """The words each {slot} of a template is filled with, per message row: a conversation's
    own nouns (the same in the complaint and every reply) or the message's own (a link, a
    timetable)."""

    def __init__(self, conversation: np.ndarray) -> None:
        self.conversation = conversation
        self.slots: dict[str, object] = {}

    def per_conversation(self, name: str, words: np.ndarray) -> None:
        """A slot whose words were chosen once per conversation."""
        self.slots[name] = ("conversation", np.asarray(words, dtype=object))

    def per_message(self, name: str, words: np.ndarray) -> None:
        """A slot whose words were chosen for each message."""
        self.slots[name] = ("message", np.asarray(words, dtype=object))

    def get(self, name: str, rows: np.ndarray) -> np.ndarray:
        """The slot's words for these message rows."""
        level, words = self.slots[name]
        return words[self.conversation[rows]] if level == "conversation" else words[rows]


def _fill(templates: Sequence[str], choice: np.ndarray, rows: np.ndarray, words: _Words):
    """The chosen template of each row with its slots filled: one concatenation per template
    piece over all rows that chose it (vectorised; no Python call per row)."""
    out = np.full(len(rows), "", dtype=object)
    order = np.argsort(choice, kind="stable")
    bounds = np.searchsorted(choice[order], np.arange(len(templates) + 1))
    formatter = string.Formatter()
    for index, template in enumerate(templates):
        picked = order[bounds[index] : bounds[index + 1]]
        if not len(picked):
            continue
        text = np.full(len(picked), "", dtype=object)
        for literal, field, _, _ in formatter.parse(template):
            if literal:
                text = text + literal
            if field:
                text = text + words.get(field, rows[picked])
        out[picked] = text
    return out


def _phrase(
    bank: Sequence[str],
    rows: np.ndarray,
    words: _Words,
    rng: np.random.Generator,
    present: np.ndarray | None = None,
) -> np.ndarray:
    """One phrase of the bank per row (empty where `present` is False)."""
    out = np.full(len(rows), "", dtype=object)
    keep = np.arange(len(rows)) if present is None else np.flatnonzero(present)
    choice = rng.integers(0, len(bank), size=len(keep))
    out[keep] = _fill(bank, choice, rows[keep], words)
    return out


def _issue_phrase(
    key: str, issue: np.ndarray, rows: np.ndarray, words: _Words, rng: np.random.Generator
) -> np.ndarray:
    """One of each row's own issue's phrases of this kind (complaint, ack, ask or answer)."""
    templates, first, size = _ISSUE_TEXTS[key]
    choice = first[issue] + (rng.random(len(rows)) * size[issue]).astype(np.int64)
    return _fill(templates, choice, rows, words)


def _joined_parts(parts: list[np.ndarray], optional: Sequence[bool]) -> np.ndarray:
    """Each row's non-empty parts joined by spaces, within a tweet's length: optional parts
    (greeting, banter, closing) are dropped last first while too long; after a greeting that
    ends in a comma ("Hi Dana,") the next part goes on in lower case (pyarrow, no row loop)."""
    arrays = [pa.array(part, type=pa.string()) for part in parts]
    lengths = np.stack([pc.utf8_length(a).to_numpy(zero_copy_only=False) for a in arrays])
    for index in reversed([i for i, flag in enumerate(optional) if flag]):
        too_long = lengths.sum(axis=0) + (lengths > 0).sum(axis=0) > _MAX_TWEET_CHARS
        arrays[index] = pc.if_else(too_long, "", arrays[index])
        lengths[index] = np.where(too_long, 0, lengths[index])
    after_comma = np.zeros(len(arrays[0]), dtype=bool)
    for index, array in enumerate(arrays):
        present = lengths[index] > 0
        if index and after_comma.any():
            lower = after_comma & present
            lower &= ~pc.match_substring_regex(array, "^I[ ']").to_numpy(zero_copy_only=False)
            first = pc.utf8_lower(pc.utf8_slice_codeunits(array, 0, 1))
            lowered = pc.binary_join_element_wise(first, pc.utf8_slice_codeunits(array, 1), "")
            arrays[index] = pc.if_else(lower, lowered, array)
        ends = pc.ends_with(array, ",").to_numpy(zero_copy_only=False)
        after_comma = np.where(present, ends, after_comma)
    joined = pc.binary_join_element_wise(*arrays, " ")
    joined = pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, "  +", " "))
    return joined.to_numpy(zero_copy_only=False)


def _rate(brands: Sequence[BrandProfile], field: str, brand_idx: np.ndarray) -> np.ndarray:
    return np.array([getattr(b, field) for b in brands])[brand_idx]


def _bench_canned_rate(brand: BrandProfile) -> float:
    """The share of a brand's replies that are exact macros: 5-13%, the template-heavy brands
    at the top, as real brands' copied replies are (and no more, or few replies would be
    distinct)."""
    return 0.05 + 0.08 * min(1.0, brand.canned_rate / 0.65)


def _link_words(count: int, rng: np.random.Generator) -> np.ndarray:
    """A t.co link per row, drawn as one array of characters."""
    codes = rng.integers(0, len(_LINK_CHARS), size=(count, 10))
    tails = np.ascontiguousarray(_LINK_CHARS[codes]).view("<U10").ravel()
    return np.char.add("https://t.co/", tails).astype(object)


def _numbers(low: int, high: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """Random integers in [low, high) as strings (`map(str)`: several times numpy's astype)."""
    return np.array(list(map(str, rng.integers(low, high, size=count).tolist())), dtype=object)


def _conversation_words(
    table: pd.DataFrame, brands: Sequence[BrandProfile], rng: np.random.Generator
) -> tuple[_Words, np.ndarray]:
    """Each conversation's issue and nouns, each message's own words, and the issue per row."""
    complaints = table.loc[table["kind"] == "complaint", ["conversation", "brand_idx"]]
    count = int(table["conversation"].max()) + 1
    industry_of = np.array([list(_PRODUCTS).index(b.industry) for b in brands])
    conversation_brand = np.zeros(count, dtype=np.int64)
    conversation_brand[complaints["conversation"]] = complaints["brand_idx"]
    industry = industry_of[conversation_brand]
    issue_first = np.searchsorted(_ISSUE_INDUSTRY, np.arange(len(_PRODUCTS)))
    issue_count = np.bincount(_ISSUE_INDUSTRY, minlength=len(_PRODUCTS))
    issue = issue_first[industry] + (rng.random(count) * issue_count[industry]).astype(np.int64)
    products, product_first, product_count = _PRODUCT_BANK
    product = product_first[industry] + (rng.random(count) * product_count[industry]).astype(int)

    def pick(bank: Sequence[str]) -> np.ndarray:
        return np.asarray(bank, dtype=object)[rng.integers(0, len(bank), size=count)]

    words = _Words(table["conversation"].to_numpy())
    for name, bank in (
        ("month", _MONTHS), ("day", _DAYS), ("device", _DEVICES), ("city", _PLACES),
        ("place", _PLACES), ("item", _ITEMS), ("name", _CUSTOMER_NAMES), ("detail", _DETAILS),
        ("error", _ERRORS), ("when", _WHENS),
    ):  # fmt: skip
        words.per_conversation(name, pick(bank))
    words.per_conversation("product", np.asarray(products, dtype=object)[product])
    words.per_conversation("team", np.array([i["team"] for i in _ISSUE_LIST], object)[issue])
    words.per_conversation("fix", np.array([i["fix"] for i in _ISSUE_LIST], object)[issue])
    words.per_conversation("n", _numbers(2, 9, count, rng))
    words.per_conversation(
        "order", _numbers(100, 999, count, rng) + "-" + _numbers(1000000, 9999999, count, rng)
    )
    words.per_conversation("amount", _numbers(9, 300, count, rng))
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    refs = np.ascontiguousarray(letters[rng.integers(0, len(letters), size=(count, 6))])
    words.per_conversation("ref", refs.view("<U6").ravel())
    prefixes = np.array([b.name[:2].upper() for b in brands], dtype=object)
    words.per_conversation("flight", prefixes[conversation_brand] + _numbers(10, 999, count, rng))
    words.per_conversation("code", _numbers(100, 999, count, rng))
    # The issue as the replies name it ("double charge on your October bill"), once per
    # conversation: the complaint's slots are filled first.
    first_rows = np.full(count, -1, dtype=np.int64)
    first_rows[complaints["conversation"]] = complaints.index.to_numpy()
    words.per_conversation("ack", _issue_phrase("ack", issue, first_rows, words, rng))

    rows = len(table)
    hour = table["local_hour"].to_numpy()
    words.per_message(
        "daypart", np.asarray(_DAYPARTS, object)[np.searchsorted([5, 9, 12, 17], hour, "right")]
    )
    words.per_message("weekday", np.asarray(_WEEKDAY_NAMES, object)[table["weekday"]])
    words.per_message("link", _link_words(rows, rng))
    words.per_message("timetable", np.asarray(_TIMETABLES, object)[rng.integers(0, 9, rows)])
    words.per_message("colleague", np.asarray(_BENCH_COLLEAGUES, object)[
        rng.integers(0, len(_BENCH_COLLEAGUES), rows)
    ])  # fmt: skip
    phones = np.array(
        [f"0800 {100 + 37 * i % 900:03d} {456 + 11 * i % 500:03d}" for i in range(len(brands))],
        dtype=object,
    )
    words.per_message("phone", phones[table["brand_idx"].to_numpy()])
    return words, issue[words.conversation]


def _bench_complaints(
    rows: np.ndarray, handles: np.ndarray, issue: np.ndarray, words: _Words, rng
) -> np.ndarray:
    """Customers' first tweets: the brand tagged, the issue in its own words, often a detail."""
    count = len(rows)
    body = pa.array(_issue_phrase("complaint", issue[rows], rows, words, rng), type=pa.string())
    opener = _phrase(_OPENERS, rows, words, rng)
    capital = (opener == "") & (rng.random(count) < 0.3)
    first = pc.utf8_upper(pc.utf8_slice_codeunits(body, 0, 1))
    body = pc.if_else(
        capital, pc.binary_join_element_wise(first, pc.utf8_slice_codeunits(body, 1), ""), body
    )
    ended = pc.match_substring_regex(body, "[?!.]$").to_numpy(zero_copy_only=False)
    tail = (
        _phrase(_COMPLAINT_SPECIFICS, rows, words, rng)
        + _phrase(_EXTRAS, rows, words, rng)
        + _phrase(_CLOSERS, rows, words, rng)
    )
    said = body.to_numpy(zero_copy_only=False) + np.where(ended, "", ".") + tail
    at_end = rng.random(count) < 0.15  # tagged at the end, as people often do
    text = np.where(at_end, said + " " + handles, opener + " " + handles + " " + said)
    return pc.utf8_trim_whitespace(pa.array(text, type=pa.string())).to_numpy(zero_copy_only=False)


def _bench_customer_follow_ups(
    rows: np.ndarray, kinds: np.ndarray, handles: np.ndarray, words: _Words, rng
) -> np.ndarray:
    """The customer coming back: still broken, DM sent, it worked, unhappy, a detail."""
    templates, first, size = _flat([_FOLLOW_UPS[kind] for kind in _FOLLOW_UP_KINDS])
    kind_index = pd.Series(kinds).map({k: i for i, k in enumerate(_FOLLOW_UP_KINDS)}).to_numpy()
    choice = first[kind_index] + (rng.random(len(rows)) * size[kind_index]).astype(np.int64)
    said = _fill(templates, choice, rows, words)
    still_going = np.isin(kinds, ["still_broken", "unhappy", "detail"])
    detail = _phrase(
        _COMPLAINT_SPECIFICS, rows, words, rng, still_going & (rng.random(len(rows)) < 0.6)
    )
    return handles + " " + said + detail


@dataclass(frozen=True)
class _Replying:
    """What composing replies reads: the brands, each table row's brand, issue and words."""

    brands: tuple[BrandProfile, ...]
    brand_idx: np.ndarray
    issue: np.ndarray
    words: _Words
    rng: np.random.Generator


def _bench_first_replies(rows: np.ndarray, case: _Replying) -> np.ndarray:
    """First replies composed from the moves the brand's habits pick, in the order agents write
    them (as `_composed` does for the demo)."""
    count = len(rows)
    brands, brand_idx, issue, words, rng = (
        case.brands, case.brand_idx[rows], case.issue, case.words, case.rng
    )  # fmt: skip

    def rate(field: str) -> np.ndarray:
        return rng.random(count) < _rate(brands, field, brand_idx)

    named = rate("name_use_rate")
    greeted = named | rate("greeting_rate")
    named_greeting = named & (rng.random(count) < 0.7)
    greeting = np.where(
        named_greeting,
        _phrase(_NAMED_GREETINGS, rows, words, rng, named_greeting),
        _phrase(_GREETINGS + _DAYPART_GREETINGS, rows, words, rng, greeted & ~named_greeting),
    )
    named &= ~named_greeting
    apologised = rate("apology_rate")
    thanked = ~apologised & rate("thanks_rate")
    feeling = np.where(
        named,
        _phrase(_NAMED_APOLOGIES, rows, words, rng, apologised & named),
        _phrase(_APOLOGIES, rows, words, rng, apologised & ~named),
    ) + _phrase(_THANKS, rows, words, rng, thanked)
    restated = _phrase(_RESTATEMENTS, rows, words, rng, rng.random(count) < 0.9)
    banter = _phrase(_BANTER, rows, words, rng, rate("banter_rate"))
    asked = rate("question_rate")
    roll = rng.random(count)
    handoff = _rate(brands, "handoff_rate", brand_idx)
    resolution = handoff + _rate(brands, "resolution_rate", brand_idx)
    core = np.select(
        [asked, roll < handoff, roll < resolution],
        [
            _issue_phrase("ask", issue[rows], rows, words, rng),
            _phrase(_HANDOFFS, rows, words, rng),
            _phrase(_RESOLUTIONS, rows, words, rng),
        ],
        _issue_phrase("answer", issue[rows], rows, words, rng),
    )
    generic = _phrase(_GENERIC_QUESTIONS, rows, words, rng, asked & (rng.random(count) < 0.3))
    link = _phrase(_LINK_LINES, rows, words, rng, rate("link_rate"))
    channel = _phrase(_CHANNELS, rows, words, rng, rate("dm_push_rate"))
    thanks = _phrase(
        _THANKS, rows, words, rng, rng.random(count) < _rate(brands, "thanks_rate", brand_idx) / 2
    )
    closing = _phrase(_CLOSINGS, rows, words, rng, rate("closer_rate"))
    composed = _joined_parts(
        [greeting, feeling, restated, banter, core, generic, link, channel, thanks, closing],
        [True, False, True, True, False, False, False, False, True, True],
    )
    return composed


_DAYPART_GREETINGS = ["{daypart}, thanks for the tweet.", "Happy {weekday}!"]


def _bench_macros(rows, brand_idx, brands, words, rng) -> np.ndarray:
    """Each brand's four fixed macros (`_macro`'s), sent verbatim, so they repeat exactly."""
    own = np.array(
        [
            [
                (
                    int(np.random.default_rng(sum(map(ord, b.name))).integers(len(_MACROS)))
                    + 3 * step
                )
                % len(_MACROS)
                for step in range(4)
            ]
            for b in brands
        ]
    )
    choice = own[brand_idx, rng.integers(0, 4, size=len(rows))]
    return _fill(_MACROS, choice, rows, words)


def _bench_follow_up_answers(rows: np.ndarray, kinds: np.ndarray, case: _Replying) -> np.ndarray:
    """Later replies, answering what the customer came back with, about their own case."""
    count = len(rows)
    brands, brand_idx, issue, words, rng = (
        case.brands, case.brand_idx[rows], case.issue, case.words, case.rng
    )  # fmt: skip
    opener = np.full(count, "", dtype=object)
    body = np.full(count, "", dtype=object)
    moves = {
        "ask": lambda r: _issue_phrase("ask", issue[rows[r]], rows[r], words, rng),
        "answer": lambda r: _issue_phrase("answer", issue[rows[r]], rows[r], words, rng),
        "handoff": lambda r: _phrase(_HANDOFFS, rows[r], words, rng),
        "resolution": lambda r: _phrase(_RESOLUTIONS, rows[r], words, rng),
        "channel": lambda r: _phrase(_CHANNELS, rows[r], words, rng),
        "link": lambda r: _phrase(_LINK_LINES, rows[r], words, rng),
    }
    for kind in _FOLLOW_UP_KINDS:
        mine = np.flatnonzero(kinds == kind)
        if not len(mine):
            continue
        opener[mine] = _phrase(_FOLLOW_UP_OPENERS[kind], rows[mine], words, rng)
        if kind == "worked":
            body[mine] = _phrase(_WORKED_LINES + _SIGN_OFF_EXTRAS, rows[mine], words, rng)
        elif kind == "sent_dm":
            body[mine] = _phrase(_DM_LINES, rows[mine], words, rng)
        else:
            options = _FOLLOW_UP_MOVES[kind]
            move = rng.integers(0, len(options), size=len(mine))
            for position, name in enumerate(options):
                chosen = mine[move == position]
                body[chosen] = moves[name](chosen)
    named = rng.random(count) < _rate(brands, "name_use_rate", brand_idx)
    opener = pd.Series(opener, dtype=object)
    opener[named] = opener[named].str.rstrip(".!") + ", " + words.get("name", rows[named]) + "!"
    restated = _phrase(_RESTATEMENTS, rows, words, rng, rng.random(count) < 0.8)
    thanks = _phrase(
        _THANKS, rows, words, rng,
        (kinds != "sent_dm") & (rng.random(count) < _rate(brands, "thanks_rate", brand_idx)),
    )  # fmt: skip
    closing = _phrase(
        _CLOSINGS, rows, words, rng, rng.random(count) < _rate(brands, "closer_rate", brand_idx)
    )
    return _joined_parts(
        [opener.to_numpy(dtype=object), restated, body, thanks, closing],
        [False, True, False, True, True],
    )


def _bench_signatures(
    brand_idx: np.ndarray, brands: Sequence[BrandProfile], rng: np.random.Generator
) -> np.ndarray:
    """Each reply's agent signature in its brand's style (empty for brands that never sign)."""
    out = np.full(len(brand_idx), "", dtype=object)
    for index, brand in enumerate(brands):
        mine = np.flatnonzero(brand_idx == index)
        if not brand.agents or not brand.signature_style or not len(mine):
            continue
        agents = np.asarray(brand.agents, dtype=object)[
            rng.integers(0, len(brand.agents), len(mine))
        ]
        mark = (
            " Best wishes, " if brand.signature_style == "closing" else f" {brand.signature_style}"
        )
        out[mine] = mark + agents
    return out


def generate_twcs(
    messages: int,
    seed: int = 3,
    brands: Sequence[BrandProfile] = MANY_BRANDS,
    start: str = "2017-10-02",
    days: int = 61,
) -> pd.DataFrame:
    """A twcs-format table of exactly `messages` tweets (whole conversations, the last one cut
    short) from the 30-brand roster, every text composed in vectorised form; no defects."""
    rng = np.random.default_rng(seed)
    brands = tuple(brands)
    complaints = max(1, int(messages / 2.1) + 10)  # about 2.2 tweets a conversation
    shared = max(1, complaints // 500)  # a conversation another brand joins, now and then
    table = _timeline(complaints, brands, start, days, shared, rng)
    while len(table) < messages:  # deterministic: one more, larger draw
        complaints = int(complaints * 1.2 * messages / len(table)) + 10
        table = _timeline(complaints, brands, start, days, shared, rng)
    # Whole conversations in time order, the last one cut short: every kept reply's parent is
    # earlier in its conversation, so it is kept too.
    table = table.sort_values(["conversation", "time_ns"], kind="stable").head(messages)
    table = table.reset_index(drop=True)
    words, issue = _conversation_words(table, brands, rng)
    kind = table["kind"].to_numpy().astype(str)
    brand_idx = table["brand_idx"].to_numpy()
    conversation = table["conversation"].to_numpy()
    names = np.array([b.name for b in brands], dtype=object)

    # Customers: a pool smaller than the conversations, so some write more than once.
    customer_of = _numbers(100_000, 100_000 + max(10, complaints), conversation.max() + 1, rng)
    customer = customer_of[conversation]
    joined = table.loc[kind == "joined", ["conversation", "brand_idx"]]
    partner = np.full(conversation.max() + 1, -1, dtype=np.int64)
    partner[joined["conversation"]] = joined["brand_idx"]
    main = np.zeros(conversation.max() + 1, dtype=np.int64)
    main[conversation[kind == "complaint"]] = brand_idx[kind == "complaint"]

    text = np.full(len(table), "", dtype=object)
    author = np.where(table["customer"].to_numpy(), customer, names[brand_idx])
    tag = "@" + names[brand_idx]
    rows = np.flatnonzero(kind == "complaint")
    other = partner[conversation[rows]]
    handles = np.where(other >= 0, tag[rows] + " @" + names[np.maximum(other, 0)], tag[rows])
    text[rows] = _bench_complaints(rows, handles, issue, words, rng)
    rows = np.flatnonzero(np.isin(kind, _FOLLOW_UP_KINDS))
    text[rows] = _bench_customer_follow_ups(rows, kind[rows], tag[rows], words, rng)

    rows = np.flatnonzero(kind == "first")
    case = _Replying(brands, brand_idx, issue, words, rng)
    text[rows] = _bench_first_replies(rows, case)
    rows = np.flatnonzero(kind == "joined")
    text[rows] = _joined_parts(
        [
            _phrase(_JOINED, rows, words, rng),
            _phrase(_RESTATEMENTS, rows, words, rng),
            _phrase(_GENERIC_QUESTIONS + _CHANNELS, rows, words, rng),
        ],
        [False, True, False],
    )
    rows = np.flatnonzero(np.char.startswith(kind, "re:"))
    follow_kind = np.char.replace(kind[rows], "re:", "")
    text[rows] = _bench_follow_up_answers(rows, follow_kind, case)
    rows = np.flatnonzero((kind == "first") | np.char.startswith(kind, "re:"))
    canned = (
        rng.random(len(rows)) < np.array([_bench_canned_rate(b) for b in brands])[brand_idx[rows]]
    )
    rows = rows[canned]
    text[rows] = _bench_macros(rows, brand_idx[rows], brands, words, rng)
    agent = ~table["customer"].to_numpy()
    prefix = "@" + customer[agent]
    other = partner[conversation[agent]]
    shown = np.where(kind[agent] == "first", other, main[conversation[agent]])
    both = (other >= 0) & np.isin(kind[agent], ["first", "joined"])
    prefix = np.where(both, prefix + " @" + names[np.maximum(shown, 0)], prefix)
    text[agent] = prefix + " " + text[agent] + _bench_signatures(brand_idx[agent], brands, rng)

    return _to_twcs(_messages(table, author, text))


def write_csv(frame: pd.DataFrame, path: Path, chunk_rows: int = 500_000) -> Path:
    """Write a table of strings as `frame.to_csv(path, index=False)` does, byte for byte (fields
    quoted only when they hold a comma, quote or line break), in pyarrow instead of a Python call
    per row: seconds, not half a minute, for twcs.csv's 2.8M rows (in chunks, to bound memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write((",".join(frame.columns) + "\n").encode())
        for start in range(0, len(frame), chunk_rows):
            out.write(_csv_lines(frame.iloc[start : start + chunk_rows]))
    return path


def _csv_lines(frame: pd.DataFrame) -> pa.Buffer:
    """The frame's rows as CSV lines, end to end in one buffer."""
    columns = []
    for name in frame.columns:
        column = pa.array(frame[name], type=pa.string())  # no copy when pyarrow-backed already
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(column, '"', '""'), '"', "")
        needs = pc.match_substring_regex(column, '[,"\r\n]')
        columns.append(pc.if_else(needs, quoted, column))
    row = pc.binary_join_element_wise(*columns, ",")
    lines = pc.binary_join_element_wise(row, "\n", "").cast(pa.large_string())
    if isinstance(lines, pa.ChunkedArray):  # a slice of a pyarrow-backed frame
        lines = lines.combine_chunks()
    # A string array's characters lie end to end in one buffer: its slice is the CSV text.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return lines.buffers()[2].slice(first, last - first)


def write_twcs(path: Path, messages: int, seed: int = 3) -> Path:
    """Write `generate_twcs(messages, seed)` as a twcs.csv file."""
    return write_csv(generate_twcs(messages, seed), path)
