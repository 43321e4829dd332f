"""The owner's confirmation of an e-mail change through the API (R-HARD-9): signed in, with the
password, the owner voids every pending undo link of the account, so that whoever still reads
an old, compromised mailbox cannot undo the change; and the undo link's configurable lifetime."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.config import get_settings
from chalicelib.domain import messages
from chalicelib.wiring import services
from tests.flows import Journey, email_change_code, log_in, sign_up
from tests.helpers import (
    UNDO_LINK,
    Answer,
    audit_events,
    aws_calls,
    bearer,
    bounce_of,
    call,
    last_code,
    mails_to,
    new_email_body,
    post,
    undo,
    undo_link,
    user_item,
)

CONFIRM_PATH = "/v1/account/email-change/confirmation"
OWNER_EMAIL = "juan.perez1@example.com"
WRONG = "Otra2026clave"
HOURS_72 = 72 * 3600
NEW_PASSWORD = "Recuperada2026ok"


@dataclasses.dataclass
class Owner:
    journey: Journey
    token: str
    # Every address the account had, oldest first; the last is the current one.
    addresses: list[str]


@pytest.fixture
def owner(client: Any, clock: Any) -> Owner:
    journey = sign_up(client, 1)
    return Owner(journey, log_in(client, journey, journey.password), [OWNER_EMAIL])


def change_email(client: Any, clock: Any, owner: Owner, address: str) -> None:
    """Move the account to `address` through the modify form's calls (R-MOD-6)."""
    clock.advance(61)
    profile = call(client, "GET", "/v1/account", **bearer(owner.token))
    assert profile.status == 200, profile.body
    code = email_change_code(client, owner.journey, owner.token, address)
    body = new_email_body(profile.body, address, code)
    answer = call(client, "PUT", "/v1/account", body, **bearer(owner.token))
    assert answer.status == 200, answer.body
    owner.addresses.append(address)


def confirm(client: Any, owner: Owner, password: Any) -> Answer:
    return post(client, CONFIRM_PATH, {"password": password}, **bearer(owner.token))


@pytest.fixture
def undo_lifetime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Sets EMAIL_UNDO_TTL_SECONDS for the app, as a stage would."""

    def set_to(seconds: int) -> None:
        settings = dataclasses.replace(services().settings, email_undo_ttl_seconds=seconds)
        monkeypatch.setattr(services(), "settings", settings)

    yield set_to


# The confirmation voids the pending links ---------------------------------------------------------


def test_the_confirmation_voids_the_pending_undo_link_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    change_email(client, clock, owner, "nueva@example.net")
    link = undo_link(OWNER_EMAIL)

    answer = confirm(client, owner, owner.journey.password)
    assert answer.status == 200, answer.body
    assert answer.body == {"undo_links_voided": 1}
    assert answer.headers["Cache-Control"] == "no-store"

    refused = undo(client, link)
    assert refused.status == 410
    assert refused.error["code"] == "LINK_EXPIRED"
    assert "confirmó el cambio" in refused.error["message"]
    assert user_item()["email"]["S"] == "nueva@example.net"
    # The session and the open modify form are untouched: no new version, no log-out.
    profile = call(client, "GET", "/v1/account", **bearer(owner.token))
    assert profile.status == 200 and profile.body["version"] == 2


def test_the_confirmation_is_audited_with_its_origin_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    change_email(client, clock, owner, "nueva@example.net")
    headers = {**bearer(owner.token), "User-Agent": "Navegador de prueba"}
    answer = post(client, CONFIRM_PATH, {"password": owner.journey.password}, **headers)
    assert answer.status == 200, answer.body
    (event,) = audit_events("EMAIL_CHANGE_CONFIRMED", user_id=None)
    assert event["source_ip"]["S"] == "127.0.0.1"
    assert event["user_agent"]["S"] == "Navegador de prueba"
    assert "1" in event["detail"]["S"]
    assert owner.journey.password not in str(event)


def test_the_confirmation_tells_the_old_address_its_link_no_longer_works_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    """If the owner did not confirm, whoever did knows the password: the old address, the one
    channel the real owner may still have, is told."""
    change_email(client, clock, owner, "nueva@example.net")
    before = len(mails_to(OWNER_EMAIL))
    assert confirm(client, owner, owner.journey.password).status == 200
    (notice,) = mails_to(OWNER_EMAIL)[before:]
    assert "confirmó" in notice.subject
    assert "127.0.0.1" in notice.body and "Servicio Nacional de Aduana" in notice.body
    assert not UNDO_LINK.search(notice.body)


def test_the_confirmation_notice_skips_an_old_address_that_bounced_r_mail_3(
    client: Any, clock: Any, owner: Owner
) -> None:
    """R-MAIL-3: an address SES reported undeliverable gets no mail, the account's own or not."""
    change_email(client, clock, owner, "nueva@example.net")
    bounce_of(client, OWNER_EMAIL, clock())
    before = len(mails_to(OWNER_EMAIL))
    assert confirm(client, owner, owner.journey.password).status == 200
    assert len(mails_to(OWNER_EMAIL)) == before


@pytest.mark.parametrize("changes", [0, 1, 2])
def test_the_answer_counts_the_links_still_usable_r_hard_9(
    client: Any, clock: Any, owner: Owner, changes: int
) -> None:
    for n in range(changes):
        change_email(client, clock, owner, f"nueva{n}@example.net")
    links = [undo_link(address) for address in owner.addresses[:-1]]

    answer = confirm(client, owner, owner.journey.password)
    assert answer.status == 200, answer.body
    assert answer.body == {"undo_links_voided": changes}
    for link in links:
        assert undo(client, link).status == 410
    # Confirmed once, nothing is pending any more.
    assert confirm(client, owner, owner.journey.password).body == {"undo_links_voided": 0}


def test_with_no_pending_link_nothing_is_written_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    before = user_item()
    with aws_calls() as calls:
        answer = confirm(client, owner, owner.journey.password)
    assert answer.body == {"undo_links_voided": 0}
    # The session check's read and the password gate's attempt, counted and taken back
    # (R-HARD-1); nothing else: no audit item, no mail.
    assert calls == ["dynamodb:BatchGetItem", "dynamodb:UpdateItem", "dynamodb:UpdateItem"]
    assert user_item() == before


def test_expired_links_are_not_counted_r_hard_9(client: Any, clock: Any, owner: Owner) -> None:
    change_email(client, clock, owner, "nueva@example.net")
    clock.advance(HOURS_72)
    owner.token = log_in(client, owner.journey, owner.journey.password)
    answer = confirm(client, owner, owner.journey.password)
    assert answer.body == {"undo_links_voided": 0}


def test_used_and_superseded_links_are_not_counted_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    """A→B→C, then the link of A→B is used: it is spent, and it voided the link of B→C."""
    change_email(client, clock, owner, "segunda@example.net")
    change_email(client, clock, owner, "tercera@example.net")
    assert undo(client, undo_link(OWNER_EMAIL)).status == 200
    # The undo ends every session and asks for a new password through the restored address.
    assert post(client, "/v1/password-recovery/security-code", {"user_id": "juan.perez1"}).status
    recovery = {
        "user_id": "juan.perez1",
        "security_code": last_code(OWNER_EMAIL),
        "new_password": NEW_PASSWORD,
        "new_password_confirmation": NEW_PASSWORD,
    }
    assert post(client, "/v1/password-recovery", recovery).status == 200
    owner.token = log_in(client, owner.journey, NEW_PASSWORD)

    answer = confirm(client, owner, NEW_PASSWORD)
    assert answer.status == 200, answer.body
    assert answer.body == {"undo_links_voided": 0}


def test_a_link_issued_after_the_confirmation_still_works_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    change_email(client, clock, owner, "nueva@example.net")
    assert confirm(client, owner, owner.journey.password).body == {"undo_links_voided": 1}
    change_email(client, clock, owner, "otra@example.net")

    assert undo(client, undo_link("nueva@example.net")).status == 200
    assert user_item()["email"]["S"] == "nueva@example.net"


# The password gate --------------------------------------------------------------------------------


def test_a_wrong_password_is_refused_and_voids_nothing_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    change_email(client, clock, owner, "nueva@example.net")
    answer = confirm(client, owner, WRONG)
    assert answer.status == 401
    assert answer.error["code"] == "INVALID_CREDENTIALS"
    assert audit_events("EMAIL_CHANGE_CONFIRMED", user_id=None) == []
    assert undo(client, undo_link(OWNER_EMAIL)).status == 200


def test_wrong_passwords_count_toward_the_log_in_lock_out_r_hard_9_r_auth_2(
    client: Any, clock: Any, owner: Owner
) -> None:
    answers = [confirm(client, owner, WRONG) for _ in range(5)]
    assert [a.status for a in answers] == [401, 401, 401, 401, 423]
    assert answers[-1].headers["Retry-After"] == "900"
    assert confirm(client, owner, owner.journey.password).status == 423
    refused = post(
        client, "/v1/sessions", {"user_id": "juan.perez1", "password": owner.journey.password}
    )
    assert refused.status == 423


def test_a_right_password_takes_back_only_its_own_attempt_r_hard_9_r_hard_1(
    client: Any, clock: Any, owner: Owner
) -> None:
    for _ in range(4):
        confirm(client, owner, WRONG)
    assert confirm(client, owner, owner.journey.password).status == 200
    assert len(user_item()["failed_logins"]["L"]) == 4


@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": None}, {"password": 7}])
def test_the_password_is_required_r_hard_9(client: Any, owner: Owner, body: Any) -> None:
    answer = post(client, CONFIRM_PATH, body, **bearer(owner.token))
    assert answer.status == 400
    assert answer.error["code"] == "VALIDATION_ERROR"
    assert set(answer.error["fields"]) == {"password"}


def test_the_confirmation_needs_a_session_r_hard_9(client: Any, owner: Owner) -> None:
    answer = post(client, CONFIRM_PATH, {"password": owner.journey.password})
    assert answer.status == 401
    assert answer.error["code"] == "UNAUTHORIZED"
    assert answer.headers["Cache-Control"] == "no-store"


# Races: one conditional write each ----------------------------------------------------------------


def test_a_confirmation_racing_a_save_overwrites_nothing_r_hard_9(
    client: Any, clock: Any, owner: Owner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The account changed between the session check's read and the confirmation's write."""
    from chalicelib.store.accounts import DynamoAccountStore

    change_email(client, clock, owner, "nueva@example.net")
    original = DynamoAccountStore.confirm_email_change

    def after_a_rival_save(self: DynamoAccountStore, confirmation: Any) -> None:
        boto3.client("dynamodb", region_name="us-east-1").update_item(
            TableName=get_settings().users_table,
            Key={"user_id": {"S": "juan.perez1"}},
            UpdateExpression="SET version = version + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        original(self, confirmation)

    monkeypatch.setattr(DynamoAccountStore, "confirm_email_change", after_a_rival_save)
    answer = confirm(client, owner, owner.journey.password)
    assert answer.status == 409
    assert answer.error["code"] == "STALE_UPDATE"
    assert audit_events("EMAIL_CHANGE_CONFIRMED", user_id=None) == []
    monkeypatch.setattr(DynamoAccountStore, "confirm_email_change", original)
    assert undo(client, undo_link(OWNER_EMAIL)).status == 200


def test_an_undo_racing_the_confirmation_loses_r_hard_9(
    client: Any, clock: Any, owner: Owner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The undo read the account before the confirmation committed: its write is refused, and
    the link, opened again, says it was confirmed."""
    from chalicelib.store.recovery import DynamoRecoveryStore

    change_email(client, clock, owner, "nueva@example.net")
    link = undo_link(OWNER_EMAIL)
    original = DynamoRecoveryStore.load_undo

    def then_the_owner_confirms(self: DynamoRecoveryStore, token_hash: str) -> Any:
        loaded = original(self, token_hash)
        assert confirm(client, owner, owner.journey.password).body == {"undo_links_voided": 1}
        return loaded

    monkeypatch.setattr(DynamoRecoveryStore, "load_undo", then_the_owner_confirms)
    answer = undo(client, link)
    assert answer.status == 409, answer.body
    assert user_item()["email"]["S"] == "nueva@example.net"
    monkeypatch.setattr(DynamoRecoveryStore, "load_undo", original)
    again = undo(client, link)
    assert again.status == 410
    assert "confirmó el cambio" in again.error["message"]


# The link's lifetime ------------------------------------------------------------------------------


def test_the_undo_link_lives_72_hours_by_default_r_hard_9(
    client: Any, clock: Any, owner: Owner
) -> None:
    assert get_settings().email_undo_ttl_seconds == HOURS_72
    change_email(client, clock, owner, "nueva@example.net")
    (notice,) = [m for m in mails_to(OWNER_EMAIL) if "reemplazado" in m.subject]
    assert "vence en 3 días" in notice.body
    link = undo_link(OWNER_EMAIL)
    clock.advance(HOURS_72)
    answer = undo(client, link)
    assert answer.status == 410
    assert answer.error["code"] == "LINK_EXPIRED"
    assert "3 días" in answer.error["message"] and "7 días" not in answer.error["message"]


def test_the_expired_link_message_and_the_notice_follow_the_setting_r_hard_9(
    client: Any, clock: Any, owner: Owner, undo_lifetime: Any
) -> None:
    undo_lifetime(36 * 3600)
    change_email(client, clock, owner, "nueva@example.net")
    (notice,) = [m for m in mails_to(OWNER_EMAIL) if "reemplazado" in m.subject]
    assert "vence en 36 horas" in notice.body
    link = undo_link(OWNER_EMAIL)
    clock.advance(36 * 3600)
    answer = undo(client, link)
    assert answer.status == 410
    assert "36 horas" in answer.error["message"]


def test_a_link_under_an_hour_says_minutes_r_hard_9(
    client: Any, clock: Any, owner: Owner, undo_lifetime: Any
) -> None:
    undo_lifetime(1800)
    change_email(client, clock, owner, "nueva@example.net")
    (notice,) = [m for m in mails_to(OWNER_EMAIL) if "reemplazado" in m.subject]
    assert "vence en 30 minutos" in notice.body


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (7 * 24 * 3600, "7 días"),
        (HOURS_72, "3 días"),
        (24 * 3600, "1 día"),
        (36 * 3600, "36 horas"),
        (3600, "1 hora"),
        (5400, "90 minutos"),
        (60, "1 minuto"),
        (90, "1 minuto"),
        (45, "45 segundos"),
        (1, "1 segundo"),
    ],
)
def test_a_lifetime_is_said_in_its_largest_exact_unit_r_hard_9(seconds: int, text: str) -> None:
    """Never more than the real lifetime: what is not a whole unit is said in a smaller one."""
    assert messages.lifetime(seconds) == text
