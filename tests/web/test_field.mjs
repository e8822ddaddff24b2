// test_field.mjs: the grid worker's page on a 375-px phone — a patrol report with the
// phone's location and a photo written without a connection, kept on the phone, and sent
// when the connection returns exactly once, even when the first send's answer is lost
// after the server took it (checked through the API: one case, one photo); and a
// fraud-warning visit confirmed with its record form; and the page reloaded without a
// connection, from the service worker's kept shell, still taking a report that is then sent
// once — while no answer of the API is ever kept by the worker.
import { BASE, test, run, login, check, same, api } from './lib.mjs'

const W = 375
const USER = 'grid_101_001_001'
const GRID = '429006101001001'
// a 1×1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')

async function fits(p, where) {
  const w = await p.evaluate(() => document.documentElement.scrollWidth)
  check(w <= W, `${where}: the page is ${w} px wide on a ${W}-px screen`)
}

test('a patrol report written offline is sent once when the connection returns, even after a lost answer', async ({ page }) => {
  const g = await api(USER, 'GET', '/regions/' + GRID)
  const p = await page({ width: W, height: 740, geolocation: { longitude: g.lng, latitude: g.lat }, permissions: ['geolocation'] })
  await login(p, USER)
  await p.goto(BASE + '/field')
  await p.waitForSelector('[data-test=net]')
  await fits(p, 'field tasks')
  await p.getByRole('tab', { name: '巡查上报' }).click()
  await p.fill('[data-test=f-title]', '离线测试：路灯杆倾斜')
  await p.fill('[data-test=f-description]', '村口第三根路灯杆倾斜，有倒塌危险。')
  await p.click('[data-test=f-here]')
  await p.waitForFunction(() => document.querySelector('[data-test=f-where]')?.textContent.includes('滨湖社区第1网格'))
  await p.setInputFiles('[data-test=f-photo]', { name: '路灯.png', mimeType: 'image/png', buffer: PNG })
  await fits(p, 'patrol report')
  // no connection: kept on the phone
  await p.context().setOffline(true)
  await p.waitForFunction(() => document.querySelector('[data-test=net]')?.textContent.includes('无网络'))
  await p.click('[data-test=f-submit]')
  await p.waitForFunction(() => document.querySelector('[data-test=f-notice]')?.textContent.includes('已保存在手机上'))
  same((await p.textContent('[data-test=outbox-count]')).trim(), '1', 'one report waiting')
  // the connection returns, but the first answer is lost after the server took the case
  let lost = 0
  await p.route((u) => u.pathname === '/api/v1/cases', async (route) => {
    if (route.request().method() !== 'POST' || lost) return route.continue()
    lost++
    await route.fetch() // the server gets it and answers …
    await route.abort('connectionreset') // … and the answer never reaches the phone
  })
  await p.context().setOffline(false)
  await p.getByRole('tab', { name: /待发送/ }).click()
  await p.waitForSelector('[data-test=outbox-error]') // the lost answer: still waiting
  same(lost, 1, 'the first send went out')
  same((await p.textContent('[data-test=outbox-count]')).trim(), '1', 'still waiting after the lost answer')
  // sent again with the same key: the server's first answer, no second case
  await p.click('[data-test=send-now]')
  await p.waitForSelector('[data-test=sent] a')
  check(!(await p.isVisible('[data-test=outbox-count]')), 'nothing waits')
  const number = (await p.textContent('[data-test=sent] a')).trim()
  const found = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('离线测试：路灯杆倾斜'))).items
  same(found.length, 1, 'exactly one case')
  same(found[0].number, number, 'the number shown')
  const c = await api('town_101', 'GET', '/cases/' + found[0].id)
  same(c.grid, GRID, 'in the grid of the phone\'s location')
  same(c.channel, 'grid_worker', 'a grid worker\'s report')
  same((c.attachments || []).length, 1, 'one photo')
  // a reload finds nothing left on the phone
  await p.reload()
  await p.getByRole('tab', { name: /待发送/ }).click()
  await p.waitForFunction(() => document.body.textContent.includes('没有待发送的上报'))
})

test('the field page reloads offline from the service worker and a report written then is sent once', async ({ page }) => {
  const g = await api(USER, 'GET', '/regions/' + GRID)
  const p = await page({ width: W, height: 740, geolocation: { longitude: g.lng, latitude: g.lat }, permissions: ['geolocation'] })
  const fromWorker = []
  p.on('response', (r) => r.fromServiceWorker() && fromWorker.push(new URL(r.url()).pathname))
  await login(p, USER)
  await p.goto(BASE + '/field')
  await p.waitForSelector('[data-test=net]')
  // the worker installed (the shell kept) and in control of this page
  await p.waitForFunction(() => navigator.serviceWorker.controller)
  await p.context().setOffline(true)
  fromWorker.length = 0
  const nav = await p.reload()
  check(nav.fromServiceWorker(), 'the page offline comes from the service worker')
  await p.waitForFunction(() => document.querySelector('[data-test=net]')?.textContent.includes('无网络'))
  check(fromWorker.some((f) => f.startsWith('/assets/') && f.endsWith('.js')), 'the scripts from the kept shell: ' + fromWorker.join(' '))
  await p.getByRole('tab', { name: '巡查上报' }).click()
  await p.fill('[data-test=f-title]', '离线重开测试：井盖缺失')
  await p.fill('[data-test=f-description]', '重新打开页面后上报：路口井盖缺失。')
  await p.click('[data-test=f-here]')
  await p.waitForFunction(() => document.querySelector('[data-test=f-where]')?.textContent.includes('滨湖社区第1网格'))
  await p.click('[data-test=f-submit]')
  await p.waitForFunction(() => document.querySelector('[data-test=f-notice]')?.textContent.includes('已保存在手机上'))
  same((await p.textContent('[data-test=outbox-count]')).trim(), '1', 'one report waiting')
  await p.context().setOffline(false)
  await p.getByRole('tab', { name: /待发送/ }).click()
  await p.waitForSelector('[data-test=sent] a')
  const found = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('离线重开测试：井盖缺失'))).items
  same(found.length, 1, 'exactly one case')
  // what the worker keeps: the shell, no answer of the API
  const keptUrls = await p.evaluate(async () => (await Promise.all((await caches.keys()).map(async (k) => (await (await caches.open(k)).keys()).map((r) => r.url)))).flat())
  check(keptUrls.some((u) => u.endsWith('/index.html')), 'the shell kept')
  same(keptUrls.filter((u) => u.includes('/api/')).join(' '), '', 'API answers kept by the worker')
  same(fromWorker.filter((f) => f.startsWith('/api/')).join(' '), '', 'API answers given by the worker')
})

test('a fraud-warning visit confirmed from the phone with its record', async ({ page }) => {
  await api('town_101', 'POST', '/warnings', { title: '外地诈骗团伙冒充医保局', description: '近期有人冒充医保局工作人员骗取老人钱财，请入户提醒。', category: 'elderly_scam', grids: [GRID] })
  const p = await page({ width: W, height: 740 })
  await login(p, USER)
  await p.goto(BASE + '/field')
  await p.locator('[data-test=visits] a', { hasText: '外地诈骗团伙冒充医保局' }).first().click()
  await p.waitForURL(/\/cases\/\d+/)
  await p.click('[data-test=actions] [data-action=confirm]')
  const d = p.locator('[data-test=action-dialog]')
  await d.waitFor()
  await d.locator('#rec-visited_on').fill('2026-11-28')
  await d.locator('#rec-visited_on').press('Enter')
  await d.locator('#rec-households').fill('36')
  await fits(p, 'visit dialog')
  await p.click('[data-test=act-submit]')
  await d.waitFor({ state: 'hidden' })
  await p.waitForFunction(() => !document.querySelector('[data-test=actions] [data-action=confirm]'))
  const id = Number(p.url().match(/cases\/(\d+)/)[1])
  const c = await api('town_101', 'GET', '/cases/' + id)
  same(c.status, 'confirmed', 'the visit confirmed')
  const rec = c.records.find((r) => r.data && 'households' in r.data)
  same(rec?.data.households, 36, 'households recorded')
})

await run()
