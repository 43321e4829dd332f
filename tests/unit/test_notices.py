"""The security notices' texts (issue 8): each says when, from which IP address, and what to do
if it was not the owner; links are anchors in the HTML and whole lines in the text."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chalicelib.domain import errors, messages
from chalicelib.domain.clock import ecuador_time
from chalicelib.domain.notices import Notices
from chalicelib.domain.records import Origin
from tests.helpers import a_user

WHEN = ecuador_time(1_790_000_000)
IP = "203.0.113.9"
RECOVER = "https://registro.example/recuperar.html?id=ana.torres"
UNDO = "https://registro.example/undo-email.html?token=" + "A" * 43

NOTICES: dict[str, Callable[[], messages.Mail]] = {
    "password changed": lambda: messages.password_changed(
        "ana.torres", WHEN, IP, recover_link=RECOVER
    ),
    "password recovered": lambda: messages.password_recovered(
        "ana.torres", WHEN, IP, recover_link=RECOVER
    ),
    "e-mail replaced": lambda: messages.email_replaced(
        "ana.torres", "nueva@example.org", WHEN, IP, undo_link=UNDO, undo_lifetime="3 días"
    ),
    "e-mail restored": lambda: messages.email_restored(
        "ana.torres", WHEN, IP, recover_link=RECOVER
    ),
    "e-mail change undone": lambda: messages.email_change_undone(
        "ana.torres", "ana@example.org", WHEN, IP
    ),
    "e-mail change confirmed": lambda: messages.email_change_confirmed("ana.torres", WHEN, IP),
    "deactivated": lambda: messages.deactivated("ana.torres", WHEN, IP),
    "locked": lambda: messages.account_locked(
        "ana.torres", WHEN, IP, failures=5, minutes=15, recover_link=RECOVER
    ),
}


@pytest.mark.parametrize("name", sorted(NOTICES))
def test_every_notice_says_when_from_where_and_what_to_do_if_it_was_not_the_owner(
    name: str,
) -> None:
    subject, text, html = NOTICES[name]()
    assert subject.startswith("Ecuapass: ")
    for body in (text, html):
        assert WHEN in body and IP in body and "ana.torres" in body
        assert "Si usted no" in body or "Si no fue usted" in body or "Si usted NO" in body


@pytest.mark.parametrize("name", sorted(NOTICES))
def test_links_are_anchors_in_the_html_and_whole_lines_in_the_text(name: str) -> None:
    _, text, html = NOTICES[name]()
    for link in (RECOVER, UNDO):
        if link in text:
            assert f"\n{link}\n" in text
            assert f'<a href="{link}">{link}</a>' in html


def test_the_replaced_notice_names_the_new_address_only_masked() -> None:
    _, text, html = NOTICES["e-mail replaced"]()
    assert "nu***@example.org" in text and "nueva@example.org" not in text + html
    assert "vence en 3 días" in text and UNDO in text


def test_the_recovery_code_mail_shows_the_id_and_the_code_alone_on_its_line() -> None:
    subject, text, html = messages.recovery_code("ana.torres", "ABCD2345", "15 minutos", WHEN, IP)
    assert subject == "RECUPERACIÓN DE CONTRASEÑA"
    assert "\nABCD2345\n" in text and ">ABCD2345<" in html
    assert "ana.torres" in text and "15 minutos" in text and IP in text


class RefusingMailer:
    def send(self, to: str, subject: str, text: str, html: str) -> None:
        raise errors.MailUnavailable()


def test_a_notice_that_cannot_be_sent_is_logged_not_raised(caplog: pytest.LogCaptureFixture):
    user = a_user(
        password_hash="x",
        province="09",
        city="0901",
        address="Av. 9 de Octubre 100",
        phone1="042345678",
        email="ana@example.org",
    )
    notices = Notices(RefusingMailer(), "https://registro.example")
    notices.password_recovered(user, 1_790_000_000, Origin(IP))
    assert "security notice not sent" in caplog.text
