// @badgateway/oauth2-client 3.3.1, used as its README shows:
//   new OAuth2Client({server, clientId, clientSecret, tokenEndpoint})
//   new OAuth2Fetch({client, getNewToken: () => client.clientCredentials() | client.password({...})})
//   fetchWrapper.fetch(url)   // adds the token; on a 401 refreshes once and retries
// Glue: protocol only; a non-2xx answer is reported as an error naming the
// status, with the body handed back, as a caller of fetch would.
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';
import { serve, Unsupported, refuseUnspoken } from './protocol.mjs';

serve((t) => {
  if (t.auth !== 'oauth2-client-credentials' && t.auth !== 'oauth2-password') {
    throw new Unsupported(`@badgateway/oauth2-client has no ${t.auth}: its grants are client_credentials, password, authorization_code and refresh_token`);
  }
  refuseUnspoken(t, '@badgateway/oauth2-client');
  const client = new OAuth2Client({ server: t.base_url, clientId: t.client_id, clientSecret: t.client_secret, tokenEndpoint: t.token_url });
  const scope = t.scopes || [];
  const fw = new OAuth2Fetch({
    client,
    scheduleRefresh: false,
    getNewToken: () => (t.auth === 'oauth2-password'
      ? client.password({ username: t.username, password: t.password, scope })
      : client.clientCredentials({ scope })),
    getStoredToken: t.access_token ? () => ({ accessToken: t.access_token, refreshToken: t.refresh_token || null, expiresAt: null }) : undefined,
  });
  return {
    base: t.base_url.replace(/\/?$/, '/'),
    async call(method, url, body) {
      const res = await fw.fetch(url, { method, body: body ?? undefined });
      const text = await res.text();
      return { status: res.status, body: text, error: res.ok ? '' : `HTTP ${res.status} ${res.statusText}` };
    },
  };
});
