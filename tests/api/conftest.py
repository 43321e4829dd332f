"""Fixtures of the API tests: a signed-in user and the profile GET /v1/account gives them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import get_profile, signed_in


@pytest.fixture
def token(client: Any) -> str:
    return signed_in(client)


@pytest.fixture
def profile(client: Any, token: str) -> dict[str, Any]:
    answer = get_profile(client, token)
    assert answer.status == 200
    return dict(answer.body)
