// errors.js: an ApiError in words for people — ours for the codes we know, else the
// server's own message, as it is: it comes in the page's language (api.js asks for it),
// so new codes read sensibly without a new release.
import { t } from '../i18n/index.js'

export function errorText(e) {
  if (!e) return ''
  const code = e.code || ''
  const own = t('errors.' + code)
  if (own !== 'errors.' + code) return own
  return e.message || String(e)
}
