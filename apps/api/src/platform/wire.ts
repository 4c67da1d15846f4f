import { z } from 'zod';

/** Timestamps on the wire (REST answers, webhook payloads, statements): ISO-8601 in UTC. */
export const TimestampSchema = z.iso.datetime();

export const isoTime = (date: Date) => date.toISOString();
export const isoTimeOrNull = (date: Date | null | undefined) => (date ? date.toISOString() : null);
