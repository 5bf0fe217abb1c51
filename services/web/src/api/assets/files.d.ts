// The web service's files imported `with { type: "file" }` (see Assets.ts): each is its path.
declare module "*/assets/site.css" {
  const path: string
  export default path
}
declare module "*/assets/site.js" {
  const path: string
  export default path
}
declare module "htmx.org/dist/htmx.min.js" {
  const path: string
  export default path
}
