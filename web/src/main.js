// main.js: the web face of pingan starts here.
import { createApp } from 'vue'
import 'element-plus/theme-chalk/base.css'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import './styles.css'
import App from './App.vue'
import { router } from './router.js'
import { setUnauthenticatedHandler } from './lib/api.js'
import { session } from './lib/session.js'
import { forgetKept } from './lib/kept.js'
import { locale } from './i18n/index.js'

document.documentElement.lang = locale.value

// a session that ends while a page is open: back to log-in, then back here
setUnauthenticatedHandler(() => {
  session.user = null
  forgetKept()
  const here = router.currentRoute.value
  if (!here.meta.public) router.replace({ name: 'login', query: { next: here.fullPath } })
})

createApp(App).use(router).mount('#app')
