"""Pages: the coordination view of a response (its teams' submitted daily reports by day, by area
and by team, charts, who has not reported today, reports being corrected, derived indicators), the
response's periodic report, and a team's periodic report.

The coordination view and the response's periodic report are for members of the coordinating
organisation only; others who see the response get 404. A team's periodic report is for everyone
who sees the team. Each page reads its figures with **one** aggregate query
(``aggregation.response_period`` or ``aggregation.team_period``), never one per team or day.

The summaries built here are shared with the API (``clinics/api/coordination.py``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from medmissions.clinics import access, aggregation, mds, responses
from medmissions.clinics.charts import Chart
from medmissions.clinics.choices import ReportStatus, ResponseStatus
from medmissions.clinics.forms.coordination import PeriodForm
from medmissions.clinics.models import DailyReport, Response, Team
from medmissions.lib.typing import AuthenticatedHttpRequest
from medmissions.missions.choices import MissionStatus
from medmissions.sites.models import Site

DEFAULT_DAYS = 14
TOP_CONDITIONS = 10
# Conditions ranked on the coordination view: trauma, infectious and context-specific diseases,
# emergencies and other key diseases (items 4–29); procedures and outcomes are not conditions.
CONDITION_ITEMS = tuple(number for number in mds.TICK_ITEMS if number <= 29)
REFERRAL_ITEM = 39
DEATH_ITEMS = (41, 42)
UNKNOWN_AREA = ""


# --- Today's reports ---------------------------------------------------------------------------------


@dataclass
class SiteToday:
    """A team's daily report for one of its sites on the team's today (None when not opened)."""

    team: Team
    site: Site
    date: datetime.date
    report: DailyReport | None

    @property
    def state(self) -> str:
        """``none`` (no report), ``open``, ``correcting`` or ``submitted``."""
        return "none" if self.report is None else self.report.status

    @property
    def submitted(self) -> bool:
        """The official version exists (a report being corrected keeps its submitted version)."""
        return self.report is not None and self.report.current_version_id is not None

    @property
    def badge(self) -> str:
        return {"none": "bad", "open": "open", "correcting": "warn", "submitted": "ok"}[self.state]

    @property
    def state_label(self) -> str:
        if self.report is None:
            return _("No report")
        return str(self.report.get_status_display())


def teams_with_sites(queryset: Any) -> list[Team]:
    return list(
        queryset.select_related("mission", "lead", "response__coordinating_organization")
        .prefetch_related(Prefetch("sites", queryset=Site.objects.order_by("name", "pk")))
        .order_by("name", "pk")
    )


def today_by_site(teams: list[Team]) -> dict[int, list[SiteToday]]:
    """Team id → today's report of each of its sites, today being the team's local date; one query."""
    todays = {team.pk: responses.today_for(team) for team in teams}
    found: dict[tuple[int, int, datetime.date], DailyReport] = {}
    if teams:
        for report in DailyReport.objects.filter(
            team__in=[team.pk for team in teams], date__in=set(todays.values())
        ):
            found[(report.team_id, report.site_id, report.date)] = report
    return {
        team.pk: [
            SiteToday(team, site, todays[team.pk], found.get((team.pk, site.pk, todays[team.pk])))
            for site in team.sites.all()
        ]
        for team in teams
    }


def expected_today(team: Team, response: Response | None, today: datetime.date) -> bool:
    """Whether a team is due to report today: a mission's team while the mission is in the field,
    a registered team until its estimated departure, both while their response runs."""
    if response is not None:
        if response.status != ResponseStatus.ACTIVE or response.starts_on > today:
            return False
        if response.ends_on is not None and response.ends_on < today:
            return False
    if team.departs_on is not None and team.departs_on < today:
        return False
    return team.mission is None or team.mission.status == MissionStatus.IN_FIELD


# --- The coordination summary ------------------------------------------------------------------------


@dataclass
class TeamSummary:
    """One team's share of a response's period."""

    team: Team
    period: aggregation.Period
    today: datetime.date
    sites_today: list[SiteToday]

    @property
    def figures(self) -> aggregation.Figures:
        return self.period.totals

    @cached_property
    def missing_days(self) -> list[datetime.date]:
        """Days without a submitted report, counted from the day the team joined (or its first
        report, if earlier) until its estimated departure and at most its today."""
        joined = timezone.localtime(self.team.created_at).date()
        if self.period.days:
            joined = min(joined, self.period.days[0].report.date)
        last = min(self.period.end, self.today)
        if self.team.departs_on is not None:
            last = min(last, self.team.departs_on)
        return [date for date in self.period.missing_days if joined <= date <= last]


@dataclass
class AreaSummary:
    """The submitted reports of the sites in one district (admin level 2) of a region (level 1)."""

    admin_level_1: str
    admin_level_2: str
    figures: aggregation.Figures = field(default_factory=aggregation.Figures.empty)
    team_ids: set[int] = field(default_factory=set)
    site_names: set[str] = field(default_factory=set)

    @property
    def sites(self) -> list[str]:
        return sorted(self.site_names)


@dataclass
class ConditionRow:
    number: int
    label: str
    count: int
    restricted: bool


@dataclass
class Coordination:
    """A response over a date range, from its teams' submitted daily reports."""

    response: Response
    start: datetime.date
    end: datetime.date
    period: aggregation.Period
    labels: dict[int, str]
    teams: list[TeamSummary]
    correcting: list[DailyReport]

    @cached_property
    def days(self) -> list[tuple[datetime.date, aggregation.Figures]]:
        """Every calendar day of the range with its figures (empty on days nobody reported)."""
        empty = aggregation.Figures.empty()
        return [
            (date, self.period.by_date.get(date, empty))
            for date in (
                self.start + datetime.timedelta(days=offset) for offset in range(self.period.calendar_days)
            )
        ]

    @cached_property
    def areas(self) -> list[AreaSummary]:
        found: dict[tuple[str, str], AreaSummary] = {}
        for day in self.period.days:
            site = day.report.site
            key = (site.admin_level_1 or UNKNOWN_AREA, site.admin_level_2 or UNKNOWN_AREA)
            area = found.setdefault(key, AreaSummary(*key))
            area.figures.add(day.figures)
            area.team_ids.add(day.report.team_id)
            area.site_names.add(site.name)
        return [found[key] for key in sorted(found)]

    @cached_property
    def missing_today(self) -> list[SiteToday]:
        """Sites where a team due to report today has no submitted report for today yet."""
        return [
            site_today
            for summary in self.teams
            if expected_today(summary.team, self.response, summary.today)
            for site_today in summary.sites_today
            if not site_today.submitted
        ]

    @cached_property
    def indicators(self) -> aggregation.Indicators:
        return self.period.indicators()

    @cached_property
    def top_conditions(self) -> list[ConditionRow]:
        totals = self.period.totals
        rows = [
            ConditionRow(number, self.labels[number], totals.total(number), number in mds.RESTRICTED)
            for number in CONDITION_ITEMS
            if totals.total(number)
        ]
        rows.sort(key=lambda row: (-row.count, row.number))
        return rows[:TOP_CONDITIONS]

    def charts(self) -> list[Chart]:
        return coordination_charts(self)


def build_coordination(response: Response, start: datetime.date, end: datetime.date) -> Coordination:
    """The coordination summary of ``response``: one aggregate query for the figures, one for the
    teams (and their sites), one for today's and corrected reports."""
    period = aggregation.response_period(response.pk, start, end)
    teams = teams_with_sites(response.teams.all())
    todays = {team.pk: responses.today_for(team) for team in teams}
    reports_of: dict[int, list[aggregation.Day]] = defaultdict(list)
    for day in period.days:
        reports_of[day.report.team_id].append(day)
    found: dict[tuple[int, int, datetime.date], DailyReport] = {}
    correcting = []
    for report in (
        DailyReport.objects.filter(team__response=response)
        .filter(Q(date__in=set(todays.values())) | Q(status=ReportStatus.CORRECTING))
        .select_related("site", "team")
        .order_by("-date", "team__name", "site__name")
    ):
        found[(report.team_id, report.site_id, report.date)] = report
        if report.status == ReportStatus.CORRECTING:
            correcting.append(report)
    summaries = []
    for team in teams:
        days = reports_of.get(team.pk, [])
        team_period = aggregation.build_period(
            [day.report for day in days], {day.report.pk: day.figures for day in days}, start, end
        )
        today = todays[team.pk]
        sites_today = [
            SiteToday(team, site, today, found.get((team.pk, site.pk, today))) for site in team.sites.all()
        ]
        summaries.append(TeamSummary(team, team_period, today, sites_today))
    return Coordination(
        response=response,
        start=start,
        end=end,
        period=period,
        labels=responses.item_labels(response),
        teams=summaries,
        correcting=correcting,
    )


# --- Charts ---------------------------------------------------------------------------------------


def _day_label(date: datetime.date) -> str:
    return date_format(date, "j M")


def daily_chart(
    key: str, title: str, description: str, heading: str, days: list[tuple[datetime.date, int]]
) -> Chart:
    return Chart(
        key=key,
        title=title,
        description=description,
        label_heading=_("Day"),
        value_heading=heading,
        rows=[(_day_label(date), value) for date, value in days],
        empty_text=_("Nothing reported in this period."),
    )


def coordination_charts(summary: Coordination) -> list[Chart]:
    first, last = date_format(summary.start, "j M Y"), date_format(summary.end, "j M Y")
    span = {"start": first, "end": last}
    consultations = [(date, figures.consultations) for date, figures in summary.days]
    referrals = [(date, figures.total(REFERRAL_ITEM)) for date, figures in summary.days]
    deaths = [(date, sum(figures.total(n) for n in DEATH_ITEMS)) for date, figures in summary.days]
    conditions = summary.top_conditions
    return [
        daily_chart(
            "consultations",
            _("Consultations per day"),
            _("Consultations reported by all teams each day from %(start)s to %(end)s; %(total)s in all.")
            % {**span, "total": sum(value for _date, value in consultations)},
            _("Consultations"),
            consultations,
        ),
        Chart(
            key="conditions",
            title=_("Top %(count)s conditions") % {"count": TOP_CONDITIONS},
            description=_(
                "The most frequent conditions (items 4–29) from %(start)s to %(end)s, most frequent first."
            )
            % span,
            label_heading=_("Condition"),
            value_heading=_("Consultations"),
            rows=[(row.label, row.count) for row in conditions],
            kind="bars",
            empty_text=_("No condition reported in this period."),
        ),
        daily_chart(
            "referrals",
            _("Referrals per day"),
            _(
                "Patients referred to another facility (item 39) each day from %(start)s to %(end)s; %(total)s in all."
            )
            % {**span, "total": sum(value for _date, value in referrals)},
            _("Referrals"),
            referrals,
        ),
        daily_chart(
            "deaths",
            _("Deaths per day"),
            _(
                "Dead on arrival and deaths within the facility (items 41 and 42) each day from %(start)s to %(end)s; %(total)s in all."
            )
            % {**span, "total": sum(value for _date, value in deaths)},
            _("Deaths"),
            deaths,
        ),
    ]


# --- The official layout ----------------------------------------------------------------------------


@dataclass
class LayoutRow:
    number: int
    label: str
    restricted: bool
    cells: list[int | None]  # None where the Daily Report has no cell (N/A)
    total: int
    share: float | None  # of consultations


@dataclass
class LayoutSection:
    key: str
    title: str
    columns: list[str]
    rows: list[LayoutRow]


def official_layout(figures: aggregation.Figures, labels: dict[int, str]) -> list[LayoutSection]:
    """The totals of items 1–50 in the Daily Report's layout (emt-mds.md §4): sex and pregnancy by
    the five age groups, items 4–35 under and over five, items 36–50 as totals."""
    count = figures.consultations

    def share(value: int) -> float | None:
        return value / count if count else None

    age_buckets = [*mds.AGE_BUCKETS]
    if any(figures.cell(number, "5p_unknown") for number in mds.SEX_ITEMS):
        age_buckets.append("5p_unknown")
    sections = [
        LayoutSection(
            "sex",
            str(mds.GROUP_LABELS[mds.Group.SEX]),
            [str(mds.BUCKET_LABELS[bucket]) for bucket in age_buckets],
            [
                LayoutRow(
                    number,
                    labels[number],
                    False,
                    [
                        figures.cell(number, bucket) if bucket in mds.buckets_for(number) else None
                        for bucket in age_buckets
                    ],
                    figures.total(number),
                    share(figures.total(number)),
                )
                for number in mds.SEX_ITEMS
            ],
        )
    ]
    for group, items in mds.tick_groups():
        by_age = items[0].disaggregation in (mds.Disaggregation.UNDER_FIVE, mds.Disaggregation.FIVE_AND_OVER)
        buckets = ["u5", "5p"] if by_age else []
        sections.append(
            LayoutSection(
                str(group),
                str(mds.GROUP_LABELS[group]),
                [str(mds.BUCKET_LABELS[bucket]) for bucket in buckets],
                [
                    LayoutRow(
                        item.number,
                        labels[item.number],
                        item.restricted,
                        [
                            figures.cell(item.number, bucket)
                            if bucket in mds.buckets_for(item.number)
                            else None
                            for bucket in buckets
                        ],
                        figures.total(item.number),
                        share(figures.total(item.number)),
                    )
                    for item in items
                ],
            )
        )
    return sections


@dataclass
class IssueRow:
    number: int
    label: str
    days_flagged: int
    dates: list[datetime.date]
    latest_comment: str


def issue_rows(period: aggregation.Period) -> list[tuple[str, list[IssueRow]]]:
    """Items 51–65 by group: days flagged, on which dates, and the latest comment."""
    return [
        (
            str(mds.GROUP_LABELS[group]),
            [
                IssueRow(
                    item.number,
                    str(item.label),
                    period.issues[item.number].days_flagged,
                    period.issues[item.number].dates,
                    period.issues[item.number].latest_comment,
                )
                for item in items
            ],
        )
        for group, items in mds.issue_groups()
    ]


# --- Pages --------------------------------------------------------------------------------------------


def _period_form(request: AuthenticatedHttpRequest, today: datetime.date, **options: Any) -> PeriodForm:
    data = request.GET if any(name in request.GET for name in ("start", "end", "submitted_only")) else None
    return PeriodForm(data, default_days=DEFAULT_DAYS, today=today, **options)


@login_required
@require_GET
def coordination(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = access.get_coordinated_response_or_404(request.user, pk)
    form = _period_form(request, timezone.localdate())
    start, end = form.period()
    summary = build_coordination(response, start, end)
    return render(
        request,
        "clinics/coordination/coordination.html",
        {
            "response": response,
            "form": form,
            "summary": summary,
            "charts": summary.charts(),
            "indicators": summary.indicators,
            "tab": "coordination",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def response_period(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    response = access.get_coordinated_response_or_404(request.user, pk)
    form = _period_form(request, timezone.localdate())
    start, end = form.period()
    summary = build_coordination(response, start, end)
    return render(
        request,
        "clinics/coordination/response_period.html",
        {
            "response": response,
            "form": form,
            "summary": summary,
            "period": summary.period,
            "layout": official_layout(summary.period.totals, summary.labels),
            "issues": issue_rows(summary.period),
            "indicators": summary.indicators,
            "tab": "period",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def team_period(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, pk)
    today = responses.today_for(team)
    form = _period_form(request, today, offer_submitted_only=True)
    start, end = form.period()
    submitted_only = bool(form.is_bound and form.is_valid() and form.cleaned_data.get("submitted_only"))
    period = aggregation.team_period(team, start, end, submitted_only=submitted_only)
    labels = responses.item_labels(team.response)
    days = [
        (start + datetime.timedelta(days=offset), period.by_date.get(start + datetime.timedelta(days=offset)))
        for offset in range(period.calendar_days)
    ]
    chart = daily_chart(
        "team-consultations",
        _("Consultations per day"),
        _("Consultations recorded by %(team)s each day from %(start)s to %(end)s; %(total)s in all.")
        % {
            "team": team.name,
            "start": date_format(start, "j M Y"),
            "end": date_format(end, "j M Y"),
            "total": period.totals.consultations,
        },
        _("Consultations"),
        [(date, figures.consultations if figures else 0) for date, figures in days],
    )
    return render(
        request,
        "clinics/coordination/team_period.html",
        {
            "team": team,
            "team_access": access.TeamAccess.of(request.user, team),
            "form": form,
            "period": period,
            "submitted_only": submitted_only,
            "layout": official_layout(period.totals, labels),
            "issues": issue_rows(period),
            "indicators": period.indicators(),
            "charts": [chart],
            "reports_by_date": _reports_by_date(period),
        },
        status=400 if form.errors else 200,
    )


def _reports_by_date(period: aggregation.Period) -> list[tuple[datetime.date, list[aggregation.Day]]]:
    """The period's daily reports by date, latest first (the period's day-by-day table)."""
    grouped: dict[datetime.date, list[aggregation.Day]] = defaultdict(list)
    for day in period.days:
        grouped[day.report.date].append(day)
    return sorted(grouped.items(), reverse=True)
