/**
 * Runtime configuration, read from ./config.json next to index.html when the page starts, so one
 * build runs against any ingest service and key (the payment-api serves it; any static server
 * can serve a file). Missing fields, or a missing/broken file, fall back to local defaults.
 */

export const DEFAULTS = Object.freeze({
  logServerUrl: 'http://127.0.0.1:8000',
  apiKey: undefined,
  service: 'web-app',
  environment: 'development',
  // '' = the same origin as the page (payment-api serves the page and the API)
  paymentApiUrl: '',
});

/** Merge what the file says over the defaults, ignoring anything that is not a non-empty string. */
export function mergeConfig(loaded) {
  const out = { ...DEFAULTS };
  if (loaded && typeof loaded === 'object') {
    for (const key of Object.keys(DEFAULTS)) {
      const value = loaded[key];
      if (typeof value === 'string' && (value !== '' || key === 'paymentApiUrl')) out[key] = value;
    }
  }
  out.paymentApiUrl = out.paymentApiUrl.replace(/\/+$/, '');
  return out;
}

/** { config, problem }: problem says in words why the defaults are in use, if they are. */
export async function loadConfig(url = './config.json') {
  try {
    const resp = await fetch(url, { cache: 'no-store', headers: { Accept: 'application/json' } });
    if (!resp.ok) return { config: mergeConfig(null), problem: `config.json answered HTTP ${resp.status}` };
    return { config: mergeConfig(await resp.json()), problem: null };
  } catch (err) {
    return { config: mergeConfig(null), problem: `config.json could not be read (${err?.message ?? err})` };
  }
}
