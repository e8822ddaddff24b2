// portal.js: what the residents' portal shares — the catalog (types open to residents, the
// cities of the database and the chosen city's grids with their boundaries, fetched once a
// city) and every error the server may
// answer put in plain words, with the form field it belongs to when it names one.
import { reactive } from 'vue'
import { get } from './api.js'
import { t, nameOf } from '../i18n/index.js'

export const portal = reactive({ types: [], grids: [], villages: [], cities: [], city: '', loaded: false })

// Grid codes are the village's 12 digits and 3 of their own; a village's name is its
// grids' name without the "第N网格" the demo and real cities put after it.
function villagesOf(grids) {
  const by = new Map()
  for (const g of grids) {
    const code = g.code.slice(0, 12)
    if (!by.has(code)) by.set(code, { code, name: (g.name || g.code).replace(/第?\s*\d+\s*网格$/, '') || code, grids: [] })
    by.get(code).grids.push(g)
  }
  // names repeat across towns (the catalog has no town names): those get their number
  const vs = [...by.values()]
  const seen = new Map()
  for (const v of vs) seen.set(v.name, (seen.get(v.name) || 0) + 1)
  for (const v of vs) v.label = seen.get(v.name) > 1 ? `${v.name}（${v.code.slice(6)}）` : v.name
  return vs
}

// city: the city chosen (none: the only one there is; with several the resident picks one
// first, and there are no grids until then).
let pending = null
export function loadPortal(city) {
  if (portal.loaded && (!city || city === portal.city)) return Promise.resolve(portal)
  if (!pending)
    pending = get('/portal/catalog', city ? { city } : undefined)
      .then((r) => {
        portal.types = r.items
        portal.cities = r.cities || []
        portal.city = city || (portal.cities.length === 1 ? portal.cities[0].code : '')
        portal.grids = r.grids.map((g) => ({
          code: g.code,
          name: g.name || g.code,
          ring: g.boundary,
          boundary: { type: 'Polygon', coordinates: [g.boundary] },
        }))
        portal.villages = villagesOf(portal.grids)
        portal.loaded = true
        return portal
      })
      .finally(() => {
        pending = null
      })
  return pending
}

// The form key a server's field belongs to: 'title', 'category', 'place', 'phone',
// 'name', 'fields.CODE' …; null when it names none of the form's.
function formKey(field) {
  if (!field) return null
  if (field === 'lng' || field === 'lat') return 'place'
  const m = /^parties\[(\d+)\]\.(\w+)$/.exec(field)
  if (m) {
    const k = m[2] === 'id_number' ? 'phone' : m[2]
    // a mediation request's second party is the respondent (被申请人)
    return m[1] === '1' ? 'respondent' + k[0].toUpperCase() + k.slice(1) : k
  }
  return field
}

// { field, text } for an ApiError from the portal's endpoints. what: 'submit', 'track' or
// 'rate' (the same 404 or 409 means something else on each); type: the case type, for
// the names of its own fields.
export function portalError(e, what, type) {
  const E = (k, p) => t('portal.errors.' + k, p)
  switch (e.status) {
    case 0:
      return { field: null, text: E('network') }
    case 400: {
      const field = formKey(e.field)
      if (what !== 'submit') return { field, text: field === 'code' ? E('notFound') : field === 'rating' ? t('portal.pickRating') : E('invalid') }
      let text = E('fieldBad')
      if (e.code === 'MISSING_FIELD') text = E('required')
      if (field === 'phone' || field === 'respondentPhone') text = E('phone')
      else if (e.field && /id_number$/.test(e.field)) text = E('idNumber')
      else if (field === 'place') text = E('place')
      else if (field === 'type') text = E('type')
      else if (field === 'category') text = E('category')
      else if (e.code === 'BAD_FIELD' && /long|at most|too/i.test(e.message || '')) text = E('tooLong')
      else if (field && field.startsWith('fields.')) {
        const f = type?.fields.find((x) => 'fields.' + x.code === field)
        if (f) text = nameOf(f) + '：' + (e.code === 'MISSING_FIELD' ? E('required') : E('fieldBad'))
      }
      return { field: field || null, text }
    }
    case 404:
      return { field: what === 'submit' ? null : 'code', text: what === 'submit' ? E('invalid') : E('notFound') }
    case 409:
      return { field: null, text: what === 'rate' ? E('rateConflict') : E('conflict') }
    case 413:
      return { field: null, text: E('tooLarge') }
    case 429:
      return { field: null, text: e.retryAfter ? E('tooMany', { s: e.retryAfter }) : E('tooManyNoWait') }
    default:
      return { field: null, text: e.status >= 500 ? E('busy') : E('invalid') }
  }
}
