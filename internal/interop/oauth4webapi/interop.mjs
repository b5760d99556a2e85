// A real outside client against the fake server: panva's oauth4webapi
// (DPoP, RFC 9728 resource discovery, RFC 8414, RFC 8628), used the way
// its documentation shows. Each step prints one JSON line; the Go test
// (internal/interop) reads them and the server's journal.
//
//   node interop.mjs dpop   BASE CLIENT_ID CLIENT_SECRET
//   node interop.mjs device BASE CLIENT_ID CLIENT_SECRET
import * as oauth from 'oauth4webapi';

const [mode, base, clientId, clientSecret] = process.argv.slice(2);
const insecure = { [oauth.allowInsecureRequests]: true }; // loopback http only
const client = { client_id: clientId };
const clientAuth = oauth.ClientSecretBasic(clientSecret);
const say = (step, fields) => console.log(JSON.stringify({ step, ...fields }));

async function discover() {
  // The API's 401 without a token, then RFC 9728 from the resource
  // identifier (the well-known path inserted before /api/), then RFC 8414.
  const first = await fetch(new URL('/api/items', base));
  // oauth4webapi exports no challenge parser for a bare 401; the URL is
  // only reported here, discovery below builds it from the resource.
  const named = /resource_metadata="([^"]+)"/.exec(first.headers.get('www-authenticate') ?? '')?.[1];
  say('challenge', { status: first.status, resource_metadata: named });
  const resource = new URL('/api/', base);
  const rs = await oauth.processResourceDiscoveryResponse(resource, await oauth.resourceDiscoveryRequest(resource, insecure));
  const issuer = new URL(rs.authorization_servers[0]);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  say('discovered', { resource: rs.resource, issuer: as.issuer, token_endpoint: as.token_endpoint, dpop_algs: as.dpop_signing_alg_values_supported });
  return { as, resource: rs.resource };
}

// once retries a request one time when the server asks for a DPoP nonce;
// the handle has stored the nonce by then (RFC 9449 §8, §9).
async function once(what, fn) {
  try {
    return await fn();
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    say('nonce', { what });
    return await fn();
  }
}

async function dpopMode() {
  const { as, resource } = await discover();
  const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
  const tokens = await once('token', async () =>
    oauth.processClientCredentialsResponse(as, client,
      await oauth.clientCredentialsGrantRequest(as, client, clientAuth, { scope: 'read', resource }, { DPoP: dpop, ...insecure })));
  say('token', { token_type: tokens.token_type });
  const call = () => once('api', async () => {
    const r = await oauth.protectedResourceRequest(tokens.access_token, 'GET', new URL('/api/items', base), undefined, undefined, { DPoP: dpop, ...insecure });
    return { status: r.status, body: await r.text() };
  });
  say('call', await call());
  // The nonce rotates: five minutes pass on the server's virtual clock.
  await fetch(new URL('/__admin/clock', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance: '5m' }) });
  say('call', await call());
}

async function deviceMode() {
  const issuer = new URL(base);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  const da = await oauth.processDeviceAuthorizationResponse(as, client,
    await oauth.deviceAuthorizationRequest(as, client, clientAuth, { scope: 'read' }, insecure));
  say('device', { interval: da.interval, expires_in: da.expires_in });
  let interval = (da.interval ?? 5) * 1000;
  for (;;) {
    await new Promise((r) => setTimeout(r, interval));
    try {
      const t = await oauth.processDeviceCodeResponse(as, client, await oauth.deviceCodeGrantRequest(as, client, clientAuth, da.device_code, insecure));
      say('token', { token_type: t.token_type });
      return;
    } catch (err) {
      if (!(err instanceof oauth.ResponseBodyError)) throw err;
      say('poll', { error: err.error });
      if (err.error === 'slow_down') interval += 5000; // RFC 8628 §3.5
      else if (err.error !== 'authorization_pending') return;
    }
  }
}

try {
  await (mode === 'dpop' ? dpopMode() : deviceMode());
} catch (err) {
  say('error', { name: err.name, message: String(err.message), error: err.error });
  process.exitCode = 1;
}
