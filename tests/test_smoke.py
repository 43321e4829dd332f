from tests.helpers import register


def test_registration_end_to_end(client):
    answer = register(client)
    assert answer.status == 201, answer.body
