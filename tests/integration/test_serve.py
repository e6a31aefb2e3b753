"""`einkauf serve` runs the app under waitress, the production WSGI server."""
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from einkauf.migrate import upgrade


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_einkauf_serve_answers_on_the_given_port(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    upgrade(url)
    port = _free_port()
    env = {**os.environ, "EINKAUF_DATABASE_URL": url, "EINKAUF_INSTANCE_PATH": str(tmp_path / "instance")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from einkauf.cli import main; main()", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/anmelden", timeout=2) as response:
                    body = response.read().decode()
                    headers = response.headers
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert "Anmelden" in body
        assert headers["Server"] == "einkauf"  # waitress' ident, not the Werkzeug development server
        assert "object-src 'none'" in headers["Content-Security-Policy"]
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output


def test_a_command_on_an_unmigrated_database_says_so_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from einkauf.cli import main

    monkeypatch.setenv("EINKAUF_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setenv("EINKAUF_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["lots", "build", "2027"])
    assert result.exit_code == 1
    assert "einkauf db upgrade" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_in_production_without_a_secret_key_says_so_in_one_german_line(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("EINKAUF_")}
    env.update({"EINKAUF_ENV": "production", "EINKAUF_INSTANCE_PATH": str(tmp_path / "instance"),
                "EINKAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    done = subprocess.run([sys.executable, "-c", "from einkauf.cli import main; main()", "serve",
                           "--port", str(_free_port())], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "Fehler: EINKAUF_SECRET_KEY muss außerhalb der Entwicklung gesetzt sein."
    ]


def test_an_unusable_proxy_setting_stops_serve_with_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from einkauf.cli import main

    monkeypatch.setenv("EINKAUF_TRUSTED_PROXIES", "viele")
    monkeypatch.setenv("EINKAUF_INSTANCE_PATH", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "EINKAUF_TRUSTED_PROXIES" in result.stderr


@pytest.mark.parametrize("proxies", ["0", "1"])
def test_serve_believes_forwarded_headers_only_with_a_trusted_proxy(tmp_path, proxies):
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    upgrade(url)
    port = _free_port()
    env = {**os.environ, "EINKAUF_DATABASE_URL": url, "EINKAUF_INSTANCE_PATH": str(tmp_path / "instance"),
           "EINKAUF_TRUSTED_PROXIES": proxies}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from einkauf.cli import main; main()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    request = urllib.request.Request(f"http://127.0.0.1:{port}/anmelden",
                                     headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    headers = response.headers
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert ("Strict-Transport-Security" in headers) is (proxies == "1")


def test_a_port_in_use_ends_with_one_german_line_and_never_says_it_runs(tmp_path):
    """Issue 16 part 10: the socket is bound before anything is announced."""
    url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    upgrade(url)
    env = {**os.environ, "EINKAUF_DATABASE_URL": url, "EINKAUF_INSTANCE_PATH": str(tmp_path / "instance"),
           "EINKAUF_EXPORT_DIR": str(tmp_path / "exports")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-c", "from einkauf.cli import main; main()", "serve", "--host",
                               "127.0.0.1", "--port", str(port)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "läuft auf" not in done.stdout
    assert done.stderr.strip().splitlines() == [
        f"Fehler: Port {port} auf 127.0.0.1 ist schon belegt – läuft einkauf bereits? "
        "Anderen Port wählen: einkauf serve --port …"]
