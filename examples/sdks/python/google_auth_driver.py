#!/usr/bin/python3
"""authchaos driver over google-auth's AuthorizedSession (Debian python3-google-auth 1.5.1).

Documented calls it makes:
  google.oauth2.credentials.Credentials(token, refresh_token=, token_uri=, client_id=, client_secret=)
  google.auth.transport.requests.AuthorizedSession(credentials).request(method, url, data=)
    -- adds the token, and on a 401 refreshes (refresh_token grant) and retries,
       up to max_refresh_attempts (default 2).
Glue: the first password grant (google-auth starts from a token and a refresh
token in hand), the protocol, and a non-2xx answer reported as an error naming
the status, with the body handed back (requests' raise_for_status wording).
"""
import json
import sys
import threading

import requests
from google.auth import exceptions
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.credentials import Credentials

lock = threading.Lock()


def write(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()


class Driver:
    """One target: the AuthorizedSession, built at the first call."""

    def __init__(self, t):
        if t["auth"] != "oauth2-password":
            raise NotImplementedError("google-auth's user Credentials refresh with a refresh token: auth %s gives none" % t["auth"])
        if t.get("dpop") or (t.get("resource_url") and not t.get("token_url")):
            raise NotImplementedError("google-auth's Credentials sign no DPoP proofs and need a token_uri: no discovery from the resource")
        self.t, self.base, self.session, self.mu = t, t["base_url"], None, threading.Lock()

    def authorized(self):
        """The session; glue: the first password grant, once, unless the
        target holds a stored token."""
        with self.mu:
            if self.session is None:
                t = self.t
                access, refresh = t.get("access_token") or None, t.get("refresh_token") or None
                if not access:
                    r = requests.post(t["token_url"], auth=(t["client_id"], t["client_secret"]), data={
                        "grant_type": "password", "username": t.get("username", ""), "password": t.get("password", ""),
                        "scope": " ".join(t.get("scopes") or [])})
                    if r.status_code != 200:
                        raise GrantError(r)
                    access, refresh = r.json()["access_token"], r.json().get("refresh_token")
                creds = Credentials(access, refresh_token=refresh, token_uri=t["token_url"],
                                    client_id=t["client_id"], client_secret=t["client_secret"])
                self.session = AuthorizedSession(creds)
            return self.session


class GrantError(Exception):
    def __init__(self, r):
        super().__init__("token request failed: %d %s" % (r.status_code, r.text))
        self.status = r.status_code


def call(d, msg):
    url = d.base.rstrip("/") + "/" + msg["path"].lstrip("/")
    try:
        r = d.authorized().request(msg["method"], url, data=msg.get("body"))
    except GrantError as e:
        return {"status": e.status, "body": "", "error": str(e)}
    except exceptions.RefreshError as e:
        return {"status": 0, "body": "", "error": "RefreshError: %s" % e}
    except requests.RequestException as e:
        return {"status": 0, "body": "", "error": str(e)}
    err = ""
    try:
        r.raise_for_status()
    except requests.HTTPError as e:
        err = str(e)
    return {"status": r.status_code, "body": r.text, "error": err}


def main():
    d = None
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "configure":
            try:
                d = Driver(msg["target"])
                write({"id": msg["id"], "ok": True})
            except NotImplementedError as e:
                write({"id": msg["id"], "ok": False, "unsupported": True, "error": str(e)})
            except Exception as e:  # the SDK could not start: the harness reports it
                write({"id": msg["id"], "ok": False, "error": str(e)})
        elif msg["op"] == "call":
            def run(m=msg):
                res = call(d, m)
                res["id"] = m["id"]
                write(res)
            threading.Thread(target=run, daemon=True).start()
        elif msg["op"] == "close":
            write({"id": msg["id"], "ok": True})
            return


if __name__ == "__main__":
    main()
