// admin.js: which administration the user may do, as the server answers (a role's
// permissions live in data/roles.conf, not here): each list asked for once, one row; a
// 403 leaves its page out. Kept per log-in.
import { get } from './api.js'

let cached = null
let cachedFor = ''

export function adminAccess(user) {
  if (!user) return Promise.resolve({})
  if (cached && cachedFor === user.username) return cached
  cachedFor = user.username
  const may = (p) => p.then(() => true, () => false)
  // units: everyone lists them; the answer says whether this user may manage them
  const units = get('/units', { limit: 1 }).then((r) => !!r.may_manage, () => false)
  cached = Promise.all([may(get('/users', { limit: 1 })), units, may(get('/routing')), may(get('/audit', { limit: 1 })), may(get('/security/events', { limit: 1 }))]).then(
    ([users, units, routing, audit, security]) => ({ users, units, routing, audit, security, any: users || units || routing || audit || security }),
  )
  return cached
}
