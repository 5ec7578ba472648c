"""The print batch size and the monthly run's workers are settings, validated
like the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontzorging.settings import SettingsError, load_settings


def test_the_default_is_500_letters() -> None:
    assert load_settings().print_batch_letters == 500


@pytest.mark.parametrize("value", ["0", "10001", '"500"', "true", "2.5"])
def test_a_bad_batch_size_names_its_key(tmp_path: Path, value: str) -> None:
    config = tmp_path / "print.toml"
    config.write_text(f"[overviews]\nprint_batch_letters = {value}\n", "utf-8")
    with pytest.raises(
        SettingsError,
        match=r"^overviews\.print_batch_letters: must be a whole number from 1 to 10000",
    ):
        load_settings(config)


def test_a_batch_size_can_be_set(tmp_path: Path) -> None:
    config = tmp_path / "print.toml"
    config.write_text("[overviews]\nprint_batch_letters = 250\n", "utf-8")
    assert load_settings(config).print_batch_letters == 250


def test_workers_default_to_one_per_processor() -> None:
    assert load_settings().overview_workers == 0


@pytest.mark.parametrize("value", ["-1", "17", '"2"', "true", "1.5"])
def test_a_bad_worker_count_names_its_key(tmp_path: Path, value: str) -> None:
    config = tmp_path / "workers.toml"
    config.write_text(f"[overviews]\nworkers = {value}\n", "utf-8")
    with pytest.raises(
        SettingsError, match=r"^overviews\.workers: must be a whole number from 0 to 16"
    ):
        load_settings(config)


def test_one_worker_can_be_set(tmp_path: Path) -> None:
    config = tmp_path / "workers.toml"
    config.write_text("[overviews]\nworkers = 1\n", "utf-8")
    assert load_settings(config).overview_workers == 1
