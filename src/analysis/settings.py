"""The analysis settings: every parameter declared once, with its default and its validation.

The CLI flags (`analysis analyze`, `analysis report --params`), `analyze.run` and the notebooks'
parameters cells all take their values from `Settings`, so a default cannot differ between a page
and a CSV. An invalid value is one line naming the parameter:

    analysis: sla_hours: every threshold must be more than 0 hours (got [0, 24])
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analysis.business_hours import BusinessHours, parse_clock, parse_weekdays
from analysis.io import FORMATS, InputError

DATA_FORMATS = ("auto", *FORMATS)


class SettingsError(InputError):
    """A parameter with an invalid value: the message names it."""


class Settings(BaseModel):
    """What a run is computed with; the data file itself is named apart (`analyze.run`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_format: str = Field("auto", description="auto, twcs, tickets-csv or messages-csv")
    data_mapping: dict[str, str] | None = Field(
        None, description="messages-csv: which column holds each field, e.g. {'text': 'Body'}"
    )
    input_timezone: str = Field("UTC", description="time zone of times written without an offset")
    day_first: bool | None = Field(
        None,
        description="dates like 05/06/2023: true reads day first, false month first; unset "
        "decides from the file's own dates and stops when they cannot tell",
    )
    sla_hours: tuple[float, ...] = Field(
        (1.0, 24.0),
        description="first-response SLA thresholds in hours; lesson 1 uses the longest",
    )
    business_days: str = Field("Mon-Fri", description="open days, e.g. 'Mon-Fri', 'Sun-Thu'")
    business_start: str = Field("09:00", description="local opening time")
    business_end: str = Field("17:00", description="local closing time ('24:00' for midnight)")
    business_timezone: str = Field("UTC", description="time zone of the business hours")
    holiday_country: str | None = Field(
        None, description="public holidays closed, as a holidays-package code ('US', 'GB')"
    )
    min_template_size: int = Field(
        5, ge=2, description="replies a wording needs before it counts as a template"
    )
    template_similarity: float = Field(
        0.6, gt=0, le=1, description="word-bigram Jaccard a near-copy needs with its template"
    )
    min_messages_per_brand: int = Field(
        20, ge=1, description="customer messages a brand needs before the headlines rank it"
    )
    compare_by: str = Field(
        "auto",
        description="what every scorecard, ranking, figure and trend compares: brand, agent, "
        "team, channel, priority, ticket_type or product; auto: brand when the data has "
        "several, else the first of agent, team, channel it has",
    )
    figure_brands: int = Field(
        10,
        ge=1,
        le=40,
        description="brands (or compared groups) drawn one by one in figures (largest first)",
    )
    brands: tuple[str, ...] | None = Field(
        None,
        description="the brands (or agents, channels, ... when compare_by names them) to draw "
        "in figures instead of the largest",
    )

    @field_validator("brands", mode="before")
    @classmethod
    def _brand_list(cls, value: Any) -> Any:
        # One brand or a comma-separated list, as typed on a command line or in a YAML file.
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return tuple(value) if value else None

    @field_validator("compare_by")
    @classmethod
    def _known_grouping(cls, value: str) -> str:
        from analysis.groups import GROUPINGS  # groups reads tables; settings only names them

        if value not in ("auto", *GROUPINGS):
            raise ValueError(f"expected auto or one of {', '.join(GROUPINGS)}")
        return value

    @field_validator("data_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in DATA_FORMATS:
            raise ValueError(f"expected one of {', '.join(DATA_FORMATS)}")
        return value

    @field_validator("sla_hours", mode="before")
    @classmethod
    def _thresholds(cls, value: Any) -> tuple[float, ...]:
        # One number or a list: a parameters file written for page 05 (one SLA) works for all.
        values = [value] if isinstance(value, int | float | str) else list(value)
        if not values:
            raise ValueError("expected a number of hours or a list of them")
        try:
            hours = sorted({float(v) for v in values})
        except (TypeError, ValueError):
            raise ValueError("expected numbers of hours") from None
        if not all(math.isfinite(h) and h > 0 for h in hours):
            raise ValueError("every threshold must be a number of hours more than 0")
        return tuple(hours)

    @field_validator("input_timezone", "business_timezone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone like 'America/New_York'") from None
        return value

    @field_validator("business_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_weekdays(value)
        return value

    @field_validator("business_start", "business_end")
    @classmethod
    def _clock(cls, value: str) -> str:
        parse_clock(value)
        return value

    @field_validator("holiday_country", mode="before")
    @classmethod
    def _no_holidays(cls, value: Any) -> Any:
        return None if value in ("", "none", "None") else value

    @field_validator("holiday_country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is not None and value not in holidays.list_supported_countries():
            raise ValueError("the holidays package has no such country; use a code like 'US'")
        return value

    @property
    def lesson_sla_hours(self) -> float:
        """The SLA of lesson 1 (react quickly): the longest threshold."""
        return max(self.sla_hours)

    @property
    def report_sla_hours(self) -> tuple[float, ...]:
        """The thresholds the latency tables report: the settings' plus the 1 h grade the rubric
        always reports beside lesson 1."""
        return tuple(sorted({1.0, *self.sla_hours}))

    def schedule(self) -> BusinessHours:
        """The business-hours calendar these settings describe."""
        try:
            return BusinessHours(
                days=self.business_days,
                start=self.business_start,
                end=self.business_end,
                timezone=self.business_timezone,
                holiday_country=self.holiday_country,
            )
        except ValueError as error:
            raise SettingsError(str(error).removeprefix("analysis: ")) from error

    def as_json(self) -> dict[str, Any]:
        """The settings as plain JSON values (for params.json and cache keys)."""
        return json.loads(self.model_dump_json())


def from_values(values: Mapping[str, Any] | None = None, **more: Any) -> Settings:
    """Settings from parameter values; None means "the default"; an error names the parameter."""
    given = {k: v for k, v in {**(values or {}), **more}.items() if v is not None}
    try:
        settings = Settings(**given)
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from error
    return settings


def names() -> tuple[str, ...]:
    """Every setting's name, in declaration order."""
    return tuple(Settings.model_fields)


def defaults() -> dict[str, Any]:
    """Every setting's default as a JSON value."""
    return Settings().as_json()


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "settings"
    if first["type"] == "extra_forbidden":
        return f"{name}: unknown parameter (known: {', '.join(names())})"
    message = first["msg"].removeprefix("Value error, ").removeprefix("analysis: ")
    return f"{name}: {message} (got {json.dumps(first.get('input'), default=str)})"
