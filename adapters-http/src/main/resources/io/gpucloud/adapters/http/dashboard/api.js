// The API client: every data call carries the admin token as a bearer header. Failures become an ApiError whose
// `kind` says what the user should be told: unauthorized (401), unreachable (network error, CORS refusal,
// timeout), unavailable (503), not_found (404), or failed (any other error answer).

const TIMEOUT_MS = 10000;

export class ApiError extends Error {
  constructor(kind, message, { status = 0, code = null, param = null } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

/** The base URL without a trailing slash; '' means this page's origin. Throws on anything but http(s). */
export function normalizeBase(text) {
  const trimmed = (text || '').trim();
  if (trimmed === '') return '';
  let url;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error('The API base URL is not a URL (for example https://api.example.com).');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('The API base URL must start with http:// or https://.');
  }
  const base = (url.origin + url.pathname).replace(/\/+$/, '');
  return base === location.origin ? '' : base;
}

export function describeBase(base) {
  return base || location.origin;
}

function unreachable(base, cause) {
  const where = describeBase(base);
  if (cause === 'timeout') {
    return new ApiError('unreachable', `The API at ${where} did not answer within ${TIMEOUT_MS / 1000} s.`);
  }
  const cors = base ? ` and that its CORS_ORIGINS allows ${location.origin}` : '';
  return new ApiError('unreachable', `Cannot reach the API at ${where}. Check that the server is running${cors}.`);
}

async function errorFrom(response) {
  let error = {};
  try {
    error = (await response.json()).error || {};
  } catch {
    // not JSON: a proxy's page, say
  }
  const status = response.status;
  const details = { status, code: error.code || null, param: error.param || null };
  const said = error.message ? ` ${error.message}` : '';
  if (status === 401) {
    return new ApiError('unauthorized',
      'The admin token was refused (HTTP 401). Sign in with the ADMIN_TOKEN the server runs with.', details);
  }
  if (status === 503) {
    const reason = error.code === 'server_shutting_down'
      ? 'The API is shutting down or overloaded.'
      : 'The API is up but cannot serve this now (HTTP 503): a service it needs, such as its database, is down.';
    return new ApiError('unavailable', `${reason}${said}`, details);
  }
  if (status === 404) return new ApiError('not_found', error.message || 'Not found (HTTP 404).', details);
  return new ApiError('failed', error.message || `The API answered HTTP ${status}.`, details);
}

async function send(base, path, init) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await fetch(base + path, { ...init, signal: controller.signal, cache: 'no-store', credentials: 'omit' });
  } catch (failure) {
    throw unreachable(base, failure && failure.name === 'AbortError' ? 'timeout' : 'network');
  } finally {
    clearTimeout(timer);
  }
}

/** A client for one API base URL and admin token. */
export function createClient(base, token) {
  async function request(method, path, body) {
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await send(base, path, init);
    if (!response.ok) throw await errorFrom(response);
    if (response.status === 204) return null;
    try {
      return await response.json();
    } catch {
      throw new ApiError('failed', `The API's answer to ${method} ${path} is not JSON.`, { status: response.status });
    }
  }

  return {
    base,
    get: path => request('GET', path),
    post: (path, body) => request('POST', path, body),
    remove: path => request('DELETE', path),
  };
}

/**
 * GET /health (open, no token): {reachable, status: 'ok'|'degraded'|'stopping', services: {name: state}}.
 * Never throws.
 */
export async function fetchHealth(base) {
  try {
    const response = await send(base, '/health', { method: 'GET' });
    let body = {};
    try {
      body = await response.json();
    } catch {
      // keep the empty body
    }
    if (body && body.services) return { reachable: true, status: body.status, services: body.services };
    return { reachable: true, status: response.ok ? 'ok' : 'stopping', services: {} };
  } catch (failure) {
    return { reachable: false, status: 'down', services: {}, message: failure.message };
  }
}
