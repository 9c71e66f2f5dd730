import { z } from 'zod';

// The answers the producer flows collect, parsed before anything is stored: a flow file
// and the code that stores its answers must agree, and this is where they meet.

const text = z.string().min(1);

export const producerProfileAnswers = z.object({
  producerKind: z.enum(['cooperative', 'cooperative_group', 'enterprise', 'household']),
  producerName: text,
  registrationNumber: text.optional(),
  representative: text,
  position: text,
  phone: z.string().regex(/^84\d{9,10}$/),
  email: text.optional(),
  address: text,
  communeCode: z.string().regex(/^\d{5}$/),
});
export type ProducerProfileAnswers = z.infer<typeof producerProfileAnswers>;

/** What an idea keeps beyond its classification (the `details` column). */
export const productIdeaDetails = z.object({
  description: text,
  specialty: text,
  rawMaterials: text,
  rawMaterialsLocal: z.enum(['all', 'part', 'none']),
  localWorkers: z.number().int().min(0),
  output: text,
  packaging: text,
  market: text,
  support: text.optional(),
});

export const productIdeaAnswers = productIdeaDetails.extend({
  productName: text,
  sector: text,
  group: text,
  set: text,
  ideaKind: z.enum(['new_product', 'star_upgrade', 're_ranking']),
  /** set when an idea sent back for changes is resubmitted */
  $ideaId: z.string().regex(/^\d+$/).optional(),
});
export type ProductIdeaAnswers = z.infer<typeof productIdeaAnswers>;

export const businessPlanOutline = z.object({ market: text, production: text, rawMaterials: text, finance: text, risks: text });
export const businessPlanAnswers = businessPlanOutline.extend({ ideaId: z.string().regex(/^\d+$/) });

export const officialRequestAnswers = z.object({
  message: text,
  communeCode: z.string().regex(/^\d{5}$/).optional(),
  phone: z.string().regex(/^84\d{9,10}$/).optional(),
});
