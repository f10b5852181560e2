"""THE permission matrix: every URL of the HTML UI and every /api/v1 operation, for every persona.

Each row names one URL (an HTML URL name, or an API method + path as in the OpenAPI schema), how
to build it from the objects of a small world, a valid payload for mutating requests, and the
status each persona must get. Every (row, persona) pair is its own test case, run against a
fresh database, so the matrix does not depend on the order of the tests.

Columns (always in this order)::

    admin  coordinator  member  viewer   — members of ``sending``, the sending party
    outsider                            — admin of ``other``, an unrelated organisation
    anonymous                           — nobody signed in
    host_admin  host_member             — members of ``host``, the host party

``staff`` (platform staff, member of nothing) is an extra column on the few rows that need it.

Expected statuses are what the product SHOULD answer:

* ``login`` — an HTML page redirects an anonymous visitor to the sign-in page (302).
* ``302`` on HTML — the action succeeded and redirected; a redirect that carries an error message
  is a refusal and fails the row.
* another persona's private object answers 404 (never 403); a member whose role is too low gets
  403, both when GETting the form page and when POSTing it.
* anonymous API calls get 401; every API failure answers ``{"error": {"code", "message", "fields"}}``.

**Adding a URL?** Add a row to ``ROWS``, or, for a new app, to a ``<app>/tests/matrix_<area>.py``
module: it defines ``ROWS`` (built with ``html()``/``api()`` from here), optionally ``WORLD`` (name →
factory(world) for the objects its rows name, built lazily) and ``PERSONAS`` (extra persona name →
factory(world) returning the user). ``test_every_url_is_in_the_matrix`` fails until every URL has a row.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from medmissions.conftest import PASSWORD, make_organization, make_user
from medmissions.partnerships.choices import PartyRole, Principle

LOGIN = "login"
COLUMNS = ["admin", "coordinator", "member", "viewer", "outsider", "anonymous", "host_admin", "host_member"]
API_PREFIX = "/api/v1"
LOGIN_PATH = "/accounts/login/"
NEW_PASSWORD = "Tangerine-Lighthouse-47"


# --------------------------------------------------------------------------------------------
# The world: objects are created lazily, only those the row asks for, fresh for every test.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A dotted attribute path on the World, e.g. ``Ref("active.pk")``, resolved per test."""

    path: str

    def resolve(self, world: World) -> Any:
        value: Any = world
        for part in self.path.split("."):
            value = getattr(value, part)
        return value


def resolve(value: Any, world: World) -> Any:
    if isinstance(value, Ref):
        return value.resolve(world)
    if isinstance(value, dict):
        return {key: resolve(item, world) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [resolve(item, world) for item in value]
    return value


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# Objects and personas contributed by the apps' matrix_*.py modules (see the module docstring).
WORLD_FACTORIES: dict[str, Any] = {}
PERSONA_FACTORIES: dict[str, Any] = {}


class World:
    """The shared personas plus whatever objects a row names (partnerships, sites, checks…)."""

    def __getattr__(self, name: str) -> Any:
        # Only called for names the class does not define: objects contributed by other apps.
        factory = WORLD_FACTORIES.get(name)
        if factory is None:
            raise AttributeError(name)
        value = factory(self)
        self.__dict__[name] = value
        return value

    def __init__(self, request: pytest.FixtureRequest, persona: str, client: Any):
        self._request = request
        self.persona = persona
        self.client = client
        self.users = request.getfixturevalue("users")
        self.sending = request.getfixturevalue("sending")
        self.host = request.getfixturevalue("host")
        self.other = request.getfixturevalue("other")

    # people and organisations ---------------------------------------------------------------

    @property
    def admin(self):
        return self.users["admin"]

    @property
    def coordinator(self):
        return self.users["coordinator"]

    @cached_property
    def own_org(self):
        """The persona's organisation (``sending`` for anonymous and staff, who have none)."""
        if self.persona in ("host_admin", "host_member"):
            return self.host
        if self.persona == "outsider":
            return self.other
        return self.sending

    @cached_property
    def third(self):
        """A fourth organisation, party to nothing: the partner in new proposals."""
        return make_organization("Kampala Surgical Trust", "kampala-trust", "UG", "secular_ngo")

    def membership(self, name: str):
        return self.users[name].memberships.get(organization=self.sending)

    @cached_property
    def viewer_membership(self):
        return self.membership("viewer")

    @cached_property
    def member_membership(self):
        return self.membership("member")

    @cached_property
    def sending_with_logo(self):
        from medmissions.organizations import services

        logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
        return services.update_organization(self.sending, actor=self.admin, data={"logo": logo})

    @cached_property
    def pending_invitation(self):
        from medmissions.organizations import services

        invitation, _raw = services.invite_member(
            self.sending, actor=self.admin, email="invitee@example.org", role="member"
        )
        return invitation

    @cached_property
    def invitation_token_for_host_member(self) -> str:
        """An invitation from ``other`` addressed to host_member: only they may accept it."""
        from medmissions.organizations import services

        _invitation, raw = services.invite_member(
            self.other, actor=self.users["outsider"], email="host_member@example.org", role="member"
        )
        return raw

    # accounts -------------------------------------------------------------------------------

    @cached_property
    def own_token(self):
        """A token of the persona (of admin for anonymous, who has none)."""
        from medmissions.accounts.services import create_api_token

        owner = self.users.get(self.persona, self.admin)
        return create_api_token(owner, actor=owner, name="matrix token")[0]

    @cached_property
    def admin_token(self):
        from medmissions.accounts.services import create_api_token

        return create_api_token(self.admin, actor=self.admin, name="admin's token")[0]

    @cached_property
    def verify_token(self) -> str:
        from medmissions.accounts.services import verification_link

        user = make_user("unverified@example.org", "Not Yet Verified", email_verified_at=None)
        return verification_link(user).rsplit("/verify/", 1)[1].strip("/")

    @cached_property
    def forgetful(self):
        return make_user("forgetful@example.org", "Forgetful Person")

    @cached_property
    def reset_link_args(self) -> list[str]:
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        user = self.forgetful
        return [urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]

    @cached_property
    def reset_form_url(self) -> str:
        """Django's reset link first stores the token in the session and redirects to the form."""
        response = self.client.get(reverse("accounts:password_reset_confirm", args=self.reset_link_args))
        assert response.status_code == 302, response.status_code
        return response["Location"]

    # partnerships -----------------------------------------------------------------------------

    @cached_property
    def proposed(self):
        """Private, proposed: sending (coordinator proposed it) and host (not yet confirmed)."""
        return self._request.getfixturevalue("proposed_partnership")

    @cached_property
    def active(self):
        """The same partnership, confirmed by host_admin."""
        return self._request.getfixturevalue("active_partnership")

    @cached_property
    def paused(self):
        from medmissions.partnerships import services

        return services.change_status(
            self.active, actor=self.coordinator, transition="pause", reason="Rainy season."
        )

    @cached_property
    def proposed_three(self):
        """The proposed partnership with a third party (``third``, funding) that can be removed."""
        from medmissions.partnerships import services

        services.add_party(self.proposed, actor=self.coordinator, organization=self.third, role="funding")
        return self.proposed

    @cached_property
    def third_party(self):
        return self.proposed_three.parties.get(organization=self.third)

    @cached_property
    def with_mou(self):
        from medmissions.partnerships import services

        mou = SimpleUploadedFile("mou.pdf", PDF_BYTES, content_type="application/pdf")
        return services.update_partnership(self.active, actor=self.coordinator, data={}, mou=mou)

    @cached_property
    def public_active(self):
        from medmissions.partnerships import services

        return services.update_partnership(self.active, actor=self.coordinator, data={"is_public": True})

    @cached_property
    def public_with_mou(self):
        self.public_active  # noqa: B018 - publish first
        return self.with_mou

    @cached_property
    def open_check(self):
        from medmissions.partnerships import health

        return health.open_health_check(self.active, actor=self.coordinator)

    @cached_property
    def public_open_check(self):
        self.public_active  # noqa: B018 - publish first
        return self.open_check

    @cached_property
    def scored_check(self):
        """An open check every party has scored on every principle, ready to complete."""
        from medmissions.partnerships import health

        check = self.open_check
        for organization, actor in ((self.sending, self.coordinator), (self.host, self.users["host_admin"])):
            for principle in Principle:
                health.score_principle(
                    check,
                    actor=actor,
                    organization=organization,
                    principle=principle.value,
                    score=4,
                    evidence="Seen in the last visit report.",
                )
        return check

    @cached_property
    def action_item(self):
        """An action of the active partnership, owned by sending."""
        from medmissions.partnerships import health

        return health.create_action_item(
            self.active,
            actor=self.coordinator,
            data={
                "title": "Train two scrub nurses",
                "owner_organization": self.sending,
                "due_date": datetime.date(2027, 1, 31),
            },
        )

    # sites --------------------------------------------------------------------------------------

    @cached_property
    def site(self):
        """A site of host; sending sees it because the two are partners."""
        self.active  # noqa: B018 - the partnership makes sending a partner of host
        return self._request.getfixturevalue("site")

    # uploads (fresh each time they are asked for) --------------------------------------------

    @property
    def png_file(self):
        return SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")

    @property
    def pdf_file(self):
        return SimpleUploadedFile("mou.pdf", PDF_BYTES, content_type="application/pdf")


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    kind: str  # "html" or "api"
    method: str
    target: str  # HTML: URL name; API: path template as in the OpenAPI schema
    expect: dict[str, int | str]
    args: Any = ()  # HTML: reverse() args (or a Ref to them); API: (name, value) path parameters
    data: Any = None
    variant: str = ""
    multipart: bool = False
    extra: dict[str, int | str] = field(default_factory=dict)
    url_ref: Ref | None = None  # a URL the World builds itself (e.g. after a preparatory request)

    @property
    def label(self) -> str:
        return f"{self.method} {self.target}" + (f" ({self.variant})" if self.variant else "")

    def url(self, world: World) -> str:
        if self.url_ref is not None:
            return self.url_ref.resolve(world)
        if self.kind == "html":
            return reverse(self.target, args=resolve(self.args, world))
        params = resolve(dict(self.args), world)
        path = self.target.format(**params)
        return path if path.startswith(API_PREFIX) else API_PREFIX + path

    @property
    def api_path(self) -> str:
        return self.target if self.target.startswith(API_PREFIX) else API_PREFIX + self.target


def _expect(columns: str, extra: dict[str, int | str] | None) -> dict[str, int | str]:
    values = columns.split()
    assert len(values) == len(COLUMNS), f"expected {len(COLUMNS)} statuses, got {columns!r}"
    expected: dict[str, int | str] = {
        persona: (LOGIN if value == LOGIN else int(value))
        for persona, value in zip(COLUMNS, values, strict=True)
    }
    expected.update(extra or {})
    return expected


def html(method, name, columns, *, args=(), url=None, data=None, variant="", extra=None) -> Row:
    args = args if isinstance(args, Ref) else tuple(args)
    return Row(
        "html", method, name, _expect(columns, extra), args, data, variant, extra=extra or {}, url_ref=url
    )


def api(method, path, columns, *, params=None, data=None, variant="", multipart=False, extra=None) -> Row:
    return Row(
        "api",
        method,
        path,
        _expect(columns, extra),
        tuple((params or {}).items()),
        data,
        variant,
        multipart,
        extra or {},
    )


SLUG = [Ref("sending.slug")]
P_PROPOSED = [Ref("proposed.pk")]
P_ACTIVE = [Ref("active.pk")]
CHECK = [Ref("open_check.partnership_id"), Ref("open_check.pk")]
SCORED = [Ref("scored_check.partnership_id"), Ref("scored_check.pk")]
ITEM = [Ref("action_item.partnership_id"), Ref("action_item.pk")]
SITE = [Ref("site.pk")]
REASON = {"reason": "The host asked for a pause during the rainy season."}
ORG_FORM = {"name": "Bridge Health UK", "kind": "secular_ngo", "country": "GB", "description": "Edited."}
SITE_FORM = {"name": "Mbale outpatient clinic", "kind": "clinic", "country": "UG", "town": "Mbale"}
PARTNERSHIP_FORM = {"title": "Mbale surgical training", "shared_goals": "Safer surgery, trained locally."}
ACTION_FORM = {
    "title": "Train two scrub nurses",
    "owner_organization": Ref("sending.pk"),
    "due_date": "2027-02-28",
    "status": "in_progress",
}
PROPOSAL_FORM = {
    "title": "Kampala anaesthesia exchange",
    "proposer_role": "sending",
    "shared_goals": "Anaesthesia training.",
    "party-TOTAL_FORMS": "1",
    "party-INITIAL_FORMS": "0",
    "party-MIN_NUM_FORMS": "0",
    "party-MAX_NUM_FORMS": "10",
    "party-0-organization": Ref("third.pk"),
    "party-0-role": "host",
}
SCORE_FORM = {"org{}-score_1": "4", "org{}-evidence_1": "Seen in the last visit report."}
STATUS_IN_PROGRESS = {"status": "in_progress"}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS: list[Row] = [
    # ---- core --------------------------------------------------------------------------------
    html("GET",  "core:home",                                  "302   302   302    302    302      200   302   302"),
    html("GET",  "core:dashboard",                             "200   200   200    200    200      login 200   200"),
    # The footer language switch is open to everyone (it saves a signed-in person's profile language).
    html("GET",  "core:set_language",                          "405   405   405    405    405      405   405   405"),
    html("POST", "core:set_language",                          "302   302   302    302    302      302   302   302",
         data={"language": "fr", "next": "/"}),
    # ---- accounts ----------------------------------------------------------------------------
    html("GET",  "accounts:signup",                            "302   302   302    302    302      200   302   302"),
    html("POST", "accounts:signup",                            "302   302   302    302    302      200   302   302",
         data={"full_name": "New Person", "email": "new.person@example.org", "password": NEW_PASSWORD,
               "language": "en"}),
    html("GET",  "accounts:verify_email",                      "302   302   302    302    302      302   302   302",
         args=[Ref("verify_token")]),
    html("GET",  "accounts:resend_verification",               "200   200   200    200    200      200   200   200"),
    html("POST", "accounts:resend_verification",               "200   200   200    200    200      200   200   200",
         data={"email": "someone@example.org"}),
    html("GET",  "accounts:login",                             "302   302   302    302    302      200   302   302"),
    html("POST", "accounts:login",                             "302   302   302    302    302      302   302   302",
         data={"email": Ref("forgetful.email"), "password": PASSWORD}, variant="valid credentials"),
    html("GET",  "accounts:logout",                            "405   405   405    405    405      405   405   405"),
    html("POST", "accounts:logout",                            "302   302   302    302    302      302   302   302"),
    html("GET",  "accounts:profile",                           "200   200   200    200    200      login 200   200"),
    html("POST", "accounts:profile",                           "302   302   302    302    302      login 302   302",
         data={"full_name": "Renamed Person", "language": "en", "time_zone": "Europe/London"}),
    html("GET",  "accounts:create_token",                      "405   405   405    405    405      login 405   405"),
    html("POST", "accounts:create_token",                      "200   200   200    200    200      login 200   200",
         data={"name": "DHIS2 sync"}),
    html("GET",  "accounts:revoke_token",                      "200   200   200    200    200      login 200   200",
         args=[Ref("own_token.pk")], variant="own token"),
    html("POST", "accounts:revoke_token",                      "302   302   302    302    302      login 302   302",
         args=[Ref("own_token.pk")], variant="own token"),
    html("GET",  "accounts:revoke_token",                      "200   404   404    404    404      login 404   404",
         args=[Ref("admin_token.pk")], variant="admin's token"),
    html("POST", "accounts:revoke_token",                      "302   404   404    404    404      login 404   404",
         args=[Ref("admin_token.pk")], variant="admin's token"),
    html("GET",  "accounts:password_reset",                    "200   200   200    200    200      200   200   200"),
    html("POST", "accounts:password_reset",                    "302   302   302    302    302      302   302   302",
         data={"email": "member@example.org"}),
    html("GET",  "accounts:password_reset_done",               "200   200   200    200    200      200   200   200"),
    html("GET",  "accounts:password_reset_confirm",            "302   302   302    302    302      302   302   302",
         args=Ref("reset_link_args"), variant="emailed link"),
    html("POST", "accounts:password_reset_confirm",            "302   302   302    302    302      302   302   302",
         url=Ref("reset_form_url"), variant="set-password form",
         data={"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}),
    html("GET",  "accounts:password_reset_complete",           "200   200   200    200    200      200   200   200"),
    # ---- organisations -----------------------------------------------------------------------
    html("GET",  "organizations:directory",                    "200   200   200    200    200      login 200   200"),
    html("GET",  "organizations:create",                       "200   200   200    200    200      login 200   200"),
    html("POST", "organizations:create",                       "302   302   302    302    302      login 302   302",
         data={"name": "Matrix Health Trust", "kind": "secular_ngo", "country": "GB"}),
    html("GET",  "organizations:switch",                       "405   405   405    405    405      login 405   405"),
    html("POST", "organizations:switch",                       "302   302   302    302    404      login 404   404",
         data={"organization": "bridge-health"}, variant="to sending"),
    # The invitation page is public by design (invitees may not have an account yet); only the
    # addressee (host_member here) can accept; anyone else signed in is refused.
    html("GET",  "organizations:accept_invitation",            "200   200   200    200    200      200   200   200",
         args=[Ref("invitation_token_for_host_member")], variant="addressed to host_member"),
    html("POST", "organizations:accept_invitation",            "403   403   403    403    403      200   403   302",
         args=[Ref("invitation_token_for_host_member")], variant="addressed to host_member"),
    html("GET",  "organizations:detail",                       "200   200   200    200    200      login 200   200",
         args=SLUG),
    html("GET",  "organizations:edit",                         "200   403   403    403    404      login 404   404",
         args=SLUG),
    html("POST", "organizations:edit",                         "302   403   403    403    404      login 404   404",
         args=SLUG, data=ORG_FORM),
    html("GET",  "organizations:logo",                         "200   200   200    200    200      login 200   200",
         args=[Ref("sending_with_logo.slug")]),
    html("GET",  "organizations:set_verified",                 "405   405   405    405    405      login 405   405",
         args=SLUG, extra={"staff": 405}),
    html("POST", "organizations:set_verified",                 "403   403   403    403    403      login 403   403",
         args=SLUG, data={"verified": "1"}, extra={"staff": 302}),
    html("GET",  "organizations:members",                      "200   200   200    200    404      login 404   404",
         args=SLUG),
    html("GET",  "organizations:invite",                       "405   405   405    405    405      login 405   405",
         args=SLUG),
    html("POST", "organizations:invite",                       "302   403   403    403    404      login 404   404",
         args=SLUG, data={"email": "newcomer@example.org", "role": "member"}),
    html("GET",  "organizations:change_role",                  "405   405   405    405    405      login 405   405",
         args=[*SLUG, Ref("viewer_membership.pk")]),
    html("POST", "organizations:change_role",                  "302   403   403    403    404      login 404   404",
         args=[*SLUG, Ref("viewer_membership.pk")], data={"role": "member"}, variant="viewer → member"),
    # Anyone may leave (the member persona removes their own membership); admins remove others.
    html("GET",  "organizations:remove_member",                "200   403   200    403    404      login 404   404",
         args=[*SLUG, Ref("member_membership.pk")], variant="member's membership"),
    html("POST", "organizations:remove_member",                "302   403   302    403    404      login 404   404",
         args=[*SLUG, Ref("member_membership.pk")], variant="member's membership"),
    html("GET",  "organizations:revoke_invitation",            "200   403   403    403    404      login 404   404",
         args=[*SLUG, Ref("pending_invitation.pk")]),
    html("POST", "organizations:revoke_invitation",            "302   403   403    403    404      login 404   404",
         args=[*SLUG, Ref("pending_invitation.pk")]),
    html("GET",  "organizations:audit",                        "200   403   403    403    404      login 404   404",
         args=SLUG),
    # ---- sites (host's site; sending sees it as host's partner) --------------------------------
    html("GET",  "sites:list",                                 "200   200   200    200    200      login 200   200"),
    html("GET",  "sites:create",                               "200   200   403    403    200      login 200   403",
         variant="for own organisation"),
    html("POST", "sites:create",                               "302   302   403    403    302      login 302   403",
         data=SITE_FORM, variant="for own organisation"),
    html("GET",  "sites:detail",                               "200   200   200    200    404      login 200   200",
         args=SITE),
    html("GET",  "sites:edit",                                 "403   403   403    403    404      login 200   403",
         args=SITE),
    html("POST", "sites:edit",                                 "403   403   403    403    404      login 302   403",
         args=SITE, data=SITE_FORM),
    html("GET",  "sites:delete",                               "403   403   403    403    404      login 200   403",
         args=SITE),
    html("POST", "sites:delete",                               "403   403   403    403    404      login 302   403",
         args=SITE),
    # ---- partnerships (private, between sending and host) ---------------------------------------
    html("GET",  "partnerships:list",                          "200   200   200    200    200      login 200   200"),
    html("GET",  "partnerships:propose",                       "200   200   403    403    200      login 200   403"),
    html("POST", "partnerships:propose",                       "302   302   403    403    302      login 302   403",
         data=PROPOSAL_FORM, variant="own organisation with third as host"),
    html("GET",  "partnerships:detail",                        "200   200   200    200    404      login 200   200",
         args=P_PROPOSED, variant="private"),
    html("GET",  "partnerships:detail",                        "200   200   200    200    200      login 200   200",
         args=[Ref("public_active.pk")], variant="public"),
    html("GET",  "partnerships:edit",                          "200   200   403    403    404      login 200   403",
         args=P_PROPOSED),
    html("POST", "partnerships:edit",                          "302   302   403    403    404      login 302   403",
         args=P_PROPOSED, data=PARTNERSHIP_FORM),
    html("GET",  "partnerships:confirm",                       "403   403   403    403    404      login 200   403",
         args=P_PROPOSED),
    html("POST", "partnerships:confirm",                       "403   403   403    403    404      login 302   403",
         args=P_PROPOSED),
    html("GET",  "partnerships:decline",                       "403   403   403    403    404      login 200   403",
         args=P_PROPOSED),
    html("POST", "partnerships:decline",                       "403   403   403    403    404      login 302   403",
         args=P_PROPOSED, data={"reason": "We cannot host a team this year."}),
    html("GET",  "partnerships:change_status",                 "200   200   403    403    404      login 200   403",
         args=[*P_ACTIVE, "pause"], variant="pause"),
    html("POST", "partnerships:change_status",                 "302   302   403    403    404      login 302   403",
         args=[*P_ACTIVE, "pause"], data=REASON, variant="pause"),
    html("GET",  "partnerships:change_status",                 "200   200   403    403    404      login 200   403",
         args=[Ref("paused.pk"), "resume"], variant="resume"),
    html("POST", "partnerships:change_status",                 "302   302   403    403    404      login 302   403",
         args=[Ref("paused.pk"), "resume"], data={"reason": ""}, variant="resume"),
    html("GET",  "partnerships:change_status",                 "200   200   403    403    404      login 200   403",
         args=[*P_ACTIVE, "close"], variant="close"),
    html("POST", "partnerships:change_status",                 "302   302   403    403    404      login 302   403",
         args=[*P_ACTIVE, "close"], data=REASON, variant="close"),
    html("GET",  "partnerships:add_party",                     "405   405   405    405    405      login 405   405",
         args=P_PROPOSED),
    html("POST", "partnerships:add_party",                     "302   302   403    403    404      login 302   403",
         args=P_PROPOSED, data={"organization": Ref("third.pk"), "role": "funding"}),
    html("GET",  "partnerships:remove_party",                  "200   200   403    403    404      login 200   403",
         args=[Ref("proposed_three.pk"), Ref("third_party.pk")]),
    html("POST", "partnerships:remove_party",                  "302   302   403    403    404      login 302   403",
         args=[Ref("proposed_three.pk"), Ref("third_party.pk")]),
    html("GET",  "partnerships:mou",                           "200   200   200    200    404      login 200   200",
         args=[Ref("with_mou.pk")], variant="private"),
    html("GET",  "partnerships:mou",                           "200   200   200    200    404      login 200   200",
         args=[Ref("public_with_mou.pk")], variant="public partnership"),
    html("GET",  "partnerships:open_health_check",             "405   405   405    405    405      login 405   405",
         args=P_ACTIVE),
    html("POST", "partnerships:open_health_check",             "302   302   403    403    404      login 302   403",
         args=P_ACTIVE),
    html("GET",  "partnerships:health_check",                  "200   200   200    200    404      login 200   200",
         args=CHECK, variant="private"),
    html("GET",  "partnerships:health_check",                  "200   200   200    200    404      login 200   200",
         args=[Ref("public_open_check.partnership_id"), Ref("public_open_check.pk")],
         variant="public partnership"),
    # Host members see the check and sending's scores but may not score for sending: 403, as the API.
    html("GET",  "partnerships:score",                         "405   405   405    405    405      login 405   405",
         args=[*CHECK, "bridge-health"]),
    html("POST", "partnerships:score",                         "302   302   302    403    404      login 403   403",
         args=[*CHECK, "bridge-health"], data=SCORE_FORM, variant="for sending"),
    html("GET",  "partnerships:complete_health_check",         "405   405   405    405    405      login 405   405",
         args=SCORED),
    html("POST", "partnerships:complete_health_check",         "302   302   403    403    404      login 302   403",
         args=SCORED, data={"summary": "Strong on respect; review equity."}),
    html("GET",  "partnerships:create_action_item",            "200   200   403    403    404      login 200   403",
         args=P_ACTIVE),
    html("POST", "partnerships:create_action_item",            "302   302   403    403    404      login 302   403",
         args=P_ACTIVE, data=ACTION_FORM),
    # Coordinators of any party edit an action; members of its owner (sending) update its status.
    html("GET",  "partnerships:edit_action_item",              "200   200   200    403    404      login 200   403",
         args=ITEM, variant="owned by sending"),
    html("POST", "partnerships:edit_action_item",              "302   302   302    403    404      login 302   403",
         args=ITEM, data=ACTION_FORM, variant="owned by sending"),

    # ---- API: accounts, organisations, reference lists -----------------------------------------
    api("GET",    "/openapi.json",                             "200   200   200    200    200      200   200   200"),
    api("GET",    "/me",                                       "200   200   200    200    200      401   200   200"),
    api("GET",    "/organizations",                            "200   200   200    200    200      401   200   200"),
    api("POST",   "/organizations",                            "201   201   201    201    201      401   201   201",
        data={"name": "Matrix Health Trust", "kind": "secular_ngo", "country": "GB"}),
    api("GET",    "/organizations/{slug}",                     "200   200   200    200    200      401   200   200",
        params={"slug": "bridge-health"}),
    # The organisation itself is public, so editing it without the admin role is 403 for everyone
    # (the HTML edit *page* is members-only and answers 404 to non-members instead).
    api("PATCH",  "/organizations/{slug}",                     "200   403   403    403    403      401   403   403",
        params={"slug": "bridge-health"}, data={"description": "Edited through the API."}),
    api("POST",   "/organizations/{slug}/logo",                "200   403   403    403    403      401   403   403",
        params={"slug": "bridge-health"}, data={"logo": Ref("png_file")}, multipart=True),
    api("POST",   "/organizations/{slug}/verification",        "403   403   403    403    403      401   403   403",
        params={"slug": "bridge-health"}, data={"verified": True}, extra={"staff": 200}),
    api("GET",    "/organizations/{slug}/memberships",         "200   200   200    200    404      401   404   404",
        params={"slug": "bridge-health"}),
    api("PATCH",  "/organizations/{slug}/memberships/{membership_id}",
                                                               "200   403   403    403    404      401   404   404",
        params={"slug": "bridge-health", "membership_id": Ref("viewer_membership.pk")}, data={"role": "member"},
        variant="viewer → member"),
    api("DELETE", "/organizations/{slug}/memberships/{membership_id}",
                                                               "204   403   204    403    404      401   404   404",
        params={"slug": "bridge-health", "membership_id": Ref("member_membership.pk")},
        variant="member's membership"),
    api("GET",    "/organizations/{slug}/invitations",         "200   403   403    403    404      401   404   404",
        params={"slug": "bridge-health"}),
    api("POST",   "/organizations/{slug}/invitations",         "201   403   403    403    404      401   404   404",
        params={"slug": "bridge-health"}, data={"email": "newcomer@example.org", "role": "member"}),
    api("DELETE", "/organizations/{slug}/invitations/{invitation_id}",
                                                               "204   403   403    403    404      401   404   404",
        params={"slug": "bridge-health", "invitation_id": Ref("pending_invitation.pk")}),
    api("GET",    "/organizations/{slug}/audit",               "200   403   403    403    404      401   404   404",
        params={"slug": "bridge-health"}),
    api("GET",    "/reference/capabilities",                   "200   200   200    200    200      401   200   200"),
    api("GET",    "/reference/value-tags",                     "200   200   200    200    200      401   200   200"),
    api("GET",    "/reference/languages",                      "200   200   200    200    200      401   200   200"),
    # ---- API: sites ------------------------------------------------------------------------
    api("GET",    "/sites",                                    "200   200   200    200    200      401   200   200"),
    api("POST",   "/sites",                                    "201   201   403    403    201      401   201   403",
        data={**SITE_FORM, "host_organization": Ref("own_org.slug")}, variant="for own organisation"),
    api("POST",   "/sites",                                    "403   403   403    403    403      401   201   403",
        data={**SITE_FORM, "host_organization": "mbale-hospital"}, variant="for host"),
    api("GET",    "/sites/{site_id}",                          "200   200   200    200    404      401   200   200",
        params={"site_id": Ref("site.pk")}),
    api("PATCH",  "/sites/{site_id}",                          "403   403   403    403    404      401   200   403",
        params={"site_id": Ref("site.pk")}, data={"town": "Mbale town"}),
    api("DELETE", "/sites/{site_id}",                          "403   403   403    403    404      401   204   403",
        params={"site_id": Ref("site.pk")}),
    # ---- API: partnerships ---------------------------------------------------------------------
    api("GET",    "/partnerships",                             "200   200   200    200    200      401   200   200"),
    api("POST",   "/partnerships",                             "201   201   403    403    201      401   201   403",
        data={"title": "Kampala anaesthesia exchange", "shared_goals": "Anaesthesia training.",
              "proposer": Ref("own_org.slug"),
              "parties": [{"organization": Ref("own_org.slug"), "role": PartyRole.SENDING},
                          {"organization": Ref("third.slug"), "role": PartyRole.HOST}]},
        variant="own organisation with third as host"),
    api("GET",    "/partnerships/{partnership_id}",            "200   200   200    200    404      401   200   200",
        params={"partnership_id": Ref("proposed.pk")}, variant="private"),
    api("GET",    "/partnerships/{partnership_id}",            "200   200   200    200    200      401   200   200",
        params={"partnership_id": Ref("public_active.pk")}, variant="public"),
    api("PATCH",  "/partnerships/{partnership_id}",            "200   200   403    403    404      401   200   403",
        params={"partnership_id": Ref("proposed.pk")}, data={"title": "Mbale surgical training II"}),
    api("POST",   "/partnerships/{partnership_id}/mou",        "200   200   403    403    404      401   200   403",
        params={"partnership_id": Ref("proposed.pk")}, data={"mou": Ref("pdf_file")}, multipart=True),
    api("POST",   "/partnerships/{partnership_id}/confirm",    "403   403   403    403    404      401   200   403",
        params={"partnership_id": Ref("proposed.pk")}),
    api("POST",   "/partnerships/{partnership_id}/decline",    "403   403   403    403    404      401   200   403",
        params={"partnership_id": Ref("proposed.pk")}, data={"reason": "We cannot host a team this year."}),
    api("POST",   "/partnerships/{partnership_id}/pause",      "200   200   403    403    404      401   200   403",
        params={"partnership_id": Ref("active.pk")}, data=REASON),
    api("POST",   "/partnerships/{partnership_id}/resume",     "200   200   403    403    404      401   200   403",
        params={"partnership_id": Ref("paused.pk")}, data={"reason": ""}),
    api("POST",   "/partnerships/{partnership_id}/close",      "200   200   403    403    404      401   200   403",
        params={"partnership_id": Ref("active.pk")}, data=REASON),
    api("POST",   "/partnerships/{partnership_id}/parties",    "201   201   403    403    404      401   201   403",
        params={"partnership_id": Ref("proposed.pk")}, data={"organization": Ref("third.slug"), "role": "funding"}),
    api("DELETE", "/partnerships/{partnership_id}/parties/{party_id}",
                                                               "204   204   403    403    404      401   204   403",
        params={"partnership_id": Ref("proposed_three.pk"), "party_id": Ref("third_party.pk")}),
    api("GET",    "/partnerships/{partnership_id}/health-checks",
                                                               "200   200   200    200    404      401   200   200",
        params={"partnership_id": Ref("active.pk")}, variant="private"),
    api("GET",    "/partnerships/{partnership_id}/health-checks",
                                                               "200   200   200    200    404      401   200   200",
        params={"partnership_id": Ref("public_active.pk")}, variant="public partnership"),
    api("POST",   "/partnerships/{partnership_id}/health-checks",
                                                               "201   201   403    403    404      401   201   403",
        params={"partnership_id": Ref("active.pk")}),
    api("GET",    "/partnerships/{partnership_id}/health-checks/{check_id}",
                                                               "200   200   200    200    404      401   200   200",
        params={"partnership_id": Ref("open_check.partnership_id"), "check_id": Ref("open_check.pk")},
        variant="private"),
    api("GET",    "/partnerships/{partnership_id}/health-checks/{check_id}",
                                                               "200   200   200    200    404      401   200   200",
        params={"partnership_id": Ref("public_open_check.partnership_id"),
                "check_id": Ref("public_open_check.pk")}, variant="public partnership"),
    api("PUT",    "/partnerships/{partnership_id}/health-checks/{check_id}/scores",
                                                               "200   200   200    403    404      401   403   403",
        params={"partnership_id": Ref("open_check.partnership_id"), "check_id": Ref("open_check.pk")},
        data={"organization": "bridge-health",
              "scores": [{"principle": 1, "score": 4, "evidence": "Seen in the last visit report."}]},
        variant="for sending"),
    api("POST",   "/partnerships/{partnership_id}/health-checks/{check_id}/complete",
                                                               "200   200   403    403    404      401   200   403",
        params={"partnership_id": Ref("scored_check.partnership_id"), "check_id": Ref("scored_check.pk")},
        data={"summary": "Strong on respect; review equity."}),
    api("GET",    "/partnerships/{partnership_id}/action-items",
                                                               "200   200   200    200    404      401   200   200",
        params={"partnership_id": Ref("action_item.partnership_id")}),
    api("POST",   "/partnerships/{partnership_id}/action-items",
                                                               "201   201   403    403    404      401   201   403",
        params={"partnership_id": Ref("active.pk")},
        data={"title": "Train two scrub nurses", "owner_organization": "bridge-health", "due_date": "2027-02-28"}),
    api("PATCH",  "/partnerships/{partnership_id}/action-items/{item_id}",
                                                               "200   200   200    403    404      401   200   403",
        params={"partnership_id": Ref("action_item.partnership_id"), "item_id": Ref("action_item.pk")},
        data=STATUS_IN_PROGRESS, variant="owned by sending, status only"),
]
# fmt: on


def _load_app_rows() -> None:
    """Add the rows, world objects and personas of every ``<app>/tests/matrix_*.py`` module."""
    import importlib
    import pathlib

    package_root = pathlib.Path(__file__).resolve().parents[2]
    for path in sorted(package_root.glob("*/tests/matrix_*.py")):
        module = importlib.import_module(f"medmissions.{path.parent.parent.name}.tests.{path.stem}")
        ROWS.extend(getattr(module, "ROWS", []))
        WORLD_FACTORIES.update(getattr(module, "WORLD", {}))
        PERSONA_FACTORIES.update(getattr(module, "PERSONAS", {}))


_load_app_rows()


# --------------------------------------------------------------------------------------------
# Running one case
# --------------------------------------------------------------------------------------------


def _cases() -> list:
    cases = []
    for row in ROWS:
        for persona in row.expect:
            cases.append(pytest.param(row, persona, id=f"{row.kind} {row.label} as {persona}"))
    return cases


@pytest.fixture
def staff(db):
    return make_user("staff@example.org", "Platform Staff", is_staff=True)


def _user_for(persona: str, request: pytest.FixtureRequest, world: World):
    if persona == "anonymous":
        return None
    if persona == "staff":
        return request.getfixturevalue("staff")
    if persona in PERSONA_FACTORIES:
        return PERSONA_FACTORIES[persona](world)
    return request.getfixturevalue("users")[persona]


def _payload(row: Row, world: World) -> dict[str, Any] | None:
    if row.data is None:
        return None
    data = resolve(row.data, world)
    if row.target == "partnerships:score":
        # The score sheet's fields are prefixed with the scoring organisation's id.
        data = {key.format(world.sending.pk): value for key, value in data.items()}
    return data


def _send(client, row: Row, url: str, data: dict[str, Any] | None):
    method = row.method.lower()
    if row.kind == "html" or row.multipart:
        if method == "get":
            return client.get(url)
        return getattr(client, method)(url, data or {})
    if method == "get":
        return client.get(url)
    body = json.dumps(data) if data is not None else ""
    return getattr(client, method)(url, data=body, content_type="application/json")


def _error_messages(response) -> list[str]:
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    return [str(message) for message in storage if message.level >= messages.ERROR]


def _describe(response) -> str:
    parts = [f"got {response.status_code}"]
    if response.has_header("Location"):
        parts.append(f"→ {response['Location']}")
    errors = _error_messages(response)
    if errors:
        parts.append(f"with error message(s) {errors}")
    if response.status_code >= 400 and not getattr(response, "streaming", False):
        parts.append(response.content[:300].decode("utf-8", "replace"))
    return " ".join(parts)


def _check(row: Row, persona: str, response) -> None:
    expected = row.expect[persona]
    where = f"{row.kind} {row.label} as {persona}: expected {expected}, {_describe(response)}"
    if expected == LOGIN:
        assert response.status_code == 302, where
        assert response["Location"].startswith(LOGIN_PATH), where
        return
    assert response.status_code == expected, where
    if row.kind == "html" and expected == 302:
        # A redirect that carries an error message is a refusal dressed as success.
        assert not _error_messages(response), where
    if row.kind == "api" and expected >= 400:
        body = response.json()
        assert set(body) == {"error"}, where
        assert {"code", "message", "fields"} <= set(body["error"]), where


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "persona"), _cases())
def test_permission_matrix(row: Row, persona: str, request, client_for, api_client_for):
    world = World(request, persona, None)
    user = _user_for(persona, request, world)
    client = api_client_for(user) if row.kind == "api" else client_for(user)
    world.client = client
    url = row.url(world)
    data = _payload(row, world)
    response = _send(client, row, url, data)
    try:
        _check(row, persona, response)
    finally:
        response.close()


# --------------------------------------------------------------------------------------------
# The guard: every URL of the project must be in the table above.
# --------------------------------------------------------------------------------------------

EXCLUDED_PREFIXES = ("staff/admin/", "i18n/", "static/", "media")
# Interactive API docs and the API root (which only redirects to the docs).
EXCLUDED_API_NAMES = {"api-v1:openapi-view", "api-v1:api-root"}
HOW_TO_FIX = (
    "Add a row for each to ROWS in medmissions/core/tests/test_permission_matrix.py, or to ROWS in "
    "<app>/tests/matrix_<area>.py for an app's own URLs, with the status every persona must get "
    "(see the module docstring). Every URL joins the permission matrix."
)


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    """Yield (route, name) for every URL pattern, names qualified with their namespaces."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            qualified = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _walk(pattern.url_patterns, route, qualified)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name


def _api_operations() -> set[tuple[str, str]]:
    from medmissions.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.lower() in {"get", "post", "put", "patch", "delete", "head", "options"}
    }


def _to_schema_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def missing_from_matrix(rows: list[Row]) -> list[str]:
    """Every URL name and API operation of the project that no row of ``rows`` covers."""
    html_names = {row.target for row in rows if row.kind == "html"}
    api_rows = {(row.method, row.api_path) for row in rows if row.kind == "api"}
    operations = _api_operations()
    schema_paths = {path for _method, path in operations}
    missing = []
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES) or name == "set_language":
            continue
        if route.startswith(API_PREFIX.lstrip("/") + "/"):
            path = _to_schema_path(route)
            if name in EXCLUDED_API_NAMES or path in schema_paths:
                continue  # operations are checked against the OpenAPI schema below
            if not any(row_path == path for _method, row_path in api_rows):
                missing.append(f"API {path} (URL name {name})")
            continue
        if name is None:
            missing.append(f"HTML /{route} (it has no URL name: give it one)")
        elif name not in html_names:
            missing.append(f"HTML {name} (/{route})")
    for method, path in sorted(operations):
        if (method, path) not in api_rows:
            missing.append(f"API {method} {path}")
    return missing


def test_every_url_is_in_the_matrix():
    missing = missing_from_matrix(ROWS)
    assert not missing, (
        "URLs missing from the permission matrix:\n  " + "\n  ".join(missing) + "\n" + HOW_TO_FIX
    )


def test_the_guard_notices_a_missing_url():
    """The guard itself works: drop rows and it names exactly what they covered."""
    dropped = ("partnerships:confirm", "/partnerships/{partnership_id}/decline", "/openapi.json")
    without = [row for row in ROWS if row.target not in dropped]
    newly_missing = set(missing_from_matrix(without)) - set(missing_from_matrix(ROWS))
    assert newly_missing == {
        "API /api/v1/openapi.json (URL name api-v1:openapi-json)",
        "API POST /api/v1/partnerships/{partnership_id}/decline",
        "HTML partnerships:confirm (/partnerships/<int:pk>/confirm/)",
    }


def test_matrix_has_no_stale_rows():
    """Every row names a URL that exists, and the columns are complete."""
    known_names = {name for _route, name in _walk(get_resolver().url_patterns) if name}
    operations = _api_operations()
    stale = []
    for row in ROWS:
        assert set(COLUMNS) <= set(row.expect), row.label
        if row.kind == "html" and row.target not in known_names:
            stale.append(f"HTML {row.target}")
        if (
            row.kind == "api"
            and (row.method, row.api_path) not in operations
            and row.target != "/openapi.json"
        ):
            stale.append(f"API {row.method} {row.api_path}")
    assert not stale, "Rows for URLs that no longer exist (remove or rename them): " + ", ".join(stale)


def test_matrix_rows_are_unique():
    labels = [f"{row.kind} {row.label}" for row in ROWS]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    assert not duplicates, f"Rows with the same method, URL and variant: {duplicates}"
