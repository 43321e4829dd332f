"""The arithmetic docs/performance.md rests on, besides the request units (test_bench_capacity.py):
the loopback range API's answers (R-ABUSE-2), the cost of an invocation by what triggered it
(R-OPS-1, R-MAIL-1), and the solve time's 90th percentile (R-ABUSE-1)."""

from __future__ import annotations

import re

from bench import cost, pricing
from bench.actions import padded_range
from bench.report import _quantile
from chalicelib.domain.breached_passwords import split_hash, suffix_listed

ROW = {
    "project_cpu_ms": 1.0,
    "hash_cpu_ms": 0.0,
    "calls": {"dynamodb:UpdateItem": 1},
    "range_gets": 0,
    "read_units": 0.0,
    "write_units": 1.0,
    "mails": 0,
}


def test_the_loopback_range_api_answers_padded_ranges_that_list_no_bench_password():
    prefix, suffix = split_hash("Clave2026segura")
    text = padded_range(prefix)
    lines = text.split("\r\n")
    assert 800 <= len(lines) <= 1000
    assert all(re.fullmatch(r"[0-9A-F]{35}:\d+", line) for line in lines)
    assert any(line.endswith(":0") for line in lines)  # padding lines
    assert text == padded_range(prefix)  # the same answer for the same prefix
    assert not suffix_listed(text, suffix)


def test_an_invocation_pays_api_gateway_only_through_the_api_and_sns_only_for_feedback():
    api = cost.invocation_cost(ROW, 1024)
    feedback = cost.invocation_cost(ROW, 1024, trigger="sns")
    scheduled = cost.invocation_cost(ROW, 1024, trigger="schedule")
    assert api["api_gateway"] == pricing.API_GATEWAY_REST.dollars and api["sns"] == 0
    assert feedback["api_gateway"] == 0 and feedback["sns"] == pricing.SNS_PUBLISH.dollars
    assert scheduled["api_gateway"] == scheduled["sns"] == 0
    assert api["dynamodb"] == pricing.DYNAMODB_WRITE.dollars


def test_a_range_get_is_billed_as_waiting_time():
    without = cost.invocation_cost(ROW, 1024)["billed_ms"]
    with_get = cost.invocation_cost({**ROW, "range_gets": 1}, 1024)["billed_ms"]
    assert with_get - without == pricing.RANGE_GET_LATENCY_MS


def test_the_90th_percentile_interpolates_between_the_closest_ranks():
    assert _quantile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 0.9) == 10.0
    assert _quantile([0.0, 10.0], 0.9) == 9.0
    assert _quantile([4.0], 0.9) == 4.0
