// test_attachments.mjs: files on the staff case page — several added at once with their
// progress, an image shown as a thumbnail and a PDF to download; each refusal of the
// server said beside its file (wrong type, too large, already there); a send whose answer
// was lost sent again with the same Idempotency-Key, the file added once; and no upload
// offered to a role the server says may not add files.
import { BASE, test, run, login, check, same, api } from './lib.mjs'

const GRID = '429006101001001'
// a 1×1 PNG, and a small PDF
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const PDF = Buffer.from('%PDF-1.4\n% pingan web test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n')
let caseId

async function newCase(title) {
  const g = await api('town_101', 'GET', '/regions/' + GRID)
  const c = await api('town_101', 'POST', '/cases', { type: 'dispute', category: 'neighbour', title, description: '附件页面测试。', lng: g.lng, lat: g.lat, channel: 'walk_in' })
  return c.id
}

// the keys the page sent with its uploads, in order
function keysOf(p) {
  const keys = []
  p.on('request', (r) => r.method() === 'POST' && /\/attachments/.test(r.url()) && keys.push(r.headers()['idempotency-key']))
  return keys
}

const errors = (p) => p.locator('[data-test=att-error]').allTextContents()

test('staff add an image and a PDF: a thumbnail, a download, one key per file', async ({ page }) => {
  caseId = await newCase('附件上传：楼道堆物')
  const p = await page()
  const keys = keysOf(p)
  await login(p, 'town_101')
  await p.goto(BASE + '/cases/' + caseId)
  await p.waitForSelector('[data-test=att-upload]')
  await p.setInputFiles('[data-test=att-input]', [
    { name: '现场照片.png', mimeType: 'image/png', buffer: PNG },
    { name: '调解记录.pdf', mimeType: 'application/pdf', buffer: PDF },
  ])
  await p.waitForFunction(() => document.querySelectorAll('[data-test=attachments] li.file').length === 2)
  // the thumbnail is the image itself, loaded from the server
  await p.waitForFunction(() => document.querySelector('[data-test=att-thumb]')?.naturalWidth === 1)
  same(await p.locator('[data-test=att-thumb]').count(), 1, 'one thumbnail (the PDF has none)')
  const links = await p.locator('[data-test=att-download]').allTextContents()
  check(links.some((l) => l.includes('调解记录.pdf')) && links.some((l) => l.includes('现场照片.png')), 'both to download: ' + links)
  const dl = p.waitForEvent('download')
  await p.locator('[data-test=att-download]', { hasText: '调解记录.pdf' }).click()
  same((await dl).suggestedFilename(), '调解记录.pdf', 'the PDF downloaded under its name')
  same(keys.length, 2, 'two uploads')
  check(keys.every((k) => /^[0-9a-f]{32}$/.test(k)) && keys[0] !== keys[1], 'a key of its own per file: ' + keys)
  const c = await api('town_101', 'GET', '/cases/' + caseId)
  same(c.attachments.map((a) => a.mime).sort().join(' '), 'application/pdf image/png', 'kept on the case')
})

test('each refusal of the server is said beside its file', async ({ page }) => {
  const p = await page()
  await login(p, 'town_101')
  await p.goto(BASE + '/cases/' + caseId)
  await p.waitForSelector('[data-test=att-upload]')
  await p.setInputFiles('[data-test=att-input]', [
    { name: 'setup.png', mimeType: 'image/png', buffer: Buffer.from('MZ\x90\x00 not an image') },
    { name: '扫描件.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(11 * 1024 * 1024, 48)]) },
    { name: '又一张.png', mimeType: 'image/png', buffer: PNG },
  ])
  await p.waitForFunction(() => document.querySelectorAll('[data-test=att-error]').length === 3, null, { timeout: 60000 })
  const [type, big, again] = await errors(p)
  check(type.includes('文件类型不支持'), 'wrong type: ' + type)
  check(big.includes('文件过大'), 'too large: ' + big)
  check(again.includes('已在本案附件中'), 'already there: ' + again)
  same((await api('town_101', 'GET', '/cases/' + caseId)).attachments.length, 2, 'nothing added')
})

test('a send whose answer was lost is sent again with its key, and the file is added once', async ({ page }) => {
  const id = await newCase('附件重试：答复丢失')
  const p = await page()
  const keys = keysOf(p)
  await login(p, 'town_101')
  await p.goto(BASE + '/cases/' + id)
  await p.waitForSelector('[data-test=att-upload]')
  let lost = 0
  await p.route((u) => u.pathname.endsWith('/attachments'), async (route) => {
    if (lost) return route.continue()
    lost++
    await route.fetch() // the server keeps the file …
    await route.abort('connectionreset') // … and the answer never arrives
  })
  await p.setInputFiles('[data-test=att-input]', [{ name: '门牌.png', mimeType: 'image/png', buffer: PNG }])
  await p.waitForFunction(() => document.querySelector('[data-test=att-error]')?.textContent.includes('网络'))
  same(lost, 1, 'the first send went out')
  await p.getByRole('button', { name: '重试' }).click()
  await p.waitForFunction(() => document.querySelectorAll('[data-test=attachments] li.file').length === 1)
  check(!(await p.isVisible('[data-test=att-error]')), 'no error left')
  same(keys.length, 2, 'sent twice')
  same(keys[1], keys[0], 'the same key again')
  const c = await api('town_101', 'GET', '/cases/' + id)
  same(c.attachments.length, 1, 'one file')
  same(c.steps.filter((s) => s.action === 'attach').length, 1, 'one step')
})

test('a reader the server lets add nothing sees the files but no upload', async ({ page }) => {
  const p = await page()
  await login(p, 'auditor')
  await p.goto(BASE + '/cases/' + caseId)
  await p.waitForSelector('[data-test=att-download]')
  same(await p.locator('[data-test=att-download]').count(), 2, 'the files listed')
  same(await p.locator('[data-test=att-upload]').count(), 0, 'no upload offered')
})

await run()
