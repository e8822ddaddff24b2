// fields.js: the values of a server-defined form (case type fields, a record) as the API
// takes them: empty ones left out, so an optional field left blank is absent, not "".
export function fieldValues(fields, values) {
  const out = {}
  for (const f of fields) {
    const v = values[f.code]
    if (v === undefined || v === null || v === '') continue
    out[f.code] = v
  }
  return out
}

// The required fields left empty (a bool is never empty: false is an answer).
export function missingFields(fields, values) {
  return fields.filter((f) => f.required && f.type !== 'bool' && (values[f.code] === undefined || values[f.code] === null || values[f.code] === ''))
}
