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
  cached = Promise.all([may(get('/users', { limit: 1 })), may(get('/routing')), may(get('/audit', { limit: 1 })), may(get('/security/events', { limit: 1 }))]).then(
    ([users, routing, audit, security]) => ({ users, routing, audit, security, any: users || routing || audit || security }),
  )
  return cached
}
