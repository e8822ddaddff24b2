// test_phone.mjs: the 375-px phone layout — nothing wider than the screen (tables scroll
// inside themselves), the side menu folded into a drawer behind the menu button, the
// workbench, a case page and the intake map usable at that width.
import { BASE, test, run, login, check, same } from './lib.mjs'

const W = 375

async function fits(p, where) {
  const w = await p.evaluate(() => document.documentElement.scrollWidth)
  check(w <= W, `${where}: the page is ${w} px wide on a ${W}-px screen`)
}

test('workbench, menu drawer, case page and intake fit a 375-px phone', async ({ page }) => {
  const p = await page({ width: W, height: 740 })
  await login(p, 'village_101_001')
  await p.waitForSelector('[data-test=queues]')
  await fits(p, 'workbench')
  // the side menu is folded away; the menu button opens it as a drawer
  check(!(await p.isVisible('.side')), 'side menu hidden on a phone')
  await p.click('.burger')
  await p.locator('.el-drawer').getByText('登记上报').click()
  await p.waitForURL(/\/intake/)
  const map = p.locator('[data-test=grid-map]')
  await map.waitFor()
  const box = await map.boundingBox()
  check(box.width >= W - 60 && box.width <= W, 'the map spans the screen: ' + box.width)
  await fits(p, 'intake')
  // a case of the village: its page fits too, actions on screen
  const id = await p.evaluate(() => fetch('/api/v1/cases?limit=1').then((r) => r.json()).then((j) => j.items[0].id))
  await p.goto(BASE + '/cases/' + id)
  await p.waitForSelector('[data-test=case-status]')
  await fits(p, 'case page')
  const acts = await p.locator('[data-test=actions], [data-test=no-actions]').first().boundingBox()
  check(acts && acts.x >= 0 && acts.x + acts.width <= W, 'actions on screen')
  same(await p.getAttribute('html', 'lang'), 'zh-CN', 'language')
})

await run()
