// test_keyboard.mjs: staff work by keyboard alone — log in with Tab and Enter, the skip
// link to the main area, a case opened from the workbench, an action's dialog opened and
// closed with Escape, then sent — no mouse anywhere in this file.
import { BASE, test, run, check, same, PASSWORD } from './lib.mjs'

// Press Tab until pred(the focused element) holds; at most max presses.
async function tabTo(p, pred, what, max = 120) {
  for (let i = 0; i < max; i++) {
    await p.keyboard.press('Tab')
    if (await p.evaluate(pred)) return i + 1
  }
  const at = await p.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))
  throw new Error(`${what}: not reached in ${max} presses of Tab (focus on ${at})`)
}

test('log in, skip to the work, open a case and an action, by keyboard alone', async ({ page }) => {
  const p = await page()
  await p.goto(BASE + '/login')
  await tabTo(p, () => document.activeElement?.id === 'login-username', 'the username')
  await p.keyboard.type('village_101_001') // a case waits for them to sign for
  await tabTo(p, () => document.activeElement?.id === 'login-password', 'the password', 3)
  await p.keyboard.type(PASSWORD)
  await p.keyboard.press('Enter')
  await p.waitForURL(/\/workbench/)
  await p.waitForSelector('[data-test=case-link]')
  // the first Tab of a page offers the skip link, which puts focus on the main area
  await p.evaluate(() => document.activeElement?.blur())
  same(await tabTo(p, () => document.activeElement?.classList.contains('skip-link'), 'the skip link', 1), 1, 'the skip link first')
  await p.keyboard.press('Enter')
  await p.waitForFunction(() => document.activeElement?.id === 'main')
  // a case from the list
  await tabTo(p, () => document.activeElement?.matches('[data-test=case-link]'), 'a case in the list')
  const number = (await p.evaluate(() => document.activeElement.textContent)).trim()
  await p.keyboard.press('Enter')
  await p.waitForURL(/\/cases\/\d+/)
  await p.waitForFunction((n) => document.body.textContent.includes(n), number)
  // an action the server offers: its dialog takes the focus, Escape closes it
  await p.waitForSelector('[data-test=actions] [data-action]')
  await tabTo(p, () => !!document.activeElement?.closest('[data-test=actions] [data-action]'), 'an action')
  await p.keyboard.press('Enter')
  await p.locator('[data-test=action-dialog]').waitFor()
  await p.waitForFunction(() => !!document.activeElement?.closest('.el-dialog'))
  await p.keyboard.press('Escape')
  await p.locator('[data-test=action-dialog]').waitFor({ state: 'hidden' })
  check(!(await p.isVisible('[data-test=action-dialog]')), 'the dialog closed by Escape')
  check(await p.evaluate(() => !!document.activeElement?.closest('[data-action]')),
    'focus back on the action (it is on ' + (await p.evaluate(() => document.activeElement?.outerHTML.slice(0, 80))) + ')')
  // signed for, and sent: the case moves on
  const action = 'sign'
  await tabTo(p, () => document.activeElement?.closest('[data-action]')?.dataset.action === 'sign', 'the action sign', 10)
  await p.keyboard.press('Enter')
  await p.locator('[data-test=action-dialog]').waitFor()
  await tabTo(p, () => document.activeElement?.matches('[data-test=act-submit]'), 'the dialog\'s submit', 30)
  await p.keyboard.press('Enter')
  await p.locator('[data-test=action-dialog]').waitFor({ state: 'hidden' })
  await p.waitForFunction((a) => !document.querySelector(`[data-test=actions] [data-action=${a}]`), action)
})

run()
