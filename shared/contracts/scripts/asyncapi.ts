/**
 * Prints the message catalogue as an AsyncAPI 3.0 document (JSON), or with `--table` as the
 * Markdown table the README shows.
 *
 *   bun shared/contracts/scripts/asyncapi.ts > asyncapi.json
 *   bun shared/contracts/scripts/asyncapi.ts --table
 */
import * as AsyncApi from "../src/AsyncApi.ts"

console.log(process.argv.includes("--table") ? AsyncApi.messageTable() : JSON.stringify(AsyncApi.make(), null, 2))
