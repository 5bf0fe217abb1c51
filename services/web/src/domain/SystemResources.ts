/**
 * What the operations routes answer an admin (the gateway's and each message-bus service's): the
 * services' readiness, and a service's queue with its dead letters.
 */

/** The services on the message bus: each has a queue, dead letters and an outbox. */
export const busServices = ["booking", "flight", "payment", "notification"] as const
export type BusService = (typeof busServices)[number]

export const isBusService = (name: string): name is BusService => (busServices as ReadonlyArray<string>).includes(name)

/** `GET /api/operations/readiness` (the gateway). */
export interface ServiceReadiness {
  readonly service: string
  readonly state: "ready" | "not-ready" | "unreachable"
  readonly status: number | null
  readonly unavailable: ReadonlyArray<string>
}

export interface SystemReadiness {
  readonly ready: boolean
  readonly services: ReadonlyArray<ServiceReadiness>
}

/**
 * A dead letter, as far as the page shows it. The service answers its queue and its body too; the
 * page names the message and why it was given up on, never the body (a customer's data).
 */
export interface DeadLetter {
  readonly id: string
  readonly messageType: string | null
  readonly reason: string
  readonly detail: string
  readonly deadLetteredAt: string
  readonly attempts: number
}

/** `GET /api/operations/{service}/dead-letters` (the service). */
export interface DeadLetterQueue {
  readonly service: string
  readonly queue: { readonly name: string; readonly messages: number; readonly consumers: number }
  readonly deadLetters: { readonly name: string; readonly messages: number }
  readonly items: ReadonlyArray<DeadLetter>
}
