// session.js: who is logged in (the server's answer to GET /session), shared by the pages.
// The page keeps no token: the cookie is HttpOnly; this is only what to show.
import { reactive } from 'vue'
import { api } from './api.js'
import { keep, kept, forgetKept, offline } from './kept.js'

// needs: what the session must do before anything else (first log-in: 'password', 'totp')
export const session = reactive({ user: null, needs: [], loaded: false })

export async function loadSession() {
  try {
    const r = await api('GET', '/session', { quiet401: true })
    session.user = r.user
    session.needs = r.needs || []
    keep('session', { user: r.user, needs: session.needs })
  } catch (e) {
    // no connection (a page reopened offline): the last answer this tab had; a refusal
    // (401) means logged out
    const last = offline(e) ? kept('session') : null
    session.user = last?.user || null
    session.needs = last?.needs || []
  }
  session.loaded = true
  return session.user
}

// Resolves with the user, or throws the server's ApiError (OTP_REQUIRED, ACCOUNT_LOCKED …).
export async function logIn(username, password, otp) {
  const body = { username, password }
  if (otp) body.otp = otp
  const r = await api('POST', '/session', { body, quiet401: true })
  session.user = r.user
  session.needs = r.needs || []
  keep('session', { user: r.user, needs: session.needs })
  return r.user
}

export async function logOut() {
  try {
    await api('DELETE', '/session', { quiet401: true })
  } finally {
    session.user = null
    forgetKept()
  }
}
