// plugin.js: a Vite plugin writing dist/sw.js from worker.js with this build's files (the
// app shell to keep) and a version made from them, so each new build is a new worker, a new
// cache, and the old cache dropped.
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = (f) => fileURLToPath(new URL(f, import.meta.url))

export default function serviceWorker() {
  return {
    name: 'pingan-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_, bundle) {
      const pub = readdirSync(here('../public')).map((f) => '/' + f)
      const built = Object.keys(bundle).filter((f) => f !== 'index.html' && !f.endsWith('.map')).map((f) => '/' + f)
      const shell = ['/index.html', ...pub, ...built.sort()]
      const h = createHash('sha256')
      for (const f of shell) h.update(f + '\n')
      const index = bundle['index.html']
      if (!index) this.error('no index.html in the bundle')
      h.update(index.source)
      const source = readFileSync(here('worker.js'), 'utf8')
        .replace("'__VERSION__'", JSON.stringify(h.digest('hex').slice(0, 16)))
        .replace('__SHELL__', JSON.stringify(shell))
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}
