export { costCommand } from './command';
export { estimateCost, formatEstimate, PricingError } from './calculator';
export type { CostEstimate, CostLine, CostOptions } from './calculator';
export { PRICE_TABLE } from './prices';
