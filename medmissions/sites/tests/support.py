"""Helpers shared by the site tests."""

from __future__ import annotations

from medmissions.audit.models import AuditEntry
from medmissions.sites.models import Site


def counts() -> dict[str, int]:
    return {
        "sites": Site.objects.count(),
        "site_languages": Site.languages.through.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def site_data(**extra):
    data = {
        "name": "Soroti outreach point",
        "kind": "mobile_outreach",
        "country": "UG",
        "admin_level_1": "Eastern Region",
        "admin_level_2": "Soroti District",
        "town": "Soroti",
        "latitude": "1.714722",
        "longitude": "33.611111",
        "culture_guidance": "Greet elders first.",
        "customs_guidance": "Dress modestly.",
        "security_guidance": "Leave before dusk.",
    }
    data.update(extra)
    return data
