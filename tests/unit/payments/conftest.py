"""Fixtures for the payments unit tests; the data itself is in ``payments_testdata``."""

from __future__ import annotations

import pytest
from payments_testdata import sample_payment_file

from payments.pain001 import PaymentFile
from payments.schemas import PAIN001_VERSIONS, Pain001Version


@pytest.fixture
def sample_file() -> PaymentFile:
    return sample_payment_file()


@pytest.fixture(params=PAIN001_VERSIONS)
def version(request: pytest.FixtureRequest) -> Pain001Version:
    version: Pain001Version = request.param
    return version
