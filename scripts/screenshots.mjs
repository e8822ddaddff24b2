// screenshots.mjs: the pictures of the main pages in docs/screenshots/ (shown in the
// README), taken from a demo city: a fresh `pingan demo` served by `pingan serve` on a
// loopback port, Debian's Chromium driven by playwright-core. `make screenshots` runs it
// after building pingan and the web face. Usage: node scripts/screenshots.mjs [OUT_DIR]
import { spawn, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = process.argv[2] || join(ROOT, 'docs', 'screenshots')
const PINGAN = process.env.PINGAN_BIN || join(ROOT, 'pingan')
const PASSWORD = 'Pingan@2026'
const { chromium } = createRequire(join(ROOT, 'web', 'package.json'))('playwright-core')

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => resolve(p))
  })
})
const BASE = `http://127.0.0.1:${port}`
const dir = mkdtempSync(join(tmpdir(), 'pingan-shots-'))
const db = join(dir, 'demo.db')
execFileSync(PINGAN, ['demo', '--db', db, '--seed', '7'], { stdio: 'ignore' })
const server = spawn(PINGAN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--web', join(ROOT, 'web', 'dist'), '--sweep-interval', '0', '--login-rate', '100000', '--public-rate', '100000'], { stdio: 'ignore' })

let browser
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(BASE + '/healthz').then((r) => r.ok, () => false)
    if (ok) break
    if (i > 200) throw new Error('pingan serve did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
  mkdirSync(OUT, { recursive: true })
  browser = await chromium.launch({ executablePath: process.env.PINGAN_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  const page = async (width, height, extra) => {
    const c = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1, ...extra })
    return c.newPage()
  }
  const login = async (p, user) => {
    await p.goto(BASE + '/login')
    await p.fill('[data-test=username]', user)
    await p.fill('[data-test=password]', PASSWORD)
    await p.click('[data-test=login-submit]')
    await p.waitForURL(/\/workbench/)
  }
  // charts and maps draw on the next animation frames
  const shot = async (p, name) => {
    await p.waitForLoadState('networkidle')
    await p.waitForTimeout(600)
    await p.screenshot({ path: join(OUT, name + '.png') })
    console.log('  ' + name + '.png')
  }

  const p = await page(1366, 800)
  await p.goto(BASE + '/login')
  await p.waitForSelector('[data-test=login-submit]')
  await shot(p, 'login')
  await login(p, 'town_101')
  await p.waitForSelector('[data-test=queues]')
  // the overdue queue, sorted by deadline, with rows to show (the town has none to sign for)
  await p.goto(BASE + '/workbench?queue=overdue')
  await p.waitForSelector('[data-test=case-table] tbody tr [data-test=case-link]')
  await shot(p, 'workbench')
  const id = await p.evaluate(() => fetch('/api/v1/cases?type=dispute&limit=1').then((r) => r.json()).then((j) => j.items[0].id))
  await p.goto(`${BASE}/cases/${id}`)
  await p.waitForSelector('[data-test=case-status]')
  await shot(p, 'case')
  await p.goto(BASE + '/intake')
  await p.waitForSelector('[data-test=grid-map] canvas')
  await shot(p, 'intake')
  await p.goto(BASE + '/map')
  await p.waitForSelector('[data-test=map-grids] li')
  await shot(p, 'map')
  await p.goto(BASE + '/dashboard')
  await p.waitForSelector('canvas')
  await shot(p, 'dashboard')
  // the 考核排名 further down: the town's own row marked among the city's towns
  await p.waitForSelector('[data-test=db-rank-table] [data-own=yes]')
  await p.evaluate(() => document.querySelector('[data-test=db-assess]').scrollIntoView())
  await shot(p, 'ranking')
  const a = await page(1366, 800)
  await login(a, 'city_admin')
  await a.goto(BASE + '/admin')
  await a.waitForSelector('[data-test=units-table] .el-table__row')
  await shot(a, 'admin-units')

  const r = await page(375, 760)
  await r.goto(BASE + '/portal')
  await r.waitForSelector('[data-test=p-type-tipoff]')
  await shot(r, 'portal')
  const f = await page(375, 760)
  await login(f, 'grid_101_001_001')
  await f.goto(BASE + '/field')
  await f.waitForSelector('[data-test=net]')
  await f.getByRole('tab', { name: '巡查上报' }).click()
  await f.waitForSelector('[data-test=grid-map] canvas')
  await shot(f, 'phone-field')
} finally {
  await browser?.close()
  server.kill()
  rmSync(dir, { recursive: true, force: true })
}
