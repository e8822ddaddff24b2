// bulk.js: one action taken on many cases, each sent on its own (POST /cases/{id}/actions)
// with a key of its own (Idempotency-Key): a partial failure names the cases it failed on,
// and sending again the ones not done, with the same keys, never acts twice on any.
import { post, idempotencyKey } from './api.js'
import { errorText } from './errors.js'

// the actions the server may list on a case as safe to take on many at once
export const BULK_ACTIONS = ['sign', 'urgent_on', 'supervise']

// Which of them every selected case lists in its bulk_actions.
export function commonActions(rows) {
  if (!rows.length) return []
  return BULK_ACTIONS.filter((a) => rows.every((r) => (r.bulk_actions || []).includes(a)))
}

// One entry per case, each with its own key, kept for a second try.
export function plan(rows) {
  return rows.map((row) => ({ row, key: idempotencyKey(), state: 'pending', error: '' }))
}

// Send body for each entry not done yet, one after another; step() after each answer.
export async function send(items, body, step) {
  for (const it of items) {
    if (it.state === 'done') continue
    it.state = 'sending'
    try {
      await post(`/cases/${it.row.id}/actions`, body, { headers: { 'Idempotency-Key': it.key } })
      it.state = 'done'
      it.error = ''
    } catch (e) {
      it.state = 'failed'
      it.error = errorText(e)
    }
    step()
  }
}
