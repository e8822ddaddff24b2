// format.js: numbers and dates as Chinese government software shows them — times in China
// Standard Time whatever the browser's zone (the cases happen there), 2026-11-25 11:20 in
// tables, 2026年11月25日 in prose, 1,234 and 85.3% for numbers.
import { t, locale } from '../i18n/index.js'

const TZ = 'Asia/Shanghai'

function parts(iso) {
  const d = iso instanceof Date ? iso : new Date(iso)
  if (isNaN(d)) return null
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  })
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]))
  return p
}

export function dateTime(iso) {
  if (!iso) return '—'
  const p = parts(iso)
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : '—'
}

export function date(iso) {
  if (!iso) return '—'
  const p = parts(iso)
  if (!p) return '—'
  if (locale.value === 'en') return `${p.year}-${p.month}-${p.day}`
  return `${p.year}年${+p.month}月${+p.day}日`
}

export function number(n) {
  if (n === null || n === undefined) return '—'
  return new Intl.NumberFormat('zh-CN').format(n)
}

export function percent(x, digits = 1) {
  if (x === null || x === undefined) return '—'
  return (x * 100).toFixed(digits) + '%'
}

// "3天5小时" from milliseconds (days of 24 hours: the yellow and red limits are already
// counted in working days by the server; this is only the time left until them).
export function duration(ms) {
  const h = Math.floor(Math.abs(ms) / 3600000)
  const d = Math.floor(h / 24)
  const hh = h % 24
  if (d > 0) return t('time.dh', { d, h: hh })
  if (h > 0) return t('time.h', { h })
  return t('time.m', { m: Math.max(1, Math.floor(Math.abs(ms) / 60000)) })
}

// The clock of a case as a colour and words: green (time left to yellow), yellow (past
// yellow, time left to red), red (past red), paused (waiting), none (no clock runs).
export function clockState(deadline, now = Date.now()) {
  if (!deadline || (!deadline.yellow_at && !deadline.red_at)) return { level: 'none', text: t('clock.none') }
  if (deadline.paused_since) return { level: 'paused', text: t('clock.paused', { at: dateTime(deadline.paused_since) }) }
  const y = deadline.yellow_at ? Date.parse(deadline.yellow_at) : null
  const r = deadline.red_at ? Date.parse(deadline.red_at) : null
  if (r !== null && now >= r) return { level: 'red', text: t('clock.overdue', { d: duration(now - r) }) }
  if (y !== null && now >= y) return { level: 'yellow', text: t('clock.toRed', { d: duration(r - now) }) }
  if (y !== null) return { level: 'green', text: t('clock.left', { d: duration(y - now) }) }
  return { level: 'green', text: t('clock.left', { d: duration(r - now) }) }
}

export const clockTag = { none: 'info', paused: 'info', green: 'success', yellow: 'warning', red: 'danger' }
