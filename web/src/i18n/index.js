// i18n: simplified Chinese first, English as a switch; the choice is kept in the browser.
// A small lookup of our own rather than a message compiler: nothing here needs eval, so the
// pages run under a CSP that forbids it.
import { ref, computed } from 'vue'
import zh from './zh-CN.js'
import en from './en.js'

const tables = { 'zh-CN': zh, en }
const KEY = 'pingan.locale'

function initial() {
  try {
    const v = localStorage.getItem(KEY)
    if (v && tables[v]) return v
  } catch {
    /* storage may be off: Chinese then */
  }
  return 'zh-CN'
}

export const locale = ref(initial())
export const isEn = computed(() => locale.value === 'en')

export function setLocale(l) {
  if (!tables[l]) return
  locale.value = l
  document.documentElement.lang = l
  try {
    localStorage.setItem(KEY, l)
  } catch {
    /* not kept: it still switches for this visit */
  }
}

// t('login.title'), t('list.total', { n: 3 }): {name} in the text is replaced.
export function t(key, params) {
  const look = (tab) => key.split('.').reduce((o, k) => (o && o[k] !== undefined ? o[k] : undefined), tab)
  let s = look(tables[locale.value])
  if (s === undefined) s = look(zh)
  if (s === undefined) return key
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? params[k] : m))
  return s
}

// The name a server object carries in the current language: {name, name_en}.
export function nameOf(o) {
  if (!o) return ''
  return isEn.value && o.name_en ? o.name_en : o.name
}
