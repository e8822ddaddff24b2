// test_intake.mjs: registering a dispute on the intake page — the form the dispute type
// defines, required parts refused when missing, a place clicked on the map of the grids
// (the server names its grid), a grid chosen from the list instead (the keyboard's way),
// the grid's open cases of that category offered as possible duplicates before saving,
// and the case saved and opened.
import { BASE, test, run, login, check } from './lib.mjs'

async function choose(p, sel, text) {
  await p.locator(sel).click()
  await p.getByRole('option', { name: text, exact: true }).click()
}

test('a dispute registered with its place from the map and its duplicates shown', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  await p.click('[data-test=nav-intake]')
  await p.waitForURL(/\/intake/)
  // the dispute type's own fields are on the form
  await p.waitForSelector('#in-f-risk_signs')
  // nothing filled: refused with what is missing
  await p.click('[data-test=intake-submit]')
  check((await p.textContent('[data-test=intake-error]')).includes('必填'), 'missing parts named')
  await choose(p, '[data-test=in-category]', '邻里纠纷')
  await p.fill('[data-test=in-title]', '浏览器测试：屋檐滴水纠纷')
  await p.fill('[data-test=in-description]', '邻居新建楼房屋檐滴水落入院内，双方发生口角。')
  // no place yet: refused
  await p.click('[data-test=intake-submit]')
  check((await p.textContent('[data-test=intake-error]')).includes('尚未选择地点'), 'place asked for')
  // a click in the middle of the map: the server says which grid holds the point
  const map = p.locator('[data-test=grid-map] canvas').first()
  await map.waitFor()
  await p.waitForTimeout(300) // the first frame of the map (drawn on the next animation frame)
  const box = await map.boundingBox()
  await p.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
  await p.waitForFunction(() => document.querySelector('[data-test=in-where]')?.textContent.includes('网格'))
  // the grid chosen from the list instead; its open neighbour disputes are shown
  await choose(p, '[data-test=in-grid]', '滨湖社区第2网格')
  await p.waitForFunction(() => document.querySelector('[data-test=in-where]')?.textContent.includes('滨湖社区第2网格'))
  await p.waitForSelector('[data-test=dupes] a')
  check((await p.textContent('[data-test=dupes]')).includes('PA-429006-2026-'), 'a possible duplicate listed')
  await p.click('[data-test=add-party]')
  await p.fill('[data-test=party-name-0]', '张雪')
  await p.fill('[data-test=party-phone-0]', '13912345678')
  await p.click('[data-test=intake-submit]')
  await p.waitForSelector('[data-test=intake-saved]')
  const saved = await p.textContent('[data-test=intake-saved]')
  check(/PA-\d{6}-\d{4}-\d{6}/.test(saved), 'number shown: ' + saved)
  await p.click('[data-test=open-case]')
  await p.waitForFunction(() => document.querySelector('[data-test=case-status]')?.textContent.trim() === '已上报')
  check((await p.textContent('[data-test=parties]')).includes('139****5678'), 'party saved, phone masked')
})

await run()
