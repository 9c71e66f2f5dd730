import { z } from 'zod';
import { producerKindSchema } from '../ocop/producer-kinds.js';

// The answers the producer flows collect, parsed before anything is stored: a flow file
// and the code that stores its answers must agree, and this is where they meet.

const text = z.string().min(1);

export const producerProfileAnswers = z.object({
  producerKind: producerKindSchema,
  producerName: text,
  /** which identifier a farm gives; only routes the questions */
  farmIdentifier: z.enum(['taxCode', 'personalId']).optional(),
  registrationNumber: text.optional(),
  personalId: z.string().regex(/^\d{12}$/).optional(),
  representative: text,
  position: text,
  gender: z.enum(['male', 'female']).optional(),
  /** a code of Quyết định 121-TCTK/PPCĐ (rules/ethnic-groups.yaml) */
  ethnicGroup: z.string().regex(/^\d{2}$/).optional(),
  permanentAddress: text.optional(),
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
