/**
 * The nesting cap of JSON from outside (HTTP bodies, messages on the bus). Real requests and
 * messages nest a few levels; a body nested thousands deep is an attack on every recursive step
 * after the parser (decoding, formatting an error, logging), so it is refused before any of them,
 * by a scan of the text that itself uses no stack.
 */

/** The deepest nesting of arrays and objects accepted: far beyond any contract, far below harm. */
export const maxDepth = 32

/**
 * Whether `text` nests arrays and objects deeper than `limit` (brackets inside strings do not
 * count). Linear in the text and stackless; the text need not be valid JSON (the parser judges that).
 */
export const exceeds = (text: string, limit: number = maxDepth): boolean => {
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === 0x5c) index++ // a backslash escapes the next character, a quote included
      else if (code === 0x22) inString = false
    } else if (code === 0x22) {
      inString = true
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true
    } else if (code === 0x5d || code === 0x7d) {
      depth--
    }
  }
  return false
}

/** What a client or a dead letter is told when a document nests too deep. */
export const tooDeep = (limit: number = maxDepth): string => `nests arrays and objects more than ${limit} levels deep`
