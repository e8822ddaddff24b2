// test_ranking.mjs: the 考核排名 on the dashboard — a town's account sees all the city's towns
// ranked by the weighted score of the assessed indicators, with its own row marked and its
// place said in words, as GET /stats/ranking gives them; the current month marked as partial;
// a grid worker's dashboard at grid scope: no error, no empty chart of child regions (a grid
// has none), its village marked among the town's villages.
import { BASE, PASSWORD, test, run, check, same } from './lib.mjs'

const rankingAnswer = (p) => p.waitForResponse((r) => r.url().includes('/api/v1/stats/ranking') && r.status() === 200)

test('a town sees where it stands among the towns, its own row marked', async ({ page }) => {
  const p = await page()
  await p.goto(BASE + '/login')
  await p.fill('[data-test=username]', 'town_101')
  await p.fill('[data-test=password]', PASSWORD)
  await p.click('[data-test=login-submit]')
  await p.waitForURL(/\/workbench/)
  const answer = rankingAnswer(p)
  await p.click('[data-test=nav-dashboard]')
  const r = await (await answer).json()
  same(r.region, '429006', 'the city\'s towns are ranked')
  same(r.own, '429006101', 'the caller\'s own town')
  check(r.units.length >= 20, 'the towns: ' + r.units.length)
  await p.waitForSelector('[data-test=db-rank-table] [data-own=yes]')
  // every town listed, best first, as the server ranks them
  const names = await p.locator('[data-test=db-rank-table] [data-unit]').allTextContents()
  same(names.length, r.units.length, 'rows')
  same(names.map((s) => s.trim()).join(','), r.units.map((u) => u.name).join(','), 'the order')
  // only the town's own row marked, and its place told
  const own = r.units.find((u) => u.code === '429006101')
  same(await p.locator('[data-test=db-rank-table] [data-own=yes]').count(), 1, 'one row marked')
  same(await p.getAttribute('[data-test=db-rank-table] [data-own=yes]', 'data-unit'), '429006101', 'the marked row')
  same(await p.locator('[data-test=db-rank-table] tr.own-row').count(), 1, 'the row highlighted')
  const row = await p.locator('[data-test=db-rank-table] tr.own-row').first().textContent()
  check(row.includes(own.name) && row.includes('本单位'), 'own row: ' + row)
  check(row.includes(own.score === null ? '—' : own.score.toFixed(1)), 'its score shown: ' + row)
  same((await p.textContent('[data-test=db-own-rank]')).trim(), `${own.name}：第 ${own.rank ?? '—'} 名（共 ${r.units.length} 个）`, 'its place in words')
  // the columns: 名次, 单位, 综合得分 and each indicator with its weight
  const head = await p.locator('[data-test=db-rank-table] thead').first().textContent()
  for (const h of ['名次', '单位', '综合得分', ...r.indicators.map((i) => `${i.name}（${i.weight}%）`)]) check(head.includes(h), 'header ' + h + ': ' + head)
  // the values as percentages
  const cell = r.units.find((u) => u.values.closure_rate !== null && u.values.closure_rate !== undefined)
  if (cell) check((await p.textContent('[data-test=db-rank-table] tbody')).includes('%'), 'rates as percentages')
  // the month in progress is marked as partial
  check((await p.textContent('[data-test=db-partial]')).includes('截至今日'), 'the current month partial')
  // the English switch
  await p.evaluate(() => {
    localStorage.setItem('pingan.locale', 'en')
  })
  await p.reload()
  await p.waitForSelector('[data-test=db-rank-table] [data-own=yes]')
  const en = await p.locator('[data-test=db-rank-table] thead').first().textContent()
  check(en.includes('Score') && en.includes('Rank') && en.includes(r.indicators[0].name_en), 'English header: ' + en)
})

test('a grid worker\'s dashboard works at grid scope', async ({ page }) => {
  const p = await page()
  await p.goto(BASE + '/login')
  await p.fill('[data-test=username]', 'grid_101_001_001')
  await p.fill('[data-test=password]', PASSWORD)
  await p.click('[data-test=login-submit]')
  await p.waitForURL((u) => !u.pathname.startsWith('/login'))
  const answer = rankingAnswer(p)
  const failed = []
  p.on('response', (x) => {
    if (x.url().includes('/api/v1/stats') && x.status() >= 400) failed.push(x.status() + ' ' + x.url())
  })
  await p.goto(BASE + '/dashboard')
  await p.waitForSelector('[data-test=db-cards]')
  const r = await (await answer).json()
  same(r.region, '429006101', 'the town\'s villages are ranked')
  same(r.own, '429006101001', 'the grid\'s village')
  await p.waitForSelector('[data-test=db-no-children]')
  await p.waitForSelector('[data-test=db-rank-table] [data-own=yes]')
  same(await p.getAttribute('[data-test=db-rank-table] [data-own=yes]', 'data-unit'), '429006101001', 'its village marked')
  same(await p.locator('.el-alert--error').count(), 0, 'no error shown')
  same(await p.locator('[data-test=db-table]').count(), 0, 'no empty table of child regions')
  same(await p.locator('canvas').count() > 0, true, 'the trend drawn')
  same(failed.join(', '), '', 'statistics answered')
})

await run()
