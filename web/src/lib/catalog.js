// catalog.js: the case types, their states, actions and channels as the server defines them
// (GET /case-types), fetched once a log-in; names in the current language come from here.
import { reactive } from 'vue'
import { get } from './api.js'
import { keep, kept, offline } from './kept.js'
import { nameOf } from '../i18n/index.js'

export const catalog = reactive({ types: [], channels: [], loaded: false })
let pending = null

export function loadCatalog() {
  if (catalog.loaded) return Promise.resolve(catalog)
  if (!pending)
    pending = get('/case-types')
      .then((r) => {
        keep('catalog', r)
        return r
      })
      .catch((e) => {
        const last = offline(e) && kept('catalog') // a page reopened offline
        if (!last) throw e
        return last
      })
      .then((r) => {
        catalog.types = r.items
        catalog.channels = r.channels
        catalog.loaded = true
        return catalog
      })
      .finally(() => {
        pending = null
      })
  return pending
}

export const typeOf = (code) => catalog.types.find((x) => x.code === code)

export function typeName(code, fallback) {
  const ty = typeOf(code)
  return ty ? nameOf(ty) : fallback || code
}

export function stateName(type, state, fallback) {
  const s = typeOf(type)?.states.find((x) => x.code === state)
  return s ? nameOf(s) : fallback || state
}

export function categoryName(type, cat, fallback) {
  const c = typeOf(type)?.categories.find((x) => x.code === cat)
  return c ? nameOf(c) : fallback || cat
}

export function channelName(code) {
  const c = catalog.channels.find((x) => x.code === code)
  return c ? nameOf(c) : code
}

// The types a role may report (their lifecycle lets it make the first step), created
// through POST /cases (not those with an intake of their own, like fraud warnings).
export function reportableTypes(role) {
  return catalog.types.filter(
    (ty) => !ty.intake && ty.transitions.some((tr) => tr.from === null && tr.roles.includes(role)),
  )
}

// Open as the server counts it (stats' open): not ended, and not done — a closed case
// waiting for its call-back is done (its state has no phase: "-").
export function isOpen(c) {
  const s = typeOf(c.type)?.states.find((x) => x.code === c.status)
  return c.status_kind !== 'terminal' && (!s || s.phase !== '-')
}
