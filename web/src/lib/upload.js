// upload.js: a file sent to a case (POST /cases/{id}/attachments, the bytes as the body)
// through XMLHttpRequest, since fetch reports no upload progress. Like api.js: the session
// cookie, X-Pingan-CSRF, and the server's error as an ApiError; each file carries an
// Idempotency-Key of its own, kept for its retries.
import { ApiError } from './api.js'

export function uploadFile(caseId, file, key, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest()
    const q = file.name ? '?name=' + encodeURIComponent(file.name.slice(0, 100)) : ''
    x.open('POST', `/api/v1/cases/${encodeURIComponent(caseId)}/attachments${q}`)
    x.withCredentials = true
    x.setRequestHeader('Accept', 'application/json')
    x.setRequestHeader('Content-Type', file.type || 'application/octet-stream')
    x.setRequestHeader('X-Pingan-CSRF', '1')
    x.setRequestHeader('Idempotency-Key', key)
    x.upload.onprogress = (e) => e.lengthComputable && onProgress?.(Math.round((100 * e.loaded) / e.total))
    x.onerror = () => reject(new ApiError(0, 'NETWORK', 'network error'))
    x.onabort = x.onerror
    x.onload = () => {
      let json = null
      try {
        json = JSON.parse(x.responseText)
      } catch {
        json = null
      }
      if (x.status >= 200 && x.status < 300) return resolve(json)
      const e = json?.error || {}
      reject(new ApiError(x.status, e.code || 'HTTP_' + x.status, e.message || x.statusText, e.field, json))
    }
    x.send(file)
  })
}
