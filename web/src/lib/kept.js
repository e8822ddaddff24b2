// kept.js: the last answers a page needs to open without a connection — who is logged in,
// the case types, the grids of the field page — kept in this tab's sessionStorage (gone when
// the tab closes or the user logs out), and used only when the network fails, never in
// place of the server's refusal. Nothing here is a resident's personal data.
const PREFIX = 'pingan.kept.'

export function keep(name, value) {
  try {
    sessionStorage.setItem(PREFIX + name, JSON.stringify(value))
  } catch {
    // full or switched off: the page then needs the network, as before
  }
}

export function kept(name) {
  try {
    const s = sessionStorage.getItem(PREFIX + name)
    return s ? JSON.parse(s) : null
  } catch {
    return null
  }
}

export function forgetKept() {
  try {
    for (const k of Object.keys(sessionStorage)) if (k.startsWith(PREFIX)) sessionStorage.removeItem(k)
  } catch {
    // nothing kept
  }
}

// Whether an ApiError is the network failing (no answer at all), not the server answering.
export const offline = (e) => e && e.status === 0
