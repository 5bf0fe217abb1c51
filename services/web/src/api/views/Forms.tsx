/** @jsxImportSource hono/jsx */
/** Form parts that every page shares: the CSRF field, a labelled field with its error, the error summary. */
import type { Child } from "hono/jsx"

export const Csrf = (props: { readonly token: string }) => <input type="hidden" name="_csrf" value={props.token} />

export type FieldErrors = Readonly<Record<string, string>>

/** The errors of a form, listed at its top, each linking to its field (WCAG 3.3.1). */
export const ErrorSummary = (props: { readonly errors: FieldErrors; readonly lines?: ReadonlyArray<string> }) => {
  const entries = Object.entries(props.errors)
  const lines = props.lines ?? []
  if (entries.length === 0 && lines.length === 0) return null
  return (
    <div class="errors" role="alert" tabindex={-1} id="error-summary">
      <h2>{entries.length > 0 ? "Please correct the following" : "That did not work"}</h2>
      <ul>
        {lines.map((line) => <li>{line}</li>)}
        {entries.map(([field, message]) => <li><a href={`#${field}`}>{message}</a></li>)}
      </ul>
    </div>
  )
}

export interface FieldProps {
  readonly name: string
  readonly label: string
  readonly value?: string | undefined
  readonly errors: FieldErrors
  readonly type?: string
  readonly hint?: string
  readonly required?: boolean
  readonly autocomplete?: string
  readonly extra?: Record<string, string | number | boolean>
}

export const Field = (props: FieldProps) => {
  const error = props.errors[props.name]
  const described = [props.hint ? `${props.name}-hint` : "", error ? `${props.name}-error` : ""].filter((id) => id !== "").join(" ")
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={props.name}>{props.label}</label>
      {props.hint ? <span class="hint" id={`${props.name}-hint`}>{props.hint}</span> : null}
      {error ? <span class="error" id={`${props.name}-error`}>{error}</span> : null}
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value ?? ""}
        {...(props.required ? { required: true } : {})}
        {...(props.autocomplete ? { autocomplete: props.autocomplete } : {})}
        {...(described === "" ? {} : { "aria-describedby": described })}
        {...(error ? { "aria-invalid": "true" } : {})}
        {...(props.extra ?? {})}
      />
    </div>
  )
}

export const Select = (props: {
  readonly name: string
  readonly label: string
  readonly value: string
  readonly options: ReadonlyArray<readonly [string, string]>
  readonly errors: FieldErrors
}) => {
  const error = props.errors[props.name]
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={props.name}>{props.label}</label>
      {error ? <span class="error" id={`${props.name}-error`}>{error}</span> : null}
      <select id={props.name} name={props.name} {...(error ? { "aria-invalid": "true", "aria-describedby": `${props.name}-error` } : {})}>
        {props.options.map(([value, label]) => <option value={value} selected={value === props.value}>{label}</option>)}
      </select>
    </div>
  )
}

export const Section = (props: { readonly title: string; readonly children?: Child; readonly id?: string }) => (
  <section aria-labelledby={`${props.id ?? props.title.replace(/\W+/g, "-").toLowerCase()}-title`} id={props.id}>
    <h2 id={`${props.id ?? props.title.replace(/\W+/g, "-").toLowerCase()}-title`}>{props.title}</h2>
    {props.children}
  </section>
)
