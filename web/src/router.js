// router.js: the pages and their addresses (history mode: pingan serve answers index.html
// for every path outside /api, and the page reads the address).
import { createRouter, createWebHistory } from 'vue-router'
import { session, loadSession } from './lib/session.js'
import { NO_CASES } from './lib/menu.js'
import StaffLayout from './layouts/StaffLayout.vue'
import LoginPage from './pages/LoginPage.vue'

// The residents' portal: no log-in, its own frame and its own chunk (staff code is not
// loaded on a resident's phone, nor the portal's on a desk).
const PortalLayout = () => import('./layouts/PortalLayout.vue')

const routes = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
  { path: '/setup', name: 'setup', component: () => import('./pages/SetupPage.vue'), meta: { setup: true } },
  {
    path: '/portal',
    component: PortalLayout,
    meta: { public: true, portal: true },
    children: [
      { path: '', name: 'portal', component: () => import('./pages/PortalSubmitPage.vue') },
      { path: 'track', name: 'portal-track', component: () => import('./pages/PortalTrackPage.vue') },
    ],
  },
  {
    path: '/',
    component: StaffLayout,
    children: [
      { path: '', redirect: { name: 'workbench' } },
      { path: 'workbench', name: 'workbench', component: () => import('./pages/WorkbenchPage.vue') },
      { path: 'dashboard', name: 'dashboard', component: () => import('./pages/DashboardPage.vue') },
      { path: 'admin', name: 'admin', component: () => import('./pages/AdminPage.vue') },
      { path: 'map', name: 'map', component: () => import('./pages/MapPage.vue') },
      { path: 'field', name: 'field', component: () => import('./pages/FieldPage.vue') },
      { path: 'intake', name: 'intake', component: () => import('./pages/IntakePage.vue') },
      { path: 'cases/:id(\\d+)', name: 'case', component: () => import('./pages/CasePage.vue') },
      { path: '/:pathMatch(.*)*', name: 'notfound', component: () => import('./pages/NotFoundPage.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory(), routes })

// A new build replaced the old while this page was open: its chunks are gone from the
// server, so load the address afresh (online only: offline the kept shell is all there is).
router.onError((e, to) => {
  if (navigator.onLine && /dynamically imported module|Importing a module script failed/i.test(e?.message || '')) window.location.assign(to.fullPath)
})

router.beforeEach(async (to) => {
  if (to.meta.portal) return true // residents have no session to ask about
  if (!session.loaded) await loadSession()
  if (to.meta.public) return true
  if (!session.user) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  // a first log-in sets its password and second factor before anything else
  if (session.needs.length && !to.meta.setup) return { name: 'setup', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (!session.needs.length && to.meta.setup) return { name: 'workbench' }
  // the system and security administrators hold no case work: their first page is admin
  if (to.name === 'workbench' && NO_CASES.includes(session.user.role)) return { name: 'admin' }
  return true
})
