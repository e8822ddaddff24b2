// test_documents.mjs: the documents of the staff case page besides the dossier — a menu of
// those the case's history calls for now (GET /cases/{id}/documents): a petition just
// accepted offers its 受理告知书, which opens as a PDF; the mediation agreement, a reveal,
// first asks why (4 characters or more), and the reason goes with the request.
import { BASE, test, run, login, check, same, api } from './lib.mjs'

const GRID = '429006101001001'

async function newCase(body) {
  const g = await api('town_101', 'GET', '/regions/' + GRID)
  const c = await api('town_101', 'POST', '/cases', { description: '文书打印页面测试。', lng: g.lng, lat: g.lat, channel: 'walk_in', ...body })
  return c.id
}

test('an accepted petition offers its acceptance notice, printed as a PDF', async ({ page }) => {
  const id = await newCase({ type: 'petition', category: 'labour', title: '信访：文书菜单', fields: { form: '来访' } })
  await api('town_101', 'POST', '/cases/' + id + '/actions', { action: 'accept', note: '符合受理条件' })
  const p = await page()
  await login(p, 'town_101')
  await p.goto(BASE + '/cases/' + id)
  await p.waitForSelector('[data-test=documents]')
  await p.locator('[data-test=documents] button').click()
  const items = await p.locator('[data-test^=document-]').allTextContents()
  same(items.map((s) => s.trim()).join(' '), '信访事项受理告知书', 'only what the history calls for')
  const asked = p.context().waitForEvent('request', (r) => r.url().includes('/documents/accept_notice'))
  await p.locator('[data-test=document-accept_notice]').click()
  const res = await (await asked).response()
  same(res.status(), 200, 'the notice printed')
  same(res.headers()['content-type'], 'application/pdf', 'as a PDF')
})

test('the agreement asks why before it prints the parties in full', async ({ page }) => {
  const id = await newCase({ type: 'dispute', category: 'family', title: '家事纠纷：文书菜单',
    parties: [{ role: 'applicant', name: '甲方' }, { role: 'respondent', name: '乙方' }] })
  const fam = (await api('city_admin', 'GET', '/units')).items.find((u) => u.code === 'committee-family')
  const act = (user, body) => api(user, 'POST', '/cases/' + id + '/actions', body)
  await act('town_101', { action: 'accept' })
  await act('town_101', { action: 'dispatch', unit_id: fam.id, note: '请调委会调解' })
  await act('mediator_family', { action: 'sign' })
  await act('mediator_family', { action: 'agreement',
    record: { signed_on: '2026-11-21', terms: '乙方赔偿甲方修缮费用。', due_on: '2026-12-31' } })
  same((await api('mediator_family', 'GET', '/cases/' + id)).records.length, 1, 'the agreement recorded')
  const p = await page()
  await login(p, 'mediator_family')
  await p.goto(BASE + '/cases/' + id)
  await p.waitForSelector('[data-test=documents]')
  await p.locator('[data-test=documents] button').click()
  await p.locator('[data-test=document-agreement]').click()
  await p.waitForSelector('.el-message-box input')
  await p.fill('.el-message-box input', '存档')
  await p.locator('.el-message-box .el-button--primary').click()
  await p.waitForSelector('.el-message-box .el-message-box__errormsg')
  const asked = p.context().waitForEvent('request', (r) => r.url().includes('/documents/agreement'))
  await p.fill('.el-message-box input', '制作协议书')
  await p.locator('.el-message-box .el-button--primary').click()
  const req = await asked
  check(req.url().endsWith('/documents/agreement?reason=' + encodeURIComponent('制作协议书')), 'with its reason: ' + req.url())
  same((await req.response()).status(), 200, 'the agreement printed')
})

await run()
