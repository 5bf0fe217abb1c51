// swagger-ui-dist's files imported `with { type: "file" }` (see Docs.ts): each is its path.
declare module "swagger-ui-dist/*" {
  const path: string
  export default path
}
