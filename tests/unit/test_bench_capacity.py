"""The bench's request-unit arithmetic (bench/capacity.py) follows DynamoDB's billing rules, since
moto's own ConsumedCapacity figures are placeholders: these are the rules the cost in
docs/performance.md rests on (CapacityUnitCalculations in the DynamoDB developer guide)."""

from __future__ import annotations

from bench.capacity import item_size, read_units, value_size, write_units


def test_item_size_counts_attribute_names_and_utf8_bytes_of_strings():
    assert item_size({"user_id": {"S": "juan.perez1"}}) == len("user_id") + 11
    assert item_size({"name": {"S": "Pérez"}}) == 4 + 6  # é is two bytes in UTF-8


def test_numbers_cost_one_byte_per_two_significant_digits_plus_one():
    assert value_size({"N": "1790000000"}) == 3  # 179: two bytes of digits, plus one
    assert value_size({"N": "0.5"}) == 2
    assert value_size({"N": "-12345"}) == 4


def test_lists_maps_and_sets_follow_their_overheads():
    assert value_size({"L": [{"N": "1"}, {"N": "22"}]}) == 3 + (1 + 2) + (1 + 2)
    assert value_size({"M": {"a": {"S": "xy"}}}) == 3 + 1 + 1 + 2
    assert value_size({"SS": ["ab", "cde"]}) == 5
    assert value_size({"BOOL": True}) == value_size({"NULL": True}) == 1


def test_reads_round_each_item_up_to_4_kb_and_halve_when_eventually_consistent():
    assert read_units(0, consistent=True) == 1.0  # a missing item still costs the minimum
    assert read_units(4096, consistent=True) == 1.0
    assert read_units(4097, consistent=True) == 2.0
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(100, consistent=True, transactional=True) == 2.0


def test_writes_bill_the_larger_image_per_1_kb_and_double_inside_a_transaction():
    assert write_units(0, 10) == 1.0
    assert write_units(1025, 200) == 2.0
    assert write_units(300, 1500, transactional=True) == 4.0
