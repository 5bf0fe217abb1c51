/** A notification channel whose every send takes `takes`, counting the sends it began. */
import { type Duration, Effect } from "effect"
import type { NotificationChannel } from "../../src/domain/Notification.ts"

export const slowChannel = (takes: Duration.DurationInput) => {
  const sends: Array<string> = []
  const channel: NotificationChannel["Type"] = {
    send: (message) =>
      Effect.suspend(() => {
        sends.push(`${message.channel} ${message.recipient} ${message.subject}`)
        return Effect.as(Effect.sleep(takes), { deliveredBy: "slow" })
      }),
  }
  return { channel, sends }
}
