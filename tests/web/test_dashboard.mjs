// test_dashboard.mjs: the city's indicators with 环比/同比, the drill-down from the city to
// a town, and the table exported as CSV (UTF-8 with its byte-order mark) and as an .xlsx
// workbook that holds the same rows.
import { readFileSync } from 'node:fs'
import { BASE, test, run, login, check, same } from './lib.mjs'

test('indicators, drill-down to a town, CSV and Excel export', async ({ page }) => {
  const p = await page()
  await login(p, 'city_staff')
  await p.click('[data-test=nav-dashboard]')
  await p.waitForSelector('[data-test=db-cards] [data-ind=reported]')
  const stats = await p.evaluate(() => fetch('/api/v1/stats?region=429006').then((r) => r.json()))
  const shown = (await p.textContent('[data-test=db-cards]')).replace(/,/g, '')
  check(shown.includes(String(stats.open)), 'open cases shown: ' + stats.open)
  // the table lists the 25 towns; a town drills down to its villages
  await p.waitForSelector('[data-test=db-table] [data-drill="429006101"]')
  const xlsx = p.waitForEvent('download')
  await p.click('[data-test=export-xlsx]')
  const xf = readFileSync(await (await xlsx).path())
  same(xf.subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'xlsx is a zip')
  const text = xf.toString('utf8')
  check(text.includes('xl/worksheets/sheet1.xml') && text.includes('渔薪镇') && text.includes('办结率'), 'sheet holds the towns and the header')
  const csv = p.waitForEvent('download')
  await p.click('[data-test=export-csv]')
  const cf = readFileSync(await (await csv).path(), 'utf8')
  check(cf.startsWith('\ufeff区域,上报,受理'), 'csv header: ' + cf.slice(0, 40))
  same(cf.trim().split('\r\n').length, 26, 'csv rows: header and 25 towns')
  await p.click('[data-test=db-table] [data-drill="429006101"]')
  await p.waitForFunction(() => document.querySelector('[data-test=db-path]')?.textContent.includes('渔薪镇'))
  await p.waitForSelector('[data-test=db-table] [data-drill="429006101001"]')
})

await run()
