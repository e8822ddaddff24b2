// api.js: every call to the pingan API. The session rides in the HttpOnly cookie the
// server sets at log-in (the page never holds the token); requests that change state carry
// X-Pingan-CSRF, which another site cannot set. Errors come back as ApiError with the
// server's own code, message and field, so the pages show what the server said — in the
// page's language, which every request asks for (Accept-Language).
import { locale } from '../i18n/index.js'

export class ApiError extends Error {
  constructor(status, code, message, field, body, retryAfter) {
    super(message)
    this.status = status
    this.code = code
    this.field = field || null
    this.body = body || null
    this.retryAfter = retryAfter || 0 // seconds, from a 429's or 423's Retry-After
  }
}

// Called with every 401 of a logged-in call (the session ended): the app goes to log-in.
let onUnauthenticated = () => {}
export function setUnauthenticatedHandler(f) {
  onUnauthenticated = f
}

export async function api(method, path, { body, query, headers, raw, quiet401 } = {}) {
  let url = '/api/v1' + path
  if (query) {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v)
    const s = q.toString()
    if (s) url += '?' + s
  }
  const h = { Accept: 'application/json', 'Accept-Language': locale.value === 'en' ? 'en' : 'zh-CN', ...(headers || {}) }
  let data
  if (raw !== undefined) data = raw
  else if (body !== undefined) {
    h['Content-Type'] = 'application/json'
    data = JSON.stringify(body)
  }
  if (method !== 'GET' && method !== 'HEAD') h['X-Pingan-CSRF'] = '1'
  let r
  try {
    r = await fetch(url, { method, headers: h, body: data, credentials: 'same-origin', cache: 'no-store' })
  } catch (e) {
    throw new ApiError(0, 'NETWORK', e.message || 'network error')
  }
  let json = null
  const text = await r.text()
  if (text) {
    try {
      json = JSON.parse(text)
    } catch {
      json = null
    }
  }
  if (!r.ok) {
    const e = (json && json.error) || {}
    const ra = parseInt(r.headers.get('Retry-After') || '', 10)
    const err = new ApiError(r.status, e.code || 'HTTP_' + r.status, e.message || r.statusText, e.field, json, ra > 0 ? ra : 0)
    if (r.status === 401 && !quiet401) onUnauthenticated(err)
    throw err
  }
  return json
}

export const get = (path, query, opts) => api('GET', path, { ...(opts || {}), query })
export const post = (path, body, opts) => api('POST', path, { ...(opts || {}), body })

// A key for a request that may be sent again (a retry after a lost answer, a phone back
// online): the server answers a repeated key with its first answer and creates nothing.
export function idempotencyKey() {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}
