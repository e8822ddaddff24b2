// menu.js: the side menu. Which entries a user sees follows what the server says they may
// do (the types they may report come from the lifecycles the server sends); entries for
// pages not built yet are not shown.
import { reportableTypes } from './catalog.js'

// roles that hold no case work (the three administrators see no workbench)
export const NO_CASES = ['sys_admin', 'sec_admin']
// roles who work out in their grids, on a phone
export const FIELD = ['grid_worker', 'village_coordinator']

// admin: adminAccess()'s answer (which administration the server lets the user do)
export function menuFor(user, admin) {
  if (!user) return []
  const items = []
  if (FIELD.includes(user.role)) items.push({ key: 'field', path: '/field', icon: 'Location' })
  if (!NO_CASES.includes(user.role)) items.push({ key: 'workbench', path: '/workbench', icon: 'Tickets' })
  if (reportableTypes(user.role).length) items.push({ key: 'intake', path: '/intake', icon: 'EditPen' })
  if (!NO_CASES.includes(user.role)) items.push({ key: 'map', path: '/map', icon: 'MapLocation' })
  if (!NO_CASES.includes(user.role)) items.push({ key: 'dashboard', path: '/dashboard', icon: 'DataLine' })
  if (admin?.any) items.push({ key: 'admin', path: '/admin', icon: 'Setting' })
  return items
}
