// test_map.mjs: the grid map — a town's user sees the grids of a village coloured by open
// cases, each grid's counts as the server's statistics give them, and a click on a grid
// (on the map, or in the list: the keyboard's way) lists exactly that grid's open cases;
// coloured by risk, each grid shows its early-warning visits not yet made, as the cases API
// lists them, and a grid picked lists those visits.
import { test, run, login, check, same, api } from './lib.mjs'

test('the grids of a village with their open cases; a grid clicked lists its cases', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  await p.click('[data-test=nav-map]')
  await p.waitForURL(/\/map/)
  await p.waitForSelector('[data-test=heat-map] canvas')
  await p.waitForSelector('[data-test=map-grids] li')
  const kids = (await api('town_101', 'GET', '/regions?parent=429006101001')).items
  same(await p.locator('[data-test=map-grids] li').count(), kids.length, 'every grid of the village listed')
  // the counts are the server's, grid by grid
  let busiest = null
  for (const g of kids) {
    const s = await api('town_101', 'GET', '/stats?region=' + g.code)
    const row = (await p.locator(`[data-test=map-grids] li:has([data-code="${g.code}"])`).textContent()).replace(/\s+/g, '')
    check(row.includes('在办' + s.open) && row.includes('超期' + s.open_overdue), `${g.name}: ${row} vs open ${s.open}, overdue ${s.open_overdue}`)
    if (!busiest || s.open > busiest.open) busiest = { ...g, open: s.open }
  }
  check(busiest.open > 0, 'some grid of the village has open cases')
  // a click on the map picks a grid
  const box = await p.locator('[data-test=heat-map] canvas').first().boundingBox()
  await p.waitForTimeout(300) // the first frame of the map (drawn on the next animation frame)
  await p.mouse.click(box.x + box.width / 2 - 20, box.y + box.height / 2 + 20)
  await p.waitForSelector('[data-test=map-cases]')
  // the busiest grid from the list: its open cases and no other grid's
  await p.click(`[data-test=map-grids] [data-code="${busiest.code}"]`)
  await p.waitForFunction((n) => document.querySelector('[data-test=map-cases] h2')?.textContent.includes(n), busiest.name)
  await p.waitForSelector('[data-test=map-cases] li')
  const shown = await p.locator('[data-test=map-cases] li a').allTextContents()
  const types = (await api('town_101', 'GET', '/case-types')).items
  const open = (c) => c.status_kind !== 'terminal' && types.find((x) => x.code === c.type).states.find((x) => x.code === c.status).phase !== '-'
  const all = (await api('town_101', 'GET', `/cases?region=${busiest.code}&limit=100`)).items.filter(open)
  same(shown.length, Math.min(all.length, 20), 'the grid\'s open cases listed')
  same(all.length, busiest.open, 'as many as the map says')
  for (const n of shown) check(all.some((c) => c.number === n.trim()), n + ' is of the grid')
})

test('coloured by risk: the early-warning visits still to make, grid by grid', async ({ page }) => {
  const kids = (await api('town_101', 'GET', '/regions?parent=429006101001')).items
  // a warning to two grids: a visit to make in each (the warning itself is one case, in one)
  const warned = [kids[0].code, kids[kids.length - 1].code]
  const grid = kids[kids.length - 1]
  await api('town_101', 'POST', '/warnings', { title: '冒充快递理赔诈骗', description: '有人冒充快递客服以理赔为名骗取验证码，请入户提醒。', category: 'elderly_scam', grids: warned })
  const p = await page()
  await login(p, 'town_101')
  await p.goto(p.url().replace(/\/workbench.*/, '/map'))
  await p.waitForSelector('[data-test=map-grids] li')
  await p.getByRole('radio', { name: '预警待走访' }).click({ force: true })
  await p.waitForFunction((n) => document.querySelectorAll('[data-test=map-risk]').length === n && ![...document.querySelectorAll('[data-test=map-risk]')].some((x) => x.textContent.includes('…')), kids.length)
  const types = (await api('town_101', 'GET', '/case-types')).items
  const open = (c) => c.status_kind !== 'terminal' && types.find((x) => x.code === c.type).states.find((x) => x.code === c.status).phase !== '-'
  for (const g of kids) {
    const want = (await api('town_101', 'GET', `/cases?region=${g.code}&type=fraud_visit&limit=100`)).items.filter(open).length
    const row = (await p.locator(`[data-test=map-grids] li:has([data-code="${g.code}"]) [data-test=map-risk]`).textContent()).replace(/\s+/g, '')
    same(row, '·预警待走访' + want, g.name)
    if (warned.includes(g.code)) check(want >= 1, g.name + ': a warned grid has a visit to make')
  }
  await p.click(`[data-test=map-grids] [data-code="${grid.code}"]`)
  await p.waitForFunction(() => document.querySelector('[data-test=map-cases] h2')?.textContent.includes('待走访'))
  await p.waitForSelector('[data-test=map-cases] li')
  check((await p.locator('[data-test=map-cases] li').allTextContents()).some((x) => x.includes('冒充快递理赔诈骗')), 'the visit listed')
})

await run()
