// geo.js: the little plane geometry the pages need on grid boundaries as the server gives
// them (rings of [lng, lat]): which grid holds a point, and a point inside a grid.

// Ray casting: is [x, y] inside the ring (closed or not)?
export function inRing(ring, x, y) {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

// A point inside the ring to stand for the grid: the mean of its corners when that is
// inside (it is for the convex grids of a city), else the middle of the first edge's inner
// side, nudged in.
export function pointIn(ring) {
  const pts = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.slice(0, -1) : ring
  const x = pts.reduce((s, p) => s + p[0], 0) / pts.length
  const y = pts.reduce((s, p) => s + p[1], 0) / pts.length
  const r6 = (v) => Math.round(v * 1e6) / 1e6
  if (inRing(ring, x, y)) return { lng: r6(x), lat: r6(y) }
  for (let k = 1; k < 10; k++) {
    const px = pts[0][0] + ((x - pts[0][0]) * k) / 10
    const py = pts[0][1] + ((y - pts[0][1]) * k) / 10
    if (inRing(ring, px, py)) return { lng: r6(px), lat: r6(py) }
  }
  return { lng: r6(pts[0][0]), lat: r6(pts[0][1]) }
}

// The grid of a list ({ring}) that holds the point, or null.
export function gridAt(grids, lng, lat) {
  return grids.find((g) => inRing(g.ring, lng, lat)) || null
}
