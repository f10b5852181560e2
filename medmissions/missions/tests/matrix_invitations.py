"""Permission matrix rows: invitations to a role, the person's "My invitations" and answer, and the
coordinators' invite and withdraw (loaded by core/tests/test_permission_matrix.py).

World objects come from missions/tests/matrix_world.py (``missions_recruiting`` with
``missions_role``) and volunteers/tests/matrix_world.py (``volunteer_person``, home of
``sending``), plus those below, prefixed ``invitations_``:

* ``invitations_invitation`` — coordinator's pending invitation of the ``volunteer`` persona to
  ``missions_role``;
* ``invitations_candidate`` — a person of both ``sending`` and ``host`` (so every party manager
  sees them), in the mission's pool, not yet invited.

A mission's invitations are for the members of its parties; inviting and withdrawing for
coordinators and admins of any party (``manage_missions``); answering for the invited person only.
An invitation does not let the person see the mission's other pages (404 on the role's invite URL).
"""

from __future__ import annotations

from medmissions.core.tests.test_permission_matrix import Ref, api, html
from medmissions.missions import invitations
from medmissions.volunteers.choices import AffiliationKind
from medmissions.volunteers.models import Affiliation, Person


def _invitation(world):
    return invitations.invite(
        world.missions_role,
        world.volunteer_person,
        actor=world.coordinator,
        message="Would you join the hernia lists?",
    )


def _candidate(world):
    person = Person.objects.create(full_name="Grace Atim", email="grace.atim@example.org")
    Affiliation.objects.create(person=person, organization=world.sending, kind=AffiliationKind.HOME)
    Affiliation.objects.create(person=person, organization=world.host, kind=AffiliationKind.HOME)
    return person


WORLD = {
    "invitations_invitation": _invitation,
    "invitations_candidate": _candidate,
}

INVITATION = [Ref("invitations_invitation.pk")]
INVITE = {"person": Ref("invitations_candidate.pk"), "message": "Would you join the hernia lists?"}

# fmt: off
# Columns:                                                      admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    # ---- the person's side -----------------------------------------------------------------------------
    html("GET",  "missions:invitations",                       "200   200   200    200    200      login 200   200",
         extra={"volunteer": 200}),
    html("GET",  "missions:invitation",                        "200   200   200    200    404      login 200   200",
         args=INVITATION, extra={"volunteer": 200}),
    html("POST", "missions:invitation_respond",                "403   403   403    403    404      login 403   403",
         args=INVITATION, data={"decision": "accept", "note": "Happy to."}, extra={"volunteer": 302}),
    # ---- the coordinators' side ------------------------------------------------------------------------
    html("POST", "missions:invite",                            "302   302   403    403    404      login 302   403",
         args=[Ref("missions_role.pk")], data=INVITE, extra={"volunteer": 404}),
    html("GET",  "missions:invitation_withdraw",               "200   200   403    403    404      login 200   403",
         args=INVITATION, extra={"volunteer": 403}),
    html("POST", "missions:invitation_withdraw",               "302   302   403    403    404      login 302   403",
         args=INVITATION, extra={"volunteer": 403}),

    # ---- API -------------------------------------------------------------------------------------------
    api("GET",  "/missions/{mission_id}/invitations",          "200   200   200    200    404      401   200   200",
        params={"mission_id": Ref("missions_recruiting.pk")}, extra={"volunteer": 404}),
    api("POST", "/missions/{mission_id}/roles/{role_id}/invitations",
                                                               "201   201   403    403    404      401   201   403",
        params={"mission_id": Ref("missions_recruiting.pk"), "role_id": Ref("missions_role.pk")}, data=INVITE,
        extra={"volunteer": 404}),
    api("GET",  "/invitations",                                "200   200   200    200    200      401   200   200",
        extra={"volunteer": 200}),
    api("GET",  "/invitations/{invitation_id}",                "200   200   200    200    404      401   200   200",
        params={"invitation_id": Ref("invitations_invitation.pk")}, extra={"volunteer": 200}),
    api("POST", "/invitations/{invitation_id}/withdraw",       "200   200   403    403    404      401   200   403",
        params={"invitation_id": Ref("invitations_invitation.pk")}, data={}, extra={"volunteer": 403}),
    api("POST", "/invitations/{invitation_id}/respond",        "403   403   403    403    404      401   403   403",
        params={"invitation_id": Ref("invitations_invitation.pk")}, data={"accept": True, "note": "Happy to."},
        extra={"volunteer": 200}),
]
# fmt: on
