"""The OAuth install flow (`tap-hubspot-qobra-connect`), unit and end to end on the simulator.

The end-to-end tests never open a browser: `main` hands the authorize URL to an injected
`open_url`, and the test follows it with an HTTP client so the simulator's 302 lands on the
command's local listener, as a browser would.
"""

from __future__ import annotations

import dataclasses
import queue
import re
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from hubspot_simulator import SIM_CLIENT_ID, SIM_CLIENT_SECRET, Simulator
from tap_hubspot_qobra.connect import build_authorize_url, main
from tap_hubspot_qobra.connect_errors import ConnectError
from tap_hubspot_qobra.connect_listener import CallbackListener
from tap_hubspot_qobra.connect_oauth import exchange_code, fetch_granted_scopes
from tap_hubspot_qobra.tables import REQUIRED_SCOPES

REPO = Path(__file__).resolve().parents[1]
WAIT = 20.0  # upper bound on any wait in these tests; they finish long before it

ALWAYS_ON = ("deals", "companies", "meetings", "calls", "emails", "tasks", "contacts", "owners")
CONNECT_ENVS = ("HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET",
                "TAP_HUBSPOT_QOBRA_CLIENT_ID", "TAP_HUBSPOT_QOBRA_CLIENT_SECRET")


REQ = tuple(REQUIRED_SCOPES)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# ---------------------------------------------------------------- end to end on the simulator


@pytest.fixture
def sim_factory(make_simulator) -> Callable[..., Simulator]:
    """The shared simulator factory of tests/conftest.py."""
    return make_simulator


@pytest.fixture
def sim(sim_factory) -> Simulator:
    return sim_factory()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch) -> None:
    for name in CONNECT_ENVS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


class Run:
    """`main` in a thread; `url()` is the authorize URL it handed to `open_url`."""

    def __init__(self, argv: list[str]) -> None:
        self._urls: queue.Queue[str] = queue.Queue()
        self.rc: int | None = None
        self._thread = threading.Thread(target=self._main, args=(argv,), daemon=True)
        self._thread.start()

    def _main(self, argv: list[str]) -> None:
        self.rc = main(argv, open_url=self._urls.put)

    def url(self) -> str:
        return self._urls.get(timeout=WAIT)

    def follow(self) -> requests.Response:
        """What the browser does: open the URL, follow HubSpot's redirect to the listener."""
        return requests.get(self.url(), allow_redirects=True, timeout=WAIT)

    def finish(self) -> int:
        self._thread.join(WAIT)
        assert not self._thread.is_alive(), "main did not return"
        assert self.rc is not None
        return self.rc


def _argv(sim: Simulator, *extra: str, secret: str = SIM_CLIENT_SECRET) -> list[str]:
    return ["--client-id", SIM_CLIENT_ID, "--client-secret", secret, "--no-browser",
            "--api-url", sim.url, "--authorize-url", sim.url + "/oauth/authorize",
            "--port", "0", *extra]


def _refresh(sim: Simulator, refresh_token: str) -> requests.Response:
    return requests.post(sim.url + "/oauth/v1/token", timeout=WAIT, data={
        "grant_type": "refresh_token", "client_id": SIM_CLIENT_ID,
        "client_secret": SIM_CLIENT_SECRET, "refresh_token": refresh_token,
    })


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_flow_prints_a_working_refresh_token_once(sim, capsys) -> None:
    run = Run(_argv(sim, "--store", "print"))
    page = run.follow()
    assert page.status_code == 200 and "HubSpot connected" in page.text
    assert run.finish() == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert out == token + "\n" and token  # stdout is the token and nothing else
    assert token not in err and SIM_CLIENT_SECRET not in err + out
    assert _refresh(sim, token).json()["access_token"]
    assert "redirect_uri=http%3A%2F%2Flocalhost%3A" in err  # the URL is printed too
    assert "Tables unlocked: deals, companies, line_items, meetings" in err
    assert "Optional tables off: none" in err


def test_flow_lists_the_optional_tables_the_portal_cannot_grant(sim_factory, capsys) -> None:
    sim = sim_factory(portal_scopes=REQ + ("e-commerce",))
    run = Run(_argv(sim, "--timeout", "30"))
    run.follow()
    assert run.finish() == 0
    out, err = capsys.readouterr()
    assert "Tables unlocked: deals, companies, line_items, meetings, calls, emails, tasks, " \
           "contacts, owners\n" in err
    assert "Optional tables off: goals (needs crm.objects.goals.read), custom objects" in err
    assert _refresh(sim, out.strip()).status_code == 200


def test_denied_access_is_one_line(sim_factory, capsys) -> None:
    sim = sim_factory(approve_authorize=False)
    run = Run(_argv(sim))
    assert "Access not granted" in run.follow().text
    assert run.finish() == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert _last_line(err).startswith("error: access was denied in HubSpot (access_denied")


def test_state_mismatch_is_one_line(sim, capsys) -> None:
    run = Run(_argv(sim))
    redirect_uri = _query(run.url())["redirect_uri"][0]
    page = requests.get(redirect_uri, params={"code": "forged", "state": "not-this-run"},
                        timeout=WAIT)
    assert "Sign-in rejected" in page.text
    assert run.finish() == 2
    out, err = capsys.readouterr()
    assert out == "" and "forged" not in err
    assert _last_line(err).startswith("error: the callback's state does not match this run")


def test_timeout_is_one_line(sim, capsys) -> None:
    run = Run(_argv(sim, "--timeout", "0.5"))
    run.url()  # nobody follows it
    assert run.finish() == 2
    assert _last_line(capsys.readouterr().err).startswith("error: timed out after 0.5 s")


def test_bad_client_secret_is_one_line(sim, capsys) -> None:
    run = Run(_argv(sim, secret="not-the-secret"))
    run.follow()
    assert run.finish() == 2
    out, err = capsys.readouterr()
    assert out == "" and "not-the-secret" not in err
    line = _last_line(err)
    assert line.startswith("error: HubSpot rejected the app credentials (BAD_CLIENT_")
    assert "HUBSPOT_CLIENT_SECRET" in line


def test_portal_lacking_a_required_scope_is_one_line(sim_factory, capsys) -> None:
    sim = sim_factory(portal_scopes=tuple(s for s in REQ if s != "crm.objects.deals.read"))
    run = Run(_argv(sim))
    run.follow()
    assert run.finish() == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = _last_line(err)
    assert line.startswith("error: HubSpot refused the install (access_denied: ")
    assert "crm.objects.deals.read" in line and "every required scope" in line


def test_a_grant_without_a_required_scope_is_refused(sim, monkeypatch, capsys) -> None:
    """Should HubSpot ever grant less than asked, the token is refused, not stored."""
    import tap_hubspot_qobra.connect as connect

    real = connect.exchange_code

    def short_grant(*args: object, **kwargs: object):
        grant = real(*args, **kwargs)
        kept = tuple(s for s in grant.scopes if s != "crm.objects.owners.read")
        return dataclasses.replace(grant, scopes=kept)

    monkeypatch.setattr(connect, "exchange_code", short_grant)
    run = Run(_argv(sim))
    run.follow()
    assert run.finish() == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert _last_line(err) == (
        "error: the grant lacks required scopes: crm.objects.owners.read; add them to the app's "
        "required scopes and install it on a portal whose plan has them")


def test_scopes_are_read_back_from_token_info_when_the_response_has_none(sim) -> None:
    with CallbackListener(0) as listener:
        url = build_authorize_url(sim.url + "/oauth/authorize", client_id=SIM_CLIENT_ID,
                                  redirect_uri=listener.redirect_uri, state="st")
        requests.get(url, timeout=WAIT)
        code = listener.wait(WAIT).code
        redirect_uri = listener.redirect_uri
    assert code
    grant = exchange_code(sim.url, client_id=SIM_CLIENT_ID, client_secret=SIM_CLIENT_SECRET,
                          code=code, redirect_uri=redirect_uri)
    assert set(REQ) <= set(grant.scopes or ())
    assert set(fetch_granted_scopes(sim.url, grant.access_token)) == set(grant.scopes or ())
    with pytest.raises(ConnectError, match="rejected the authorization code") as info:
        exchange_code(sim.url, client_id=SIM_CLIENT_ID, client_secret=SIM_CLIENT_SECRET,
                      code=code, redirect_uri=redirect_uri)  # a code works once
    assert code not in str(info.value)


def test_unreachable_hubspot_is_one_line(capsys) -> None:
    with pytest.raises(ConnectError, match="cannot reach HubSpot at http://127.0.0.1:9") as info:
        exchange_code("http://127.0.0.1:9", client_id="c", client_secret="s3cr3t", code="c0de",
                      redirect_uri="http://localhost:1/oauth-callback")
    assert "s3cr3t" not in str(info.value) and "c0de" not in str(info.value)
    assert info.value.exit_code == 1


# ---------------------------------------------------------------- arguments and --store meltano


def test_missing_credentials_are_a_user_error(capsys) -> None:
    assert main(["--no-browser"]) == 2
    assert _last_line(capsys.readouterr().err) == (
        "error: the app's credentials are incomplete: set --client-id or HUBSPOT_CLIENT_ID")


def test_credentials_come_from_either_environment_name(sim, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TAP_HUBSPOT_QOBRA_CLIENT_ID", SIM_CLIENT_ID)
    monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", SIM_CLIENT_SECRET)
    argv = [a for a in _argv(sim) if a not in ("--client-id", SIM_CLIENT_ID,
                                               "--client-secret", SIM_CLIENT_SECRET)]
    run = Run(argv)
    run.follow()
    assert run.finish() == 0
    assert _refresh(sim, capsys.readouterr().out.strip()).status_code == 200


def test_bad_arguments_exit_2(capsys) -> None:
    assert main(["--store", "vault"]) == 2
    assert "invalid choice: 'vault'" in _last_line(capsys.readouterr().err)
    assert main(["--timeout", "0"]) == 2


def test_store_meltano_needs_a_project_before_anything_happens(tmp_path, capsys) -> None:
    opened: list[str] = []
    rc = main(["--client-id", "c", "--client-secret", "a-long-secret", "--store", "meltano",
               "--meltano-project", str(tmp_path)], open_url=opened.append)
    assert rc == 2 and opened == []
    assert _last_line(capsys.readouterr().err) == (
        f"error: {tmp_path} is not a Meltano project (no meltano.yml); pass --meltano-project DIR")


MINIMAL_MELTANO_YML = """\
version: 1
default_environment: dev
environments:
- name: dev
plugins:
  extractors:
  - name: tap-hubspot-qobra
    namespace: tap_hubspot_qobra
    pip_url: -e .
    executable: tap-hubspot-qobra
    settings:
    - name: client_id
    - name: client_secret
      sensitive: true
    - name: refresh_token
      sensitive: true
"""


def _meltano_project(tmp_path: Path) -> Path:
    """A temp copy of the repo's meltano.yml, or a minimal one while that does not exist."""
    project = tmp_path / "project"
    project.mkdir()
    source = REPO / "meltano.yml"
    if source.is_file():
        shutil.copy(source, project / "meltano.yml")
    else:
        (project / "meltano.yml").write_text(MINIMAL_MELTANO_YML)
    return project


@pytest.mark.skipif(not (Path(sys.executable).parent / "meltano").is_file(),
                    reason="meltano is not installed beside this interpreter")
def test_store_meltano_puts_the_refresh_token_in_dotenv(sim, tmp_path, monkeypatch, capsys) -> None:
    project = _meltano_project(tmp_path)
    monkeypatch.setenv("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
    monkeypatch.setenv("MELTANO_CLI_DISABLE_VERSION_CHECK", "true")
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(REPO))  # the command must not follow it
    monkeypatch.setenv("HUBSPOT_CLIENT_ID", SIM_CLIENT_ID)
    monkeypatch.setenv("HUBSPOT_CLIENT_SECRET", SIM_CLIENT_SECRET)
    argv = ["--no-browser", "--api-url", sim.url, "--authorize-url", sim.url + "/oauth/authorize",
            "--store", "meltano", "--meltano-project", str(project)]
    run = Run(argv)
    run.follow()
    assert run.finish() == 0
    out, err = capsys.readouterr()
    dotenv = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    # the env names are meltano's defaults unless the project's meltano.yml renames them
    value = {key.rsplit("_", 2)[-2] + "_" + key.rsplit("_", 1)[-1]: v.strip("'\"")
             for key, v in dotenv.items()}
    token = value["REFRESH_TOKEN"]
    assert value["CLIENT_SECRET"] == SIM_CLIENT_SECRET
    assert _refresh(sim, token).status_code == 200
    yml_after = (project / "meltano.yml").read_text()
    assert token not in yml_after and SIM_CLIENT_SECRET not in yml_after
    assert SIM_CLIENT_ID in yml_after or value.get("CLIENT_ID") == SIM_CLIENT_ID
    assert token not in out + err and SIM_CLIENT_SECRET not in out + err
    assert out == ""
    assert "Stored in the Meltano project" in _last_line(err)
