#!/usr/bin/env node
// Reference driver for authchaos: a resilient HTTP client that speaks the
// driver protocol (JSON lines on stdin/stdout). Copy its structure for an SDK
// in another language; the protocol is described in README.md.
// Node 20+, no dependencies. Logs go to stderr; stdout carries only answers.
'use strict';

const crypto = require('node:crypto');
const { STATUS_CODES } = require('node:http');
const readline = require('node:readline');

const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_WAITS = 3;
// Retry-After is followed as the server says, up to what a call can
// wait inside the harness's answer timeout (default 15s); a longer wait
// is not started: the call gives up saying so.
const RETRY_AFTER_CAP_MS = Number(process.env.DRIVER_RETRY_AFTER_CAP_MS) || 12000;
// How long to wait before looking again past a captive portal, which
// does not say when it will let us through.
const PORTAL_WAIT_MS = 1000;
// Below the harness's default 10s answer timeout, so a dead server gives a
// named error instead of a "driver did not answer".
const HTTP_TIMEOUT_MS = Number(process.env.DRIVER_HTTP_TIMEOUT_MS) || 8000;

// The scheme each auth kind presents to the API (lower-case, as compared);
// an OAuth 2 kind presents 'dpop' instead when the target asks for DPoP.
const SCHEME_OF = {
  'oauth2-password': 'bearer', 'oauth2-client-credentials': 'bearer', 'oauth2-device-code': 'bearer',
  session: 'session', basic: 'basic', 'api-key': 'apikey', digest: 'digest',
};
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
// A session server names its login scheme freely (Session, Cookie, Form...);
// only these are known to need a credential a session client lacks.
const CREDENTIAL_SCHEMES = new Set(['basic', 'bearer', 'apikey', 'digest', 'negotiate', 'ntlm', 'dpop']);

const log = (msg) => process.stderr.write(`[node-driver] ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Thrown for a reason to give up; its message goes verbatim into "error",
// so it must name the cause.
// status, when set, is the answer that ended the call (a token endpoint's
// refusal), reported when no API answer came.
class GiveUp extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}
// Thrown by configure for a target this client cannot honour: the
// scenario is a SKIP, not a failure.
class Unsupported extends Error {}

class Client {
  constructor(target) {
    if (!SCHEME_OF[target.auth]) throw new Unsupported(`unsupported auth kind ${JSON.stringify(target.auth)}; this driver speaks ${Object.keys(SCHEME_OF).join(', ')}`);
    if (target.dpop && !target.auth.startsWith('oauth2-')) throw new Unsupported(`dpop: true needs an OAuth 2 auth kind, not ${target.auth}`);
    if (target.resource_url && !target.token_url && target.auth !== 'oauth2-client-credentials') {
      throw new Unsupported(`discovery from resource_url is done for oauth2-client-credentials only, not ${target.auth}`);
    }
    this.t = target;
    try {
      this.base = new URL(target.base_url);
    } catch {
      throw new Error(`base_url ${JSON.stringify(target.base_url)} is not an absolute URL`);
    }
    this.scopes = new Set(target.scopes || []);
    this.granted = new Set(this.scopes); // scopes of the current token
    this.accessToken = target.access_token || '';
    this.refreshToken = target.refresh_token || '';
    this.cookies = new Map();
    this.renewing = null; // the one token refresh or login in flight
    this.credentialsRejected = ''; // sticky: retrying a bad password locks accounts
    this.cookieProblem = ''; // sticky: why the login's session cookie never comes back
    this.tokenURL = target.token_url || ''; // or discovered from resource_url
    this.resource = ''; // the RFC 8707 resource indicator, once discovered
    this.dpop = target.dpop ? new DPoPSigner() : null;
    this.digest = null; // the last Digest challenge answered, and its count
  }

  // The scheme the API sees from this client.
  primaryScheme() {
    return this.dpop ? 'dpop' : SCHEME_OF[this.t.auth];
  }

  // One protocol call. Every recovery has a budget, so a call is bounded no
  // matter what the server does.
  async call(method, path, body) {
    const budget = { renew: 1, stepUp: 1, switchScheme: 1, waits: MAX_RETRY_AFTER_WAITS, portal: 1, nonce: 1, challenge: 1, discover: 1 };
    let scheme = this.primaryScheme();
    let last = null;
    try {
      for (;;) {
        const used = await this.credential(scheme);
        last = null; // status 0 unless this attempt gets an answer
        last = await this.send(method, this.url(path), body, used.headers);
        if (last.status < 400 && !this.portalPage(last)) return { status: last.status, body: last.text, error: '' };
        if (last.status < 400) {
          // Keep the credentials (the portal never saw them) and look again
          // once: the user may accept its terms meanwhile.
          if (!spend(budget, 'portal')) {
            throw new GiveUp(`not the API's answer: ${statusWords(last.status)} page at ${this.where(last)}, where a redirect led ` +
              `(a captive portal or a proxy in the way): ${firstLine(last.text)}`);
          }
          log(`a page from ${last.url.origin} instead of the API; waiting ${PORTAL_WAIT_MS}ms`);
          await sleep(PORTAL_WAIT_MS);
          continue;
        }

        const wait = retryAfterMs(last.headers.get('retry-after'));
        if ([401, 429, 503].includes(last.status) && wait !== null) {
          // Same credentials: a gateway asking us to wait is not saying
          // they are bad, and refreshing would hammer the token endpoint.
          if (!spend(budget, 'waits')) throw new GiveUp(`gave up after ${MAX_RETRY_AFTER_WAITS} Retry-After waits: ${describeAnswer(last)}`);
          if (wait > RETRY_AFTER_CAP_MS) throw new GiveUp(`did not wait Retry-After ${wait / 1000}s, longer than the ${RETRY_AFTER_CAP_MS / 1000}s a call may wait: ${describeAnswer(last)}`);
          log(`${last.status} with Retry-After; waiting ${wait}ms`);
          await sleep(wait);
          continue;
        }
        scheme = await this.recover(last, scheme, used, budget);
      }
    } catch (err) {
      const error = err instanceof GiveUp ? err.message : `request failed: ${describe(err)}`;
      const status = last ? last.status : (err instanceof GiveUp && err.status) || 0;
      return { status, body: last ? last.text : '', error };
    }
  }

  // Decides what an error answer calls for. Returns the scheme to retry
  // with, once it has renewed what needed renewing; throws GiveUp, naming
  // the cause, when another try cannot help or the budget is spent.
  async recover(res, scheme, used, budget) {
    const challenges = parseChallenges(res.headers.get('www-authenticate'));
    const ours = challenges.find((c) => this.accepts(scheme, c.scheme));
    const code = ours ? ours.params.error : undefined;

    // RFC 9449 §9: the token is good, the proof lacked the server's
    // nonce. Retry once with it (send() kept it), same token.
    if (scheme === 'dpop' && code === 'use_dpop_nonce' && res.status === 401) {
      if (!res.headers.get('dpop-nonce') || !spend(budget, 'nonce')) throw new GiveUp(describeAnswer(res, ours, ' after a retry with the server\'s DPoP nonce'));
      log('API asks for a DPoP nonce; retrying once with it');
      return scheme;
    }
    // RFC 9470: the token is good, the authentication behind it too weak
    // or too old. Authenticate again as the challenge says (a refresh
    // would keep the old authentication).
    if ((scheme === 'bearer' || scheme === 'dpop') && code === 'insufficient_user_authentication' && res.status === 401) {
      await this.stepUpAuthentication(res, ours, budget);
      return scheme;
    }
    // RFC 7616: answer the Digest challenge; a stale nonce (stale=true)
    // means the password was right: answer the new nonce once.
    if (scheme === 'digest' && ours && res.status === 401) return this.answerDigest(res, ours, used, budget);
    // RFC 9728: a client that holds only the resource finds its
    // authorization server from the 401, then gets a token for it.
    if (this.t.resource_url && !this.tokenURL && res.status === 401) {
      if (!spend(budget, 'discover')) throw new GiveUp(describeAnswer(res, ours, ' after discovery'));
      await this.renew(used.key, () => this.discover(ours && ours.params.resource_metadata).then(() => this.grant()));
      return scheme;
    }

    // RFC 6750 §3.1: the token is good but too narrow. Servers should say
    // so with 403; some say 401.
    if ((scheme === 'bearer' || scheme === 'dpop') && code === 'insufficient_scope' && [401, 403].includes(res.status)) {
      await this.stepUp(res, ours, budget);
      return scheme;
    }
    // 403 is authenticated but not allowed, and a 400 or 404 is no
    // authentication problem at all: new credentials would not help.
    if (res.status !== 401) throw new GiveUp(describeAnswer(res));

    // A page or plain text with no challenge: a firewall, proxy or portal
    // in front of the API answered, and the API never saw the credential.
    // (An empty body says nothing either way; a refresh may help.)
    if (challenges.length === 0 && !jsonObject(res.text) && res.text.trim() !== '') {
      const what = `${statusWords(res.status)} at ${this.where(res)}${answeredBy(res)}, not from the API (no WWW-Authenticate, ` +
        'no JSON: a firewall, proxy or portal answered), so new credentials cannot help';
      throw new GiveUp([what, firstLine(res.text)].filter(Boolean).join(': '));
    }
    if (challenges.length > 0 && !ours) return this.switchScheme(res, challenges, budget);

    // The API rejected the credential itself: renew it once (one renewal
    // for every call that failed with it) and retry.
    if (scheme === 'session' && this.cookieProblem) {
      // Logging in again would set the same cookie: say why it is missing.
      throw new GiveUp(`${this.cookieProblem}; the API answered ${describeAnswer(res, ours)}`);
    }
    const renewable = scheme === 'session' || ((scheme === 'bearer' || scheme === 'dpop') && (!code || code === 'invalid_token'));
    if (!renewable || !spend(budget, 'renew')) {
      // basic, api-key: nothing to renew, a retry would be guessing.
      const after = budget.renew === 0 ? (scheme === 'session' ? ' after re-login' : ' after token refresh') : '';
      throw new GiveUp(describeAnswer(res, ours, after));
    }
    await this.renew(used.key, scheme === 'session' ? () => this.login() : () => this.refresh());
    return scheme;
  }

  // Asks for a token with the scopes held plus those the challenge names,
  // by a new grant (a refresh cannot widen scope, RFC 6749 §6).
  async stepUp(res, challenge, budget) {
    const wanted = (challenge.params.scope || '').split(/\s+/).filter(Boolean);
    if (wanted.length === 0 || !this.hasPrimaryCredentials() || !spend(budget, 'stepUp')) throw new GiveUp(describeAnswer(res, challenge));
    const granted = () => wanted.every((s) => this.granted.has(s));
    wanted.forEach((s) => this.scopes.add(s));
    // Concurrent calls that hit the same wall share one grant: wait for a
    // renewal in flight, then ask only if the token still lacks the scope.
    if (this.renewing) await this.renewing;
    if (!granted()) {
      log(`step-up: asking for scope ${[...this.scopes].join(' ')}`);
      await this.renew(this.accessToken, () => this.grant());
    }
    if (!granted()) {
      throw new GiveUp(`step-up refused: asked for scope "${[...this.scopes].join(' ')}", the token endpoint granted ` +
        `"${[...this.granted].join(' ')}"; the API answered ${describeAnswer(res, challenge)}`);
    }
  }

  // RFC 9470 step-up: a new grant of the user's own (never a refresh,
  // which keeps the old authentication), with the second factor when
  // acr_values asks for mfa; concurrent calls share it.
  async stepUpAuthentication(res, challenge, budget) {
    const acr = challenge.params.acr_values || '';
    const maxAge = challenge.params.max_age;
    const wants = [acr && `acr_values="${acr}"`, maxAge !== undefined && `max_age=${maxAge}`].filter(Boolean).join(', ') || 'a stronger authentication';
    if (this.t.auth !== 'oauth2-password' || !this.t.username || !this.t.password) {
      throw new GiveUp(`${describeAnswer(res, challenge)}: the API asks the user to authenticate again (${wants}), and ${this.t.auth} has no user to authenticate`);
    }
    const mfa = acr.split(/\s+/).includes('mfa');
    if (mfa && !this.t.otp_url) throw new GiveUp(`${describeAnswer(res, challenge)}: the API asks for ${wants}, and there is no otp_url to read a second factor from`);
    if (!spend(budget, 'stepUp')) throw new GiveUp(`${describeAnswer(res, challenge)} after authenticating again for ${wants}`);
    const extra = {};
    if (acr) extra.acr_values = acr;
    if (maxAge !== undefined) extra.max_age = String(maxAge);
    log(`step-up authentication: the API asks for ${wants}; a new password grant${mfa ? ' with a one-time code' : ''}`);
    await this.renew(this.accessToken, async () => this.grant(mfa ? { ...extra, otp: await this.readOTP() } : extra));
  }

  // Answers a Digest challenge (RFC 7616): the first one a call meets,
  // and once more a stale=true one (the password was right, the nonce
  // old). Any other refusal of a response is a wrong password: final.
  answerDigest(res, challenge, used, budget) {
    const p = challenge.params;
    const stale = String(p.stale || '').toLowerCase() === 'true';
    const algorithm = (p.algorithm || 'MD5').toUpperCase();
    if (algorithm !== 'SHA-256') throw new GiveUp(`${describeAnswer(res, challenge)}: Digest algorithm ${algorithm}: this client answers SHA-256 only (RFC 7616)`);
    if (!p.nonce || !(p.qop || '').split(/\s*,\s*/).includes('auth')) throw new GiveUp(`${describeAnswer(res, challenge)}: Digest challenge without a nonce or qop=auth`);
    const answered = used.key !== '';
    if (answered && !stale) throw new GiveUp(`${describeAnswer(res, challenge)}: the Digest response was refused without stale=true: username or password is wrong`);
    if (!spend(budget, answered ? 'nonce' : 'challenge')) {
      throw new GiveUp(`${describeAnswer(res, challenge)} after answering the Digest challenge${stale ? ' with the new nonce' : ''}`);
    }
    if (stale) log('Digest nonce is stale (stale=true); answering the new one');
    this.digest = { realm: p.realm || '', nonce: p.nonce, opaque: p.opaque, nc: 0 };
    return 'digest';
  }

  // The Authorization header answering the current Digest challenge for
  // one request (RFC 7616 §3.4, qop=auth, SHA-256).
  digestAuthorization(method, url) {
    const d = this.digest;
    d.nc += 1;
    const u = new URL(url);
    const uri = u.pathname + u.search;
    const nc = d.nc.toString(16).padStart(8, '0');
    const cnonce = crypto.randomBytes(16).toString('hex');
    const h = (...parts) => crypto.createHash('sha256').update(parts.join(':')).digest('hex');
    const response = h(h(this.t.username, d.realm, this.t.password), d.nonce, nc, cnonce, 'auth', h(method, uri));
    const q = (v) => `"${String(v).replace(/(["\\])/g, '\\$1')}"`;
    return `Digest username=${q(this.t.username)}, realm=${q(d.realm)}, uri=${q(uri)}, algorithm=SHA-256, nonce=${q(d.nonce)}, ` +
      `nc=${nc}, cnonce=${q(cnonce)}, qop=auth, response=${q(response)}${d.opaque !== undefined ? `, opaque=${q(d.opaque)}` : ''}`;
  }

  // RFC 9728 then RFC 8414: the resource metadata the 401 named (or the
  // well-known one for resource_url), checked to be about our resource;
  // the first authorization server it names; its token endpoint, from
  // metadata whose issuer is the one named. Tokens are then asked for
  // with resource= (RFC 8707).
  async discover(named) {
    const resource = new URL(this.t.resource_url);
    const url = named ? new URL(named, resource) : new URL(`/.well-known/oauth-protected-resource${resource.pathname.replace(/\/$/, '')}`, resource);
    if (url.origin !== resource.origin) throw new GiveUp(`resource_metadata ${url.href} is on another origin than the resource ${resource.origin}: not following it (RFC 9728 §3)`);
    const prm = await this.getJSON(url, 'resource metadata');
    if (typeof prm.resource !== 'string' || prm.resource.replace(/\/$/, '') !== this.t.resource_url.replace(/\/$/, '')) {
      throw new GiveUp(`resource metadata at ${url.href} is for ${JSON.stringify(prm.resource)}, not ${this.t.resource_url} (RFC 9728 §3.3)`);
    }
    const issuer = Array.isArray(prm.authorization_servers) ? prm.authorization_servers[0] : undefined;
    if (typeof issuer !== 'string') throw new GiveUp(`resource metadata at ${url.href} names no authorization_servers`);
    const iss = new URL(issuer);
    const asURL = new URL(`/.well-known/oauth-authorization-server${iss.pathname.replace(/\/$/, '')}`, iss);
    const asm = await this.getJSON(asURL, 'authorization server metadata');
    if (asm.issuer !== issuer) throw new GiveUp(`authorization server metadata at ${asURL.href} has issuer ${JSON.stringify(asm.issuer)}, not ${issuer} (RFC 8414 §3.3)`);
    if (typeof asm.token_endpoint !== 'string') throw new GiveUp(`authorization server metadata at ${asURL.href} has no token_endpoint`);
    this.tokenURL = asm.token_endpoint;
    this.resource = prm.resource;
    log(`discovered the token endpoint ${this.tokenURL} for resource ${this.resource}`);
  }

  async getJSON(url, what) {
    const res = await timedFetch(url, { headers: { Accept: 'application/json' }, redirect: 'manual' });
    const text = await res.text();
    const json = jsonObject(text);
    if (res.status !== 200 || !json) throw new GiveUp(`${what} at ${url.href}: ${describeAnswer({ status: res.status, text })}`);
    return json;
  }

  // The server asks for another scheme: resend once with it if this client
  // holds such a credential and the API itself asked (a JSON answer). An
  // HTML page asking for Basic is a web server rule in front of the API
  // (an .htaccess, a protected directory): the user's password is not for it.
  switchScheme(res, challenges, budget) {
    const held = challenges.find((c) => this.holds(c.scheme));
    if (held && jsonObject(res.text) && spend(budget, 'switchScheme')) {
      log(`server asks for ${held.name}; resending with it`);
      return held.scheme;
    }
    const asked = challenges.map((c) => c.name).join(' or ');
    const shown = challenges.map(showChallenge).join(', ') + (jsonObject(res.text) ? '' : answeredBy(res));
    let why;
    if (!held) {
      why = `server asks for ${asked} authentication, which this client does not hold (${shown}; configured for ${this.t.auth})`;
    } else if (!jsonObject(res.text)) {
      why = `server asks for ${shown}, in a page rather than the API's JSON; this client sends its ${held.name} credential only to the API`;
    } else {
      why = `server still asks for ${shown} after one resend with another scheme`;
    }
    throw new GiveUp(`${statusWords(res.status)} at ${this.where(res)}: ${why}: ${causeOf(res) || 'no reason given'}`);
  }

  // Whether a success is a page where the API's JSON should be, on the
  // host a redirect led to: a captive portal or a proxy's sign-in page.
  portalPage(res) {
    return res.status < 300 && res.url.origin !== this.base.origin && parseJSON(res.text) === null;
  }

  // Where an answer came from, for errors: the path as sent (a mistyped
  // URL shows), or the whole URL after a redirect to another origin.
  where(res) {
    return res.url.origin === this.base.origin ? res.url.pathname + res.url.search : res.url.href;
  }

  // Single flight: concurrent calls that saw the same credential fail share
  // one renewal. A call whose credential was already replaced just retries.
  async renew(usedKey, work) {
    if (this.renewing) return this.renewing;
    if (this.currentKey() !== usedKey) return undefined;
    this.renewing = work().finally(() => { this.renewing = null; });
    return this.renewing;
  }

  currentKey() {
    return this.t.auth === 'session' ? cookieHeader(this.cookies) : this.accessToken;
  }

  // Headers for scheme, authenticating first if nothing is held yet.
  async credential(scheme) {
    if (this.credentialsRejected) throw new GiveUp(this.credentialsRejected);
    switch (scheme) {
      case 'bearer':
      case 'dpop': {
        // A client that must discover its token endpoint first calls
        // without a token: the 401 says where to get one.
        if (!this.accessToken && !this.mustDiscover()) await this.renew('', () => this.refresh());
        const token = this.accessToken;
        if (!token) return { key: '', headers: {} };
        if (scheme === 'bearer') return { key: token, headers: { Authorization: `Bearer ${token}` } };
        // A proof per request (and per redirect hop): send() signs it.
        return { key: token, headers: (method, url) => ({ Authorization: `DPoP ${token}`, DPoP: this.dpop.proof(method, url, token) }) };
      }
      case 'digest':
        // The first call goes without: the challenge carries the nonce.
        if (!this.digest) return { key: '', headers: {} };
        return { key: this.digest.nonce, headers: (method, url) => ({ Authorization: this.digestAuthorization(method, url) }) };
      case 'session': {
        if (this.cookies.size === 0 && !this.cookieProblem) await this.renew('', () => this.login());
        // A session cookie that cannot come back is not sent, as a browser
        // would not send it; the 401 that earns is explained in recover.
        const cookie = cookieHeader(this.cookies);
        return { key: cookie, headers: cookie ? { Cookie: cookie } : {} };
      }
      case 'basic': {
        const pair = Buffer.from(`${this.t.username}:${this.t.password}`).toString('base64');
        return { key: pair, headers: { Authorization: `Basic ${pair}` } };
      }
      case 'apikey':
        return { key: this.t.api_key, headers: { Authorization: `ApiKey ${this.t.api_key}` } };
      default:
        throw new GiveUp(`no credential for scheme ${scheme}`);
    }
  }

  // Whether the target holds a credential of scheme. Basic means the
  // user's password, so only for the kinds that sign in as the user.
  holds(scheme) {
    if (scheme === 'basic') return Boolean(this.t.username && this.t.password) && ['oauth2-password', 'session', 'basic'].includes(this.t.auth);
    if (scheme === 'apikey') return Boolean(this.t.api_key);
    if (scheme === 'bearer') return this.t.auth.startsWith('oauth2-');
    if (scheme === 'dpop') return Boolean(this.dpop);
    if (scheme === 'digest') return this.t.auth === 'digest' && Boolean(this.t.username && this.t.password);
    return false;
  }

  mustDiscover() {
    return Boolean(this.t.resource_url) && !this.tokenURL;
  }

  accepts(current, asked) {
    if (current === 'session') return !CREDENTIAL_SCHEMES.has(asked);
    return asked === current;
  }

  url(path) {
    return this.t.base_url.replace(/\/+$/, '') + path;
  }

  // --- OAuth 2 -----------------------------------------------------------

  // Uses the refresh token when there is one; a refresh token the server
  // no longer knows (invalid_grant) earns one new primary grant.
  async refresh() {
    if (!this.refreshToken) return this.grant();
    try {
      const json = await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: this.refreshToken });
      return this.storeToken(json, this.granted); // a refresh keeps the scope
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      if (err.code !== 'invalid_grant' || !this.hasPrimaryCredentials()) throw new GiveUp(`refresh failed: ${err.message}`);
      log('refresh token rejected (invalid_grant); authenticating again');
      this.refreshToken = '';
      try {
        return await this.grant();
      } catch (again) {
        throw new GiveUp(`refresh failed: ${err.message}; then ${again.message}`);
      }
    }
  }

  hasPrimaryCredentials() {
    return ['oauth2-client-credentials', 'oauth2-device-code'].includes(this.t.auth) || Boolean(this.t.username && this.t.password);
  }

  // A new token from the primary credentials; extra goes into the form
  // (a step-up's acr_values and one-time code).
  async grant(extra = {}) {
    if (this.t.auth === 'oauth2-device-code') return this.deviceGrant();
    const password = this.t.auth === 'oauth2-password';
    const form = password
      ? { grant_type: 'password', username: this.t.username, password: this.t.password }
      : { grant_type: 'client_credentials' };
    const scopes = [...this.scopes];
    if (scopes.length > 0) form.scope = scopes.join(' ');
    Object.assign(form, extra);
    try {
      try {
        return this.storeToken(await this.tokenRequest(form), scopes);
      } catch (err) {
        if (!(err instanceof TokenError) || ![err.code, err.reason].includes('mfa_required') || !this.t.otp_url) throw err;
        return this.storeToken(await this.tokenRequest({ ...form, otp: await this.readOTP() }), scopes);
      }
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      const msg = `${password ? 'login failed' : 'token request failed'}: ${err.message}`;
      // Without an RFC error code the answer is not the token endpoint's.
      if (err.code && rejectsCredentials(err.status, err.code, err.reason)) this.credentialsRejected = msg;
      throw new GiveUp(msg);
    }
  }

  // RFC 8628: ask for a device code, show the user code (here: the
  // log), poll the token endpoint at the interval, 5 s slower after each
  // slow_down, and stop naming access_denied or expired_token.
  async deviceGrant() {
    const url = this.t.device_authorization_url;
    if (!url) throw new GiveUp('device flow: the target has no device_authorization_url');
    const scopes = [...this.scopes];
    const res = await this.postForm(url, scopes.length > 0 ? { scope: scopes.join(' ') } : {});
    const text = await res.text();
    const da = jsonObject(text) || {};
    if (res.status !== 200 || typeof da.device_code !== 'string') {
      throw new GiveUp(`device authorization failed: ${describeAnswer({ status: res.status, text })}`, res.status);
    }
    log(`device flow: the user enters ${da.user_code} at ${da.verification_uri}`);
    let interval = (Number(da.interval) > 0 ? Number(da.interval) : 5) * 1000; // §3.2: 5 s when absent
    const deadline = Date.now() + (Number(da.expires_in) > 0 ? Number(da.expires_in) : 1800) * 1000;
    // The first poll at once (the user may have approved already), then
    // one every interval.
    for (let first = true; ; first = false) {
      if (!first) await sleep(interval);
      try {
        return this.storeToken(await this.tokenRequest({ grant_type: DEVICE_CODE_GRANT, device_code: da.device_code }), scopes);
      } catch (err) {
        if (!(err instanceof TokenError)) throw err;
        const pending = err.code === 'authorization_pending' || err.code === 'slow_down';
        if (pending && Date.now() < deadline + interval) {
          if (err.code === 'slow_down') {
            interval += 5000; // §3.5: for this and every later poll
            log(`device flow: slow_down; polling every ${interval / 1000}s from now on`);
          }
          continue;
        }
        const why = {
          access_denied: 'the user denied the authorization (access_denied)',
          expired_token: 'the device code expired before the user approved (expired_token); start over with a new code',
        }[err.code] || (pending ? `the device code expired (expires_in ${da.expires_in}s passed, the server still says ${err.code})` : 'the token endpoint refused the poll');
        throw new GiveUp(`device flow stopped: ${why}: ${err.message}`, err.status);
      }
    }
  }

  // A form POST to an endpoint of the authorization server, the client
  // authenticated as RFC 6749 §2.3.1 says; extra headers (a DPoP proof).
  postForm(url, form, extra = {}) {
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...extra };
    if (this.t.client_secret) {
      // RFC 6749 §2.3.1: id and secret are form-encoded inside Basic.
      const pair = `${encodeURIComponent(this.t.client_id)}:${encodeURIComponent(this.t.client_secret)}`;
      headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else if (this.t.client_id) {
      form = { ...form, client_id: this.t.client_id };
    }
    // Never follow a redirect with client credentials and a password in it.
    return timedFetch(url, { method: 'POST', headers, body: new URLSearchParams(form).toString(), redirect: 'manual' });
  }

  // One token request, with the resource indicator once discovered
  // (RFC 8707) and, for DPoP, a proof, signed again once with the
  // server's nonce when it answers use_dpop_nonce (RFC 9449 §8).
  async tokenRequest(form) {
    if (!this.tokenURL) throw new GiveUp('no token endpoint: the target has no token_url and none was discovered');
    if (this.resource) form = { ...form, resource: this.resource };
    for (let nonceRetries = 1; ; nonceRetries--) {
      const res = await this.postForm(this.tokenURL, form, this.dpop ? { DPoP: this.dpop.proof('POST', this.tokenURL) } : {});
      if (this.dpop) this.dpop.remember(this.tokenURL, res.headers.get('dpop-nonce'));
      const text = await res.text();
      if (res.status !== 200) {
        const err = new TokenError(res.status, text);
        if (this.dpop && err.code === 'use_dpop_nonce' && res.headers.get('dpop-nonce') && nonceRetries > 0) {
          log('token endpoint asks for a DPoP nonce; retrying once with it');
          continue;
        }
        throw err;
      }
      const json = jsonObject(text) || {};
      if (!json.access_token) throw new GiveUp(`token endpoint answered 200 without an access_token: ${firstLine(text)}`);
      if (this.dpop && String(json.token_type).toLowerCase() !== 'dpop') log(`asked for a DPoP-bound token, got token_type ${json.token_type}`);
      return json;
    }
  }

  // asked: the scopes the request asked for, which the token has unless
  // the answer says otherwise (RFC 6749 §5.1).
  storeToken(json, asked) {
    this.accessToken = json.access_token;
    if (json.refresh_token) this.refreshToken = json.refresh_token; // keep the old one unless rotated
    this.granted = new Set(json.scope ? json.scope.split(' ') : asked);
    log(`new access token (expires in ${json.expires_in ?? '?'}s${json.refresh_token ? ', with refresh token' : ''})`);
  }

  // --- Session -----------------------------------------------------------

  async login() {
    const creds = { username: this.t.username, password: this.t.password };
    let res = await this.postLogin(creds);
    if (res.status === 401 && reasonOf(res) === 'mfa_required') {
      if (!this.t.otp_url) throw new GiveUp(`login failed: ${describeAnswer(res)} (no otp_url to read a one-time code from)`);
      res = await this.postLogin({ ...creds, otp: await this.readOTP() });
    }
    if (res.status >= 400) {
      const msg = `login failed: ${describeAnswer(res)}`;
      if (rejectsCredentials(res.status, '', reasonOf(res))) this.credentialsRejected = msg;
      throw new GiveUp(msg);
    }
    this.cookies.clear();
    const problems = this.acceptCookies(res.headers, new URL(this.t.login_url));
    if (this.cookies.size === 0) {
      // Every call will arrive without a session and get 401. Remember
      // why, so that 401 says so instead of logging in again in a loop.
      this.cookieProblem = problems[0] || 'login succeeded but the server set no session cookie';
      return;
    }
    log(`logged in (cookies: ${[...this.cookies.keys()].join(', ')})`);
  }

  async postLogin(body) {
    const res = await timedFetch(this.t.login_url, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body), redirect: 'manual',
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async readOTP() {
    const res = await timedFetch(this.t.otp_url, { headers: { Accept: 'application/json' } });
    const otp = (parseJSON(await res.text()) || {}).otp;
    if (!otp) throw new GiveUp(`could not read a one-time code from otp_url (HTTP ${res.status})`);
    return String(otp);
  }

  // Keeps the cookies a browser would send back to base_url; returns why
  // the others were dropped.
  acceptCookies(headers, from) {
    const problems = [];
    for (const line of headers.getSetCookie()) {
      const c = parseSetCookie(line);
      if (!c) continue;
      const problem = cookieProblem(c, from, this.base);
      if (problem) {
        log(problem);
        problems.push(problem);
      } else if (c.expired) {
        this.cookies.delete(c.name);
      } else {
        this.cookies.set(c.name, c.value);
      }
    }
    return problems;
  }

  // --- HTTP --------------------------------------------------------------

  // Follows redirects itself so credentials go only to the origin they
  // were meant for.
  async send(method, url, body, authHeaders) {
    let current = new URL(url);
    const origin = current.origin;
    for (let hops = 0; ; hops++) {
      const same = current.origin === origin;
      // A function signs for this hop (a DPoP proof names method and URL).
      const auth = !same ? {} : typeof authHeaders === 'function' ? authHeaders(method, current) : authHeaders;
      const headers = { Accept: 'application/json', ...auth };
      if (body != null) headers['Content-Type'] = 'application/json';
      const res = await timedFetch(current, { method, headers, body: body ?? undefined, redirect: 'manual' });
      if (same && this.dpop) this.dpop.remember(current, res.headers.get('dpop-nonce'));
      if (same && this.t.auth === 'session') this.acceptCookies(res.headers, current); // session rotation
      const location = res.headers.get('location');
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) {
        return { status: res.status, headers: res.headers, url: current, text: await res.text() };
      }
      await res.body?.cancel();
      if (hops >= MAX_REDIRECTS) throw new GiveUp(`too many redirects (more than ${MAX_REDIRECTS})`);
      const next = new URL(location, current);
      if (next.origin !== origin) log(`redirected to ${next.origin}; not sending credentials there`);
      if (res.status === 303 || (res.status <= 302 && method === 'POST')) {
        method = 'GET'; // what browsers do, and what servers expect
        body = null;
      }
      current = next;
    }
  }
}

// RFC 9449 proofs: one P-256 key per client (a token is bound to it),
// one ES256 JWS per request carrying the public key, the method and URL,
// the hash of the access token it comes with, and the last nonce the
// server at that origin supplied.
class DPoPSigner {
  constructor() {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    this.jwk = { kty, crv, x, y };
    this.nonces = new Map(); // origin -> the last DPoP-Nonce it sent
  }

  remember(url, nonce) {
    if (nonce) this.nonces.set(new URL(url).origin, nonce);
  }

  proof(method, url, accessToken) {
    const u = new URL(url);
    const claims = { jti: crypto.randomUUID(), htm: method, htu: u.origin + u.pathname, iat: Math.floor(Date.now() / 1000) };
    if (accessToken) claims.ath = base64url(crypto.createHash('sha256').update(accessToken).digest());
    const nonce = this.nonces.get(u.origin);
    if (nonce) claims.nonce = nonce;
    const input = `${base64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: this.jwk }))}.${base64url(JSON.stringify(claims))}`;
    // JWS wants r||s (IEEE P1363), not the DER node signs by default.
    const signature = crypto.sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  }
}

function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

function spend(budget, what) {
  if (budget[what] <= 0) return false;
  budget[what]--;
  return true;
}

// An error answer of the token endpoint (RFC 6749 §5.2). Its message is
// the answer in words; code is the RFC error ('' if the body has none).
class TokenError extends Error {
  constructor(status, text) {
    super(describeAnswer({ status, text }));
    const json = jsonObject(text) || {};
    this.status = status;
    this.code = typeof json.error === 'string' ? json.error : '';
    this.reason = typeof json.reason === 'string' ? json.reason : '';
  }
}

async function timedFetch(url, init) {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (err) {
    if (err.name === 'TimeoutError') throw new GiveUp(`request to ${new URL(url).origin} timed out after ${HTTP_TIMEOUT_MS}ms`);
    throw err;
  }
}

// Whether a failed login says the credentials themselves are wrong (as
// opposed to a code that expired or a server in trouble): then asking again
// with the same password only counts toward a lock-out.
function rejectsCredentials(status, code, reason) {
  if (status < 400 || status >= 500 || status === 429) return false;
  if (String(reason || '').startsWith('otp_') || reason === 'mfa_required') return false;
  return !code || code === 'invalid_grant' || code === 'invalid_client' || code === 'unauthorized_client';
}

function describe(err) {
  const c = err.cause;
  if (!c) return err.message;
  return c.code && c.message && !c.message.includes(c.code) ? `${c.message} (${c.code})` : c.message || c.code;
}

function parseJSON(text) {
  try { return JSON.parse(text); } catch { return null; }
}

// A JSON object body, or null for anything else (HTML, text, nothing).
function jsonObject(text) {
  const v = parseJSON(text);
  return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

// The body's machine reason ('' if none).
function reasonOf(res) {
  const json = jsonObject(res.text) || {};
  return json.reason || json.error || '';
}

// --- Errors that name the cause --------------------------------------------
// Every error carries the status, then what the body says: its machine
// reason and error code and its human description (JSON), or its first
// line (anything else), and failing both the challenge's error code.

// "unauthorized (401) after token refresh: token_expired (invalid_token): ..."
function describeAnswer(res, challenge, suffix = '') {
  const cause = causeOf(res) || (challenge && challenge.params.error) || '';
  return [statusWords(res.status) + suffix, cause].filter(Boolean).join(': ');
}

function causeOf(res) {
  const json = jsonObject(res.text);
  if (!json) return firstLine(res.text);
  const text = (keys) => [...new Set(keys.map((k) => json[k]).filter((v) => typeof v === 'string' && v))];
  const [reason, ...codes] = text(['reason', 'error', 'code']);
  const label = codes.length > 0 ? `${reason} (${codes.join(', ')})` : reason;
  const detail = text(['error_description', 'message', 'hint']).map((d) => d.replace(/\.$/, '')).join('; ');
  return [label, detail].filter(Boolean).join(': ');
}

function statusWords(status) {
  const words = { 401: 'unauthorized', 403: 'forbidden', 429: 'rate limited' }[status];
  return words ? `${words} (${status})` : `HTTP ${status} ${STATUS_CODES[status] || ''}`.trim();
}

// The first line of a non-JSON body: an HTML page's title, else its first
// line of text.
function firstLine(text) {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text);
  const plain = title ? title[1] : text.replace(/<[^>]*>/g, '\n');
  const line = plain.split('\n').map((l) => l.trim()).find(Boolean) || '';
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

// " from nginx/1.24.0": what answered, if its headers say ('' if not).
function answeredBy(res) {
  const server = res.headers.get('server') || res.headers.get('via');
  return server ? ` from ${server}` : '';
}

// `Basic realm="Restricted Content"`: a challenge as errors show it.
function showChallenge(c) {
  return 'realm' in c.params ? `${c.name} realm="${c.params.realm}"` : c.name;
}

// Retry-After in milliseconds (seconds or an HTTP date), capped; null when
// absent or unreadable.
function retryAfterMs(value) {
  if (value == null || value.trim() === '') return null;
  let ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - Date.now();
  if (Number.isNaN(ms)) return null;
  return Math.max(0, ms);
}

// RFC 7235 challenges: `Basic realm="x", Bearer error="invalid_token"`.
// A token followed by "=" is a parameter of the current challenge;
// any other token starts a new one.
function parseChallenges(header) {
  const out = [];
  const re = /\s*,?\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)(\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*))?/y;
  let m;
  while (header && re.lastIndex < header.length && (m = re.exec(header))) {
    const [, token, hasValue, value] = m;
    if (hasValue && out.length > 0) {
      out[out.length - 1].params[token.toLowerCase()] = value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
    } else {
      out.push({ name: token, scheme: token.toLowerCase(), params: {} });
    }
  }
  return out;
}

function parseSetCookie(line) {
  const [pair, ...attrs] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  const c = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), domain: '', secure: false, expired: false };
  for (const attr of attrs) {
    const [k, ...v] = attr.split('=');
    const key = k.trim().toLowerCase();
    const val = v.join('=').trim();
    if (key === 'domain') c.domain = val.replace(/^\./, '').toLowerCase();
    if (key === 'secure') c.secure = true;
    if (key === 'max-age' && Number(val) <= 0) c.expired = true;
  }
  return c;
}

// Why a browser would not send this cookie back to base, or '' if it would.
function cookieProblem(c, from, base) {
  const name = `session cookie "${c.name}"`;
  if (c.domain) {
    if (!domainMatch(from.hostname, c.domain)) return `${name} has Domain=${c.domain}, which does not match ${from.hostname}; a browser would drop it`;
    if (!domainMatch(base.hostname, c.domain)) return `${name} has Domain=${c.domain}, so it would never be sent to ${base.hostname}`;
  } else if (from.hostname !== base.hostname) {
    return `${name} is host-only for ${from.hostname}, so it would never be sent to ${base.hostname}`;
  }
  if (c.secure && base.protocol !== 'https:') return `${name} is Secure but base_url is ${base.protocol}//, so a browser would never send it back`;
  return '';
}

function domainMatch(host, domain) {
  host = host.toLowerCase();
  const isIP = /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');
  return host === domain || (!isIP && host.endsWith(`.${domain}`));
}

function cookieHeader(cookies) {
  return [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

// --- Protocol loop ---------------------------------------------------------

function answer(obj) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(obj)}\n`, resolve));
}

function main() {
  // The harness is gone: nobody is left to answer.
  process.stdout.on('error', () => process.exit(0));
  let client = null;
  let closing = false;
  const inflight = new Set();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });

  rl.on('line', (line) => {
    if (!line.trim()) return;
    const msg = parseJSON(line);
    if (!msg || typeof msg !== 'object') return log(`ignoring a line that is not a JSON object: ${line.slice(0, 80)}`);
    const { id, op } = msg;
    if (op === 'configure') {
      try {
        client = new Client(msg.target || {});
        log(`configured for ${client.t.auth} at ${client.base.origin}`);
        answer({ id, ok: true });
      } catch (err) {
        if (err instanceof Unsupported) answer({ id, ok: false, unsupported: true, error: err.message });
        else answer({ id, ok: false, error: `bad target: ${err.message}` });
      }
    } else if (op === 'call') {
      // Not awaited: concurrent calls must run concurrently.
      const work = client
        ? client.call(msg.method, msg.path, msg.body)
        : Promise.resolve({ status: 0, body: '', error: 'call before configure' });
      const done = work
        .catch((err) => ({ status: 0, body: '', error: `driver bug: ${err.message}` }))
        .then((result) => answer({ id, ...result }))
        .finally(() => inflight.delete(done));
      inflight.add(done);
    } else if (op === 'close') {
      closing = true;
      // Let running calls answer, but not for longer than the harness waits.
      Promise.race([Promise.allSettled([...inflight]), sleep(2000)])
        .then(() => answer({ id, ok: true }))
        .then(() => process.exit(0));
    } else {
      answer({ id, ok: false, error: `unknown op ${JSON.stringify(op)}` });
    }
  });
  // stdin closed without a close: finish what is running, then go.
  rl.on('close', () => {
    if (!closing) Promise.allSettled([...inflight]).then(() => process.exit(0));
  });
}

main();
