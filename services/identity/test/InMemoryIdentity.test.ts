import { contract } from "./IdentityContract.ts"
import * as Identity from "./support/Identity.ts"

contract("the in-memory store", Identity.inMemory)
