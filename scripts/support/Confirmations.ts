/**
 * The bookings this system confirms, as a downstream consumer learns of them: `booking.confirmed`
 * on the system's events exchange, through a queue of the caller's own (exclusive, gone when it
 * disconnects). Benchmarks wait on it instead of asking the booking service every few milliseconds,
 * which would load the service they measure.
 */
import amqp from "amqplib"

export interface Confirmations {
  /** Resolves when the booking's `booking.confirmed` is published (at once if it already was). */
  readonly confirmed: (bookingId: string) => Promise<void>
  readonly close: () => Promise<void>
}

export const listen = async (rabbitUrl: string, busPrefix: string): Promise<Confirmations> => {
  const connection = await amqp.connect(rabbitUrl)
  const channel = await connection.createChannel()
  const { queue } = await channel.assertQueue("", { exclusive: true, autoDelete: true })
  await channel.bindQueue(queue, `${busPrefix}.events`, "booking.confirmed")
  const seen = new Set<string>()
  const waiting = new Map<string, () => void>()
  await channel.consume(queue, (message) => {
    if (message === null) return
    const bookingId = (JSON.parse(message.content.toString()) as { data: { bookingId: string } }).data.bookingId
    seen.add(bookingId)
    waiting.get(bookingId)?.()
    waiting.delete(bookingId)
  }, { noAck: true })
  return {
    confirmed: (bookingId) =>
      seen.has(bookingId) ? Promise.resolve() : new Promise((resolve) => void waiting.set(bookingId, resolve)),
    close: () => connection.close(),
  }
}
