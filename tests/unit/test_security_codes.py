"""Security-code lifecycle R-REG-11, R-HARD-1, R-HARD-4 (chalicelib/domain/security_codes.py), with
no AWS: an in-memory code store and mailer stand in for DynamoDB and SES."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest

from chalicelib.domain import errors, security_codes, tokens
from chalicelib.domain.records import PURPOSE_REGISTRATION, CodeRecord, CodeTry, Origin
from chalicelib.domain.security_codes import CodePolicy, StaleCode
from tests.helpers import FakeClock

KEY = b"unit-test-key"
EMAIL = "Ana.Perez@example.com"
EMAIL_KEY = "ana.perez@example.com"
POLICY = CodePolicy(ttl_seconds=900, max_attempts=5, resend_seconds=60, max_per_hour=5)
LOOK_ALIKES = set("0O1IL")
OWNER = Origin("203.0.113.10")
STRANGERS = [Origin(f"198.51.100.{n}") for n in range(1, 20)]


class MemoryCodes:
    """The CodeStore port: conditional on the revision read, like the DynamoDB adapter."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], CodeRecord] = {}

    def get(self, email_key: str, purpose: str) -> CodeRecord | None:
        item = self.items.get((email_key, purpose))
        return replace(item, sends=list(item.sends)) if item else None

    def get_with_owner(
        self, email_key: str, purpose: str, claim: str
    ) -> tuple[CodeRecord | None, str | None]:
        """No claims are kept here: every address is free."""
        return self.get(email_key, purpose), None

    def get_for_request(
        self, email_key: str, purpose: str, claim: str, address: str
    ) -> tuple[CodeRecord | None, str | None, None]:
        """Nor delivery states: every address is free and deliverable."""
        return self.get(email_key, purpose), None, None

    def put(self, record: CodeRecord) -> CodeRecord:
        key = (record.email_key, record.purpose)
        current = self.items.get(key)
        if (current.revision if current else 0) != record.revision:
            raise StaleCode()
        stored = replace(record, sends=list(record.sends), revision=record.revision + 1)
        self.items[key] = stored
        return replace(stored, sends=list(stored.sends))

    def count_try(
        self,
        email_key: str,
        sent_to: str,
        purpose: str,
        requester: str,
        now: int,
        max_attempts: int,
    ) -> CodeTry:
        current = self.items.get((email_key, purpose))
        if current is None:
            return CodeTry(None, False)
        usable = (
            current.code_hash is not None
            and current.sent_to == sent_to
            and not current.used
            and now < current.expires_at
        )
        holder = current.requester in ("", requester)
        tries = current.attempts if holder else current.foreign_attempts
        if not usable or tries >= max_attempts:
            return CodeTry(replace(current), False)
        if holder:
            current.attempts += 1
        else:
            current.foreign_attempts += 1
        return CodeTry(replace(current), True)

    def refund(self, record: CodeRecord, *, holder: bool) -> None:
        current = self.items.get((record.email_key, record.purpose))
        if current and current.code_hash == record.code_hash:
            if holder:
                current.attempts -= 1
            else:
                current.foreign_attempts -= 1


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str


@dataclass
class MemoryMailer:
    sent: list[Mail] = field(default_factory=list)
    refused: list[Mail] = field(default_factory=list)
    failing: bool = False

    def send(self, to: str, subject: str, text: str, html: str) -> None:
        if self.failing:
            # Keep what would have gone out, to prove its code is not usable.
            self.refused.append(Mail(to, subject, text, html))
            raise errors.MailUnavailable()
        self.sent.append(Mail(to, subject, text, html))


@dataclass
class World:
    codes: MemoryCodes
    mailer: MemoryMailer
    clock: FakeClock

    def service(self) -> security_codes.CodeService:
        return security_codes.CodeService(self.codes, self.mailer, self.clock, KEY, POLICY)

    def issue(self, origin: Origin = OWNER) -> security_codes.CodeIssued:
        return self.service().issue(EMAIL, PURPOSE_REGISTRATION, origin)

    def check(self, given: str, origin: Origin = OWNER) -> CodeRecord:
        return self.service().check(EMAIL, PURPOSE_REGISTRATION, given, origin)

    def stored(self) -> CodeRecord:
        record = self.codes.get(EMAIL_KEY, PURPOSE_REGISTRATION)
        assert record is not None
        return record


def code_in(mail: Mail) -> str:
    lines = [line for line in mail.text.splitlines() if re.fullmatch(r"[A-Z0-9]{8}", line)]
    assert len(lines) == 1, mail.text
    return lines[0]


@pytest.fixture
def world() -> World:
    return World(MemoryCodes(), MemoryMailer(), FakeClock())


def issued_code(world: World) -> str:
    world.issue()
    return code_in(world.mailer.sent[-1])


# The code itself ---------------------------------------------------------------------------------


def test_code_is_8_characters_from_an_alphabet_without_look_alikes() -> None:
    assert not LOOK_ALIKES & set(tokens.CODE_ALPHABET)
    assert set(tokens.CODE_ALPHABET) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    codes = [tokens.new_security_code() for _ in range(3000)]
    assert all(len(code) == 8 for code in codes)
    assert set("".join(codes)) == set(tokens.CODE_ALPHABET)
    assert len(set(codes)) == len(codes)


def test_code_is_mailed_alone_on_its_line_with_subject_and_lifetime(world: World) -> None:
    issued = world.issue()
    assert issued == security_codes.CodeIssued(expires_in_seconds=900, resend_after_seconds=60)
    [mail] = world.mailer.sent
    assert mail.to == EMAIL
    assert mail.subject == "ACTIVACIÓN DE CORREO ELECTRÓNICO"
    code = code_in(mail)
    assert "15 minutos" in mail.text
    assert f">{code}<" in mail.html and "15 minutos" in mail.html


def test_only_a_keyed_hash_of_the_code_is_stored(world: World) -> None:
    code = issued_code(world)
    record = world.stored()
    assert record.code_hash == security_codes.code_hash(KEY, EMAIL_KEY, PURPOSE_REGISTRATION, code)
    assert record.code_hash != security_codes.code_hash(
        b"another-key", EMAIL_KEY, PURPOSE_REGISTRATION, code
    )
    assert code not in repr(record) and code.lower() not in repr(record).lower()


def test_stored_expiry_is_the_lifetime_from_now(world: World) -> None:
    world.issue()
    assert world.stored().expires_at == int(world.clock()) + 900


# Verifying -----------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", [str.upper, str.lower, str.swapcase])
def test_code_is_accepted_in_any_case(world: World, spelling: Callable[[str], str]) -> None:
    code = issued_code(world)
    assert world.check(spelling(code)).code_hash == world.stored().code_hash


def test_check_without_any_request_is_not_requested(world: World) -> None:
    with pytest.raises(errors.SecurityCodeNotRequested):
        world.check("ABCDEFGH")


def test_empty_code_is_required(world: World) -> None:
    world.issue()
    with pytest.raises(errors.SecurityCodeRequired):
        world.check("")


def test_wrong_code_is_invalid_and_counted(world: World) -> None:
    code = issued_code(world)
    wrong = "22222222" if code != "22222222" else "33333333"
    with pytest.raises(errors.SecurityCodeInvalid):
        world.check(wrong)
    assert world.stored().attempts == 1
    assert world.check(code)


def test_code_expires_after_its_lifetime_by_the_clock(world: World) -> None:
    code = issued_code(world)
    world.clock.advance(899)
    assert world.check(code)
    world.clock.advance(1)
    with pytest.raises(errors.SecurityCodeExpired):
        world.check(code)


def test_five_wrong_tries_kill_the_code(world: World) -> None:
    code = issued_code(world)
    wrong = "22222222" if code != "22222222" else "33333333"
    for _ in range(4):
        with pytest.raises(errors.SecurityCodeInvalid):
            world.check(wrong)
    with pytest.raises(errors.SecurityCodeLocked):
        world.check(wrong)
    with pytest.raises(errors.SecurityCodeLocked):
        world.check(code)


def test_a_try_is_counted_before_the_code_is_compared_r_hard_1(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = issued_code(world)
    compared: list[str] = []
    real = tokens.same_hash

    def comparing(a: str, b: str) -> bool:
        compared.append(a)
        return real(a, b)

    monkeypatch.setattr(tokens, "same_hash", comparing)
    # Five tries counted and still being compared elsewhere: the sixth is not compared at all.
    world.codes.items[(EMAIL_KEY, PURPOSE_REGISTRATION)].attempts = 5
    with pytest.raises(errors.SecurityCodeLocked):
        world.check(code)
    assert compared == []


def test_the_right_code_counted_within_the_limit_is_accepted(world: World) -> None:
    code = issued_code(world)
    world.codes.items[(EMAIL_KEY, PURPOSE_REGISTRATION)].attempts = 4
    assert world.check(code)


def test_strangers_cannot_lock_the_holders_code_r_hard_4(world: World) -> None:
    code = issued_code(world)
    wrong = "22222222" if code != "22222222" else "33333333"
    answers = []
    for stranger in STRANGERS:  # wrong codes from many addresses, with the owner's address
        with pytest.raises((errors.SecurityCodeInvalid, errors.SecurityCodeLocked)) as caught:
            world.check(wrong, stranger)
        answers.append(caught.value.code)
    assert answers.count("SECURITY_CODE_INVALID") == 4
    assert answers.count("SECURITY_CODE_LOCKED") == len(STRANGERS) - 4
    stored = world.stored()
    assert (stored.attempts, stored.foreign_attempts) == (0, 5)
    assert world.check(code, OWNER)


def test_a_code_is_compared_at_most_ten_times_wrong_in_all_r_hard_4(world: World) -> None:
    code = issued_code(world)
    wrong = "22222222" if code != "22222222" else "33333333"
    compared = 0
    for origin in [OWNER] * 8 + STRANGERS:
        try:
            world.check(wrong, origin)
        except errors.SecurityCodeInvalid:
            compared += 1
        except errors.SecurityCodeLocked:
            pass
    stored = world.stored()
    # The last wrong try of each pool answers LOCKED, but it was compared too.
    assert stored.attempts + stored.foreign_attempts == 10
    assert compared == 8
    for origin in (OWNER, STRANGERS[0]):
        with pytest.raises(errors.SecurityCodeLocked):
            world.check(code, origin)


def test_a_code_of_before_the_requester_was_kept_counts_every_source_as_its_holder(
    world: World,
) -> None:
    code = issued_code(world)
    world.codes.items[(EMAIL_KEY, PURPOSE_REGISTRATION)].requester = ""
    with pytest.raises(errors.SecurityCodeInvalid):
        world.check("22222222" if code != "22222222" else "33333333", STRANGERS[0])
    assert world.stored().attempts == 1
    assert world.check(code, STRANGERS[1])


def test_the_requester_is_kept_only_as_a_keyed_hash(world: World) -> None:
    world.issue()
    requester = world.stored().requester
    assert requester and OWNER.source_ip not in requester
    assert requester == security_codes.requester_of(KEY, Origin("203.0.113.10", "otro"))


def test_used_code_is_refused(world: World) -> None:
    code = issued_code(world)
    world.check(code)
    # What the registration transaction does with the code it consumed.
    key = (EMAIL_KEY, PURPOSE_REGISTRATION)
    world.codes.items[key] = replace(world.codes.items[key], code_hash=None, used=True)
    with pytest.raises(errors.SecurityCodeInvalid) as caught:
        world.check(code)
    assert caught.value.message == security_codes.USED_MESSAGE


def test_new_request_replaces_the_old_code(world: World) -> None:
    first = issued_code(world)
    wrong = "22222222" if first != "22222222" else "33333333"
    with pytest.raises(errors.SecurityCodeInvalid):
        world.check(wrong)
    world.clock.advance(60)
    second = issued_code(world)
    assert world.stored().attempts == 0
    if first != second:
        with pytest.raises(errors.SecurityCodeInvalid):
            world.check(first)
    assert world.check(second)


def test_new_request_after_a_dead_code_gives_a_working_one(world: World) -> None:
    issued_code(world)
    for _ in range(5):
        with pytest.raises((errors.SecurityCodeInvalid, errors.SecurityCodeLocked)):
            world.check("22222222")
    world.clock.advance(60)
    assert world.check(issued_code(world))


# Throttling ------------------------------------------------------------------------------------


def test_one_request_a_minute_with_the_wait_in_retry_after(world: World) -> None:
    world.issue()
    world.clock.advance(20)
    with pytest.raises(errors.TooManyRequests) as caught:
        world.issue()
    assert caught.value.retry_after == 40
    assert len(world.mailer.sent) == 1
    world.clock.advance(40)
    world.issue()
    assert len(world.mailer.sent) == 2


def test_five_requests_an_hour_with_the_wait_in_retry_after(world: World) -> None:
    for _ in range(5):
        world.issue()
        world.clock.advance(60)
    with pytest.raises(errors.TooManyRequests) as caught:
        world.issue()
    # The first of the five leaves the hour 3600 s after it was sent, 300 s ago.
    assert caught.value.retry_after == 3600 - 300
    world.clock.advance(3600 - 300 - 1)
    with pytest.raises(errors.TooManyRequests):
        world.issue()
    world.clock.advance(1)
    world.issue()
    assert len(world.mailer.sent) == 6


def test_throttle_is_per_address(world: World) -> None:
    world.issue()
    world.service().issue("otro@example.com", PURPOSE_REGISTRATION, OWNER)
    assert [m.to for m in world.mailer.sent] == [EMAIL, "otro@example.com"]


def test_a_racing_request_that_lost_the_conditional_write_is_throttled(world: World) -> None:
    class RacingCodes(MemoryCodes):
        def put(self, record: CodeRecord) -> CodeRecord:
            raise StaleCode()

    world.codes = RacingCodes()
    with pytest.raises(errors.TooManyRequests) as caught:
        world.issue()
    assert caught.value.retry_after == 60
    assert world.mailer.sent == []


# Mail failures -----------------------------------------------------------------------------------


def test_mail_failure_leaves_no_usable_code(world: World) -> None:
    earlier = issued_code(world)
    world.clock.advance(60)
    world.mailer.failing = True
    with pytest.raises(errors.MailUnavailable):
        world.issue()
    undelivered = code_in(world.mailer.refused[-1])
    assert world.stored().code_hash is None
    for code in (undelivered, earlier):
        with pytest.raises(errors.SecurityCodeNotRequested):
            world.check(code)


def test_mail_failure_does_not_count_toward_the_throttle(world: World) -> None:
    world.mailer.failing = True
    for _ in range(6):
        with pytest.raises(errors.MailUnavailable):
            world.issue()
    assert world.stored().sends == []
    world.mailer.failing = False
    code = issued_code(world)
    assert world.check(code)
    assert world.stored().sends == [int(world.clock())]
