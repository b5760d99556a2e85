// ky 1.8.1 with the afterResponse refresh hook its README shows:
//   ky.extend({hooks: {afterResponse: [async (request, options, response) => {
//     if (response.status === 401) { const token = await <refresh>; request.headers.set('Authorization', ...); return ky(request); }
//   }]}})
// Glue: the token requests (ky has no OAuth client) and the protocol. ky
// throws HTTPError for a non-2xx answer; its message and the body go back.
import ky from 'ky';
import { serve, tokenRequest, firstGrant, refuseUnspoken } from './protocol.mjs';

serve((t) => {
  const grant = firstGrant(t);
  refuseUnspoken(t, 'ky (the README hook)');
  let token = t.access_token || '';
  let refresh = t.refresh_token || '';
  const renew = async () => {
    const tok = await tokenRequest(t, refresh ? { grant_type: 'refresh_token', refresh_token: refresh } : grant)
      .catch(() => tokenRequest(t, grant)); // the refresh token died: authenticate again
    token = tok.access_token;
    refresh = tok.refresh_token || '';
    return token;
  };
  const api = ky.extend({
    hooks: {
      beforeRequest: [async (request) => { request.headers.set('Authorization', `Bearer ${token || await renew()}`); }],
      afterResponse: [async (request, options, response) => {
        if (response.status === 401) {
          const fresh = await renew();
          request.headers.set('Authorization', `Bearer ${fresh}`);
          return ky(request);
        }
      }],
    },
  });
  return {
    base: t.base_url.replace(/\/?$/, '/'),
    async call(method, url, body) {
      try {
        const res = await api(url, { method, body: body ?? undefined });
        return { status: res.status, body: await res.text(), error: '' };
      } catch (err) {
        if (err.response) return { status: err.response.status, body: await err.response.text(), error: err.message };
        throw err;
      }
    },
  };
});
