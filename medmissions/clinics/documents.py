"""The MDS Daily Report laid out as the official form, for the report's page and as a printable PDF.

:func:`live_sheet` lays out a report's live figures (an open report, or one being corrected) and
:func:`version_sheet` a submitted version, with the labels stored in that version. Both give the
same :class:`Sheet`: the header of emt-mds.md §7 (columns a–n), the table with the official
disaggregation (§4: items 1–2 in the five age groups, item 3 without under-5 cells, items 4–32
under 5 / 5 and over, 33–35 for 5 and over only, 36–50 as totals), percentages of consultations,
the derived indicators (§8.2), the checks (§8), the issues of items 51–65 with their comments and
the labels used for the context-specific items 19–22. Restricted items (§5) are counts here and
nowhere else in detail.

The PDF is a Django template (``clinics/documents/daily_report.html``) rendered by WeasyPrint.
Nothing is fetched from the network: the stylesheet is inside the template, the fonts are the
server's own (fontconfig), ``base_url`` points at this app's folder and the URL fetcher accepts
``data:`` URLs only. Where WeasyPrint or the Pango library it needs cannot be loaded,
:class:`PdfUnavailable` says so (the page shows it with status 503).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from medmissions.clinics import mds, reports
from medmissions.clinics.aggregation import Check, Figures, Indicators, checks, indicators
from medmissions.clinics.models import DailyReport, DailyReportVersion
from medmissions.clinics.responses import item_labels
from medmissions.core.errors import DomainError

BASE_DIR = Path(__file__).resolve().parent
NOT_APPLICABLE = None  # a cell the official form does not have (shown as N/A)


class PdfUnavailable(DomainError):
    """WeasyPrint, or the Pango library it needs, cannot be loaded on this server."""

    status = 503
    code = "pdf_unavailable"


# --- The sheet ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One item of the table: its cells in the section's column order (None where the form has
    no cell), its total and its share of the consultations (percent, None without consultations)."""

    number: int
    label: str
    restricted: bool
    cells: list[int | None]
    total: int
    percent: float | None


@dataclass
class RowGroup:
    title: str
    rows: list[Row]


@dataclass
class Section:
    """A part of the table sharing its columns (bucket keys and their labels)."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    groups: list[RowGroup]
    footer: Row | None = None  # the consultations per age bucket, under the sex rows


@dataclass
class IssueRow:
    number: int
    label: str
    flagged: bool
    comment: str


@dataclass
class Sheet:
    """Everything the Daily Report shows, for the page and the PDF alike."""

    report: DailyReport
    version: DailyReportVersion | None
    draft: bool  # live figures of a report not (or no longer) submitted as they stand
    labels: dict[int, str]
    figures: Figures
    sections: list[Section]
    indicators: Indicators
    checks: list[Check]
    sex_total: int
    age_total: int
    issues: list[tuple[str, list[IssueRow]]]
    context_labels: list[tuple[int, str]]
    header: list[tuple[str, str]] = field(default_factory=list)

    @property
    def consultations(self) -> int:
        return self.figures.consultations

    @property
    def totals_agree(self) -> bool:
        return self.sex_total == self.age_total == self.consultations

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.severity == "warning"]

    @property
    def restricted_count(self) -> int:
        """Ticks of restricted items that day; the restricted page lists the consultations behind them."""
        return sum(self.figures.total(number) for number in mds.RESTRICTED)

    @property
    def indicator_rows(self) -> list[tuple[str, int, float | None]]:
        """(label, count, percent of consultations or None) for the derived indicators (§8.2)."""

        def percent(rate: float | None) -> float | None:
            return rate * 100 if rate is not None else None

        found = self.indicators
        return [
            (_("Consultations"), found.consultations, None),
            (_("Admissions (item 40)"), found.admissions, percent(found.admission_rate)),
            (_("Referrals (item 39)"), found.referrals, percent(found.referral_rate)),
            (_("Deaths (items 41 and 42)"), found.deaths, None),
            (_("Procedures (items 30–35)"), found.procedures, None),
            (_("Protection cases (items 47–50)"), found.protection_cases, None),
            (_("Children under 5"), self.figures.under_five(), percent(found.under_five_share)),
            (_("Trauma (items 4–8)"), found.trauma, None),
            (_("Infectious disease (items 9–22)"), found.infectious, None),
            (
                _("Directly related to the event (item 44)"),
                self.figures.total(44),
                percent(found.event_related_share),
            ),
        ]

    @property
    def flagged_issues(self) -> int:
        return sum(1 for _group, rows in self.issues for row in rows if row.flagged)


def _percent(value: int, consultations: int) -> float | None:
    return value * 100 / consultations if consultations else None


def _row(number: int, labels: dict[int, str], figures: Figures, columns: list[str]) -> Row:
    buckets = set(mds.buckets_for(number))
    cells = [figures.cell(number, bucket) if bucket in buckets else NOT_APPLICABLE for bucket in columns]
    total = figures.total(number)
    return Row(
        number=number,
        label=labels[number],
        restricted=number in mds.RESTRICTED,
        cells=cells,
        total=total,
        percent=_percent(total, figures.consultations),
    )


def _sections(figures: Figures, labels: dict[int, str]) -> list[Section]:
    age_totals = figures.age_totals()
    # The "band unknown" column exists for legacy (JPN1.00) files only: shown when it holds anyone.
    age_columns = list(mds.AGE_BUCKETS) + (["5p_unknown"] if age_totals["5p_unknown"] else [])
    sex_rows = [_row(number, labels, figures, age_columns) for number in mds.SEX_ITEMS]
    consultations = sum(age_totals.values())
    sex_section = Section(
        key="sex",
        title=str(mds.GROUP_LABELS[mds.Group.SEX]),
        columns=[(bucket, str(mds.BUCKET_LABELS[bucket])) for bucket in age_columns],
        groups=[RowGroup(str(mds.GROUP_LABELS[mds.Group.SEX]), sex_rows)],
        footer=Row(
            number=0,
            label=_("Consultations"),
            restricted=False,
            cells=[age_totals[bucket] for bucket in age_columns],
            total=consultations,
            percent=_percent(consultations, figures.consultations),
        ),
    )
    by_age: list[RowGroup] = []
    totals: list[RowGroup] = []
    for group, items in mds.tick_groups():
        disaggregations = {item.disaggregation for item in items}
        if disaggregations <= {mds.Disaggregation.UNDER_FIVE, mds.Disaggregation.FIVE_AND_OVER}:
            rows = [_row(item.number, labels, figures, ["u5", "5p"]) for item in items]
            by_age.append(RowGroup(str(mds.GROUP_LABELS[group]), rows))
        else:
            rows = [_row(item.number, labels, figures, []) for item in items]
            totals.append(RowGroup(str(mds.GROUP_LABELS[group]), rows))
    return [
        sex_section,
        Section(
            key="by_age",
            title=_("Conditions and procedures (items 4–35)"),
            columns=[(bucket, str(mds.BUCKET_LABELS[bucket])) for bucket in ("u5", "5p")],
            groups=by_age,
        ),
        Section(
            key="totals",
            title=_("Outcome, relation to the event and protection (items 36–50)"),
            columns=[],
            groups=totals,
        ),
    ]


def _issues(stored: dict[str, Any], labels: dict[int, str]) -> list[tuple[str, list[IssueRow]]]:
    return [
        (
            str(mds.GROUP_LABELS[group]),
            [
                IssueRow(
                    number=item.number,
                    label=labels[item.number],
                    flagged=bool((stored.get(str(item.number)) or {}).get("flagged")),
                    comment=str((stored.get(str(item.number)) or {}).get("comment") or ""),
                )
                for item in items
            ],
        )
        for group, items in mds.issue_groups()
    ]


def header(report: DailyReport) -> list[tuple[str, str]]:
    """The report's header, columns a–n of the eDATA layout (emt-mds.md §7)."""
    team, site = report.team, report.site
    geotag = (
        f"{site.latitude},{site.longitude}"
        if site.latitude is not None and site.longitude is not None
        else ""
    )
    contact = ", ".join(part for part in (team.contact_name, team.contact_phone, team.contact_email) if part)
    return [
        (_("Organisation"), team.organization_name),
        (_("Team"), team.name),
        (_("Team type"), str(team.get_emt_type_display())),
        (_("Contact person"), contact),
        (_("Estimated departure"), team.departs_on.isoformat() if team.departs_on else ""),
        (_("Date of activity"), report.date.isoformat()),
        (_("Working hours"), team.working_hours),
        (_("Admin level 1"), site.admin_level_1),
        (_("Admin level 2"), site.admin_level_2),
        (_("Admin level 3"), site.town),
        (_("Facility or site"), site.name),
        (_("Geotag"), geotag),
    ]


def version_labels(version: DailyReportVersion) -> dict[int, str]:
    """The item labels a submitted version was reported with: the WHO labels, with the labels
    stored in the version (19–22 always, and any other item the response relabelled) on top."""
    labels = item_labels(None)
    for number, label in (version.item_labels or {}).items():
        labels[int(number)] = str(label)
    return labels


def _sheet(
    report: DailyReport,
    *,
    figures: Figures,
    found: list[Check],
    labels: dict[int, str],
    issues: dict[str, Any],
    version: DailyReportVersion | None,
) -> Sheet:
    return Sheet(
        report=report,
        version=version,
        draft=version is None,
        labels=labels,
        figures=figures,
        sections=_sections(figures, labels),
        indicators=indicators(figures),
        checks=found,
        sex_total=figures.sex_total(),
        age_total=sum(figures.age_totals().values()),
        issues=_issues(issues or {}, labels),
        context_labels=[(number, labels[number]) for number in mds.CONTEXT_SLOTS],
        header=header(report),
    )


def live_sheet(report: DailyReport) -> Sheet:
    """The report as it stands: its consultations now, the response's labels, its issues."""
    current = reports.preview(report)
    return _sheet(
        report,
        figures=current.figures,
        found=current.checks,
        labels=item_labels(report.team.response),
        issues=report.issues,
        version=None,
    )


def version_sheet(report: DailyReport, version: DailyReportVersion) -> Sheet:
    """A submitted version exactly as it was submitted."""
    figures = Figures.from_cells(version.consultations, version.cells)
    return _sheet(
        report,
        figures=figures,
        found=checks(figures),
        labels=version_labels(version),
        issues=version.issues,
        version=version,
    )


def official_sheet(report: DailyReport, version: DailyReportVersion | None = None) -> Sheet:
    """What the printed report shows: ``version`` if given, else the official (current) version,
    else — nothing submitted yet — the live draft."""
    version = version or report.current_version
    return version_sheet(report, version) if version is not None else live_sheet(report)


# --- PDF --------------------------------------------------------------------------------------------


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango (or another system library) is missing.
        raise PdfUnavailable(
            _(
                "PDF documents are unavailable on this server: WeasyPrint or the Pango library it needs "
                "is not installed. The same report is on its page."
            )
        ) from error
    return weasyprint


def _url_fetcher(weasyprint: Any) -> Any:
    """A fetcher that refuses every URL except ``data:``: a document never reaches the network."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint before the URLFetcher class: a plain function.

        def fetch(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.startswith("data:"):
                raise ValueError(f"Not fetched: {url}")
            return weasyprint.default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols=["data"])


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes."""
    weasyprint = _weasyprint()
    html = render_to_string(template, context)
    document = weasyprint.HTML(string=html, base_url=str(BASE_DIR), url_fetcher=_url_fetcher(weasyprint))
    pdf: bytes = document.write_pdf()
    return pdf


def daily_report_context(report: DailyReport, version: DailyReportVersion | None = None) -> dict[str, Any]:
    sheet = official_sheet(report, version)
    return {
        "sheet": sheet,
        "report": report,
        "team": report.team,
        "site": report.site,
        "version": sheet.version,
        "response": report.team.response,
        "generated_at": timezone.now(),
        "mds_version": mds.MDS_VERSION,
    }


def daily_report_pdf(report: DailyReport, version: DailyReportVersion | None = None) -> bytes:
    return render_pdf("clinics/documents/daily_report.html", daily_report_context(report, version))


def filename(report: DailyReport, version: DailyReportVersion | None = None) -> str:
    """``daily-report-bridge-health-emt-mbale-outpatient-clinic-2026-05-04-v2.pdf`` and the like
    (``-draft`` when nothing is submitted)."""
    version = version or report.current_version
    suffix = f"v{version.number}" if version is not None else "draft"
    parts = [slugify(report.team.name), slugify(report.site.name), report.date.isoformat(), suffix]
    return "daily-report-" + "-".join(part for part in parts if part) + ".pdf"
