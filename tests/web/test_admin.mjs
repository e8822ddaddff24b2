// test_admin.mjs: administration, one duty per role — the system administrator adds an
// account and puts routing rules in force (bad rules refused with their line), sees no
// audit; the city administrator adds a unit (a taken code refused) and renames it; the security administrator unlocks a locked account and reads the security
// events, adds no account; the auditor reads the audit log (and the routing rules).
import { BASE, PASSWORD, test, run, login, check, same, api } from './lib.mjs'

const tabs = async (p) => (await p.locator('.el-tabs__item').allTextContents()).map((s) => s.trim())

test('the system administrator: accounts and routing rules, no audit', async ({ page }) => {
  const p = await page()
  await p.goto(BASE + '/login')
  await p.fill('[data-test=username]', 'sys_admin')
  await p.fill('[data-test=password]', PASSWORD)
  await p.click('[data-test=login-submit]')
  await p.waitForURL(/\/admin/)
  await p.waitForSelector('[data-test=nu-username]')
  same((await tabs(p)).join(','), '用户,单位管理,分拨规则', 'the tabs of the system administrator')
  await p.fill('[data-test=nu-username]', 'web_clerk')
  await p.fill('[data-test=nu-name]', '李文书')
  await p.fill('[data-test=nu-region]', '429006101')
  await p.fill('[data-test=nu-password]', 'Hanjiang-dusk-4817')
  await p.click('[data-test=nu-submit]')
  await p.waitForSelector('[data-test=nu-made]')
  await p.fill('[data-test=adm-user-q]', 'web_clerk')
  await p.press('[data-test=adm-user-q]', 'Enter')
  await p.waitForFunction(() => document.querySelector('[data-test=adm-users]')?.textContent.includes('李文书'))
  check((await p.textContent('[data-test=adm-users]')).includes('待改密码'), 'the first password is to change')
  // routing: bad rules refused, good ones put in force as a new version
  await p.getByRole('tab', { name: '分拨规则' }).click()
  await p.waitForSelector('[data-test=adm-routing-version]')
  const before = (await api('sys_admin', 'GET', '/routing')).version
  const text = await p.inputValue('[data-test=adm-rules]')
  await p.fill('[data-test=adm-rules]', text + '\nnonsense row here\n')
  await p.fill('[data-test=adm-reason]', '浏览器测试：错误的规则')
  await p.click('[data-test=adm-put]')
  await p.waitForSelector('[data-test=adm-rules-error]')
  same((await api('sys_admin', 'GET', '/routing')).version, before, 'bad rules not put in force')
  await p.fill('[data-test=adm-rules]', text)
  await p.fill('[data-test=adm-reason]', '浏览器测试：重新确认规则')
  await p.click('[data-test=adm-put]')
  await p.waitForFunction((v) => document.querySelector('[data-test=adm-routing-version]')?.textContent.includes(`第 ${v} 版`), before + 1)
  same((await api('sys_admin', 'GET', '/routing')).reason, '浏览器测试：重新确认规则', 'in force with its reason')
  await p.waitForFunction(() => document.querySelector('[data-test=adm-versions]')?.textContent.includes('浏览器测试：重新确认规则'))
})

test('the city administrator adds a unit and renames it', async ({ page }) => {
  const p = await page()
  await login(p, 'city_admin')
  await p.click('[data-test=nav-admin]')
  await p.waitForSelector('[data-test=units-table]')
  same((await tabs(p)).join(','), '单位管理,分拨规则', 'the tabs of the city administrator')
  await p.fill('[data-test=units-region]', '429006101')
  await p.click('[data-test=units-search]')
  // the town's units alone: its centre, not the city's
  await p.waitForFunction(() => {
    const s = document.querySelector('[data-test=units-table]')?.textContent || ''
    return s.includes('town-429006101') && !s.includes('city-centre')
  })
  await p.fill('[data-test=nunit-code]', 'web-unit-1')
  await p.fill('[data-test=nunit-name]', '浏览器测试调解委员会')
  await p.fill('[data-test=nunit-region]', '429006101')
  await p.click('[data-test=nunit-submit]')
  await p.waitForSelector('[data-test=nunit-made]')
  await p.waitForFunction(() => document.querySelector('[data-test=units-table]')?.textContent.includes('浏览器测试调解委员会'))
  // the same code again is refused, with the server's reason
  await p.fill('[data-test=nunit-code]', 'web-unit-1')
  await p.fill('[data-test=nunit-name]', '重复的单位')
  await p.click('[data-test=nunit-submit]')
  await p.waitForSelector('[data-test=nunit-error]')
  check((await p.textContent('[data-test=nunit-error]')).includes('code'), 'the code named')
  await p.click('[data-test=unit-edit-web-unit-1]')
  await p.fill('[data-test=eunit-name]', '浏览器测试人民调解委员会')
  await p.click('[data-test=eunit-save]')
  await p.waitForFunction(() => document.querySelector('[data-test=units-table]')?.textContent.includes('浏览器测试人民调解委员会'))
  const units = (await api('city_admin', 'GET', '/units?region=429006101&kind=committee')).items
  const u = units.find((x) => x.code === 'web-unit-1')
  same(u && u.name, '浏览器测试人民调解委员会', 'renamed on the server')
  same(units.filter((x) => x.code === 'web-unit-1').length, 1, 'added once')
})

test('the security administrator unlocks an account and reads the security events', async ({ page }) => {
  // town_102 locked by failed log-ins
  let status = 0
  for (let i = 0; i < 20 && status !== 423; i++)
    status = (await fetch(BASE + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'town_102', password: 'wrong-password-1' }) })).status
  same(status, 423, 'town_102 locked')
  const p = await page()
  await login(p, 'sec_admin').catch(() => {}) // the security administrator's first page is admin
  await p.waitForURL(/\/admin/)
  await p.waitForSelector('[data-test=adm-users]')
  same((await tabs(p)).join(','), '用户,安全事件', 'the tabs of the security administrator')
  check(!(await p.isVisible('[data-test=nu-username]')), 'adds no account')
  await p.fill('[data-test=adm-user-q]', 'town_102')
  await p.press('[data-test=adm-user-q]', 'Enter')
  await p.waitForFunction(() => document.querySelector('[data-test=adm-users]')?.textContent.includes('已锁定'))
  await p.click('[data-test=adm-unlock-town_102]')
  await p.getByRole('button', { name: '确定' }).click()
  await p.waitForFunction(() => !document.querySelector('[data-test=adm-users]')?.textContent.includes('已锁定'))
  const r = await fetch(BASE + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'town_102', password: PASSWORD }) })
  same(r.status, 200, 'town_102 logs in again')
  await p.getByRole('tab', { name: '安全事件' }).click()
  await p.waitForFunction(() => /auth\.|user\./.test(document.querySelector('[data-test=adm-events]')?.textContent || '')).catch(async (e) => {
    throw new Error('events: ' + (await p.textContent('.el-tabs')).slice(0, 600))
  })
})

test('the auditor reads the audit log and the routing rules', async ({ page }) => {
  const p = await page()
  await login(p, 'auditor')
  await p.click('[data-test=nav-admin]')
  await p.waitForSelector('[data-test=adm-routing-version]')
  same((await tabs(p)).join(','), '分拨规则,审计日志', 'the tabs of the auditor (who reads the routing rules too)')
  await p.getByRole('tab', { name: '审计日志' }).click()
  await p.waitForSelector('[data-test=adm-audit] .el-table__row')
  check((await p.textContent('[data-test=adm-audit]')).includes('auth.login'), 'log-ins in the audit log')
})

await run()
