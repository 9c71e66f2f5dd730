/** A request to the stand-in that cannot be carried out as asked (answered with HTTP 400 on /sim). */
export class SimInputError extends Error {
  override name = 'SimInputError';
}
