from decimal import Decimal

import pytest

from tas_classify.ledger.amounts import AmountError, parse_amount


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1,234.56", "1234.56"),
        ("1234", "1234"),
        ("￥1,234.56", "1234.56"),
        ("¥ 80", "80"),
        ("RMB 1,000.00", "1000.00"),
        ("100元", "100"),
        ("12.5万元", "125000"),
        ("12.5万", "125000"),
        ("1.2亿元", "120000000"),
        ("3千元", "3000"),
        ("１２３４．５０", "1234.50"),
        ("１，２３４", "1234"),
        ("-1,234.56", "-1234.56"),
        ("－500", "-500"),
        ("−300", "-300"),
        ("(3,000.00)", "-3000.00"),
        ("（3,000.00）", "-3000.00"),
        ("￥-500", "-500"),
        ("-5万元", "-50000"),
        (12800, "12800"),
        (12800.5, "12800.5"),
        (-30.25, "-30.25"),
    ],
)
def test_parse_amount(cell, expected):
    assert parse_amount(cell) == Decimal(expected)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("", "blank"),
        ("   ", "blank"),
        (None, "blank"),
        ("待定", "not an amount"),
        ("1,23", "not an amount"),
        ("1.234,56", "not an amount"),
        ("12-34", "not an amount"),
        ("USD 1,000", "foreign currency"),
        ("$500", "foreign currency"),
        ("500美元", "foreign currency"),
        (float("nan"), "not a finite"),
        (True, "not an amount"),
    ],
)
def test_unreadable_amounts_are_errors_not_zero(cell, reason):
    with pytest.raises(AmountError, match=reason):
        parse_amount(cell)


def test_a_spreadsheet_text_marker_is_not_part_of_the_amount():
    """A CSV written with formula escaping carries '-200元: the quote is Excel's text marker."""
    from tas_classify.ledger.amounts import parse_amount as read

    assert read("'-200元") == Decimal("-200")
    assert read("' 1,000.50") == Decimal("1000.50")
    with pytest.raises(AmountError):
        read("'")
    with pytest.raises(AmountError):
        read("''100")
