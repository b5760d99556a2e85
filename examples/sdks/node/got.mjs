// got 14.4.7 with the token-refresh hook its docs show (docs/9-hooks.md,
// afterResponse): on a 401, get a new token, merge it into the instance's
// defaults (mutableDefaults) and retryWithMergedOptions.
// Glue: the token requests (got has no OAuth client) and the protocol. got
// throws HTTPError for a non-2xx answer; its message and the body go back.
import got from 'got';
import { serve, tokenRequest, firstGrant, refuseUnspoken } from './protocol.mjs';

serve(async (t) => {
  const grant = firstGrant(t);
  refuseUnspoken(t, 'got (the docs hook)');
  let refresh = t.refresh_token || '';
  const renew = async () => {
    const tok = await tokenRequest(t, refresh ? { grant_type: 'refresh_token', refresh_token: refresh } : grant)
      .catch(() => tokenRequest(t, grant));
    refresh = tok.refresh_token || '';
    return tok.access_token;
  };
  const instance = got.extend({
    hooks: {
      afterResponse: [
        async (response, retryWithMergedOptions) => {
          if (response.statusCode === 401) {
            const updatedOptions = { headers: { authorization: `Bearer ${await renew()}` } };
            instance.defaults.options.merge(updatedOptions);
            return retryWithMergedOptions(updatedOptions);
          }
          return response;
        },
      ],
    },
    mutableDefaults: true,
  });
  // The first token, once, before the first call (glue: got's docs start
  // from a token in hand).
  let first = null;
  const ready = () => (first ??= (t.access_token ? Promise.resolve(t.access_token) : renew())
    .then((tok) => instance.defaults.options.merge({ headers: { authorization: `Bearer ${tok}` } })));
  return {
    base: t.base_url.replace(/\/?$/, '/'),
    async call(method, url, body) {
      try {
        await ready();
        const res = await instance(url, { method, body: body ?? undefined });
        return { status: res.statusCode, body: res.body, error: '' };
      } catch (err) {
        if (err.response) return { status: err.response.statusCode, body: String(err.response.body ?? ''), error: err.message };
        throw err;
      }
    },
  };
});
