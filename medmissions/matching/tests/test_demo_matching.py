"""The matching pages on the demo network, as a new user of `make run` would try them: a
coordinator opens each recruiting mission's suggested people (ranked people and near misses),
runs the optimiser over all of their organisation's missions and reads why places stay empty.

The demo's recruiting missions are nearly staffed: the places left have nobody eligible yet,
only near misses, so the proposal is empty and cannot be accepted (the services and browser tests
accept real proposals)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from medmissions.matching.access import matchable_missions
from medmissions.matching.candidates import suggestions_for_role
from medmissions.matching.models import OptimisationRun, RunStatus
from medmissions.organizations.access import Capability, access_for
from medmissions.organizations.models import Membership

pytestmark = pytest.mark.django_db


def test_a_demo_coordinator_matches_accepts_and_sees_every_page(client_for):
    call_command("seed_demo", stdout=io.StringIO())
    # The organisation and coordinator whose recruiting missions have someone eligible.
    memberships = Membership.objects.filter(role="coordinator").select_related("user", "organization")
    candidates = [
        (membership.user, membership.organization)
        for membership in memberships.order_by("pk")
        if any(
            suggestions_for_role(role, limit=1).eligible_count
            for mission in matchable_missions(membership.organization)
            for role in mission.roles.all()
        )
    ]
    assert candidates
    user, organization = candidates[0]
    assert access_for(user).can(organization, Capability.MANAGE_MISSIONS)
    missions = list(matchable_missions(organization))
    client = client_for(user)
    for mission in missions:
        page = client.get(reverse("matching:mission", args=[mission.pk]))
        assert page.status_code == 200
        for role in mission.roles.all():
            assert client.get(reverse("matching:role", args=[role.pk])).status_code == 200

    response = client.post(
        reverse("matching:runs"), {"organization": organization.pk, "missions": [m.pk for m in missions]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = OptimisationRun.objects.get()
    page = client.get(reverse("matching:run", args=[run.pk])).content.decode()
    for item in run.result["unfilled"]:
        assert item["reason"] in page
    assert (
        run.result["filled"] + sum(item["empty_places"] for item in run.result["unfilled"])
        == run.result["places"]
    )
    if not run.result["filled"]:
        response = client.post(reverse("matching:accept", args=[run.pk]), {"message": ""})
        assert response.status_code == 400 and "places nobody" in response.content.decode()
        assert OptimisationRun.objects.get().status == RunStatus.PROPOSED
    near_misses = [
        role
        for mission in missions
        for role in mission.roles.all()
        if suggestions_for_role(role).near_miss_count
    ]
    assert near_misses
    page = client.get(reverse("matching:role", args=[near_misses[0].pk])).content.decode()
    assert "Would fit if" in page
    assert client.get(reverse("matching:organization_needs", args=[organization.slug])).status_code == 200
    assert client.get(reverse("matching:weights", args=[organization.slug])).status_code == 200
