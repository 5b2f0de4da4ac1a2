"""Wilson's interval and Newcombe's difference interval against the published values (Newcombe 1998,
"Two-sided confidence intervals for the single proportion", Table I, method 3; and "Interval estimation
for the difference between independent proportions", Table II, method 10)."""

from __future__ import annotations

import pytest

from playground.sweep.stats import difference, newcombe, rate, wilson


@pytest.mark.parametrize("k,n,lo,hi", [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0000),
])
def test_wilson_matches_newcombe_1998(k, n, lo, hi):
    got = wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=5e-5)


@pytest.mark.parametrize("a,b,lo,hi", [
    ((56, 70), (48, 80), 0.0524, 0.3339),
    ((9, 10), (3, 10), 0.1705, 0.8090),
    ((5, 56), (0, 29), -0.0381, 0.1926),
])
def test_newcombe_difference_matches_method_10(a, b, lo, hi):
    assert newcombe(*a, *b) == pytest.approx((lo, hi), abs=5e-5)


def test_edges_and_symmetry():
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    lo, hi = wilson(3, 10)
    assert wilson(7, 10) == pytest.approx((1 - hi, 1 - lo))
    with pytest.raises(ValueError):
        wilson(11, 10)


def test_rate_and_difference_entries():
    a, b = rate(25, 40), rate(4, 40)
    assert a["k"] == 25 and a["n"] == 40 and a["rate"] == 0.625 and a["ci"] == list(wilson(25, 40))
    d = difference(a, b)
    assert d["difference"] == a["rate"] - b["rate"]
    assert d["ci"][0] < d["difference"] < d["ci"][1]
    assert rate(0, 0)["rate"] is None and difference(rate(0, 0), b)["difference"] is None
