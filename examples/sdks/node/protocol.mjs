// The authchaos driver protocol (JSON lines on stdin/stdout), shared by
// the SDK drivers in this folder so each driver file holds only what it
// does with its SDK. serve(make) calls make(target) on configure; the
// object it returns has call(method, url, body) -> {status, body, error}.
// make throws Unsupported for an auth kind the SDK cannot do.
import readline from 'node:readline';

export class Unsupported extends Error {}

const write = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

export function serve(make) {
  let client = null;
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    let msg;
    try { msg = JSON.parse(line); } catch { return; }
    switch (msg.op) {
      case 'configure':
        try {
          client = await make(msg.target);
          write({ id: msg.id, ok: true });
        } catch (err) {
          write({ id: msg.id, ok: false, unsupported: err instanceof Unsupported, error: String(err.message || err) });
        }
        return;
      case 'call': {
        const url = new URL(msg.path.replace(/^\//, ''), msg.target_base || client.base).toString();
        let res;
        try {
          res = await client.call(msg.method, url, msg.body);
        } catch (err) {
          res = { status: err.status || 0, body: err.body || '', error: String(err.message || err) || 'error' };
        }
        write({ id: msg.id, status: res.status, body: res.body ?? '', error: res.error ?? '' });
        return;
      }
      case 'close':
        write({ id: msg.id, ok: true });
        process.exit(0);
    }
  });
}

// Glue shared by drivers whose SDK has no token client of its own: one
// RFC 6749 token request (client_credentials, password or refresh_token)
// with the client authenticated by HTTP Basic.
export async function tokenRequest(t, form) {
  const res = await fetch(t.token_url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(t.client_id)}:${encodeURIComponent(t.client_secret)}`).toString('base64'),
    },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  if (!res.ok) {
    const err = new Error(`token request failed: ${res.status} ${text}`);
    err.status = res.status;
    throw err;
  }
  return JSON.parse(text);
}

// The grant a target's auth kind asks for, or Unsupported.
export function firstGrant(t) {
  const scope = (t.scopes || []).join(' ');
  switch (t.auth) {
    case 'oauth2-client-credentials': return { grant_type: 'client_credentials', scope };
    case 'oauth2-password': return { grant_type: 'password', username: t.username, password: t.password, scope };
    default: throw new Unsupported(`auth kind ${t.auth}: the token glue makes only the client_credentials and password grants`);
  }
}

// The OAuth 2.1 target fields an SDK here cannot honour, answered
// unsupported (a SKIP): none signs DPoP proofs (RFC 9449) or finds its
// authorization server from the resource's 401 (RFC 9728).
export function refuseUnspoken(t, sdk) {
  if (t.dpop) throw new Unsupported(`${sdk} signs no DPoP proofs (RFC 9449): it sends its token as Bearer`);
  if (t.resource_url && !t.token_url) throw new Unsupported(`${sdk} does not discover its authorization server from the resource's 401 (RFC 9728): it needs a token endpoint`);
}
