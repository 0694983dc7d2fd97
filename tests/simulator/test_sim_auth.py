"""Authentication, scopes and the OAuth endpoints."""

from __future__ import annotations

import urllib.parse

from hubspot_simulator import SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_PRIVATE_TOKEN, SIM_REFRESH_TOKEN


def refresh(http, sim, token=SIM_REFRESH_TOKEN, **extra):
    form = {"grant_type": "refresh_token", "client_id": SIM_CLIENT_ID,
            "client_secret": SIM_CLIENT_SECRET, "refresh_token": token, **extra}
    return http.post(f"{sim.url}/oauth/v1/token", data=form)


def test_missing_or_unknown_token_is_401(sim, session_for):
    for token in (None, "nope"):
        r = session_for(token).get(f"{sim.url}/crm/v3/objects/deals")
        assert r.status_code == 401 and r.json()["category"] == "INVALID_AUTHENTICATION"


def test_missing_scope_is_403_with_hubspot_body(sim, session_for):
    token = sim.make_private_token(["crm.objects.contacts.read"])
    assert session_for(token).get(f"{sim.url}/crm/v3/objects/contacts").status_code == 200
    r = session_for(token).get(f"{sim.url}/crm/v3/objects/deals")
    body = r.json()
    assert r.status_code == 403 and body["category"] == "MISSING_SCOPES" and body["status"] == "error"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.deals.read"]
    assert body["links"] == {"scopes": "https://developers.hubspot.com/scopes"}
    assert body["message"].startswith("This app hasn't been granted all required scopes")
    r = session_for(token).get(f"{sim.url}/crm/v3/owners")
    assert r.status_code == 403


def test_alternative_scopes_grant_access(sim, session_for):
    token = sim.make_private_token(["e-commerce", "crm.schemas.deals.read"])
    s = session_for(token)
    assert s.get(f"{sim.url}/crm/v3/objects/line_items").status_code == 200
    assert s.get(f"{sim.url}/crm/v3/properties/deals").status_code == 200
    assert s.get(f"{sim.url}/crm/v3/objects/deals").status_code == 403


def test_refresh_grant_and_use(sim, http, session_for):
    r = refresh(http, sim)
    body = r.json()
    assert r.status_code == 200 and body["token_type"] == "bearer" and body["expires_in"] == 1800
    assert body["refresh_token"] == SIM_REFRESH_TOKEN and body["hub_id"] and body["user_id"]
    assert "crm.objects.deals.read" in body["scopes"]
    assert session_for(body["access_token"]).get(f"{sim.url}/crm/v3/objects/deals").status_code == 200
    assert sim.stats["tokens_issued"] == 1 and sim.stats["refreshes"] == 1 and sim.stats["oauth"] == 1


def test_refresh_errors(sim, http):
    r = refresh(http, sim, client_id="other")
    assert r.status_code == 400 and r.json()["status"] == "BAD_CLIENT_ID"
    r = refresh(http, sim, token="unknown")
    assert r.status_code == 400 and r.json()["status"] == "BAD_REFRESH_TOKEN"
    assert r.json()["message"] == "missing or unknown refresh token"
    token = sim.make_refresh_token(["crm.objects.contacts.read"])
    assert refresh(http, sim, token=token).status_code == 200
    sim.revoke(token)
    assert refresh(http, sim, token=token).json()["status"] == "BAD_REFRESH_TOKEN"


def test_expired_token_is_401_expired(make_sim, session_for):
    sim = make_sim(token_ttl_s=0)
    http = session_for(None)
    token = refresh(http, sim).json()["access_token"]
    r = session_for(token).get(f"{sim.url}/crm/v3/objects/deals")
    body = r.json()
    assert r.status_code == 401 and body["category"] == "EXPIRED_AUTHENTICATION"
    assert body["message"].startswith("The OAuth token used to make this call expired ")
    assert body["message"].endswith(" second(s) ago.") and body["context"]["expire time"]


def _authorize(http, sim, **params):
    query = {"client_id": SIM_CLIENT_ID, "redirect_uri": "http://localhost:9/cb", "state": "xyz",
             "scope": "crm.objects.deals.read oauth", **params}
    r = http.get(f"{sim.url}/oauth/authorize", params=query, allow_redirects=False)
    location = r.headers.get("Location", "")
    return r, dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def test_authorization_code_flow(make_sim, session_for):
    sim = make_sim(portal_scopes={"crm.objects.deals.read", "oauth", "crm.objects.custom.read"})
    http = session_for(None)
    r, params = _authorize(http, sim, optional_scope="crm.objects.custom.read crm.objects.goals.read")
    assert r.status_code == 302 and params["state"] == "xyz" and params["code"]
    form = {"grant_type": "authorization_code", "client_id": SIM_CLIENT_ID, "client_secret": SIM_CLIENT_SECRET,
            "redirect_uri": "http://localhost:9/cb", "code": params["code"]}
    body = http.post(f"{sim.url}/oauth/v1/token", data=form).json()
    assert set(body["scopes"]) == {"crm.objects.deals.read", "oauth", "crm.objects.custom.read"}
    assert refresh(http, sim, token=body["refresh_token"]).status_code == 200
    again = http.post(f"{sim.url}/oauth/v1/token", data=form)
    assert again.status_code == 400 and again.json()["status"] == "BAD_AUTH_CODE"
    info = http.get(f"{sim.url}/oauth/v1/access-tokens/{body['access_token']}").json()
    assert set(info["scopes"]) == set(body["scopes"]) and info["hub_id"]


def test_authorize_denials(make_sim, session_for):
    sim = make_sim(portal_scopes={"oauth"})
    http = session_for(None)
    r, params = _authorize(http, sim)
    assert r.status_code == 302 and params["error"] == "access_denied" and params["state"] == "xyz"
    assert "crm.objects.deals.read" in params["error_description"] and "code" not in params
    sim.config.portal_scopes = None
    sim.config.approve_authorize = False
    assert _authorize(http, sim)[1]["error"] == "access_denied"
    r, _ = _authorize(http, sim, client_id="unknown")
    assert r.status_code == 400 and r.json()["status"] == "BAD_CLIENT_ID"


def test_token_info_endpoints(sim, http):
    r = http.get(f"{sim.url}/oauth/v1/access-tokens/{SIM_PRIVATE_TOKEN}")
    assert r.status_code == 404 and r.json()["category"] == "OBJECT_NOT_FOUND"
    access = refresh(http, sim).json()["access_token"]
    r = http.post(f"{sim.url}/oauth/v3/token/introspect",
                  data={"client_id": SIM_CLIENT_ID, "client_secret": SIM_CLIENT_SECRET, "token": access})
    assert r.json()["active"] is True and "crm.objects.owners.read" in r.json()["scopes"]
    r = http.post(f"{sim.url}/oauth/v3/token/introspect", data={"token": "garbage"})
    assert r.json() == {"active": False}
