"""`make run` serves the demo with a contracting authority (name and address) for the cover of the
tender documents, unless EINKAUF_COOPERATIVE_NAME / _ADDRESS are set (issue 10, item 4)."""
from __future__ import annotations

import os
import subprocess

from einkauf.config import PROJECT_ROOT, load_config


def _serve_environment(**env) -> dict[str, str]:
    """The EINKAUF_COOPERATIVE_* values `make run` would give `einkauf serve` (dry run, then a shell)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EINKAUF_COOPERATIVE_")} | env
    printed = subprocess.run(["make", "--no-print-directory", "-n", "run"], cwd=PROJECT_ROOT, env=environment,
                             capture_output=True, text=True, check=True).stdout
    serve = printed[printed.index("EINKAUF_COOPERATIVE_NAME="):].replace("\\\n", " ")
    serve = serve[:serve.index("einkauf serve")].rsplit(None, 1)[0]  # without the path of `einkauf`
    probe = f"{serve} env"
    shown = subprocess.run(["sh", "-c", probe], env=environment, capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in shown.splitlines() if line.startswith("EINKAUF_COOPERATIVE_"))


def test_make_run_configures_the_demo_authority_with_an_address(monkeypatch, tmp_path):
    for name, value in _serve_environment().items():
        monkeypatch.setenv(name, value)
    config = load_config({"TESTING": True, "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path)})
    assert config["COOPERATIVE_NAME"] == "Einkaufskooperation NRW-Großstädte"
    assert config["COOPERATIVE_ADDRESS"].splitlines() == ["Geschäftsstelle der Einkaufskooperation",
                                                          "Beispielstraße 1", "44135 Dortmund"]


def test_an_authority_set_in_the_environment_wins():
    values = _serve_environment(EINKAUF_COOPERATIVE_NAME="Stadt Hamm – Zentrale Vergabestelle",
                                EINKAUF_COOPERATIVE_ADDRESS="Theodor-Heuss-Platz 16\\n59065 Hamm")
    assert values["EINKAUF_COOPERATIVE_NAME"] == "Stadt Hamm – Zentrale Vergabestelle"
    assert values["EINKAUF_COOPERATIVE_ADDRESS"] == "Theodor-Heuss-Platz 16\\n59065 Hamm"
