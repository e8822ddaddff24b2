// lib.mjs: what the browser tests share — Chromium through playwright-core (from the web
// face's own devDependencies), a page that fails its test on any CSP violation, page error
// or failed request to the API, a small sequential runner, and log-in.
import { createRequire } from 'node:module'

const require = createRequire(new URL('../../web/package.json', import.meta.url))
const { chromium } = require('playwright-core')

export const BASE = process.env.PINGAN_URL
export const PASSWORD = 'Pingan@2026'
const tests = []

export function test(name, fn) {
  tests.push({ name, fn })
}

let browser
// extra: more of playwright's context options (geolocation, permissions …)
export async function newPage({ width = 1366, height = 850, locale = 'zh-CN', ...extra } = {}) {
  if (!browser)
    browser = await chromium.launch({
      executablePath: process.env.PINGAN_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    })
  const context = await browser.newContext({ viewport: { width, height }, locale, timezoneId: 'Asia/Shanghai', ...extra })
  const page = await context.newPage()
  page.problems = []
  page.on('console', (m) => {
    const text = m.text()
    if (process.env.WEB_DEBUG) console.log('console: ' + text)
    // Chromium reports every refused script, style, eval or frame on the console
    if (/Content Security Policy|Refused to/i.test(text)) page.problems.push('CSP: ' + text)
  })
  page.on('pageerror', (e) => page.problems.push('page error: ' + e.message))
  page.on('response', (r) => {
    if (r.url().includes('/api/') && r.status() >= 500) page.problems.push('server error: ' + r.status() + ' ' + r.url())
  })
  page.setDefaultTimeout(15000)
  return page
}

export async function login(page, username) {
  await page.goto(BASE + '/login')
  await page.fill('[data-test=username]', username)
  await page.fill('[data-test=password]', PASSWORD)
  await page.click('[data-test=login-submit]')
  await page.waitForURL(/\/workbench/)
}

// The API itself, as a user (a bearer token each) or as nobody (user null): what a test
// sets up or checks behind the page's back. Throws on any status but 2xx.
const tokens = {}
export async function api(user, method, path, body) {
  if (user && !tokens[user]) {
    const r = await fetch(BASE + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) })
    tokens[user] = (await r.json()).token
  }
  const h = { 'Content-Type': 'application/json' }
  if (user) h.Authorization = 'Bearer ' + tokens[user]
  const r = await fetch(BASE + '/api/v1' + path, { method, headers: h, body: body ? JSON.stringify(body) : undefined })
  const j = await r.json()
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(j)}`)
  return j
}

export function check(cond, msg) {
  if (!cond) throw new Error(msg)
}

export function same(a, b, msg) {
  if (a !== b) throw new Error(`${msg}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`)
}

// Runs the tests in order (later ones may build on earlier ones' cases); a test's page
// problems (CSP violations, page errors) fail it even when its steps passed.
export async function run() {
  let passed = 0
  let failed = 0
  for (const t of tests) {
    const pages = []
    try {
      await t.fn({
        page: async (o) => {
          const p = await newPage(o)
          pages.push(p)
          return p
        },
      })
      const problems = pages.flatMap((p) => p.problems)
      if (problems.length) throw new Error(problems.join('\n'))
      passed++
      console.log('ok   ' + t.name)
    } catch (e) {
      failed++
      console.log('FAIL ' + t.name + '\n     ' + String(e.stack || e).split('\n').slice(0, 6).join('\n     '))
    } finally {
      for (const p of pages) await p.context().close().catch(() => {})
    }
  }
  if (browser) await browser.close()
  console.log(`RESULT ${passed} ${failed}`)
  process.exitCode = failed ? 1 : 0
}
