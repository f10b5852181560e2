"""The import service: per-row errors, duplicates, the all-or-nothing commit, its audit trail."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from medmissions.audit.models import AuditEntry
from medmissions.core.errors import Conflict, NotAllowed, ValidationFailed
from medmissions.volunteers import imports
from medmissions.volunteers.choices import AffiliationKind, Proficiency
from medmissions.volunteers.imports import ImportChanged, ImportRejected, commit_import, dry_run, read_token
from medmissions.volunteers.models import (
    Affiliation,
    Credential,
    CredentialType,
    Person,
    PersonLanguage,
    PersonSpecialty,
)

from .test_imports_support import AMINA, AMINA_BLS, PETER, csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(),
        "affiliations": Affiliation.objects.count(),
        "credentials": Credential.objects.count(),
        "specialties": PersonSpecialty.objects.count(),
        "languages": PersonLanguage.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def errors_of(analysis) -> list[tuple[int, str]]:
    return [(error.row, error.column) for error in analysis.errors]


def message_at(analysis, row: int, column: str) -> str:
    return next(error.message for error in analysis.errors if (error.row, error.column) == (row, column))


@pytest.fixture
def coordinator(users):
    return users["coordinator"]


def existing_person(organization, **fields) -> Person:
    person = Person.objects.create(**fields)
    Affiliation.objects.create(person=person, organization=organization, kind=AffiliationKind.HOME)
    return person


# ---- validation -------------------------------------------------------------------------------


def test_every_profile_error_is_reported_with_its_row_and_column(coordinator, sending):
    rows = [
        {"email": "not-an-email", "full_name": "Amina Nakato"},
        {
            "full_name": "Peter Wafula",
            "date_of_birth": "12/04/1986",
            "nationality": "XX",
            "profession": "general-surgery",
            "years_of_experience": "eighty",
            "is_trainee": "maybe",
        },
        {"full_name": "Grace Achieng", "date_of_birth": "2999-01-01", "profession": "astrology"},
        {"email": "someone@example.org"},
        {"full_name": "", "phone": "0772 000000"},
    ]

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    assert errors_of(analysis) == [
        (2, "email"),
        (3, "date_of_birth"),
        (3, "nationality"),
        (3, "profession"),
        (3, "years_of_experience"),
        (3, "is_trainee"),
        (4, "date_of_birth"),
        (4, "profession"),
        (5, "full_name"),
        (6, "full_name"),
    ]
    # The forms' rules, with the forms' messages (services._clean_profile).
    assert message_at(analysis, 2, "email") == "Enter a valid email address."
    assert message_at(analysis, 3, "nationality") == "Choose a country."
    assert message_at(analysis, 3, "profession") == "Choose a profession from the list."
    assert message_at(analysis, 3, "years_of_experience") == "Enter a number of years between 0 and 70."
    assert message_at(analysis, 4, "date_of_birth") == "Enter a real date of birth."
    assert "YYYY-MM-DD" in message_at(analysis, 3, "date_of_birth")
    assert "astrology" in message_at(analysis, 4, "profession")
    assert not analysis.is_committable
    assert analysis.token is None


def test_specialty_and_language_errors_are_reported(coordinator, sending):
    rows = [
        {"full_name": "Amina Nakato", "specialties": "general-surgery"},
        {"full_name": "Peter Wafula", "specialties": "astrology:expert; anaesthesia:wizard"},
        {"full_name": "Grace Achieng", "specialties": "anaesthesia:expert; Anaesthesia:competent"},
        {"full_name": "John Okello", "languages": "xx:3/3/3"},
        {"full_name": "Mary Auma", "languages": "sw:9/9/9"},
        {"full_name": "Ruth Nabirye", "languages": "sw:3; sw:2"},
    ]

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    assert errors_of(analysis) == [
        (2, "specialties"),
        (3, "specialties"),
        (4, "specialties"),
        (5, "languages"),
        (6, "languages"),
        (7, "languages"),
    ]
    assert "astrology" in message_at(analysis, 3, "specialties")
    assert message_at(analysis, 4, "specialties") == "Anaesthesia is listed twice."


def test_every_credential_error_is_reported_with_the_import_column(coordinator, sending):
    person = {"full_name": "Amina Nakato", "email": "amina.nakato@example.org"}
    rows = [
        {**person, "credential_type": "astrology-diploma", "issuing_body": "Stars"},
        {**person, "credential_type": "bls", "expires_on": "2030/12/31"},
        {**person, "credential_type": "passport", "issuing_body": "UK", "issued_on": "2020-01-01",
         "expires_on": "2019-01-01"},
        {**person, "credential_type": "host-temporary-licence", "issuing_body": "KMPDC", "expires_on": "2030-01-01"},
        {**person, "credential_type": "acls", "issuing_body": "ERC", "issued_on": "2999-01-01",
         "expires_on": "2999-06-01"},
        {**person, "credential_type": "bls", "issuing_body": "ERC", "credential_country": "ZZ",
         "expires_on": "2030-01-01"},
        {**person, "issuing_body": "Nobody"},
    ]  # fmt: skip

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    assert errors_of(analysis) == [
        (2, "credential_type"),
        (3, "issuing_body"),
        (3, "expires_on"),
        (4, "expires_on"),
        (5, "credential_country"),
        (6, "issued_on"),
        (7, "credential_country"),
        (8, "credential_type"),
    ]
    # credentials.clean_credential_data's own messages.
    assert message_at(analysis, 3, "issuing_body") == "Name the body that issued it."
    assert message_at(analysis, 4, "expires_on") == "The expiry date is before the issue date."
    assert (
        message_at(analysis, 5, "credential_country")
        == "Give the country that issued it: it only counts there."
    )
    assert message_at(analysis, 6, "issued_on") == "The issue date is in the future."
    assert message_at(analysis, 8, "credential_type") == "Choose the type of credential."
    assert "YYYY-MM-DD" in message_at(analysis, 3, "expires_on")


def test_too_long_values_are_refused_before_the_database_would(coordinator, sending):
    rows = [{"full_name": "A" * 151, "credential_type": "bls", "issuing_body": "ERC", "expires_on": "2030-01-01",
             "credential_number": "9" * 101}]  # fmt: skip

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    assert errors_of(analysis) == [(2, "full_name"), (2, "credential_number")]
    assert message_at(analysis, 2, "full_name") == "At most 150 characters."


def test_unknown_and_repeated_columns_are_reported_on_the_header_row(coordinator, sending):
    content = b"full_name,emial,full_name,\nAmina Nakato,amina@example.org,Amina,surplus\n"

    analysis = dry_run(sending, actor=coordinator, upload=SimpleUploadedFile("people.csv", content))

    assert errors_of(analysis) == [(1, "full_name"), (1, "emial"), (2, "column 4")]


def test_rows_of_one_person_must_agree_on_the_person(coordinator, sending):
    rows = [AMINA, {**AMINA_BLS, "full_name": "Amina Nakato-Okello", "nationality": "ug"}]

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    # Case differences are the same value; another name is not.
    assert errors_of(analysis) == [(3, "full_name")]
    assert "row 2" in message_at(analysis, 3, "full_name")


def test_rows_without_an_email_join_the_person_of_the_same_name(coordinator, sending):
    rows = [
        {"full_name": "Peter Wafula", "date_of_birth": "1990-01-31", "credential_type": "bls",
         "issuing_body": "ERC", "expires_on": "2030-01-01"},
        {"full_name": "peter  wafula", "credential_type": "acls", "issuing_body": "ERC", "expires_on": "2030-01-01"},
        {"full_name": "Peter Wafula", "date_of_birth": "1991-05-05"},
    ]  # fmt: skip

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    assert analysis.errors == []
    assert [plan.rows for plan in analysis.people] == [[2, 3], [4]]
    assert [len(plan.credentials) for plan in analysis.people] == [2, 0]


def test_a_row_that_could_belong_to_two_people_of_the_same_name_is_an_error(coordinator, sending):
    rows = [
        {"full_name": "Peter Wafula", "date_of_birth": "1990-01-31"},
        {"full_name": "Peter Wafula", "date_of_birth": "1991-05-05"},
        {
            "full_name": "Peter Wafula",
            "credential_type": "bls",
            "issuing_body": "ERC",
            "expires_on": "2030-01-01",
        },
    ]

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    assert errors_of(analysis) == [(4, "email")]


def test_the_same_credential_twice_for_one_person_is_an_error(coordinator, sending):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA, {**AMINA, "phone": ""}]))

    assert errors_of(analysis) == [(3, "credential_type")]


# ---- plain text --------------------------------------------------------------------------------

FORMULAS = {
    "full_name": '=HYPERLINK("http://evil.example","Click")',
    "email": "formula@example.org",
    "phone": "+44 20 7946 0000",
    "home_employer": "@SUM(A1:A9)",
    "credential_type": "bls",
    "issuing_body": "<script>alert('x')</script>",
    "credential_number": "-1+1",
    "expires_on": "2030-01-01",
}


def test_formula_looking_and_malicious_values_are_stored_as_plain_text(coordinator, sending):
    commit_import(sending, actor=coordinator, upload=csv_upload([FORMULAS]))

    person = Person.objects.get(email="formula@example.org")
    assert person.full_name == FORMULAS["full_name"]
    assert person.phone == "+44 20 7946 0000"
    assert person.home_employer == "@SUM(A1:A9)"
    credential = person.credentials.get()
    assert credential.issuing_body == "<script>alert('x')</script>"
    assert credential.number == "-1+1"


def test_text_cells_of_a_workbook_that_look_like_formulas_stay_text(coordinator, sending):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["full_name", "email", "home_employer"])
    sheet.append(["placeholder", "formula@example.org", "placeholder"])
    sheet["A2"].value = "=cmd|' /C calc'!A0"
    sheet["A2"].data_type = "s"  # typed as text, as a spreadsheet does for '=… entered as text
    sheet["C2"].value = "=1+1"  # a real formula, never computed by openpyxl: no cached value
    buffer = io.BytesIO()
    workbook.save(buffer)

    commit_import(sending, actor=coordinator, upload=SimpleUploadedFile("people.xlsx", buffer.getvalue()))

    person = Person.objects.get(email="formula@example.org")
    assert person.full_name == "=cmd|' /C calc'!A0"
    assert person.home_employer == ""


# ---- duplicates --------------------------------------------------------------------------------


def test_a_person_with_the_same_email_is_a_duplicate_not_a_new_person(coordinator, sending):
    existing = existing_person(sending, full_name="Amina N.", email="Amina.Nakato@example.org")

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA, AMINA_BLS, PETER]))

    assert [plan.full_name for plan in analysis.new_people] == ["Peter Wafula"]
    (duplicate,) = analysis.duplicate_people
    assert duplicate.rows == [2, 3]
    assert [(match.person, match.reasons) for match in duplicate.matches] == [(existing, ["email"])]
    assert analysis.credentials_to_create == 0


def test_a_person_with_the_same_name_birth_date_and_licence_number_is_a_duplicate(coordinator, sending):
    existing = existing_person(sending, full_name="amina  nakato", date_of_birth=datetime.date(1986, 4, 12))
    Credential.objects.create(
        person=existing,
        credential_type=CredentialType.objects.get(slug="professional-licence"),
        issuing_body="UMDPC",
        number="umdpc 2011 0456",
        expires_on=datetime.date(2030, 1, 1),
    )
    other_email = {**AMINA, "email": "amina@elsewhere.example"}

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([other_email]))

    (duplicate,) = analysis.duplicate_people
    assert [(match.person, match.reasons) for match in duplicate.matches] == [
        (existing, ["name_birth_licence"])
    ]


def test_the_same_name_and_birth_date_with_another_licence_is_not_a_duplicate(coordinator, sending):
    existing = existing_person(sending, full_name="Amina Nakato", date_of_birth=datetime.date(1986, 4, 12))
    Credential.objects.create(
        person=existing,
        credential_type=CredentialType.objects.get(slug="professional-licence"),
        issuing_body="UMDPC",
        number="OTHER-1",
        expires_on=datetime.date(2030, 1, 1),
    )

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([{**AMINA, "email": ""}]))

    assert [plan.full_name for plan in analysis.new_people] == ["Amina Nakato"]


def test_the_same_person_twice_in_the_file_under_two_emails_is_an_error(coordinator, sending):
    rows = [AMINA, {**AMINA, "email": "amina@elsewhere.example"}]

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))

    assert errors_of(analysis) == [(3, "email")]
    assert "row 2" in message_at(analysis, 3, "email")


def test_people_the_importer_cannot_see_are_never_revealed_as_duplicates(coordinator, sending, other):
    existing_person(other, full_name="Amina Nakato", email="amina.nakato@example.org")

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA]))

    assert analysis.duplicate_people == []
    assert [plan.full_name for plan in analysis.new_people] == ["Amina Nakato"]


def test_merged_and_erased_people_are_not_duplicates(coordinator, sending):
    kept = existing_person(sending, full_name="Amina Nakato", email="kept@example.org")
    existing_person(sending, full_name="Amina Nakato", email="amina.nakato@example.org", merged_into=kept)

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA]))

    assert analysis.duplicate_people == []


# ---- commit ------------------------------------------------------------------------------------


def test_the_commit_creates_every_person_with_a_home_affiliation_and_no_account(coordinator, sending):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA, AMINA_BLS, PETER]))

    result = commit_import(sending, actor=coordinator, token=analysis.token)

    assert (result.people_created, result.credentials_created, result.duplicates_skipped) == (2, 2, 0)
    amina = Person.objects.get(email="amina.nakato@example.org")
    assert amina.user is None
    assert amina.created_by == coordinator
    assert amina.date_of_birth == datetime.date(1986, 4, 12)
    assert amina.nationality.code == "UG"
    assert amina.profession.slug == "medicine"
    assert amina.years_of_experience == 9
    assert amina.home_employer == "Mbale Regional Referral Hospital"
    assert list(amina.affiliations.values_list("organization", "kind")) == [
        (sending.pk, AffiliationKind.HOME)
    ]
    assert sorted(amina.specialties.values_list("specialty__slug", "proficiency")) == [
        ("anaesthesia", Proficiency.COMPETENT),
        ("general-surgery", Proficiency.EXPERIENCED),
    ]
    assert sorted(amina.languages.values_list("language__code", "speaking", "reading", "writing")) == [
        ("en", 4, 4, 4),
        ("sw", 3, 2, 2),
    ]
    licence = amina.credentials.get(credential_type__slug="professional-licence")
    assert (licence.country.code, licence.number, licence.issued_on, licence.expires_on) == (
        "UG",
        "UMDPC-2011-0456",
        datetime.date(2011, 9, 1),
        datetime.date(2030, 12, 31),
    )
    assert not licence.verifications.exists()
    peter = Person.objects.get(email="peter.wafula@example.org")
    assert peter.is_trainee is True


def test_the_commit_writes_one_entry_per_person_and_a_summary(coordinator, sending):
    analysis = dry_run(
        sending, actor=coordinator, upload=csv_upload([AMINA, AMINA_BLS, PETER], name="team.csv")
    )

    commit_import(sending, actor=coordinator, token=analysis.token)

    imported = AuditEntry.objects.filter(action="volunteers.person.imported").order_by("pk")
    assert [entry.object_repr for entry in imported] == ["Amina Nakato", "Peter Wafula"]
    assert {entry.organization_id for entry in imported} == {sending.pk}
    assert imported[0].actor == coordinator
    assert imported[0].data["rows"] == [2, 3]
    assert imported[0].changes["email"] == [None, "amina.nakato@example.org"]
    summary = AuditEntry.objects.get(action="volunteers.import.committed")
    assert summary.organization == sending
    assert summary.data["file_name"] == "team.csv"
    assert summary.data["file_sha256"] == analysis.file_sha256
    assert (summary.data["people_created"], summary.data["credentials_created"], summary.data["rows"]) == (
        2,
        2,
        3,
    )
    assert AuditEntry.objects.count() == 3


def test_a_file_sent_again_commits_without_a_dry_run_token(coordinator, sending):
    result = commit_import(sending, actor=coordinator, upload=xlsx_upload([AMINA, PETER]))

    assert result.people_created == 2


def test_one_bad_row_means_nothing_is_imported(coordinator, sending):
    before = counts()

    with pytest.raises(ImportRejected) as rejected:
        commit_import(
            sending,
            actor=coordinator,
            upload=csv_upload([AMINA, PETER, {"full_name": "X", "is_trainee": "?"}]),
        )

    assert counts() == before
    assert rejected.value.fields == {"rows.4.is_trainee": "Write yes or no."}
    assert rejected.value.analysis.errors[0].row == 4


def test_a_failure_while_writing_leaves_nothing_behind(coordinator, sending, monkeypatch):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA, PETER]))
    before = counts()
    written = []

    def failing_log_action(action, **kwargs):
        written.append(action)
        if len(written) == 2:
            raise RuntimeError("disk full")
        return original(action, **kwargs)

    original = imports.log_action
    monkeypatch.setattr(imports, "log_action", failing_log_action)

    with pytest.raises(RuntimeError):
        commit_import(sending, actor=coordinator, token=analysis.token)

    assert counts() == before


def test_a_row_that_fails_at_commit_time_means_nothing_is_imported(coordinator, sending):
    retired = CredentialType.objects.create(
        slug="retired-certificate", name="Retired certificate", category="certificate"
    )
    rows = [AMINA, {"full_name": "Peter Wafula", "credential_type": "retired-certificate", "issuing_body": "ERC",
                    "expires_on": "2030-01-01"}]  # fmt: skip
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload(rows))
    assert analysis.is_committable
    retired.delete()  # the data changed after the dry run
    before = counts()

    with pytest.raises(ImportRejected) as rejected:
        commit_import(sending, actor=coordinator, token=analysis.token)

    assert counts() == before
    assert [(error.row, error.column) for error in rejected.value.analysis.errors] == [(3, "credential_type")]


def test_people_added_since_the_dry_run_stop_the_commit_with_the_new_result(coordinator, sending):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA, PETER]))
    existing = existing_person(sending, full_name="Peter W.", email="peter.wafula@example.org")
    before = counts()

    with pytest.raises(ImportChanged) as changed:
        commit_import(sending, actor=coordinator, token=analysis.token)

    assert counts() == before
    new = changed.value.analysis
    assert [plan.full_name for plan in new.new_people] == ["Amina Nakato"]
    assert [match.person for match in new.duplicate_people[0].matches] == [existing]
    # The new result can be committed after review.
    result = commit_import(sending, actor=coordinator, token=new.token)
    assert (result.people_created, result.duplicates_skipped) == (1, 1)


def test_a_duplicate_can_be_imported_anyway_to_be_merged(coordinator, sending):
    existing = existing_person(sending, full_name="Amina N.", email="amina.nakato@example.org")
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA, PETER]))

    result = commit_import(sending, actor=coordinator, token=analysis.token, import_duplicates=[2])

    assert result.people_created == 2
    assert result.duplicates_skipped == 0
    ((imported, duplicated),) = result.merge_pairs
    assert (imported.full_name, duplicated) == ("Amina Nakato", existing)
    entry = AuditEntry.objects.get(action="volunteers.person.imported", object_id=str(imported.pk))
    assert entry.data["duplicate_of"] == [existing.pk]
    summary = AuditEntry.objects.get(action="volunteers.import.committed")
    assert summary.data["imported_for_merge"] == [[imported.pk, existing.pk]]


def test_only_rows_that_start_a_duplicate_can_be_imported_anyway(coordinator, sending):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([AMINA, PETER]))

    with pytest.raises(ValidationFailed) as refused:
        commit_import(sending, actor=coordinator, token=analysis.token, import_duplicates=[3])

    assert "import_duplicates" in refused.value.fields


def test_a_file_of_duplicates_only_imports_nobody(coordinator, sending):
    existing_person(sending, full_name="Peter", email="peter.wafula@example.org")

    with pytest.raises(ValidationFailed) as refused:
        commit_import(sending, actor=coordinator, upload=csv_upload([PETER]))

    assert refused.value.code == "nothing_to_import"


# ---- tokens and the stored file ------------------------------------------------------------------


def test_the_dry_run_keeps_the_file_privately_and_the_commit_deletes_it(
    coordinator, sending, settings, django_capture_on_commit_callbacks
):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([PETER]))
    pending = read_token(analysis.token)
    assert pending.path.startswith("imports/")
    assert not pending.path.endswith("people.csv")  # a new random name
    assert default_storage.exists(pending.path)
    assert str(settings.MEDIA_ROOT) in default_storage.path(pending.path)

    with django_capture_on_commit_callbacks(execute=True):
        commit_import(sending, actor=coordinator, token=analysis.token)

    assert not default_storage.exists(pending.path)


def test_a_token_cannot_be_committed_twice(coordinator, sending):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([PETER]))
    commit_import(sending, actor=coordinator, token=analysis.token)

    with pytest.raises(Conflict) as refused:
        commit_import(sending, actor=coordinator, token=analysis.token)

    assert refused.value.code == "import_already_committed"
    assert Person.objects.filter(email="peter.wafula@example.org").count() == 1


def test_a_forged_or_expired_token_is_refused(coordinator, sending):
    from freezegun import freeze_time

    with pytest.raises(ValidationFailed):
        commit_import(sending, actor=coordinator, token="forged:token")
    with freeze_time(datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=2)):
        old = dry_run(sending, actor=coordinator, upload=csv_upload([PETER])).token

    with pytest.raises(ValidationFailed) as refused:
        commit_import(sending, actor=coordinator, token=old)

    assert refused.value.code == "import_token_invalid"


def test_a_token_of_another_organisation_is_refused(users, sending, other):
    analysis = dry_run(other, actor=users["outsider"], upload=csv_upload([PETER]))

    with pytest.raises(ValidationFailed):
        commit_import(sending, actor=users["coordinator"], token=analysis.token)


def test_a_file_altered_after_the_dry_run_is_refused(coordinator, sending):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([PETER]))
    path = read_token(analysis.token).path
    with default_storage.open(path, "wb") as stored:
        stored.write(b"full_name\nSomeone Else\n")

    with pytest.raises(ValidationFailed) as refused:
        commit_import(sending, actor=coordinator, token=analysis.token)

    assert refused.value.code == "import_token_invalid"


def test_a_file_with_errors_is_not_kept(coordinator, sending):
    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([{"full_name": "X", "is_trainee": "?"}]))

    assert analysis.token is None
    assert not default_storage.exists("imports") or default_storage.listdir("imports")[1] == []


def test_a_file_imported_before_is_pointed_out(coordinator, sending):
    commit_import(sending, actor=coordinator, upload=csv_upload([PETER]))

    analysis = dry_run(sending, actor=coordinator, upload=csv_upload([PETER]))

    assert [entry.action for entry in analysis.previous_imports] == ["volunteers.import.committed"]


# ---- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["member", "viewer", "outsider", "host_admin"])
def test_only_vetting_admins_of_the_organisation_import(users, sending, persona):
    with pytest.raises(NotAllowed):
        dry_run(sending, actor=users[persona], upload=csv_upload([PETER]))
    with pytest.raises(NotAllowed):
        commit_import(sending, actor=users[persona], upload=csv_upload([PETER]))

    assert not Person.objects.exists()


def test_admins_import_too(users, sending):
    assert commit_import(sending, actor=users["admin"], upload=csv_upload([PETER])).people_created == 1


def test_an_imported_person_is_claimed_by_signing_up_with_the_same_email(coordinator, sending):
    from medmissions.conftest import make_user
    from medmissions.volunteers.services import get_or_create_own_person

    commit_import(sending, actor=coordinator, upload=csv_upload([PETER]))
    imported = Person.objects.get(email="peter.wafula@example.org")

    claimed = get_or_create_own_person(make_user("Peter.Wafula@example.org", "Peter Wafula"))

    assert claimed == imported
