/**
 * Sending a notification on request (`POST /api/notifications`): the `notification.send` command,
 * checked first (the recipient fits its channel, the template renders with the data), then put on
 * the bus for the consumer to send. Under an Idempotency-Key (`Idempotent.optional`, decision 24)
 * the command is recorded with its key in one step before it is published: the same request again
 * publishes that command again, under its own id, whether or not the first publish got through
 * (the consumer sends once per command), and another request under the key is refused.
 */
import { MessageBus } from "@flight/bus"
import { type AnyMessage, Catalogue, Envelope, Messages } from "@flight/contracts"
import { Idempotent, Spans } from "@flight/runtime"
import { DateTime, Effect, Either, Option } from "effect"
import { type KeyedCommand, NotificationStore, NotificationStoreError } from "../domain/Notification.ts"
import { render } from "../domain/Templates.ts"
import { RecipientInvalid, recipientFits } from "./NotificationCommands.ts"

export type SendNotification = typeof Messages.SendNotification.data.Type

/** The command recorded under a key; one this build cannot read is a store error retrying will not mend. */
const commandOf = (recorded: KeyedCommand) =>
  Either.match(Catalogue.decodeJson(recorded.command), {
    onLeft: (error) =>
      Effect.zipRight(
        Effect.logError(`The command recorded under an Idempotency-Key cannot be read: ${error.message}`),
        Effect.fail(new NotificationStoreError({ operation: "key command", reason: `recorded command is invalid: ${error.message}`, transient: false })),
      ),
    onRight: Effect.succeed,
  })

/**
 * The Idempotency-Keys of sending, as the store holds them: a key is recorded with its command in
 * one step, so nothing is claimed before and nothing recorded or released after; a request that
 * lost the race to record its key fails with `IdempotencyKeyTaken`, and `Idempotent.run` looks again.
 */
const keysOf = (store: NotificationStore["Type"]): Idempotent.Store<AnyMessage, void, NotificationStoreError> => ({
  claim: (request) =>
    Effect.flatMap(store.keyedCommand(request.key), (recorded): Effect.Effect<Idempotent.Lookup<AnyMessage>, NotificationStoreError> =>
      Option.isNone(recorded)
        ? Effect.succeed(Idempotent.fresh(undefined))
        : Effect.map(commandOf(recorded.value), (command) => Idempotent.done(recorded.value.fingerprint, command))),
  record: () => Effect.void,
  release: () => Effect.void,
})

/** Sends `body` as a `notification.send` command: the command on the bus, and whether it is the first request's again. */
export const send = Spans.fn("NotificationSending.send")(function* (body: SendNotification, request: Option.Option<Idempotent.Request>) {
  if (!recipientFits(body.channel, body.recipient)) {
    return yield* new RecipientInvalid({ channel: body.channel, recipient: body.recipient })
  }
  yield* render(body.template, body.data)
  const store = yield* NotificationStore
  const command = yield* Envelope.make(Messages.SendNotification, body, { source: "notification" })
  const recorded = Option.match(request, {
    onNone: () => Effect.succeed(command),
    onSome: (keyed) =>
      Effect.flatMap(DateTime.now, (at) => store.keyCommand({ ...keyed, command: Catalogue.encodeJson(command), at })).pipe(
        Effect.flatMap(Option.match({
          onNone: () => Effect.succeed(command),
          onSome: () => Effect.fail(new Idempotent.IdempotencyKeyTaken({ key: keyed.key })),
        })),
      ),
  })
  const { replayed, value } = yield* Idempotent.optional(keysOf(store), request, recorded)
  const bus = yield* MessageBus
  yield* bus.publish(value)
  return { command: value, replayed }
})
