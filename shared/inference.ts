// The few fields of an inference request the gateway reads. Everything else passes through to the
// provider untouched (these schemas are loose), and the body forwarded is the client's own bytes.
import { z } from 'zod';

export const inferenceRequestSchema = z.looseObject({
  model: z.string({ error: 'model: a model id is required, e.g. "claude-sonnet-4-5"' }).min(1, 'model: must not be empty'),
  stream: z.boolean({ error: 'stream: must be true or false' }).optional(),
  max_tokens: z.number({ error: 'max_tokens: must be a number' }).optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).nullable().optional(),
});
export type InferenceRequest = z.infer<typeof inferenceRequestSchema>;
