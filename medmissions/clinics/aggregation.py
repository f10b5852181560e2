"""MDS aggregation: a day's consultations become the Daily Report's cells (emt-mds.md §4), days
add up to periodic reports (§8.1), and figures give the derived indicators (§8.2).

Every report — one daily report, a team's period, a whole response — is **one** SQL ``GROUP BY``
over consultations, one row per daily report, written here once from the item catalogue
(``mds.py``). It is plain SQL because it is the hot path (``bench/mds.py`` holds it to 1.5× a
hand-written query) and because the ORM would spend longer building ninety-odd conditional sums
than the database spends running them for one day. Only integers and column names taken from
the models' metadata enter the SQL text; every value is a parameter.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medmissions.clinics import mds
from medmissions.clinics.models import Consultation, DailyReport, Team

SEX_AGE_CELLS = [
    (sex, group)
    for sex in mds.SEX_ITEMS
    for group in (1, 2, 3, 4, 5, 0)
    if not (sex == 3 and group in (1, 2))
]
U5_ITEMS = tuple(number for number in range(4, 36))
TOTAL_ITEMS = mds.TICK_ITEMS


_BUCKETS: dict[int, tuple[str, ...]] = {number: mds.buckets_for(number) for number in range(1, 51)}


class Figures:
    """The counts of one or more daily reports: consultations, the cells of items 1–50 (item →
    bucket → count) and the row-level checks counted in the same pass.

    Figures read from the database keep the query's row (``raw``), and adding such figures adds
    the rows; the cells are worked out from the row only when read. A response-wide view adds
    thousands of reports, and adding ninety-odd integers is far cheaper than merging nested
    dictionaries (``bench/mds.py`` measures it).
    """

    def __init__(
        self,
        consultations: int = 0,
        cells: dict[int, dict[str, int]] | None = None,
        relation_not_one: int = 0,
        outcomes_many: int = 0,
        outcomes_none: int = 0,
        raw: list[int] | None = None,
    ) -> None:
        self.consultations = consultations
        self.relation_not_one = relation_not_one  # consultations with no relation item, or several
        self.outcomes_many = outcomes_many  # consultations with more than one outcome
        self.outcomes_none = outcomes_none
        self._cells = cells
        self._raw = raw
        # Nobody has read or written the cells of these (empty) figures yet: adding a row may replace them.
        self._untouched = cells is None and raw is None and consultations == 0

    def __repr__(self) -> str:
        return f"Figures(consultations={self.consultations})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Figures):
            return NotImplemented
        return self.as_json() == other.as_json()

    @classmethod
    def empty(cls) -> Figures:
        return cls()

    @property
    def cells(self) -> dict[int, dict[str, int]]:
        if self._cells is None:
            self._cells = _cells_from_raw(self._raw) if self._raw is not None else _zero_cells()
        self._untouched = False
        return self._cells

    def add(self, other: Figures) -> None:
        self.consultations += other.consultations
        self.relation_not_one += other.relation_not_one
        self.outcomes_many += other.outcomes_many
        self.outcomes_none += other.outcomes_none
        if other._raw is not None:
            # A row's cells are worked out from the row, so the row is always the truth.
            if self._untouched:
                self._raw = list(other._raw)
                self._untouched = False
                return
            if self._raw is not None:
                self._raw = [mine + theirs for mine, theirs in zip(self._raw, other._raw, strict=True)]
                self._cells = None
                return
        mine_cells = self.cells
        self._raw = None
        for number, buckets in other.cells.items():
            mine = mine_cells.setdefault(number, {})
            for bucket, value in buckets.items():
                mine[bucket] = mine.get(bucket, 0) + value

    def cell(self, number: int, bucket: str) -> int:
        return self.cells.get(number, {}).get(bucket, 0)

    def total(self, number: int) -> int:
        return sum(self.cells.get(number, {}).values())

    def sex_total(self) -> int:
        return sum(self.total(number) for number in mds.SEX_ITEMS)

    def age_totals(self) -> dict[str, int]:
        """Consultations per age bucket (the five bands and "≥5, band unknown")."""
        totals = dict.fromkeys((*mds.AGE_BUCKETS, "5p_unknown"), 0)
        for number in mds.SEX_ITEMS:
            for bucket, value in self.cells.get(number, {}).items():
                totals[bucket] += value
        return totals

    def under_five(self) -> int:
        totals = self.age_totals()
        return totals["lt1"] + totals["1_4"]

    def as_json(self) -> dict[str, Any]:
        return {
            "consultations": self.consultations,
            "cells": {str(number): dict(buckets) for number, buckets in sorted(self.cells.items())},
            "checks": {
                "relation_not_one": self.relation_not_one,
                "outcomes_many": self.outcomes_many,
                "outcomes_none": self.outcomes_none,
            },
        }

    @classmethod
    def from_cells(cls, consultations: int, cells: dict[str, Any]) -> Figures:
        """Figures of a stored version (``DailyReportVersion.cells``)."""
        figures = cls(consultations=consultations, cells=_zero_cells())
        stored = cells.get("cells", cells)
        for number, buckets in stored.items():
            figures.cells[int(number)] = {bucket: int(value) for bucket, value in buckets.items()}
        checks = cells.get("checks", {})
        figures.relation_not_one = int(checks.get("relation_not_one", 0))
        figures.outcomes_many = int(checks.get("outcomes_many", 0))
        figures.outcomes_none = int(checks.get("outcomes_none", 0))
        return figures


def _zero_cells() -> dict[int, dict[str, int]]:
    return {number: dict.fromkeys(buckets, 0) for number, buckets in _BUCKETS.items()}


# --- The query -------------------------------------------------------------------------------------


def _flag(column: str) -> str:
    return f"CASE WHEN c.{column} THEN 1 ELSE 0 END"


def _count(condition: str) -> str:
    """How many consultations of the group meet ``condition``. ``COUNT(*) FILTER`` (SQLite 3.30+,
    PostgreSQL 9.4+) steps the aggregate only for matching rows, and most items are not ticked:
    on both databases it runs about twice as fast as summing a ``CASE`` over every row."""
    return f"COUNT(*) FILTER (WHERE {condition})"


@cache
def select_list() -> str:
    """The aggregate columns, in the order :func:`_figures_from_row` reads them."""
    young = ", ".join(str(group) for group in mds.UNDER_FIVE_GROUPS)
    columns = ["COUNT(*)"]
    for sex, group in SEX_AGE_CELLS:
        columns.append(_count(f"c.sex = {sex} AND c.age_group = {group}"))
    for number in TOTAL_ITEMS:
        columns.append(_count(f"c.mds_{number}"))
    for number in U5_ITEMS:
        columns.append(_count(f"c.mds_{number} AND c.age_group IN ({young})"))
    relation = " + ".join(_flag(f"mds_{number}") for number in mds.RELATION_ITEMS)
    outcomes = " + ".join(_flag(f"mds_{number}") for number in mds.OUTCOME_ITEMS)
    columns.append(_count(f"({relation}) <> 1"))
    columns.append(_count(f"({outcomes}) > 1"))
    columns.append(_count(f"({outcomes}) = 0"))
    return ",\n       ".join(columns)


def _tables() -> tuple[str, str, str]:
    quote = connection.ops.quote_name
    return (
        quote(Consultation._meta.db_table),
        quote(DailyReport._meta.db_table),
        quote(Team._meta.db_table),
    )


def _cells_from_raw(row: Sequence[int]) -> dict[int, dict[str, int]]:
    """The Daily Report cells of a query row (without its report id), in :func:`select_list` order."""
    cells = _zero_cells()
    position = 1
    for sex, group in SEX_AGE_CELLS:
        cells[sex][mds.AGE_GROUP_BUCKET[group]] = row[position]
        position += 1
    totals = {}
    for number in TOTAL_ITEMS:
        totals[number] = row[position]
        position += 1
    for number in U5_ITEMS:
        under_five = row[position]
        position += 1
        if number in mds.OBSTETRIC_PROCEDURES:
            cells[number]["5p"] = totals[number] - under_five
        else:
            cells[number]["u5"] = under_five
            cells[number]["5p"] = totals[number] - under_five
    for number in range(36, 51):
        cells[number]["total"] = totals[number]
    return cells


def _figures_from_row(row: Sequence[Any]) -> Figures:
    raw = [int(value or 0) for value in row]
    return Figures(
        consultations=raw[0],
        relation_not_one=raw[-3],
        outcomes_many=raw[-2],
        outcomes_none=raw[-1],
        raw=raw,
    )


def figures_by_report(where: str, params: Sequence[Any]) -> dict[int, Figures]:
    """Figures of every daily report matching ``where`` (over ``c`` consultations, ``r`` reports
    and ``t`` teams), keyed by report id; reports without consultations are absent."""
    consultation, report, team = _tables()
    sql = (
        f"SELECT c.report_id,\n       {select_list()}\n"
        f"FROM {consultation} c\n"
        f"JOIN {report} r ON r.id = c.report_id\n"
        f"JOIN {team} t ON t.id = r.team_id\n"
        f"WHERE {where}\n"
        "GROUP BY c.report_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return {row[0]: _figures_from_row(row[1:]) for row in cursor.fetchall()}


def daily_figures(report: DailyReport) -> Figures:
    """The live figures of one daily report, from its consultations."""
    return figures_by_report("c.report_id = %s", [report.pk]).get(report.pk) or Figures.empty()


# --- Periods ------------------------------------------------------------------------------------------


@dataclass
class Day:
    """One (team, site, date) daily report within a period."""

    report: DailyReport
    figures: Figures

    @property
    def submitted(self) -> bool:
        return self.report.current_version_id is not None


@dataclass
class IssueSummary:
    days_flagged: int = 0
    dates: list[datetime.date] = field(default_factory=list)
    latest_comment: str = ""


@dataclass
class Period:
    """Totals over a date range (emt-mds.md §8.1): calendar days, active reporting days (days with a
    submitted report), the peak day, the missing days, and for items 51–65 the days flagged and the
    latest comment."""

    start: datetime.date
    end: datetime.date
    days: list[Day]
    totals: Figures
    by_date: dict[datetime.date, Figures]
    issues: dict[int, IssueSummary]
    reporting_dates: set[datetime.date]

    @property
    def calendar_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def active_reporting_days(self) -> int:
        return len(self.reporting_dates)

    @property
    def missing_days(self) -> list[datetime.date]:
        return [
            self.start + datetime.timedelta(days=offset)
            for offset in range(self.calendar_days)
            if self.start + datetime.timedelta(days=offset) not in self.reporting_dates
        ]

    @property
    def peak_day(self) -> tuple[datetime.date, int] | None:
        if not self.by_date:
            return None
        date, figures = max(
            self.by_date.items(), key=lambda pair: (pair[1].consultations, -pair[0].toordinal())
        )
        return date, figures.consultations

    @property
    def completeness(self) -> float | None:
        return self.active_reporting_days / self.calendar_days if self.calendar_days else None

    def indicators(self) -> Indicators:
        return indicators(self.totals)


def build_period(
    reports: Iterable[DailyReport],
    figures: dict[int, Figures],
    start: datetime.date,
    end: datetime.date,
) -> Period:
    totals = Figures.empty()
    by_date: dict[datetime.date, Figures] = {}
    issues = {number: IssueSummary() for number in mds.ISSUE_ITEMS}
    days = []
    reporting_dates = set()
    for report in sorted(reports, key=lambda item: (item.date, item.pk)):
        day_figures = figures.get(report.pk) or Figures.empty()
        days.append(Day(report=report, figures=day_figures))
        totals.add(day_figures)
        by_date.setdefault(report.date, Figures.empty()).add(day_figures)
        if report.current_version_id is not None:
            reporting_dates.add(report.date)
        for key, value in (report.issues or {}).items():
            summary = issues.get(int(key))
            if summary is None or not value.get("flagged"):
                continue
            summary.days_flagged += 1
            summary.dates.append(report.date)
            if value.get("comment"):
                summary.latest_comment = value["comment"]
    return Period(
        start=start,
        end=end,
        days=days,
        totals=totals,
        by_date=dict(sorted(by_date.items())),
        issues=issues,
        reporting_dates=reporting_dates,
    )


def team_period(
    team: Team, start: datetime.date, end: datetime.date, *, submitted_only: bool = False
) -> Period:
    """One team's periodic report over ``start``–``end`` (all its sites)."""
    reports = DailyReport.objects.filter(team=team, date__gte=start, date__lte=end).select_related("site")
    where = "r.team_id = %s AND r.date >= %s AND r.date <= %s"
    if submitted_only:
        reports = reports.exclude(current_version=None)
        where += " AND r.current_version_id IS NOT NULL"
    return build_period(list(reports), figures_by_report(where, [team.pk, start, end]), start, end)


def response_period(response_id: int, start: datetime.date, end: datetime.date) -> Period:
    """Every team's submitted reports in a response over ``start``–``end`` (the coordination view)."""
    reports = (
        DailyReport.objects.filter(team__response_id=response_id, date__gte=start, date__lte=end)
        .exclude(current_version=None)
        .select_related("site", "team")
    )
    where = "t.response_id = %s AND r.date >= %s AND r.date <= %s AND r.current_version_id IS NOT NULL"
    return build_period(list(reports), figures_by_report(where, [response_id, start, end]), start, end)


# --- Checks and indicators ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One consistency check of a daily report (emt-mds.md §8): ``severity`` is ``error`` (blocks
    submission), ``warning`` (submitted only with a reason) or ``info``."""

    code: str
    severity: str
    message: str


def checks(figures: Figures) -> list[Check]:
    found = []
    sex_total = figures.sex_total()
    age_total = sum(figures.age_totals().values())
    if sex_total != figures.consultations:
        found.append(
            Check(
                "sex_total",
                "warning",
                _("Sex and pregnancy codes add up to %(sum)s, but there are %(count)s consultations.")
                % {"sum": sex_total, "count": figures.consultations},
            )
        )
    if age_total != figures.consultations:
        found.append(
            Check(
                "age_total",
                "warning",
                _("Age groups add up to %(sum)s, but there are %(count)s consultations.")
                % {"sum": age_total, "count": figures.consultations},
            )
        )
    if figures.relation_not_one:
        found.append(
            Check(
                "relation",
                "warning",
                ngettext(
                    "%(count)s consultation has no relation to the event ticked, or more than one.",
                    "%(count)s consultations have no relation to the event ticked, or more than one.",
                    figures.relation_not_one,
                )
                % {"count": figures.relation_not_one},
            )
        )
    if figures.outcomes_many:
        found.append(
            Check(
                "outcomes_many",
                "warning",
                ngettext(
                    "%(count)s consultation has more than one outcome.",
                    "%(count)s consultations have more than one outcome.",
                    figures.outcomes_many,
                )
                % {"count": figures.outcomes_many},
            )
        )
    if figures.outcomes_none:
        found.append(
            Check(
                "outcomes_none",
                "info",
                ngettext(
                    "%(count)s consultation has no outcome recorded.",
                    "%(count)s consultations have no outcome recorded.",
                    figures.outcomes_none,
                )
                % {"count": figures.outcomes_none},
            )
        )
    return found


@dataclass(frozen=True)
class Indicators:
    consultations: int
    admissions: int
    admission_rate: float | None
    referrals: int
    referral_rate: float | None
    deaths: int
    procedures: int
    protection_cases: int
    under_five_share: float | None
    trauma: int
    infectious: int
    event_related_share: float | None


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def indicators(figures: Figures) -> Indicators:
    """The derived indicators of emt-mds.md §8.2 (rates as fractions of consultations)."""
    count = figures.consultations
    total = figures.total
    return Indicators(
        consultations=count,
        admissions=total(40),
        admission_rate=_rate(total(40), count),
        referrals=total(39),
        referral_rate=_rate(total(39), count),
        deaths=total(41) + total(42),
        procedures=sum(total(number) for number in range(30, 36)),
        protection_cases=sum(total(number) for number in mds.PROTECTION_ITEMS),
        under_five_share=_rate(figures.under_five(), count),
        trauma=sum(total(number) for number in range(4, 9)),
        infectious=sum(total(number) for number in range(9, 23)),
        event_related_share=_rate(total(44), count),
    )
