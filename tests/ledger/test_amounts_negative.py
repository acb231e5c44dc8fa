"""Negative amounts in every spelling a finance export uses, malformed signs refused (never read as
positive), and exact decimals at any length up to the stated limit."""

from decimal import Decimal

import pytest

from tas_classify.ledger.amounts import MAX_DIGITS, AmountError, exact_sum, parse_amount

CREDIT_NOTES = [
    ("-5", "-5"),
    ("\u22125", "-5"),  # − MINUS SIGN
    ("(5)", "-5"),
    ("（5）", "-5"),  # full-width brackets
    ("(\u22125)", "-5"),  # (−5): brackets and a minus say the same thing once
    ("(-5)", "-5"),
    ("－5", "-5"),  # full-width hyphen-minus
    ("5-", "-5"),  # trailing minus (SAP, Kingdee exports)
    ("5 -", "-5"),
    ("￥-500", "-500"),
    ("-￥500", "-500"),
    ("¥(500.00)", "-500.00"),
    ("(¥500.00)", "-500.00"),
    ("(3,000.00)元", "-3000.00"),
    ("-5万元", "-50000"),
    ("红字500", "-500"),
    ("500红冲", "-500"),
    ("红字-500", "-500"),  # the marker and the sign agree: one negative amount
    ("+500", "500"),
]


@pytest.mark.parametrize(("cell", "expected"), CREDIT_NOTES)
def test_every_negative_spelling_is_negative(cell, expected):
    assert parse_amount(cell) == Decimal(expected)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("--5", "more than one minus sign"),
        ("-￥-500", "more than one minus sign"),
        ("\u2212-5", "more than one minus sign"),
        ("-5-", "more than one minus sign"),
        ("+-5", "both a plus and a minus"),
        ("((5))", "brackets"),
        ("(5", "brackets"),
        ("5)", "brackets"),
        ("￥￥5", "written twice"),
        ("5万万", "written twice"),
        ("红字", "not an amount"),
        ("-", "not an amount"),
    ],
)
def test_malformed_signs_are_refused_never_read_as_positive(cell, reason):
    with pytest.raises(AmountError, match=reason):
        parse_amount(cell)


def test_forty_digit_amounts_are_exact():
    """1234567890123456789012345678901234567890.12 + 9876543210987654321098765432109876543210.99
    = 11111111101111111110111111111011111111101.11 (digit by digit; 28-digit Decimal arithmetic
    or a float would round it)."""
    a = parse_amount("1,234,567,890,123,456,789,012,345,678,901,234,567,890.12")
    b = parse_amount("9876543210987654321098765432109876543210.99")
    assert str(a) == "1234567890123456789012345678901234567890.12"
    assert exact_sum([a, b]) == Decimal("11111111101111111110111111111011111111101.11")
    assert str(parse_amount("1234567890123456789012345678901234567890万元")).startswith(
        "12345678901234567890123456789012345678900000"
    )
    assert parse_amount(10**40) == Decimal(10**40)


def test_beyond_the_digit_limit_is_a_clear_refusal():
    with pytest.raises(AmountError, match=f"more than {MAX_DIGITS} digits"):
        parse_amount("9" * (MAX_DIGITS + 1))
    with pytest.raises(AmountError, match=f"more than {MAX_DIGITS} digits"):
        parse_amount("0." + "1" * (MAX_DIGITS + 1))
    with pytest.raises(AmountError, match=f"more than {MAX_DIGITS} digits"):
        parse_amount(1e300)
    assert parse_amount("9" * MAX_DIGITS) == Decimal("9" * MAX_DIGITS)


def test_exact_sum_never_rounds():
    """10^99 + 10^-99 - 10^99 = 10^-99: needs 199 digits, far past the default 28."""
    big, tiny = Decimal(10) ** 99, Decimal(10) ** -99
    assert exact_sum([big, tiny, -big]) == tiny
