from __future__ import annotations

import pytest

from ontzorging.domain.texts import ELLIPSIS, shorten


@pytest.mark.parametrize("length", [0, 1, 199, 200])
def test_a_text_that_fits_is_kept_whole(length: int) -> None:
    assert shorten("a" * length, 200) == "a" * length


@pytest.mark.parametrize("length", [201, 500])
def test_a_longer_text_shows_that_it_was_shortened(length: int) -> None:
    text = "Betaling 12 geannuleerd: " + "x" * length
    short = shorten(text, 200)
    assert len(short) == 200
    assert short.endswith(ELLIPSIS)
    assert text.startswith(short[:-1])


def test_a_limit_below_one_is_a_bug() -> None:
    with pytest.raises(ValueError):
        shorten("abc", 0)
