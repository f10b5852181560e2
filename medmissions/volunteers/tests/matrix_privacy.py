"""Permission-matrix rows of the privacy area: downloading one's data and erasing one's account.

Both act on the signed-in person only, so every signed-in persona may use them. Erasing is
refused (nothing changes) for the only admin of an organisation: ``admin`` of sending, ``outsider``
of other and ``host_admin`` of host. Each case runs in its own transaction, so an erased persona
does not leak into the next case.
"""

from __future__ import annotations

from medmissions.core.tests.test_permission_matrix import Ref, api, html


def _own_email(world) -> str:
    """The address the persona signs in with (what the confirmation field asks for)."""
    if world.persona == "anonymous":
        return ""
    if world.persona == "volunteer":
        return world.volunteer_user.email
    return world.users[world.persona].email


WORLD = {"privacy_own_email": _own_email}

CONFIRM = {"confirm_email": Ref("privacy_own_email")}
WRONG = {"confirm_email": "someone.else@example.org"}

# fmt: off
# Columns:                                                        admin coord member viewer outsider anon  h_adm h_mem
ROWS = [
    html("GET", "volunteers:my_data",                               "200   200   200    200    200      login 200   200",
         extra={"volunteer": 200}),
    html("GET", "volunteers:erase_account",                         "200   200   200    200    200      login 200   200",
         extra={"volunteer": 200}),
    html("POST", "volunteers:erase_account",                        "400   302   302    302    400      login 400   302",
         data=CONFIRM, extra={"volunteer": 302}),
    html("POST", "volunteers:erase_account",                        "400   400   400    400    400      login 400   400",
         data=WRONG, variant="wrong email", extra={"volunteer": 400}),
    api("GET", "/privacy/export",                                   "200   200   200    200    200      401   200   200",
        extra={"volunteer": 200}),
    api("POST", "/privacy/erase",                                   "409   204   204    204    409      401   409   204",
        data=CONFIRM, extra={"volunteer": 204}),
    api("POST", "/privacy/erase",                                   "400   400   400    400    400      401   400   400",
        data=WRONG, variant="wrong email", extra={"volunteer": 400}),
]
# fmt: on
