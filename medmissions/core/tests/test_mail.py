import pytest

from medmissions.core.mail import render_email


@pytest.mark.django_db
def test_plain_text_emails_are_not_html_escaped(users):
    user = users["admin"]
    user.full_name = "Siobhán O'Brien & Co <team>"
    subject, body = render_email(
        "verify_email", {"user": user, "link": "https://example.org/verify/x?a=1&b=2"}
    )
    assert subject == "Confirm your email address for medmissions"
    assert "Siobhán O'Brien & Co <team>" in body
    assert "https://example.org/verify/x?a=1&b=2" in body


@pytest.mark.django_db
def test_emails_are_rendered_in_the_recipients_language(users):
    subject, _body = render_email("verify_email", {"user": users["admin"], "link": "x"}, language="fr")
    assert subject != "Confirm your email address for medmissions"
