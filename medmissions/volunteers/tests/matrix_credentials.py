"""Permission matrix rows: credentials, their documents and verification, country requirements and
the specialty / credential-type reference lists (loaded by core/tests/test_permission_matrix.py).

World objects come from matrix_world.py (``volunteer_person`` and their ``credential``, a PDF
licence; ``unclaimed_person`` registered by ``sending``; the Kenyan ``ministry`` and a Kenyan
``requirement``) plus the few below, prefixed ``credentials_``.
"""

from __future__ import annotations

import dataclasses
import datetime

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.volunteers.models import Credential, CredentialType
from medmissions.volunteers.tests.matrix_world import pdf_file


def _unclaimed_credential(world):
    """A BLS certificate of the unclaimed person, with its PDF: sending's vetting admins manage it."""
    credential = Credential.objects.create(
        person=world.unclaimed_person,
        credential_type=CredentialType.objects.get(slug="bls"),
        issuing_body="Kenya Red Cross",
        country="KE",
        expires_on=datetime.date(2030, 1, 31),
    )
    credential.document.save("bls.pdf", pdf_file(), save=False)
    credential.document_content_type = "application/pdf"
    credential.save()
    return credential


def _requirement_form(world):
    """The edit form of ``requirement`` as it is, with a longer lead time."""
    requirement = world.requirement
    return {
        "country": requirement.country.code,
        "specialty": requirement.specialty.slug if requirement.specialty else "",
        "credential_type": requirement.credential_type.slug,
        "lead_time_days": "45",
        "notes": "Apply through the host facility.",
    }


WORLD = {
    "credentials_unclaimed_credential": _unclaimed_credential,
    "credentials_requirement_form": _requirement_form,
    "credentials_queue_api_url": lambda world: "/api/v1/credentials/queue?organization=bridge-health",
}

CREDENTIAL = [Ref("credential.pk")]
UNCLAIMED = [Ref("unclaimed_person.pk")]
UNCLAIMED_CREDENTIAL = [Ref("credentials_unclaimed_credential.pk")]
VOLUNTEER = [Ref("volunteer_person.pk")]
REQUIREMENT = [Ref("requirement.pk")]
CREDENTIAL_FORM = {
    "credential_type": "professional-licence",
    "issuing_body": "General Medical Council",
    "country": "GB",
    "number": "GMC-7654321",
    "issued_on": "2015-08-01",
    "expires_on": "2030-08-01",
}
NEW_CREDENTIAL_FORM = {
    "credential_type": "bls",
    "issuing_body": "Resuscitation Council UK",
    "country": "GB",
    "issued_on": "2025-01-10",
    "expires_on": "2027-01-10",
    "document": Ref("pdf_file"),
}
NEW_RULE = {"country": "KE", "specialty": "dentistry", "credential_type": "acls", "lead_time_days": 14}
VERIFY = {"organization": "bridge-health", "outcome": "verified", "notes": ""}

# Extra personas: the volunteer who owns ``credential``, and a coordinator of Kenya's ministry.
OWNER_ONLY = {"volunteer": 200, "ministry_coordinator": 404}
SEES_ALL = {"volunteer": 200, "ministry_coordinator": 200}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- my credentials and a person's ---------------------------------------------------------
    html("GET",  "volunteers:credentials",                     "200   200   200    200    200      login 200   200",
         extra=SEES_ALL),
    html("GET",  "volunteers:credential_add",                  "200   200   200    200    200      login 200   200",
         extra=SEES_ALL),
    # Anyone signed in adds to their own profile (created on the first credential).
    html("POST", "volunteers:credential_add",                  "302   302   302    302    302      login 302   302",
         data=NEW_CREDENTIAL_FORM, extra={"volunteer": 302, "ministry_coordinator": 302}),
    html("GET",  "volunteers:person_credentials",              "200   200   200    200    404      login 404   404",
         args=VOLUNTEER, extra=OWNER_ONLY),
    # An unclaimed profile: its home organisation's vetting admins add credentials for the person.
    html("GET",  "volunteers:person_credential_add",           "200   200   403    403    404      login 404   404",
         args=UNCLAIMED, extra={"volunteer": 404, "ministry_coordinator": 404}, variant="unclaimed person"),
    html("POST", "volunteers:person_credential_add",           "302   302   403    403    404      login 404   404",
         args=UNCLAIMED, data=NEW_CREDENTIAL_FORM, extra={"volunteer": 404, "ministry_coordinator": 404},
         variant="unclaimed person"),
    # A claimed profile: only its owner.
    html("GET",  "volunteers:person_credential_add",           "403   403   403    403    404      login 404   404",
         args=VOLUNTEER, extra=OWNER_ONLY, variant="claimed person"),
    html("GET",  "volunteers:credential_edit",                 "403   403   403    403    404      login 404   404",
         args=CREDENTIAL, extra=OWNER_ONLY, variant="claimed person"),
    html("POST", "volunteers:credential_edit",                 "403   403   403    403    404      login 404   404",
         args=CREDENTIAL, data=CREDENTIAL_FORM, extra={"volunteer": 302, "ministry_coordinator": 404},
         variant="claimed person"),
    html("POST", "volunteers:credential_edit",                 "302   302   403    403    404      login 404   404",
         args=UNCLAIMED_CREDENTIAL, data=dict(CREDENTIAL_FORM, credential_type="bls", country="KE"),
         extra={"volunteer": 404, "ministry_coordinator": 404}, variant="unclaimed person"),
    html("GET",  "volunteers:credential_delete",               "403   403   403    403    404      login 404   404",
         args=CREDENTIAL, extra=OWNER_ONLY),
    html("POST", "volunteers:credential_delete",               "403   403   403    403    404      login 404   404",
         args=CREDENTIAL, extra={"volunteer": 302, "ministry_coordinator": 404}, variant="claimed person"),
    html("POST", "volunteers:credential_delete",               "302   302   403    403    404      login 404   404",
         args=UNCLAIMED_CREDENTIAL, extra={"volunteer": 404, "ministry_coordinator": 404},
         variant="unclaimed person"),
    # ---- the document: owner and vetting admins; members who see the person get 403 -------------
    html("GET",  "volunteers:credential_document",             "200   200   403    403    404      login 404   404",
         args=CREDENTIAL, extra=OWNER_ONLY),
    # ---- verification ----------------------------------------------------------------------------
    # The queue of the organisation one acts for: coordinators and admins of any organisation.
    html("GET",  "volunteers:verification_queue",              "200   200   403    403    200      login 200   403",
         extra={"volunteer": 403, "ministry_coordinator": 200}),
    html("GET",  "volunteers:credential_verify",               "200   200   403    403    404      login 404   404",
         args=CREDENTIAL, extra={"volunteer": 403, "ministry_coordinator": 404}),
    html("POST", "volunteers:credential_verify",               "302   302   403    403    404      login 404   404",
         args=CREDENTIAL, data=VERIFY, extra={"volunteer": 403, "ministry_coordinator": 404}),
    # ---- country requirements: read by everyone, edited by staff and a ministry for its country --
    html("GET",  "volunteers:requirements",                    "200   200   200    200    200      login 200   200",
         extra={**SEES_ALL, "staff": 200}),
    html("GET",  "volunteers:requirement_add",                 "403   403   403    403    403      login 403   403",
         extra={"volunteer": 403, "ministry_coordinator": 200, "staff": 200}),
    html("POST", "volunteers:requirement_add",                 "403   403   403    403    403      login 403   403",
         data=NEW_RULE, extra={"volunteer": 403, "ministry_coordinator": 302, "staff": 302}),
    html("GET",  "volunteers:requirement_edit",                "403   403   403    403    403      login 403   403",
         args=REQUIREMENT, extra={"volunteer": 403, "ministry_coordinator": 200, "staff": 200}),
    html("POST", "volunteers:requirement_edit",                "403   403   403    403    403      login 403   403",
         args=REQUIREMENT, data=Ref("credentials_requirement_form"),
         extra={"volunteer": 403, "ministry_coordinator": 302, "staff": 302}),
    html("GET",  "volunteers:requirement_delete",              "403   403   403    403    403      login 403   403",
         args=REQUIREMENT, extra={"volunteer": 403, "ministry_coordinator": 200, "staff": 200}),
    html("POST", "volunteers:requirement_delete",              "403   403   403    403    403      login 403   403",
         args=REQUIREMENT, extra={"volunteer": 403, "ministry_coordinator": 302, "staff": 302}),

    # ---- API: credentials --------------------------------------------------------------------------
    api("GET",    "/credentials",                              "200   200   200    200    200      401   200   200",
        extra=SEES_ALL),
    api("POST",   "/credentials",                              "201   201   201    201    201      401   201   201",
        data={k: v for k, v in NEW_CREDENTIAL_FORM.items() if k != "country"}, multipart=True,
        extra={"volunteer": 201, "ministry_coordinator": 201}, variant="own"),
    api("POST",   "/credentials",                              "201   201   403    403    404      401   404   404",
        data={**NEW_CREDENTIAL_FORM, "person": Ref("unclaimed_person.pk")}, multipart=True,
        extra={"volunteer": 404, "ministry_coordinator": 404}, variant="unclaimed person"),
    api("GET",    "/credentials/{credential_id}",              "200   200   200    200    404      401   404   404",
        params={"credential_id": Ref("credential.pk")}, extra=OWNER_ONLY),
    api("PATCH",  "/credentials/{credential_id}",              "403   403   403    403    404      401   404   404",
        params={"credential_id": Ref("credential.pk")}, data={"number": "GMC-7654321"}, extra=OWNER_ONLY),
    api("DELETE", "/credentials/{credential_id}",              "403   403   403    403    404      401   404   404",
        params={"credential_id": Ref("credential.pk")}, extra={"volunteer": 204, "ministry_coordinator": 404}),
    api("POST",   "/credentials/{credential_id}/document",     "403   403   403    403    404      401   404   404",
        params={"credential_id": Ref("credential.pk")}, data={"document": Ref("pdf_file")}, multipart=True,
        extra=OWNER_ONLY),
    api("GET",    "/credentials/{credential_id}/document",     "200   200   403    403    404      401   404   404",
        params={"credential_id": Ref("credential.pk")}, extra=OWNER_ONLY),
    api("POST",   "/credentials/{credential_id}/verification", "200   200   403    403    404      401   404   404",
        params={"credential_id": Ref("credential.pk")}, data=VERIFY,
        extra={"volunteer": 403, "ministry_coordinator": 404}),
    # ---- API: country requirements ------------------------------------------------------------------
    api("GET",    "/country-requirements",                     "200   200   200    200    200      401   200   200",
        extra={**SEES_ALL, "staff": 200}),
    api("POST",   "/country-requirements",                     "403   403   403    403    403      401   403   403",
        data=NEW_RULE, extra={"volunteer": 403, "ministry_coordinator": 201, "staff": 201}),
    api("GET",    "/country-requirements/{requirement_id}",    "200   200   200    200    200      401   200   200",
        params={"requirement_id": Ref("requirement.pk")}, extra=SEES_ALL),
    api("PATCH",  "/country-requirements/{requirement_id}",    "403   403   403    403    403      401   403   403",
        params={"requirement_id": Ref("requirement.pk")}, data={"lead_time_days": 45},
        extra={"volunteer": 403, "ministry_coordinator": 200, "staff": 200}),
    api("DELETE", "/country-requirements/{requirement_id}",    "403   403   403    403    403      401   403   403",
        params={"requirement_id": Ref("requirement.pk")},
        extra={"volunteer": 403, "ministry_coordinator": 204, "staff": 204}),
    # ---- API: reference lists ---------------------------------------------------------------------
    api("GET",    "/reference/specialties",                    "200   200   200    200    200      401   200   200"),
    api("GET",    "/reference/credential-types",               "200   200   200    200    200      401   200   200"),
]
# fmt: on

# The queue names its organisation in the query string, which a row's path template cannot carry.
ROWS.append(
    dataclasses.replace(
        api("GET", "/credentials/queue",                       "200   200   403    403    404      401   404   404",
            extra={"volunteer": 404, "ministry_coordinator": 404}),
        url_ref=Ref("credentials_queue_api_url"),
    )
)  # fmt: skip
