// test_login.mjs: log-in and the staff frame — the server's refusal shown, the menu and
// header of the role, the language switch kept across visits, log-out; the single page's
// own address opened directly; no CSP violation anywhere.
import { BASE, test, run, login, check, same } from './lib.mjs'

test('a wrong password shows the server refusal and stays on log-in', async ({ page }) => {
  const p = await page()
  await p.goto(BASE + '/')
  await p.waitForURL(/\/login/)
  await p.fill('[data-test=username]', 'town_101')
  await p.fill('[data-test=password]', 'wrong-password')
  await p.click('[data-test=login-submit]')
  const err = await p.textContent('[data-test=login-error]')
  check(err.includes('用户名或密码错误'), 'error shown: ' + err)
  check(p.url().includes('/login'), 'still on log-in')
})

test('town staff log in and see their frame, menu and unit', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  const who = await p.textContent('[data-test=who]')
  check(who.includes('渔薪镇综治中心'), 'unit in header: ' + who)
  await p.waitForSelector('[data-test=nav-workbench]')
  await p.waitForSelector('[data-test=nav-intake]') // town staff may report
  same(await p.getAttribute('html', 'lang'), 'zh-CN', 'page language')
})

test('English is kept across visits, and back to Chinese', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  await p.click('[data-test=lang]')
  await p.waitForSelector('text=Log out')
  await p.reload()
  await p.waitForSelector('text=Log out')
  same(await p.getAttribute('html', 'lang'), 'en', 'page language after reload')
  await p.click('[data-test=lang]')
  await p.waitForSelector('text=退出登录')
})

test('an address inside the app opened directly asks for log-in, then returns there', async ({ page }) => {
  const p = await page()
  await p.goto(BASE + '/workbench?from=link')
  await p.waitForURL(/\/login\?next=/)
  await p.fill('[data-test=username]', 'city_staff')
  await p.fill('[data-test=password]', 'Pingan@2026')
  await p.click('[data-test=login-submit]')
  await p.waitForURL(/\/workbench\?from=link/)
})

test('log-out ends the session on the server', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  await p.click('[data-test=logout]')
  await p.waitForURL(/\/login/)
  const r = await p.evaluate(() => fetch('/api/v1/session').then((x) => x.status))
  same(r, 401, 'session after log-out')
})

await run()
