// test_portal.mjs: the residents' portal on a phone, without an account — an anonymous
// tip-off with its place clicked on the map and then chosen from the lists, the number and
// query code shown once, the case tracked by the code; the server's errors in plain words
// at the field they name (a bad phone), an unknown code, a lost connection, 429 with its
// wait, a report sent again after its answer was lost is one case; a closed case rated once,
// and a second rating refused (409); with several cities in the database, a city picked
// first; no service worker (nor the staff code it would fetch) on a resident's phone.
import { BASE, test, run, check, same, api } from './lib.mjs'

const W = 375

async function choose(p, sel, text) {
  await p.locator(sel).click()
  await p.getByRole('option', { name: text, exact: true }).click()
}

async function fits(p, where) {
  const w = await p.evaluate(() => document.documentElement.scrollWidth)
  check(w <= W, `${where}: the page is ${w} px wide on a ${W}-px screen`)
}

async function openForm(p) {
  await p.goto(BASE + '/portal')
  await p.waitForSelector('[data-test=p-type-tipoff]')
}

test('an anonymous tip-off from a phone: place on the map, code shown once, tracked', async ({ page }) => {
  const p = await page({ width: W, height: 740 })
  await openForm(p)
  same((await p.textContent('.p-brand')).trim(), '平安综治 · 群众服务', 'the portal says whose it is')
  await p.click('[data-test=p-type-tipoff]')
  // nothing filled: each missing part named at its field
  await p.click('[data-test=p-submit]')
  await p.waitForFunction(() => document.querySelectorAll('.el-form-item__error').length >= 4)
  const errs = await p.locator('.el-form-item__error').allTextContents()
  check(errs.length >= 4, 'errors at the fields: ' + errs.join(' | '))
  check(errs.includes('尚未选择地点'), 'the place asked for: ' + errs.join(' | '))
  await choose(p, '[data-test=p-category]', '村霸')
  await p.fill('[data-test=p-title]', '门户测试：村霸强占集体鱼塘')
  await p.fill('[data-test=p-description]', '有人强占村集体鱼塘，威胁承包户。')
  await p.click('[data-test=field-anonymous]')
  await p.waitForSelector('[data-test=p-anonymous]')
  check(!(await p.isVisible('[data-test=p-phone]')), 'no contact asked of an anonymous tip-off')
  // the village from the list; its grids drawn; a click on the map finds the grid
  await choose(p, '[data-test=p-village]', '滨湖社区（101001）')
  const map = p.locator('[data-test=grid-map] canvas').first()
  await map.waitFor()
  await p.waitForTimeout(300) // the first frame of the map (drawn on the next animation frame)
  const box = await map.boundingBox()
  await p.mouse.click(box.x + box.width / 2 - 25, box.y + box.height / 2 + 25)
  await p.waitForFunction(() => /滨湖社区第\d网格/.test(document.querySelector('[data-test=p-where]')?.textContent || ''))
  // the grid chosen from the list instead (the keyboard's way)
  await choose(p, '[data-test=p-grid]', '滨湖社区第2网格')
  await p.waitForFunction(() => document.querySelector('[data-test=p-where]')?.textContent.includes('滨湖社区第2网格'))
  await fits(p, 'portal form')
  await p.click('[data-test=p-submit]')
  await p.waitForSelector('[data-test=portal-saved]')
  const number = (await p.textContent('[data-test=portal-number]')).trim()
  const code = (await p.textContent('[data-test=portal-code]')).trim()
  check(/^PA-\d{6}-\d{4}-\d{6}$/.test(number), 'number shown: ' + number)
  check(/^[A-Z0-9]{16}$/.test(code), 'query code shown: ' + code)
  check((await p.textContent('.keep')).includes('只显示这一次'), 'advice to keep the code')
  await fits(p, 'portal saved')
  // staff see it, in the grid chosen, with no party
  const found = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('门户测试：村霸强占集体鱼塘'))).items
  same(found.length, 1, 'exactly one case')
  const full = await api('town_101', 'GET', '/cases/' + found[0].id)
  same(full.grid, '429006101001002', 'the grid chosen')
  same((full.parties || []).length, 0, 'an anonymous tip-off has no party')
  // tracked with the code: handed over without putting it in the address
  await p.click('[data-test=portal-track-it]')
  await p.waitForSelector('[data-test=p-found]')
  check(!p.url().includes(code), 'the code is not in the address')
  same((await p.textContent('[data-test=p-status]')).trim(), '已上报', 'status')
  check((await p.textContent('[data-test=p-timeline]')).includes('上报'), 'the timeline')
  check(!(await p.isVisible('[data-test=p-rate]')), 'no rating before it is closed')
  await fits(p, 'portal track')
  // the staff pages' service worker is not installed on a resident's phone
  same(await p.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0, 'service workers')
})

test('a city picked first when the database holds several, none to pick when one', async ({ page }) => {
  const p = await page({ width: W, height: 740 })
  await openForm(p)
  same(await p.locator('[data-test=p-city]').count(), 0, 'one city: nothing to pick')
  // a second city, as a province's database would answer: its list, no grids until one is
  // picked (the server's own answer otherwise)
  const q = await page({ width: W, height: 740 })
  await q.route('**/api/v1/portal/catalog*', async (route) => {
    const r = await route.fetch()
    const j = await r.json()
    j.cities.push({ code: '420982', name: '安陆市', lng: 113.69, lat: 31.26 })
    if (!new URL(route.request().url()).searchParams.get('city')) j.grids = []
    await route.fulfill({ response: r, json: j })
  })
  await openForm(q)
  await q.waitForSelector('[data-test=p-city]')
  await q.locator('[data-test=p-village]').click()
  same(await q.getByRole('option', { name: '滨湖社区（101001）', exact: true }).count(), 0, 'no villages before a city')
  await q.keyboard.press('Escape')
  await choose(q, '[data-test=p-city]', '天门市')
  await choose(q, '[data-test=p-village]', '滨湖社区（101001）')
  await choose(q, '[data-test=p-grid]', '滨湖社区第2网格')
  await q.waitForFunction(() => document.querySelector('[data-test=p-where]')?.textContent.includes('滨湖社区第2网格'))
  await fits(q, 'portal form with cities')
})

test('the server\'s errors in plain words, at their field', async ({ page }) => {
  const p = await page({ width: W, height: 740 })
  await openForm(p)
  await choose(p, '[data-test=p-category]', '民生服务')
  await p.fill('[data-test=p-title]', '门户测试：路灯不亮')
  await p.fill('[data-test=p-description]', '村口路灯坏了一个月。')
  await choose(p, '[data-test=p-village]', '滨湖社区（101001）')
  await choose(p, '[data-test=p-grid]', '滨湖社区第1网格')
  await p.fill('[data-test=p-name]', '王先生')
  await p.fill('[data-test=p-phone]', '12345') // the server refuses it (400, parties[0].phone)
  await p.click('[data-test=p-submit]')
  await p.waitForFunction(() => document.querySelector('#p-phone')?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent.includes('手机号'))
  // the connection lost: said so, the form kept
  await p.route('**/api/v1/portal/cases', (r) => r.abort('internetdisconnected'))
  await p.fill('[data-test=p-phone]', '13912345678')
  await p.click('[data-test=p-submit]')
  await p.waitForFunction(() => document.querySelector('[data-test=portal-error]')?.textContent.includes('网络连接失败'))
  same(await p.inputValue('[data-test=p-title]'), '门户测试：路灯不亮', 'the form kept')
  // too many requests: the wait the server asks for (its 429 played here: the test server
  // runs with the rate raised out of the way)
  await p.unroute('**/api/v1/portal/cases')
  await p.route('**/api/v1/portal/cases', (r) => r.fulfill({ status: 429, headers: { 'Retry-After': '30', 'Content-Type': 'application/json' }, body: '{"error":{"code":"RATE_LIMITED","message":"too many requests from your address; wait a moment"}}' }))
  await p.click('[data-test=p-submit]')
  await p.waitForFunction(() => document.querySelector('[data-test=portal-error]')?.textContent.includes('请 30 秒后再试'))
  // the server takes the report but its answer is lost; sent again, it is one case
  await p.unroute('**/api/v1/portal/cases')
  let lost = 0
  await p.route('**/api/v1/portal/cases', async (route) => {
    if (lost) return route.continue()
    lost++
    await route.fetch() // the server gets it and answers …
    await route.abort('connectionreset') // … and the answer never reaches the phone
  })
  await p.click('[data-test=p-submit]')
  await p.waitForFunction(() => document.querySelector('[data-test=portal-error]')?.textContent.includes('网络连接失败'))
  await p.click('[data-test=p-submit]')
  await p.waitForSelector('[data-test=portal-saved]')
  same(lost, 1, 'the first send went out')
  const cases = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('门户测试：路灯不亮'))).items
  same(cases.length, 1, 'the report sent twice is one case')
  same((await p.textContent('[data-test=portal-number]')).trim(), cases[0].number, 'its number shown')
  await p.unroute('**/api/v1/portal/cases')
  // an unknown code
  await p.click('[data-test=portal-nav-track]')
  await p.fill('[data-test=p-code]', 'ABCDEFGHJKLMNPQR')
  await p.click('[data-test=p-look]')
  await p.waitForFunction(() => document.querySelector('#p-code')?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent.includes('没有找到'))
})

test('a closed case rated once by its code; a second rating refused', async ({ page }) => {
  const grid = (await api(null, 'GET', '/portal/catalog')).grids.find((g) => g.code === '429006101001001')
  const [lng, lat] = [0, 1].map((i) => grid.boundary.slice(0, -1).reduce((s, q) => s + q[i], 0) / (grid.boundary.length - 1))
  const made = await api(null, 'POST', '/portal/cases', { type: 'request', category: 'livelihood', title: '门户测试：垃圾清运', description: '垃圾三天没人清运。', lng, lat })
  const id = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('门户测试：垃圾清运'))).items[0].id
  const unit = (await api('city_admin', 'GET', '/units')).items.find((u) => u.code === 'village-429006101001')
  for (const [user, action, extra] of [['town_101', 'accept'], ['town_101', 'dispatch', { unit_id: unit.id }], ['village_101_001', 'sign'], ['village_101_001', 'feedback', { note: '已清运' }], ['town_101', 'verify_pass']])
    await api(user, 'POST', `/cases/${id}/actions`, { action, ...(extra || {}) })
  // two phones look it up: both are asked to rate
  const [a, b] = [await page({ width: W, height: 740 }), await page({ width: W, height: 740 })]
  for (const p of [a, b]) {
    await p.goto(BASE + '/portal/track')
    await p.fill('[data-test=p-code]', made.query_code.toLowerCase())
    await p.click('[data-test=p-look]')
    await p.waitForSelector('[data-test=p-rate]')
  }
  await a.click('[data-test=p-rate-send]')
  check((await a.textContent('[data-test=p-rate-error]')).includes('请选择'), 'a rating must be chosen')
  await a.click('[data-test=p-rating-satisfied]')
  await a.fill('[data-test=p-rating-note]', '处理很快')
  await a.click('[data-test=p-rate-send]')
  await a.waitForSelector('[data-test=p-rated]')
  check(!(await a.isVisible('[data-test=p-rate]')), 'asked no more')
  same((await api('town_101', 'GET', '/cases/' + id)).rating, 'satisfied', 'the rating recorded')
  // the other phone's rating comes too late: the server's 409 in words
  await b.click('[data-test=p-rating-unsatisfied]')
  await b.click('[data-test=p-rate-send]')
  await b.waitForFunction(() => document.querySelector('[data-test=p-rate-error]')?.textContent.includes('已经评价过'))
  same((await api('town_101', 'GET', '/cases/' + id)).rating, 'satisfied', 'the first rating stands')
})

await run()
