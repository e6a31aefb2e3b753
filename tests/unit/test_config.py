"""Configuration from the environment (DESIGN.md)."""
import pytest

from einkauf.config import ConfigError, load_config


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("EINKAUF_ENV", "production")
    monkeypatch.delenv("EINKAUF_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="EINKAUF_SECRET_KEY"):
        load_config({"INSTANCE_PATH": str(tmp_path)})


def test_production_uses_secure_cookies_and_the_given_key(monkeypatch, tmp_path):
    monkeypatch.setenv("EINKAUF_ENV", "production")
    monkeypatch.setenv("EINKAUF_SECRET_KEY", "k" * 64)
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert config["SECRET_KEY"] == "k" * 64
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_keeps_a_random_key_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("EINKAUF_ENV", raising=False)
    monkeypatch.delenv("EINKAUF_SECRET_KEY", raising=False)
    first = load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_and_export_folder_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("EINKAUF_DATABASE_URL", "postgresql+psycopg://einkauf@db/einkauf")
    monkeypatch.setenv("EINKAUF_EXPORT_DIR", str(tmp_path / "out"))
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert config["DATABASE_URL"] == "postgresql+psycopg://einkauf@db/einkauf"
    assert config["EXPORT_DIR"] == str(tmp_path / "out")


def test_the_default_database_is_a_sqlite_file_under_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("EINKAUF_DATABASE_URL", raising=False)
    config = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'einkauf.sqlite'}"
