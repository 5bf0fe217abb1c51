/**
 * A visitor without a browser: fetch with a cookie jar, forms posted as a browser posts them, and
 * the CSRF token read from the page it was given. Redirects are not followed, so tests see them.
 */
export interface Answer {
  readonly status: number
  readonly html: string
  readonly headers: Headers
}

export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ""

export const attemptOf = (html: string): string => /name="attempt" value="([^"]+)"/.exec(html)?.[1] ?? ""

export const visitor = (base: string) => {
  const cookies = new Map<string, string>()
  const remember = (headers: Headers) => {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(";")
      const at = pair!.indexOf("=")
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1))
    }
  }
  const cookieHeader = () => [...cookies].map(([name, value]) => `${name}=${value}`).join("; ")
  const send = async (path: string, init: RequestInit = {}): Promise<Answer> => {
    const response = await fetch(new URL(path, base), {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string> | undefined), cookie: cookieHeader() },
    })
    remember(response.headers)
    return { status: response.status, html: await response.text(), headers: response.headers }
  }
  const get = (path: string) => send(path)
  const post = (path: string, fields: Record<string, string | ReadonlyArray<string>>) => {
    const body = new URLSearchParams()
    for (const [name, value] of Object.entries(fields)) for (const item of typeof value === "string" ? [value] : value) body.append(name, item)
    return send(path, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } })
  }
  /** GETs `page` for its CSRF token, then posts `fields` with it to `action`. */
  const submit = async (page: string, action: string, fields: Record<string, string | ReadonlyArray<string>>) => {
    const shown = await get(page)
    return post(action, { _csrf: csrfOf(shown.html), ...fields })
  }
  /** Follows a 303 (or any redirect) once. */
  const follow = (answer: Answer) => get(answer.headers.get("location") ?? "/")
  return { get, post, submit, follow, cookies, cookieHeader }
}

/** Text of a page without its tags, for assertions on what a person reads. */
export const textOf = (html: string): string =>
  html.replace(/<script[\s\S]*?<\/script>/g, "").replace(/<\/?(strong|span|a|code|time|em)\b[^>]*>/g, "").replace(/<[^>]+>/g, " ").replace(/&#39;/g, "'").replace(/&amp;/g, "&").replace(/&quot;/g, "\"").replace(/\s+/g, " ")
