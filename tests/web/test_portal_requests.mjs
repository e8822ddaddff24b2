// test_portal_requests.mjs: the portal's mediation request (调解申请, with the applicant and
// the respondent) and online petition (网上信访, its form fixed) sent from a phone; the query
// page says where each stands in words, the unit handling it, and — once staff refuse the
// petition — the answer the petitioner was given, prominently and on its step.
import { BASE, test, run, check, same, api } from './lib.mjs'

const W = 375

async function choose(p, sel, text) {
  await p.locator(sel).click()
  await p.getByRole('option', { name: text, exact: true }).click()
}

async function place(p, grid) {
  await choose(p, '[data-test=p-village]', '滨湖社区（101001）')
  await choose(p, '[data-test=p-grid]', grid)
  await p.waitForFunction((g) => document.querySelector('[data-test=p-where]')?.textContent.includes(g), grid)
}

test('a mediation request names both parties and is tracked with the unit handling it', async ({ page }) => {
  const p = await page({ width: W, height: 740 })
  await p.goto(BASE + '/portal')
  await p.waitForSelector('[data-test=p-type-dispute]')
  same((await p.textContent('[data-test=p-type-dispute]')).trim(), '调解申请', 'a dispute reads as a mediation request')
  same((await p.textContent('[data-test=p-type-petition]')).trim(), '网上信访', 'a petition reads as an online petition')
  await p.click('[data-test=p-type-dispute]')
  await p.waitForSelector('[data-test=p-parties]')
  await choose(p, '[data-test=p-category]', '邻里纠纷')
  await p.fill('[data-test=p-title]', '门户调解：邻居占道堆物')
  await p.fill('[data-test=p-description]', '邻居在门前堆放杂物，协商未果，申请调解。')
  await place(p, '滨湖社区第1网格')
  // both parties are asked for
  await p.click('[data-test=p-submit]')
  await p.waitForFunction(() => document.querySelectorAll('[data-test=p-parties] .el-form-item__error').length === 2)
  await p.fill('[data-test=p-name]', '王秀英')
  await p.fill('[data-test=p-phone]', '13912345678')
  await p.fill('[data-test=p-respondent-name]', '李大海')
  await p.click('[data-test=p-submit]')
  await p.waitForSelector('[data-test=portal-saved]')
  const code = (await p.textContent('[data-test=portal-code]')).trim()
  // staff see a dispute with its applicant and respondent
  const found = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('门户调解：邻居占道堆物'))).items
  same(found.length, 1, 'one case')
  const full = await api('town_101', 'GET', '/cases/' + found[0].id)
  same(full.type, 'dispute', 'its type')
  same((full.parties || []).map((x) => x.role).join(','), 'applicant,respondent', 'the parties')
  // followed by its code: the unit that has it, no answer yet
  await p.click('[data-test=portal-track-it]')
  await p.waitForSelector('[data-test=p-found]')
  const t = await api(null, 'GET', '/track?code=' + code)
  check(t.unit_name, 'the server names the unit')
  check((await p.textContent('[data-test=p-unit]')).includes(t.unit_name), 'the unit shown')
  check((await p.textContent('[data-test=p-plain]')).includes(t.unit_name), 'the status in words')
  await p.waitForSelector('[data-test=p-no-reply]')
  same(await p.locator('[data-test=p-reply]').count(), 0, 'no answer yet')
  const w = await p.evaluate(() => document.documentElement.scrollWidth)
  check(w <= W, 'fits the phone: ' + w)
})

test('an online petition refused: the answer on the query page', async ({ page }) => {
  const p = await page({ width: W, height: 740 })
  await p.goto(BASE + '/portal')
  await p.click('[data-test=p-type-petition]')
  // its form is fixed, not asked
  await p.waitForSelector('[data-test=p-fixed-form]')
  check((await p.textContent('[data-test=p-fixed-form]')).includes('网上信访'), 'the form fixed')
  same(await p.locator('#p-f-form').count(), 0, 'the form not asked')
  await choose(p, '[data-test=p-category]', '社会保障')
  await p.fill('[data-test=p-title]', '门户信访：养老金未到账')
  await p.fill('[data-test=p-description]', '养老金连续两月未到账。')
  await place(p, '滨湖社区第2网格')
  await p.fill('[data-test=p-name]', '张建国')
  await p.click('[data-test=p-submit]')
  await p.waitForSelector('[data-test=portal-saved]')
  const code = (await p.textContent('[data-test=portal-code]')).trim()
  const found = (await api('town_101', 'GET', '/cases?q=' + encodeURIComponent('门户信访：养老金未到账'))).items
  same(found.length, 1, 'one case')
  const full = await api('town_101', 'GET', '/cases/' + found[0].id)
  same(full.type, 'petition', 'its type')
  same(full.fields?.form, '网上信访', 'sent as an online petition')
  // staff refuse it, telling the petitioner why
  const reason = '该事项已由社保经办机构受理，请向其查询办理进度。'
  await api('city_staff', 'POST', `/cases/${found[0].id}/actions`, { action: 'refuse', note: reason })
  await p.click('[data-test=portal-track-it]')
  await p.waitForSelector('[data-test=p-reply]')
  same((await p.textContent('[data-test=p-status]')).trim(), '不予受理', 'status')
  check((await p.textContent('[data-test=p-reply]')).includes(reason), 'the answer shown')
  check((await p.textContent('[data-test=p-plain]')).includes('答复'), 'the status in words says there is an answer')
  const steps = await p.locator('[data-test=p-step-reply]').allTextContents()
  same(steps.length, 1, 'one step with an answer')
  check(steps[0].includes(reason), 'the answer on its step: ' + steps[0])
  // in English
  await p.evaluate(() => localStorage.setItem('pingan.locale', 'en'))
  await p.goto(BASE + '/portal/track')
  await p.fill('[data-test=p-code]', code)
  await p.click('[data-test=p-look]')
  await p.waitForSelector('[data-test=p-reply]')
  check((await p.textContent('[data-test=p-reply]')).includes('The answer given to you'), 'in English')
})

await run()
