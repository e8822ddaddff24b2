// outbox.js: reports written on a phone without a connection, kept in the browser's
// IndexedDB (photos as they are, which localStorage could not hold) and sent when the
// connection returns — exactly once. Each report carries the Idempotency-Key made when it
// was written; the server answers a key it has seen (for 30 days) with its first answer and
// creates nothing, so a send whose answer was lost is simply sent again. The photo goes
// after the case exists; before sending it again the case's files are read, and a photo
// already there (same SHA-256) is not sent twice.
import { reactive, toRaw } from 'vue'
import { api, get, post, idempotencyKey } from './api.js'
import { errorText } from './errors.js'

const DB = 'pingan-outbox'
const STORE = 'reports'

export const outbox = reactive({ items: [], sending: false, sent: [], error: '' })

function db() {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, 1)
    r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: 'key' })
    r.onsuccess = () => resolve(r.result)
    r.onerror = () => reject(r.error)
  })
}

async function tx(mode, f) {
  const d = await db()
  try {
    return await new Promise((resolve, reject) => {
      const t = d.transaction(STORE, mode)
      const req = f(t.objectStore(STORE))
      t.oncomplete = () => resolve(req?.result)
      t.onerror = () => reject(t.error)
      t.onabort = () => reject(t.error)
    })
  } finally {
    d.close()
  }
}

const all = () => tx('readonly', (s) => s.getAll())
// a plain object: IndexedDB cannot clone Vue's reactive proxies
const save = (e) => tx('readwrite', (s) => s.put(toRaw(e)))
const drop = (key) => tx('readwrite', (s) => s.delete(key))

// The reports this user has waiting (another user's, on a shared phone, wait for them).
export async function refresh(user) {
  const items = (await all()).filter((e) => e.user === user).sort((a, b) => a.created - b.created)
  outbox.items = items
  return items
}

// Keeps a report (the body of POST /cases, a photo Blob or null) and tries to send it.
export async function queue(user, body, photo) {
  const e = { key: idempotencyKey(), user, body, photo: photo || null, photoName: photo?.name || '', created: Date.now(), caseId: null, number: null, photoSent: false, failed: '' }
  await save(e)
  await refresh(user)
  flush(user)
  return e
}

async function sha256(blob) {
  const h = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())
  return Array.from(new Uint8Array(h), (x) => x.toString(16).padStart(2, '0')).join('')
}

// One report: the case (again with its key if the answer was lost), then its photo.
async function sendOne(e) {
  if (!e.caseId) {
    const made = await post('/cases', e.body, { headers: { 'Idempotency-Key': e.key } })
    Object.assign(e, { caseId: made.id, number: made.number })
    await save(e)
  }
  if (e.photo && !e.photoSent) {
    const sha = await sha256(e.photo)
    const c = await get('/cases/' + e.caseId)
    if (!(c.attachments || []).some((a) => a.sha256 === sha))
      await api('POST', `/cases/${e.caseId}/attachments`, { query: { name: e.photoName || undefined }, raw: e.photo, headers: { 'Content-Type': e.photo.type || 'application/octet-stream' } })
    e.photoSent = true
    await save(e)
  }
}

let running = null
// Sends what waits, oldest first; stops at the first report that cannot go now (no
// connection, the server busy) to try again later. A report the server refuses for good
// (4xx) is kept, marked, for the user to see and remove.
export function flush(user) {
  if (running) return running
  running = (async () => {
    outbox.sending = true
    outbox.error = ''
    try {
      for (const e of await refresh(user)) {
        if (e.failed) continue
        try {
          await sendOne(e)
          await drop(e.key)
          outbox.sent.unshift({ key: e.key, number: e.number, title: e.body.title, id: e.caseId })
        } catch (err) {
          if (err.status === 0 || err.status === 401 || err.status === 429 || err.status >= 500) {
            outbox.error = errorText(err)
            break
          }
          e.failed = errorText(err)
          await save(e)
        }
      }
    } finally {
      await refresh(user).catch(() => {})
      outbox.sending = false
      running = null
    }
  })()
  return running
}

export async function discard(user, key) {
  await drop(key)
  await refresh(user)
}

// Sends again whenever the browser says the connection is back, and every half minute while
// reports wait (a connection can return without the event: a captive portal, a server that
// was down). Once per page; the user is whoever is logged in then.
let started = false
export function startOutbox(userOf) {
  if (started || typeof indexedDB === 'undefined') return
  started = true
  const go = () => {
    const u = userOf()
    if (u && navigator.onLine) flush(u).catch(() => {})
  }
  window.addEventListener('online', go)
  setInterval(() => outbox.items.length && go(), 30000)
  const u = userOf()
  if (u) refresh(u).then(go, () => {})
}
