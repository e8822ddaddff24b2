// test_case_flow.mjs: a dispute taken from intake through the closed loop on its case
// page, by the people who do it — the town centre registers, accepts and dispatches it to
// the family mediation committee, the mediator signs for it, records a session and reports
// back, the town verifies and the city centre calls back (the town registered it: no one
// checks their own work) — each action chosen among those the server offers, with the
// form its rule asks for (a reason refused when missing); the workbench queues follow.
import { BASE, test, run, login, check, same } from './lib.mjs'

// a dispute registered on the intake page, its grid chosen from the list
async function register(p) {
  await p.goto(BASE + '/intake')
  await p.locator('[data-test=in-category]').click()
  // a family dispute: the rules send it to the town centre, which takes it in (the holder acts)
  await p.getByRole('option', { name: '婚姻家庭纠纷', exact: true }).click()
  await p.fill('[data-test=in-title]', '浏览器测试：婚姻家庭排水纠纷')
  await p.fill('[data-test=in-description]', '两户因屋后排水沟改道发生争执。')
  await p.locator('[data-test=in-grid]').click()
  await p.getByRole('option', { name: '滨湖社区第1网格', exact: true }).click()
  await p.waitForFunction(() => document.querySelector('[data-test=in-where]')?.textContent.includes('滨湖社区第1网格'))
  await p.click('[data-test=add-party]')
  await p.fill('[data-test=party-name-0]', '张三')
  await p.fill('[data-test=party-phone-0]', '13800138000')
  await p.click('[data-test=intake-submit]')
  await p.waitForSelector('[data-test=intake-saved]')
  await p.click('[data-test=open-case]')
  await p.waitForURL(/\/cases\/\d+/)
  return { id: +p.url().match(/cases\/(\d+)/)[1] }
}

async function act(p, action, fill) {
  await p.click(`[data-test=actions] [data-action=${action}]`)
  const dlg = p.locator('[data-test=action-dialog]')
  await dlg.waitFor()
  if (fill) await fill(dlg)
  await p.click('[data-test=act-submit]')
  try {
    await dlg.waitFor({ state: 'hidden' })
  } catch (e) {
    const why = await p.locator('[data-test=act-error]').textContent().catch(() => '')
    throw new Error(`${action}: the dialog stayed open (${why || 'no error shown'})`)
  }
}

async function status(p, want) {
  await p.waitForFunction((w) => document.querySelector('[data-test=case-status]')?.textContent.trim() === w, want)
}

let caseId
test('town staff register, accept and dispatch; a reason is required where the rule says', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  const c = await register(p)
  caseId = c.id
  await status(p, '已上报')
  check(/^PA-\d{6}-\d{4}-\d{6}$/.test(await p.textContent('[data-test=case-number]')), 'number shown')
  // the phone is shown as the server masks it
  check((await p.textContent('[data-test=parties]')).includes('138****8000'), 'masked phone')
  // offered: accept and reject (town staff), never sign (not dispatched yet)
  check(await p.isVisible('[data-action=accept]'), 'accept offered')
  check(!(await p.isVisible('[data-action=sign]')), 'sign not offered')
  // reject needs a reason: refused without one, the case stays
  await p.click('[data-action=reject]')
  await p.click('[data-test=act-submit]')
  check((await p.textContent('[data-test=act-error]')).includes('必填'), 'reason asked for')
  await p.keyboard.press('Escape')
  await p.locator('[data-test=action-dialog]').waitFor({ state: 'hidden' })
  await act(p, 'accept')
  await status(p, '待派遣')
  await act(p, 'dispatch', async (d) => {
    await d.locator('[data-test=act-unit]').click()
    await p.keyboard.type('婚姻家庭')
    await p.locator('.el-select-dropdown__item:visible', { hasText: '婚姻家庭纠纷人民调解委员会' }).click()
  })
  await status(p, '待签收')
  check((await p.textContent('[data-test=case-unit]')).includes('婚姻家庭'), 'unit now the committee')
})

test('the mediator finds it to sign for, signs, records a session and reports back', async ({ page }) => {
  const p = await page()
  await login(p, 'mediator_family')
  await p.waitForSelector('[data-test=queue-to_sign]')
  await p.waitForSelector(`[data-test=case-table] a[href="/cases/${caseId}"]`)
  await p.click(`[data-test=case-table] a[href="/cases/${caseId}"]`)
  await status(p, '待签收')
  await act(p, 'sign')
  await status(p, '处置中')
  await act(p, 'mediation_session', async (d) => {
    await d.locator('#rec-held_on').fill('2026-11-20')
    await d.locator('#rec-held_on').press('Enter')
    await d.locator('#rec-attendees').fill('张三、李四、调解员')
    await d.locator('#rec-facts').fill('双方就排水沟改道达成初步意向。')
    await d.locator('[data-test=field-outcome]').click()
    await p.getByRole('option', { name: '达成一致', exact: true }).click()
  })
  await p.waitForSelector('text=调解记录')
  await act(p, 'feedback', async (d) => d.locator('[data-test=act-note]').fill('经调解双方达成一致，已恢复原排水沟走向。'))
  await status(p, '待核查')
})

test('town staff verify, the city centre calls back; the case closes with its steps between units', async ({ page }) => {
  const t = await page()
  await login(t, 'town_101')
  await t.goto(BASE + '/workbench?queue=to_verify')
  await t.waitForSelector(`[data-test=case-table] a[href="/cases/${caseId}"]`)
  await t.goto(BASE + '/cases/' + caseId)
  await act(t, 'verify_pass')
  await status(t, '已办结')
  check(!(await t.isVisible('[data-action=callback]')), 'the town that registered it does not call back')
  const p = await page()
  await login(p, 'city_staff')
  await p.goto(BASE + '/cases/' + caseId)
  await act(p, 'callback', async (d) => d.locator('[data-test=act-rating] label', { hasText: '基本满意' }).click())
  const tl = await p.textContent('[data-test=timeline]')
  for (const w of ['上报', '受理', '分拨派遣', '签收', '调解记录', '办结反馈', '核查通过', '回访'])
    check(tl.includes(w), 'timeline has ' + w)
  check(/→\s*天门市婚姻家庭纠纷人民调解委员会/.test(tl), 'dispatch between units shown: ' + tl.slice(0, 400))
  const c = await p.evaluate((id) => fetch('/api/v1/cases/' + id).then((r) => r.json()), caseId)
  same(c.rating, 'basically_satisfied', 'rating recorded')
})

await run()
