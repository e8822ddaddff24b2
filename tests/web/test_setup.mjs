// test_setup.mjs: a first log-in of an account made by `pingan user add` — led to set a
// new password (a weak one refused at its field), then a second factor (the key shown as
// text, as an otpauth:// URI and as a QR code that decodes to that URI, a wrong code refused, the right one accepted) and the ten
// recovery codes shown once; then the workbench. The account then asks for its code.
import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { BASE, test, run, check, same } from './lib.mjs'

// a QR decoder of its own (jsQR), not the package that drew the code
const require = createRequire(new URL('../../web/package.json', import.meta.url))
const jsQR = require('jsqr')
const { PNG } = require('pngjs')

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PINGAN = process.env.PINGAN_BIN || ROOT + 'pingan'
const FIRST = 'Hanjiang-dusk-4817'
const NEW = 'Lotus pond, east gate 29'

// RFC 6238: HMAC-SHA-1 over the 30-second step, 6 digits
function totp(secret, at = Date.now() / 1000) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const ch of secret) bits += A.indexOf(ch).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)))
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(Math.floor(at / 30)))
  const h = createHmac('sha1', key).update(msg).digest()
  const o = h[19] & 15
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0')
}

test('a first log-in sets its password and second factor, and sees its recovery codes once', async ({ page }) => {
  execFileSync(PINGAN, ['user', 'add', '--db', process.env.PINGAN_DB, '--username', 'web_first', '--role', 'town_staff', '--region', '429006101', '--password-stdin'], { input: FIRST + '\n', stdio: ['pipe', 'pipe', 'pipe'] })
  const p = await page({ width: 375, height: 740 })
  await p.goto(BASE + '/login')
  await p.fill('[data-test=username]', 'web_first')
  await p.fill('[data-test=password]', FIRST)
  await p.click('[data-test=login-submit]')
  await p.waitForURL(/\/setup/)
  await p.waitForSelector('[data-test=setup-password]')
  // elsewhere is closed until set up
  await p.goto(BASE + '/workbench')
  await p.waitForURL(/\/setup/)
  // a password the policy refuses: the server's reason at the field
  await p.fill('[data-test=su-old]', FIRST)
  await p.fill('[data-test=su-new]', '123456789012345')
  await p.fill('[data-test=su-again]', '123456789012345')
  await p.click('[data-test=su-password-go]')
  await p.waitForFunction(() => document.querySelector('#su-new')?.closest('.el-form-item')?.querySelector('.el-form-item__error')?.textContent.includes('新密码不符合要求'))
  await p.fill('[data-test=su-new]', NEW)
  await p.fill('[data-test=su-again]', NEW)
  await p.click('[data-test=su-password-go]')
  await p.waitForSelector('[data-test=setup-totp]')
  await p.click('[data-test=su-key-go]')
  const secret = (await p.textContent('[data-test=su-secret]')).replace(/\s+/g, '')
  check(/^[A-Z2-7]{32}$/.test(secret), 'the key as text: ' + secret)
  const uri = (await p.textContent('[data-test=su-uri]')).trim()
  check(uri.startsWith('otpauth://totp/pingan:') && uri.includes('secret=' + secret), 'the otpauth URI: ' + uri)
  // the QR code, as the phone's camera would see it, reads back as exactly that URI
  const png = PNG.sync.read(await p.locator('[data-test=qr]').screenshot())
  const read = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)
  check(read, 'the QR code decodes')
  same(read.data, uri, 'the QR code')
  const code = totp(secret)
  await p.fill('[data-test=su-code]', code === '000000' ? '111111' : String((Number(code) + 1) % 1e6).padStart(6, '0'))
  await p.click('[data-test=su-confirm]')
  await p.waitForFunction(() => /动态码不正确/.test(document.querySelector('[data-test=setup-totp]')?.textContent)).catch(async (e) => {
    throw new Error('wrong code: ' + (await p.textContent('[data-test=setup-totp]')))
  })
  await p.fill('[data-test=su-code]', totp(secret))
  await p.click('[data-test=su-confirm]')
  await p.waitForSelector('[data-test=su-codes]')
  const codes = await p.locator('[data-test=su-codes] li').allTextContents()
  same(codes.length, 10, 'ten recovery codes')
  check(await p.isDisabled('[data-test=su-finish]'), 'not on before the codes are kept')
  await p.click('[data-test=su-saved]')
  await p.click('[data-test=su-finish]')
  await p.waitForURL(/\/workbench/)
  await p.waitForSelector('[data-test=queues]')
  // the account now logs in with the new password and its code
  const r = await fetch(BASE + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'web_first', password: NEW }) })
  same(r.status, 401, 'a code asked for')
  same((await r.json()).error.code, 'OTP_REQUIRED', 'the code asked for')
})

await run()
