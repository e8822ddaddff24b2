// test_workbench.mjs: the workbench's order kept by the server across pages (the sort
// select and the sortable columns send sort=, page two goes on where page one ended), and
// bulk sign-for: three cases selected, one signed for meanwhile elsewhere — two signed, the
// third reported failed with the server's reason, a second try acting on none twice; an
// action offered only when every selected case lists it.
import { BASE, test, run, login, check, same, api } from './lib.mjs'

const GRID = '429006101001001'
const WORD = '批量签收测试'

// the case numbers of the table's rows, in order
const numbers = (p) => p.$$eval('[data-test=case-table] tbody tr [data-test=case-link]', (xs) => xs.map((x) => x.textContent.trim()))

async function waitRows(p, n) {
  await p.waitForFunction((k) => document.querySelectorAll('[data-test=case-table] tbody tr [data-test=case-link]').length === k, n)
}

test('sorted by deadline across pages, as the server orders them', async ({ page }) => {
  const user = 'city_staff'
  const counts = (await api(user, 'GET', '/queues')).items
  const q = counts.find((x) => x.queue === 'overdue' && x.count > 20) || counts.find((x) => x.count > 20)
  check(q, 'a queue with more than one page')
  const first = await api(user, 'GET', `/cases?queue=${q.queue}&sort=due&limit=20`)
  const second = await api(user, 'GET', `/cases?queue=${q.queue}&sort=due&limit=20&cursor=${first.next_cursor}`)
  const p = await page()
  const sorts = []
  p.on('request', (r) => {
    const u = new URL(r.url())
    if (u.pathname === '/api/v1/cases') sorts.push(u.searchParams.get('sort') || '')
  })
  await login(p, user)
  await p.goto(BASE + '/workbench?queue=' + q.queue)
  await waitRows(p, 20)
  await p.locator('[data-test=wb-sort]').click()
  await p.getByRole('option', { name: '时限最紧', exact: true }).click()
  await p.waitForFunction((n) => document.querySelector('[data-test=case-table] [data-test=case-link]')?.textContent.trim() === n, first.items[0].number)
  same((await numbers(p)).join(','), first.items.map((c) => c.number).join(','), 'page one in the server order')
  await p.click('[data-test=next]')
  await p.waitForFunction((n) => document.querySelector('[data-test=case-table] [data-test=case-link]')?.textContent.trim() === n, second.items[0].number)
  same((await numbers(p)).join(','), second.items.map((c) => c.number).join(','), 'page two goes on after page one')
  check(sorts.includes('due'), 'the page asked the server for sort=due')
  // a sortable column asks for its own order, and the select follows
  await p.click('[data-test=case-table] th:has-text("登记时间") .caret-wrapper .sort-caret.ascending')
  await p.waitForFunction(() => document.querySelector('[data-test=wb-sort]')?.textContent.includes('旧→新'))
  check(sorts.includes('created'), 'the column asked for sort=created')
})

test('bulk sign-for: two signed, one taken meanwhile reported failed', async ({ page }) => {
  const user = 'town_101'
  const me = (await api(user, 'GET', '/session')).user
  const g = await api(user, 'GET', '/regions/' + GRID)
  const made = []
  for (let i = 1; i <= 3; i++) {
    // a family dispute: held by the town centre, which takes it in and dispatches it
    const c = await api(user, 'POST', '/cases', { type: 'dispute', category: 'family', title: `${WORD}${i}`, description: '浏览器测试的批量签收。', lng: g.lng, lat: g.lat, channel: 'walk_in' })
    await api(user, 'POST', `/cases/${c.id}/actions`, { action: 'accept' })
    await api(user, 'POST', `/cases/${c.id}/actions`, { action: 'dispatch', unit_id: me.unit_id })
    made.push(c)
  }
  const p = await page()
  await login(p, user)
  await p.goto(BASE + '/workbench?queue=to_sign')
  await p.fill('[data-test=filter-q]', WORD)
  await p.click('[data-test=filter-submit]')
  await waitRows(p, 3)
  check(!(await p.isVisible('[data-test=bulk-bar]')), 'no bulk bar before a selection')
  await p.click('[data-test=case-table] thead .el-checkbox')
  await p.waitForSelector('[data-test=bulk-bar]')
  check(await p.isEnabled('[data-test=bulk-sign]'), 'sign offered for all three')
  // meanwhile, from another session, the third is signed for
  await api(user, 'POST', `/cases/${made[2].id}/actions`, { action: 'sign' })
  await p.click('[data-test=bulk-sign]')
  await p.click('[data-test=bulk-go]')
  await p.waitForSelector('[data-test=bulk-result]')
  same((await p.textContent('[data-test=bulk-result]')).trim(), '成功 2 件，失败 1 件', 'the summary')
  const fails = await p.textContent('[data-test=bulk-failures]')
  check(fails.includes(made[2].number) && fails.includes('不允许'), 'the failed case and why: ' + fails)
  check(!fails.includes(made[0].number) && !fails.includes(made[1].number), 'only it failed')
  // a second try sends the failed one again and none of those done
  await p.click('[data-test=bulk-retry]')
  await p.waitForFunction(() => document.querySelector('[data-test=bulk-result]')?.textContent.includes('成功 2 件，失败 1 件'))
  for (const c of made) {
    const full = await api(user, 'GET', `/cases/${c.id}`)
    same(full.status, 'handling', c.number + ' signed for')
    same(full.steps.filter((s) => s.action === 'sign').length, 1, c.number + ' signed for once')
  }
  await p.click('[data-test=bulk-close]')
  await waitRows(p, 0)
  // in hand: signing is no longer offered, supervising (town staff may) is
  await p.goto(BASE + '/workbench?queue=in_hand')
  await p.fill('[data-test=filter-q]', WORD)
  await p.click('[data-test=filter-submit]')
  await waitRows(p, 3)
  await p.click('[data-test=case-table] thead .el-checkbox')
  await p.waitForSelector('[data-test=bulk-bar]')
  check(!(await p.isEnabled('[data-test=bulk-sign]')), 'sign not offered in hand')
  check(await p.isEnabled('[data-test=bulk-supervise]'), 'supervise offered')
})

run()
