"""API for the signed-in person: who am I, and my memberships."""

from ninja import Router, Schema

from medmissions.organizations.models import Membership

router = Router()


class MembershipBrief(Schema):
    organization: str
    organization_name: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    language: str
    time_zone: str
    memberships: list[MembershipBrief]


@router.get("", response=MeOut, summary="The signed-in person and their organisations")
def me(request):
    user = request.user
    memberships = Membership.objects.filter(user=user).select_related("organization")
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "time_zone": user.time_zone,
        "memberships": [
            {"organization": m.organization.slug, "organization_name": m.organization.name, "role": m.role}
            for m in memberships
        ],
    }
