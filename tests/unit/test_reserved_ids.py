"""Reserved IDs (R-HARD-2, chalicelib/domain/reserved_ids.py), with no AWS at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.domain import fields, reserved_ids

LIST = Path(reserved_ids.__file__).resolve().parent.parent / "data" / "reserved-user-ids.txt"

RFC_2142 = [
    "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster",
    "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp",
]  # fmt: skip
CA_BROWSER_FORUM = ["admin", "administrator", "webmaster", "hostmaster", "postmaster", "root"]
CA_LEGACY = ["ssladmin", "ssl-admin", "ssladministrator", "sslwebmaster", "sysadmin"]
SYSTEM = ["mailer-daemon", "noreply", "no-reply", "no-responder", "nobody", "daemon", "bounce"]
AGENCY = [
    "senae", "aduana", "aduanas", "ecuapass", "soporte", "seguridad", "administrador", "ayuda",
    "contacto",
]  # fmt: skip


@pytest.mark.parametrize("name", RFC_2142 + CA_BROWSER_FORUM + CA_LEGACY + SYSTEM + AGENCY)
def test_role_and_agency_names_are_reserved_r_hard_2(name: str) -> None:
    assert reserved_ids.is_reserved(fields.normalise_user_id(name))


@pytest.mark.parametrize(
    "user_id",
    [
        "No.Reply",
        "no_reply",
        "noreply",
        "mailer_daemon",
        "MAILER.DAEMON",
        "mailerdaemon",
        "no-responder",
        "no.responder",
        "post_master",
        "admin1",
        "admin2026",
        "root.01",
        "s.e.n.a.e",
        "ADMINISTRADOR",
    ],
)
def test_separators_case_and_digits_are_folded_r_hard_2(user_id: str) -> None:
    assert reserved_ids.is_reserved(fields.normalise_user_id(user_id))


@pytest.mark.parametrize(
    "user_id", ["senae.soporte", "soporte-senae", "noreply.aduana", "ecuapass_admin", "infosenae"]
)
def test_an_id_spelled_only_of_reserved_names_is_reserved_r_hard_2(user_id: str) -> None:
    assert reserved_ids.is_reserved(user_id)


@pytest.mark.parametrize(
    "user_id",
    [
        "juan.perez1",
        "maria.lopez",
        "juan.soporte",
        "adminjuan",
        "rootbeer",
        "information.x",
        "1234",
        "9to5",
        "m.lopez-2026_ec",
        "ana.aduanera",
    ],
)
def test_ordinary_ids_are_not_reserved_r_hard_2(user_id: str) -> None:
    assert not reserved_ids.is_reserved(user_id)


def test_the_list_is_data_with_its_sources_and_one_plain_name_a_line_r_hard_2() -> None:
    text = LIST.read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    for source in ("RFC 2142", "CA/Browser Forum", "SENAE", "Ecuapass"):
        assert source in header
    names = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name), name
        assert len(reserved_ids.fold(name)) >= 3, name


def test_the_message_says_to_choose_another_id_r_hard_2() -> None:
    assert "reservado" in reserved_ids.MESSAGE
    assert "Elija otro ID de usuario" in reserved_ids.MESSAGE
