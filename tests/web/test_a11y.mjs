// test_a11y.mjs: every main page checked by axe-core (the WCAG 2.0 and 2.1 A and AA rules)
// as its users see it — form controls with labels, buttons and links with names, valid
// ARIA, the language and title set, text contrast of 4.5:1 — in Chinese and in English,
// with a dialog open, on a phone. axe runs through the DevTools protocol (page.evaluate),
// never as a page script, so the server's CSP stays as strict as it is.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { BASE, PASSWORD, test, run, check, login, api } from './lib.mjs'

const require = createRequire(new URL('../../web/package.json', import.meta.url))
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

// The page as it stands must break no rule; the report names rule, count and where.
async function audit(p, where) {
  await p.waitForLoadState('networkidle')
  // a dialog fading in has, for a moment, text of too little contrast: measure at rest
  await p.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'))
  if (!(await p.evaluate(() => !!window.axe))) await p.evaluate(AXE + '\n;0')
  const found = await p.evaluate(async () => {
    // disabled controls are exempt from contrast (WCAG 1.4.3, inactive components), but
    // Element Plus marks its disabled selects by class, which axe cannot tell
    const r = await window.axe.run({ exclude: [['.is-disabled']] }, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return r.violations.map((v) => `${v.id} [${v.impact}] ×${v.nodes.length}: ${v.help} — ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' , '))
  })
  check(found.length === 0, `${where}: ${found.length} rules broken\n       ` + found.join('\n       '))
}

test('staff pages at a desk, in Chinese and in English', async ({ page }) => {
  const p = await page()
  await p.goto(BASE + '/login')
  await audit(p, 'log-in')
  await login(p, 'town_101')
  for (const path of ['/workbench', '/intake', '/map', '/dashboard'])
    await p.goto(BASE + path).then(() => audit(p, path))
  // a case just reported, held by the town centre (a family dispute): the test's own
  const g = await api('town_101', 'GET', '/regions/429006101001001')
  const { id } = await api('town_101', 'POST', '/cases', { type: 'dispute', category: 'family', title: '无障碍检查用案件', description: '浏览器无障碍检查。', lng: g.lng, lat: g.lat, channel: 'walk_in' })
  await p.goto(BASE + '/cases/' + id)
  await p.waitForSelector('[data-test=actions], [data-test=no-actions]')
  await audit(p, 'case page')
  const act = p.locator('[data-test=actions] [data-action]').first()
  check((await act.count()) > 0, 'a reported case offers the town centre an action')
  await act.click()
  await p.locator('[data-test=action-dialog]').waitFor()
  await audit(p, 'case page, action dialog open')
  await p.keyboard.press('Escape')
  await p.click('[data-test=lang]')
  await p.waitForFunction(() => document.documentElement.lang.startsWith('en'))
  for (const path of ['/workbench', '/dashboard'])
    await p.goto(BASE + path).then(() => audit(p, path + ' in English'))
})

test('the workbench with cases selected for a bulk action', async ({ page }) => {
  // a case waits for the village to sign for: dispatched to it by the town centre
  const g = await api('town_101', 'GET', '/regions/429006101001001')
  const village = (await api('village_101_001', 'GET', '/session')).user.unit_id
  const c = await api('town_101', 'POST', '/cases', { type: 'dispute', category: 'family', title: '无障碍批量签收', description: '浏览器无障碍检查。', lng: g.lng, lat: g.lat, channel: 'walk_in' })
  await api('town_101', 'POST', `/cases/${c.id}/actions`, { action: 'accept' })
  await api('town_101', 'POST', `/cases/${c.id}/actions`, { action: 'dispatch', unit_id: village })
  const p = await page()
  await login(p, 'village_101_001')
  await p.goto(BASE + '/workbench?queue=to_sign')
  await p.waitForSelector('[data-test=case-table] tbody tr')
  await p.click('[data-test=case-table] thead .el-checkbox')
  await p.waitForSelector('[data-test=bulk-bar]')
  await audit(p, 'workbench, bulk bar')
  await p.click('[data-test=bulk-sign]')
  await p.locator('[data-test=bulk-dialog]').waitFor()
  await audit(p, 'workbench, bulk dialog')
})

test('the 考核排名 in both languages, a mediation request, a query page with an answer', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  await p.goto(BASE + '/dashboard')
  await p.waitForSelector('[data-test=db-rank-table] [data-own=yes]')
  await audit(p, 'dashboard with the ranking')
  await p.click('[data-test=lang]')
  await p.waitForFunction(() => document.documentElement.lang.startsWith('en'))
  await p.goto(BASE + '/dashboard')
  await p.waitForSelector('[data-test=db-rank-table] [data-own=yes]')
  await audit(p, 'dashboard with the ranking in English')
  const q = await page({ width: 375, height: 740 })
  await q.goto(BASE + '/portal')
  await q.click('[data-test=p-type-dispute]')
  await q.waitForSelector('[data-test=p-parties]')
  await audit(q, 'portal, mediation request')
  const grid = (await api(null, 'GET', '/portal/catalog')).grids.find((g) => g.code === '429006101001001')
  const [lng, lat] = [0, 1].map((i) => grid.boundary.slice(0, -1).reduce((s, x) => s + x[i], 0) / (grid.boundary.length - 1))
  const made = await api(null, 'POST', '/portal/cases', { type: 'petition', category: 'other', title: '无障碍：网上信访', description: '测试。', lng, lat, fields: { form: '网上信访' } })
  const id = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('无障碍：网上信访'))).items[0].id
  await api('city_staff', 'POST', `/cases/${id}/actions`, { action: 'refuse', note: '不属于信访事项受理范围。' })
  await q.goto(BASE + '/portal/track')
  await q.fill('[data-test=p-code]', made.query_code)
  await q.click('[data-test=p-look]')
  await q.waitForSelector('[data-test=p-reply]')
  await q.mouse.move(0, 0) // the button clicked, no longer under the pointer (hover colours)
  await audit(q, 'portal, query page with an answer')
})

test('administration: units, accounts', async ({ page }) => {
  const p = await page()
  await login(p, 'city_admin')
  await p.goto(BASE + '/admin')
  await p.waitForSelector('[data-test=units-table]')
  await audit(p, 'admin: units')
  const q = await page() // the system administrator lands on the administration page
  await q.goto(BASE + '/login')
  await q.fill('[data-test=username]', 'sys_admin')
  await q.fill('[data-test=password]', PASSWORD)
  await q.click('[data-test=login-submit]')
  await q.waitForURL(/\/admin/)
  await audit(q, 'admin: accounts')
})

test('a grid worker\'s phone, and the residents\' portal', async ({ page }) => {
  const p = await page({ width: 375, height: 740 })
  await login(p, 'village_101_001')
  await p.goto(BASE + '/field')
  await audit(p, 'field')
  const q = await page({ width: 375, height: 740 })
  await q.goto(BASE + '/portal')
  await q.waitForSelector('[data-test=p-type-tipoff]')
  await audit(q, 'portal')
  await q.goto(BASE + '/portal/track')
  await audit(q, 'portal track')
})

run()
